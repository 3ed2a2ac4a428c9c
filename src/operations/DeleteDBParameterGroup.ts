import { deleteParameterGroup } from '../control-plane/parameterGroups.js';
import type { OperationHandler } from '../control-plane/context.js';

export const DeleteDBParameterGroup: OperationHandler = (input, ctx) => {
  deleteParameterGroup(ctx, 'instance', input.DBParameterGroupName);
};
