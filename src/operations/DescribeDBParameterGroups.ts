import { describeParameterGroups } from '../control-plane/parameterGroups.js';
import type { OperationHandler } from '../control-plane/context.js';

export const DescribeDBParameterGroups: OperationHandler = (input, ctx) => {
  const page = describeParameterGroups(ctx, 'instance', { ...input, name: input.DBParameterGroupName });
  return { Marker: page.marker, DBParameterGroups: page.groups };
};
