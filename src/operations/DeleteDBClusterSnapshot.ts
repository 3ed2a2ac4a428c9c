import { fault } from '../protocol/errors.js';
import { presentClusterSnapshot, requireClusterSnapshot } from '../control-plane/snapshots.js';
import type { OperationHandler } from '../control-plane/context.js';

export const DeleteDBClusterSnapshot: OperationHandler = (input, ctx) => {
  const snapshot = requireClusterSnapshot(ctx.partition, input.DBClusterSnapshotIdentifier);
  if (snapshot.status !== 'available') {
    throw fault('InvalidDBClusterSnapshotStateFault', `Cannot delete the snapshot because it is not in available state; it is ${snapshot.status}.`);
  }
  if (snapshot.snapshotType === 'automated') {
    // AWS deletes automated snapshots only with their retention or their cluster; wording ours.
    throw fault('InvalidDBClusterSnapshotStateFault', 'Cannot delete an automated DB cluster snapshot; it expires with the backup retention period.');
  }
  snapshot.status = 'deleting';
  ctx.lifecycle.schedule(ctx.partition, 'cluster-snapshot-deleted', snapshot.id, ctx.config.delays.deleteClusterMs);
  return { DBClusterSnapshot: presentClusterSnapshot(ctx.partition, snapshot) };
};
