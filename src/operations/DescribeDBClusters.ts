import { applyFilters } from '../control-plane/filters.js';
import { findCluster, requireCluster, storedIdsInFilter } from '../control-plane/lookup.js';
import { paginate } from '../control-plane/pagination.js';
import { presentCluster } from '../control-plane/presenters.js';
import type { ClusterRecord } from '../control-plane/records.js';
import type { OperationHandler } from '../control-plane/context.js';

export const DescribeDBClusters: OperationHandler = (input, { partition }) => {
  let clusters: ClusterRecord[];
  if (input.DBClusterIdentifier !== undefined) {
    clusters = [requireCluster(partition, input.DBClusterIdentifier)];
  } else {
    clusters = Object.values(partition.clusters).sort((a, b) => a.id.localeCompare(b.id));
  }
  // db-cluster-id takes identifiers (any case) or ARNs: match them as lookups do.
  const filters = storedIdsInFilter(input.Filters, 'db-cluster-id', (v) => findCluster(partition, v));
  clusters = applyFilters(clusters, filters, {
    'db-cluster-id': (c) => [c.id],
    'db-cluster-resource-id': (c) => [c.resourceId],
    engine: (c) => [c.engine],
    'clone-group-id': (c) => [c.cloneGroupId],
    domain: () => [],
  });
  const page = paginate(clusters, (c) => c.id, input);
  return { Marker: page.marker, DBClusters: page.items.map((c) => presentCluster(partition, c)) };
};
