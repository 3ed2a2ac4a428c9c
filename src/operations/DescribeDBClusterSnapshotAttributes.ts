import { requireClusterSnapshot } from '../control-plane/snapshots.js';
import type { OperationHandler } from '../control-plane/context.js';

export const DescribeDBClusterSnapshotAttributes: OperationHandler = (input, ctx) => {
  const snapshot = requireClusterSnapshot(ctx.partition, input.DBClusterSnapshotIdentifier);
  return {
    DBClusterSnapshotAttributesResult: {
      DBClusterSnapshotIdentifier: snapshot.id,
      DBClusterSnapshotAttributes: [{ AttributeName: 'restore', AttributeValues: snapshot.restoreAccounts }],
    },
  };
};
