import { fault } from '../protocol/errors.js';
import { checkIdentifier } from '../control-plane/checks.js';
import { checkSnapshotQuota, newSnapshotDataKey, presentClusterSnapshot, requireClusterSnapshot, snapshotEvent } from '../control-plane/snapshots.js';
import { clusterSnapshotArn } from '../control-plane/naming.js';
import { mergeTags } from '../control-plane/tags.js';
import type { OperationHandler } from '../control-plane/context.js';

export const CopyDBClusterSnapshot: OperationHandler = async (input, ctx) => {
  const { partition } = ctx;
  const source = requireClusterSnapshot(partition, input.SourceDBClusterSnapshotIdentifier);
  const id = checkIdentifier('TargetDBClusterSnapshotIdentifier', input.TargetDBClusterSnapshotIdentifier);
  if (source.status !== 'available') {
    throw fault('InvalidDBClusterSnapshotStateFault', `Snapshot ${source.id} is not in available state; it is ${source.status}.`);
  }
  if (partition.clusterSnapshots[id]) {
    throw fault('DBClusterSnapshotAlreadyExistsFault', `Cannot create the cluster snapshot because one with the identifier ${id} already exists.`);
  }
  checkSnapshotQuota(ctx);
  const copy = {
    ...source,
    id,
    arn: clusterSnapshotArn(ctx.region, ctx.account, id),
    snapshotType: 'manual' as const, // a copy of an automated snapshot is manual, as on AWS
    status: 'creating',
    createdAt: new Date().toISOString(),
    sourceSnapshotArn: source.arn,
    dataKey: newSnapshotDataKey(),
    restoreAccounts: [],
    tags: mergeTags(input.CopyTags ? source.tags : [], input.Tags, ctx.config.quotas.tagsPerResource),
  };
  await ctx.dataPlane.copySnapshot(source.dataKey, copy.dataKey);
  partition.clusterSnapshots[id] = copy;
  snapshotEvent(partition, copy, 'Creating manual cluster snapshot', 'RDS-EVENT-0074');
  ctx.lifecycle.schedule(partition, 'cluster-snapshot-available', id, ctx.config.delays.createClusterMs);
  return { DBClusterSnapshot: presentClusterSnapshot(partition, copy) };
};
