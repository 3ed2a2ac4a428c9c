import { invalidParameterValue } from '../protocol/errors.js';
import { addParameterGroup, checkFamily, checkGroupName, presentParameterGroup } from '../control-plane/parameterGroups.js';
import type { OperationHandler } from '../control-plane/context.js';

export const CreateDBClusterParameterGroup: OperationHandler = (input, ctx) => {
  const name = checkGroupName('DBClusterParameterGroupName', input.DBClusterParameterGroupName);
  const family = checkFamily(input.DBParameterGroupFamily);
  if (!input.Description) throw invalidParameterValue('The parameter Description must be provided and must not be blank.');
  const group = addParameterGroup(ctx, 'cluster', { name, family, description: input.Description, tags: input.Tags });
  return { DBClusterParameterGroup: presentParameterGroup('cluster', group) };
};
