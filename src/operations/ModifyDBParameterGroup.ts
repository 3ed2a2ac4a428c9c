import { changeParameters } from '../control-plane/parameterGroups.js';
import type { OperationHandler } from '../control-plane/context.js';

export const ModifyDBParameterGroup: OperationHandler = (input, ctx) => {
  const group = changeParameters(ctx, 'instance', input.DBParameterGroupName, { changes: input.Parameters });
  return { DBParameterGroupName: group.name };
};
