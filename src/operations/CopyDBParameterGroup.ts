import { copyParameterGroup, presentParameterGroup } from '../control-plane/parameterGroups.js';
import type { OperationHandler } from '../control-plane/context.js';

export const CopyDBParameterGroup: OperationHandler = (input, ctx) => {
  const group = copyParameterGroup(ctx, 'instance', {
    source: input.SourceDBParameterGroupIdentifier,
    target: input.TargetDBParameterGroupIdentifier,
    description: input.TargetDBParameterGroupDescription,
    tags: input.Tags,
  });
  return { DBParameterGroup: presentParameterGroup('instance', group) };
};
