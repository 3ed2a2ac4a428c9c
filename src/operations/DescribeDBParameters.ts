import { describeParameters, groupParameters, requireParameterGroup } from '../control-plane/parameterGroups.js';
import type { OperationHandler } from '../control-plane/context.js';

export const DescribeDBParameters: OperationHandler = (input, { partition }) => {
  const group = requireParameterGroup(partition, 'instance', input.DBParameterGroupName);
  const page = describeParameters(groupParameters('instance', group.family, group.parameters), input);
  return { Parameters: page.items, Marker: page.marker };
};
