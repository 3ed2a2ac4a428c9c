import { fault } from '../protocol/errors.js';
import { checkIdentifier } from '../control-plane/checks.js';
import { requireCluster } from '../control-plane/lookup.js';
import { checkSnapshotQuota, presentClusterSnapshot, takeClusterSnapshot } from '../control-plane/snapshots.js';
import { mergeTags } from '../control-plane/tags.js';
import type { OperationHandler } from '../control-plane/context.js';

export const CreateDBClusterSnapshot: OperationHandler = async (input, ctx) => {
  const id = checkIdentifier('DBClusterSnapshotIdentifier', input.DBClusterSnapshotIdentifier);
  const cluster = requireCluster(ctx.partition, input.DBClusterIdentifier);
  if (!['available', 'stopped'].includes(cluster.status)) {
    throw fault('InvalidDBClusterStateFault', `DBCluster ${cluster.id} is in ${cluster.status} state but expected it to be one of available,stopped.`);
  }
  checkSnapshotQuota(ctx);
  const tags = mergeTags(cluster.copyTagsToSnapshot ? cluster.tags : [], input.Tags, ctx.config.quotas.tagsPerResource);
  const snapshot = await takeClusterSnapshot(ctx, cluster, id, 'manual', tags);
  return { DBClusterSnapshot: presentClusterSnapshot(ctx.partition, snapshot) };
};
