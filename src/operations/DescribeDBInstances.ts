import { applyFilters } from '../control-plane/filters.js';
import { findCluster, findInstance, requireInstance, storedIdsInFilter } from '../control-plane/lookup.js';
import { paginate } from '../control-plane/pagination.js';
import { presentInstance } from '../control-plane/presenters.js';
import type { InstanceRecord } from '../control-plane/records.js';
import type { OperationHandler } from '../control-plane/context.js';

export const DescribeDBInstances: OperationHandler = (input, { partition }) => {
  let instances: InstanceRecord[];
  if (input.DBInstanceIdentifier !== undefined) {
    instances = [requireInstance(partition, input.DBInstanceIdentifier)];
  } else {
    instances = Object.values(partition.instances).sort((a, b) => a.id.localeCompare(b.id));
  }
  const filters = storedIdsInFilter(
    storedIdsInFilter(input.Filters, 'db-cluster-id', (v) => findCluster(partition, v)),
    'db-instance-id',
    (v) => findInstance(partition, v),
  );
  instances = applyFilters(instances, filters, {
    'db-cluster-id': (i) => [i.clusterId],
    'db-instance-id': (i) => [i.id],
    'dbi-resource-id': (i) => [i.resourceId],
    engine: (i) => [i.engine],
    domain: () => [],
  });
  const page = paginate(instances, (i) => i.id, input);
  return { Marker: page.marker, DBInstances: page.items.map((i) => presentInstance(partition, i)) };
};
