import { invalidParameterCombination } from '../protocol/errors.js';
import { applyFilters } from '../control-plane/filters.js';
import { findCluster, storedIdsInFilter } from '../control-plane/lookup.js';
import { paginate } from '../control-plane/pagination.js';
import { presentClusterSnapshot, requireClusterSnapshot } from '../control-plane/snapshots.js';
import type { ClusterSnapshotRecord } from '../control-plane/records.js';
import type { OperationHandler } from '../control-plane/context.js';

export const DescribeDBClusterSnapshots: OperationHandler = (input, { partition }) => {
  if (input.DBClusterSnapshotIdentifier !== undefined && input.DBClusterIdentifier !== undefined) {
    // Documented: "This parameter can't be used together with DBClusterIdentifier"; wording ours.
    throw invalidParameterCombination('DBClusterSnapshotIdentifier and DBClusterIdentifier cannot be used together.');
  }
  let snapshots: ClusterSnapshotRecord[];
  if (input.DBClusterSnapshotIdentifier !== undefined) {
    snapshots = [requireClusterSnapshot(partition, input.DBClusterSnapshotIdentifier)];
  } else {
    snapshots = Object.values(partition.clusterSnapshots).sort((a, b) => a.id.localeCompare(b.id));
    if (input.DBClusterIdentifier !== undefined) {
      const clusterId = findCluster(partition, input.DBClusterIdentifier)?.id ?? input.DBClusterIdentifier.toLowerCase();
      snapshots = snapshots.filter((s) => s.clusterId === clusterId);
    }
  }
  // Without SnapshotType, AWS returns automated and manual snapshots (shared/public only on request).
  if (input.SnapshotType !== undefined) snapshots = snapshots.filter((s) => s.snapshotType === input.SnapshotType);
  if (input.DbClusterResourceId !== undefined) snapshots = snapshots.filter((s) => s.resourceId === input.DbClusterResourceId);
  const filters = storedIdsInFilter(input.Filters, 'db-cluster-id', (v) => findCluster(partition, v));
  snapshots = applyFilters(snapshots, filters, {
    'db-cluster-id': (s) => [s.clusterId],
    'db-cluster-snapshot-id': (s) => [s.id, s.arn],
    'snapshot-type': (s) => [s.snapshotType],
    engine: (s) => [s.engine],
  });
  const page = paginate(snapshots, (s) => s.id, input);
  return { Marker: page.marker, DBClusterSnapshots: page.items.map((s) => presentClusterSnapshot(partition, s)) };
};
