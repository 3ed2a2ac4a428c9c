import { deleteParameterGroup } from '../control-plane/parameterGroups.js';
import type { OperationHandler } from '../control-plane/context.js';

export const DeleteDBClusterParameterGroup: OperationHandler = (input, ctx) => {
  deleteParameterGroup(ctx, 'cluster', input.DBClusterParameterGroupName);
};
