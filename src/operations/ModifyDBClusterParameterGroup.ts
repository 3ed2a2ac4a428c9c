import { changeParameters } from '../control-plane/parameterGroups.js';
import type { OperationHandler } from '../control-plane/context.js';

export const ModifyDBClusterParameterGroup: OperationHandler = (input, ctx) => {
  const group = changeParameters(ctx, 'cluster', input.DBClusterParameterGroupName, { changes: input.Parameters });
  return { DBClusterParameterGroupName: group.name };
};
