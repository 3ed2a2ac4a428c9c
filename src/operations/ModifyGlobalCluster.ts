import { fault, invalidParameterCombination } from '../protocol/errors.js';
import { checkIdentifier } from '../control-plane/checks.js';
import { engineInfo, majorVersion, resolveEngineVersion } from '../control-plane/engines.js';
import { globalClusterArn, globalMembers, globalPartition, presentGlobalCluster, requireGlobalCluster } from '../control-plane/globalClusters.js';
import { clusterMembers } from '../control-plane/presenters.js';
import type { OperationHandler } from '../control-plane/context.js';

// NewGlobalClusterIdentifier, DeletionProtection and EngineVersion (every member follows; a
// major version needs AllowMajorVersionUpgrade). Wordings inferred.
export const ModifyGlobalCluster: OperationHandler = (input, ctx) => {
  const { store, account, config } = ctx;
  const global = requireGlobalCluster(store, account, input.GlobalClusterIdentifier);
  if (global.status !== 'available') {
    throw fault('InvalidGlobalClusterStateFault', `Global cluster ${global.id} is in ${global.status} state but expected it to be one of available.`);
  }
  const part = globalPartition(store, account);
  const newId = input.NewGlobalClusterIdentifier !== undefined ? checkIdentifier('NewGlobalClusterIdentifier', input.NewGlobalClusterIdentifier) : undefined;
  if (newId !== undefined && newId !== global.id && part.globalClusters[newId]) throw fault('GlobalClusterAlreadyExistsFault', `Global cluster ${newId} already exists.`);
  const engineVersion = input.EngineVersion !== undefined ? resolveEngineVersion(global.engine, input.EngineVersion) : undefined;
  const members = globalMembers(store, account, global.id);
  if (engineVersion !== undefined && engineVersion !== global.engineVersion) {
    const versions = engineInfo(global.engine).versions;
    if (versions.indexOf(engineVersion) < versions.indexOf(global.engineVersion)) {
      throw invalidParameterCombination(`Cannot upgrade global cluster ${global.id} from ${global.engineVersion} to the lower version ${engineVersion}.`);
    }
    if (majorVersion(global.engine, engineVersion) !== majorVersion(global.engine, global.engineVersion) && input.AllowMajorVersionUpgrade !== true) {
      throw invalidParameterCombination('The AllowMajorVersionUpgrade flag must be present when upgrading to a new major version.');
    }
    const busy = members.find((m) => m.cluster.status !== 'available');
    if (busy) {
      throw fault('InvalidDBClusterStateFault', `DbCluster ${busy.cluster.id} is in ${busy.cluster.status} state but expected it to be one of available.`);
    }
  }

  if (input.DeletionProtection !== undefined) global.deletionProtection = input.DeletionProtection;
  if (engineVersion !== undefined && engineVersion !== global.engineVersion) {
    global.engineVersion = engineVersion;
    for (const { partition, cluster } of members) {
      cluster.engineVersion = engineVersion;
      for (const instance of clusterMembers(partition, cluster.id)) instance.engineVersion = engineVersion;
    }
    global.status = 'upgrading';
    ctx.lifecycle.schedule(part, 'global-cluster-upgraded', global.id, config.delays.modifyClusterMs);
  }
  if (newId !== undefined && newId !== global.id) {
    const oldId = global.id;
    delete part.globalClusters[oldId];
    global.id = newId;
    global.arn = globalClusterArn(account, newId);
    part.globalClusters[newId] = global;
    for (const { cluster } of members) cluster.globalClusterIdentifier = newId;
    for (const transition of part.transitions) if (transition.resourceId === oldId) transition.resourceId = newId;
  }
  return { GlobalCluster: presentGlobalCluster(store, account, global) };
};
