import { fault, invalidParameterValue } from '../protocol/errors.js';
import { findClusterAnywhere, globalMembers, presentGlobalCluster, requireGlobalCluster } from '../control-plane/globalClusters.js';
import { clusterMembers } from '../control-plane/presenters.js';
import { choosePromotionTarget } from '../control-plane/promotion.js';
import type { OperationHandler } from '../control-plane/context.js';

// The cluster leaves the global database and stands alone, with read-write capability: a
// removed secondary gets a writer again (its best instance). The primary can leave only once
// the secondaries have gone. Wordings inferred; for a cluster that is not a member,
// Terraform matches "InvalidParameterValue … is not found in global cluster".
export const RemoveFromGlobalCluster: OperationHandler = (input, ctx) => {
  const { store, account } = ctx;
  const global = requireGlobalCluster(store, account, input.GlobalClusterIdentifier);
  const located = findClusterAnywhere(ctx, input.DbClusterIdentifier);
  if (!located) throw fault('DBClusterNotFoundFault', `DBCluster ${input.DbClusterIdentifier} not found.`);
  const { partition, cluster } = located;
  if (cluster.globalClusterIdentifier !== global.id) {
    throw invalidParameterValue(`The DB cluster ${cluster.arn} is not found in global cluster ${global.id}.`);
  }
  if (global.status !== 'available') {
    throw fault('InvalidGlobalClusterStateFault', `Global cluster ${global.id} is in ${global.status} state but expected it to be one of available.`);
  }
  const members = globalMembers(store, account, global.id);
  if (cluster.globalRole === 'primary' && members.length > 1) {
    throw fault('InvalidGlobalClusterStateFault', `DB cluster ${cluster.arn} is the primary cluster of global cluster ${global.id}: remove its secondary clusters first.`);
  }
  const wasSecondary = cluster.globalRole === 'secondary';
  delete cluster.globalClusterIdentifier;
  delete cluster.globalRole;
  delete cluster.globalWriteForwarding;
  if (wasSecondary) {
    const instances = clusterMembers(partition, cluster.id).filter((m) => m.status !== 'deleting');
    const writer = choosePromotionTarget(instances.filter((m) => m.status === 'available')) ?? choosePromotionTarget(instances);
    if (writer) writer.isWriter = true;
  }
  return { GlobalCluster: presentGlobalCluster(store, account, global) };
};
