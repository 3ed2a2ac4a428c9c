import { changeParameters } from '../control-plane/parameterGroups.js';
import type { OperationHandler } from '../control-plane/context.js';

export const ResetDBParameterGroup: OperationHandler = (input, ctx) => {
  const group = changeParameters(ctx, 'instance', input.DBParameterGroupName, { changes: input.Parameters, resetAll: input.ResetAllParameters === true, reset: true });
  return { DBParameterGroupName: group.name };
};
