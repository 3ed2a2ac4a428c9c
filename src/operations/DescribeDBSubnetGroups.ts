import { paginate } from '../control-plane/pagination.js';
import { presentSubnetGroup, requireSubnetGroup, subnetGroups } from '../control-plane/subnetGroups.js';
import type { OperationHandler } from '../control-plane/context.js';

// Filters are documented as not supported for this operation: ignored.
export const DescribeDBSubnetGroups: OperationHandler = (input, { partition }) => {
  const groups =
    input.DBSubnetGroupName !== undefined
      ? [requireSubnetGroup(partition, input.DBSubnetGroupName)]
      : Object.values(subnetGroups(partition)).sort((a, b) => a.name.localeCompare(b.name));
  const page = paginate(groups, (g) => g.name, input);
  return { Marker: page.marker, DBSubnetGroups: page.items.map((g) => presentSubnetGroup(partition, g)) };
};
