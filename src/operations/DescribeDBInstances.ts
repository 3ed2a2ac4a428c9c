import { applyFilters, type Filter } from '../control-plane/filters.js';
import { findCluster, findInstance, requireInstance } from '../control-plane/lookup.js';
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
  const filters = (input.Filters as Filter[] | undefined)?.map((f) => {
    if (f.Name === 'db-cluster-id') return { ...f, Values: f.Values.map((v) => findCluster(partition, v)?.id ?? v) };
    if (f.Name === 'db-instance-id') return { ...f, Values: f.Values.map((v) => findInstance(partition, v)?.id ?? v) };
    return f;
  });
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
