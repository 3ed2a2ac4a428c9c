import { describeParameters, groupParameters, requireParameterGroup } from '../control-plane/parameterGroups.js';
import type { OperationHandler } from '../control-plane/context.js';

export const DescribeDBClusterParameters: OperationHandler = (input, { partition }) => {
  const group = requireParameterGroup(partition, 'cluster', input.DBClusterParameterGroupName);
  const page = describeParameters(groupParameters('cluster', group.family, group.parameters), input);
  return { Parameters: page.items, Marker: page.marker };
};
