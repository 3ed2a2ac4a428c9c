import { fault, invalidParameterCombination, invalidParameterValue } from '../protocol/errors.js';
import { checkDatabaseName, checkIdentifier } from '../control-plane/checks.js';
import { checkEngine, resolveEngineVersion } from '../control-plane/engines.js';
import { backtrackSupported } from '../control-plane/backtrack.js';
import {
  findClusterAnywhere,
  globalClusterArn,
  globalPartition,
  newGlobalClusterResourceId,
  presentGlobalCluster,
} from '../control-plane/globalClusters.js';
import { mergeTags } from '../control-plane/tags.js';
import type { GlobalClusterRecord } from '../control-plane/records.js';
import type { OperationHandler } from '../control-plane/context.js';

// Empty (Engine, EngineVersion, DatabaseName, StorageEncrypted), or around an existing cluster
// (SourceDBClusterIdentifier, an ARN), which becomes the primary and gives those settings.
export const CreateGlobalCluster: OperationHandler = (input, ctx) => {
  const { store, account, config } = ctx;
  const id = checkIdentifier('GlobalClusterIdentifier', input.GlobalClusterIdentifier);
  const source: string | undefined = input.SourceDBClusterIdentifier;
  if (source !== undefined) {
    const given = ['Engine', 'EngineVersion', 'DatabaseName', 'StorageEncrypted'].filter((name) => input[name] !== undefined);
    // The rule is the API reference's; the wording is ours.
    if (given.length) {
      throw invalidParameterCombination(`${given.join(', ')} can't be specified with SourceDBClusterIdentifier: Aurora uses the values of the source DB cluster.`);
    }
  } else if (input.Engine === undefined) {
    throw invalidParameterValue('The parameter Engine must be provided unless SourceDBClusterIdentifier is specified.');
  }
  const globals = globalPartition(store, account).globalClusters;
  // Wording inferred.
  if (globals[id]) throw fault('GlobalClusterAlreadyExistsFault', `Global cluster ${id} already exists.`);

  const located = source !== undefined ? findClusterAnywhere(ctx, source) : undefined;
  if (source !== undefined && !located) throw fault('DBClusterNotFoundFault', `DBCluster ${source} not found.`);
  const cluster = located?.cluster;
  if (cluster?.globalClusterIdentifier) {
    throw fault('InvalidDBClusterStateFault', `DB cluster ${cluster.arn} is already a member of global cluster ${cluster.globalClusterIdentifier}.`);
  }
  if (cluster && backtrackSupported(cluster)) {
    // Aurora global databases don't support Backtrack (Aurora User Guide); the wording is ours.
    throw fault('InvalidDBClusterStateFault', `DB cluster ${cluster.arn} has Backtrack enabled: Aurora global databases don't support Backtrack.`);
  }
  if (cluster && cluster.status !== 'available') {
    throw fault('InvalidDBClusterStateFault', `DbCluster ${cluster.id} is in ${cluster.status} state but expected it to be one of available.`);
  }
  const engine = cluster?.engine ?? checkEngine(input.Engine);
  if (!cluster) checkDatabaseName(input.DatabaseName, engine === 'aurora-mysql' ? 64 : 63);
  const global: GlobalClusterRecord = {
    id,
    arn: globalClusterArn(account, id),
    resourceId: newGlobalClusterResourceId(),
    engine,
    engineVersion: cluster?.engineVersion ?? resolveEngineVersion(engine, input.EngineVersion),
    engineLifecycleSupport: input.EngineLifecycleSupport ?? 'open-source-rds-extended-support',
    databaseName: cluster ? cluster.databaseName : input.DatabaseName,
    storageEncrypted: cluster?.storageEncrypted ?? input.StorageEncrypted ?? false,
    deletionProtection: input.DeletionProtection ?? false,
    // AWS answers `available` at once (CLI example create-global-cluster).
    status: 'available',
    createdAt: new Date().toISOString(),
    tags: mergeTags([], input.Tags, config.quotas.tagsPerResource),
  };
  globals[id] = global;
  if (cluster) {
    cluster.globalClusterIdentifier = id;
    cluster.globalRole = 'primary';
  }
  return { GlobalCluster: presentGlobalCluster(store, account, global) };
};
