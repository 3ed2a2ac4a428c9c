import { fault, invalidParameterCombination } from '../protocol/errors.js';
import { globalMembers, globalPartition, presentGlobalCluster, requireGlobalCluster } from '../control-plane/globalClusters.js';
import type { OperationHandler } from '../control-plane/context.js';

// "The primary and secondary clusters must already be detached or destroyed first" (API
// reference). The answer shows the global cluster as it was; it is gone at once (CLI example
// delete-global-cluster). Wordings inferred.
export const DeleteGlobalCluster: OperationHandler = (input, { store, account }) => {
  const global = requireGlobalCluster(store, account, input.GlobalClusterIdentifier);
  if (global.deletionProtection) {
    throw invalidParameterCombination('Cannot delete protected Global Cluster, please disable deletion protection and try again.');
  }
  if (global.status !== 'available') {
    throw fault('InvalidGlobalClusterStateFault', `Global cluster ${global.id} is in ${global.status} state but expected it to be one of available.`);
  }
  const members = globalMembers(store, account, global.id);
  if (members.length) {
    throw fault(
      'InvalidGlobalClusterStateFault',
      `Global cluster ${global.id} still has ${members.length} member DB cluster(s). Remove them (RemoveFromGlobalCluster) or delete them before deleting the global cluster.`,
    );
  }
  const output = { GlobalCluster: presentGlobalCluster(store, account, global) };
  delete globalPartition(store, account).globalClusters[global.id];
  return output;
};
