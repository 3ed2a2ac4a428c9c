import { describeParameterGroups } from '../control-plane/parameterGroups.js';
import type { OperationHandler } from '../control-plane/context.js';

export const DescribeDBClusterParameterGroups: OperationHandler = (input, ctx) => {
  const page = describeParameterGroups(ctx, 'cluster', { ...input, name: input.DBClusterParameterGroupName });
  return { Marker: page.marker, DBClusterParameterGroups: page.groups };
};
