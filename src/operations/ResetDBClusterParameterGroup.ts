import { changeParameters } from '../control-plane/parameterGroups.js';
import type { OperationHandler } from '../control-plane/context.js';

export const ResetDBClusterParameterGroup: OperationHandler = (input, ctx) => {
  const group = changeParameters(ctx, 'cluster', input.DBClusterParameterGroupName, { changes: input.Parameters, resetAll: input.ResetAllParameters === true, reset: true });
  return { DBClusterParameterGroupName: group.name };
};
