import { fault, invalidParameterCombination } from '../protocol/errors.js';
import { checkIdentifier } from '../control-plane/checks.js';
import { requireCluster } from '../control-plane/lookup.js';
import { checkSnapshotQuota, takeClusterSnapshot } from '../control-plane/snapshots.js';
import { clusterMembers, presentCluster } from '../control-plane/presenters.js';
import type { OperationHandler } from '../control-plane/context.js';

export const DeleteDBCluster: OperationHandler = async (input, ctx) => {
  const { partition, config } = ctx;
  const cluster = requireCluster(partition, input.DBClusterIdentifier);
  if (cluster.deletionProtection) {
    throw invalidParameterCombination('Cannot delete protected Cluster, please disable deletion protection and try again.');
  }
  const skip = input.SkipFinalSnapshot === true;
  const finalId: string | undefined = input.FinalDBSnapshotIdentifier;
  if (skip && finalId !== undefined) throw invalidParameterCombination('You cannot specify both FinalDBSnapshotIdentifier and SkipFinalSnapshot');
  if (!skip && finalId === undefined) throw invalidParameterCombination('FinalDBSnapshotIdentifier is required unless SkipFinalSnapshot is specified.');
  if (cluster.globalClusterIdentifier) {
    // AWS's wording (quoted in terraform-provider-aws).
    throw fault('InvalidDBClusterStateFault', 'This cluster is a part of a global cluster, please remove it from globalcluster first');
  }
  if (clusterMembers(partition, cluster.id).some((m) => m.status !== 'deleting')) {
    throw fault('InvalidDBClusterStateFault', 'Cluster cannot be deleted, it still contains DB instances in non-deleting state.');
  }
  if (cluster.status === 'deleting') throw fault('InvalidDBClusterStateFault', `DB Cluster ${cluster.id} is already being deleted.`);
  if (!['available', 'stopped', 'creating', 'failed', 'inaccessible-encryption-credentials'].includes(cluster.status)) {
    throw fault('InvalidDBClusterStateFault', `DbCluster ${cluster.id} is in ${cluster.status} state but expected it to be one of available,stopped.`);
  }
  if (finalId !== undefined) {
    // The final snapshot holds the cluster's data as of this call, and outlives the cluster.
    checkSnapshotQuota(ctx);
    const snapshotId = checkIdentifier('FinalDBSnapshotIdentifier', finalId);
    await takeClusterSnapshot(ctx, cluster, snapshotId, 'manual', cluster.copyTagsToSnapshot ? [...cluster.tags] : []);
  }
  // Automated backups go with the cluster; manual snapshots stay.
  if (input.DeleteAutomatedBackups !== false) {
    for (const snapshot of Object.values(partition.clusterSnapshots)) {
      if (snapshot.clusterId === cluster.id && snapshot.snapshotType === 'automated') {
        snapshot.status = 'deleting';
        ctx.lifecycle.schedule(partition, 'cluster-snapshot-deleted', snapshot.id, 0);
      }
    }
  }
  ctx.lifecycle.cancel(partition, cluster.id);
  cluster.status = 'deleting';
  ctx.lifecycle.schedule(partition, 'cluster-deleted', cluster.id, config.delays.deleteClusterMs);
  return { DBCluster: presentCluster(partition, cluster) };
};
