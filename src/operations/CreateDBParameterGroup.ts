import { invalidParameterValue } from '../protocol/errors.js';
import { addParameterGroup, checkFamily, checkGroupName, presentParameterGroup } from '../control-plane/parameterGroups.js';
import type { OperationHandler } from '../control-plane/context.js';

export const CreateDBParameterGroup: OperationHandler = (input, ctx) => {
  const name = checkGroupName('DBParameterGroupName', input.DBParameterGroupName);
  const family = checkFamily(input.DBParameterGroupFamily);
  if (!input.Description) throw invalidParameterValue('The parameter Description must be provided and must not be blank.');
  const group = addParameterGroup(ctx, 'instance', { name, family, description: input.Description, tags: input.Tags });
  return { DBParameterGroup: presentParameterGroup('instance', group) };
};
