import { copyParameterGroup, presentParameterGroup } from '../control-plane/parameterGroups.js';
import type { OperationHandler } from '../control-plane/context.js';

export const CopyDBClusterParameterGroup: OperationHandler = (input, ctx) => {
  const group = copyParameterGroup(ctx, 'cluster', {
    source: input.SourceDBClusterParameterGroupIdentifier,
    target: input.TargetDBClusterParameterGroupIdentifier,
    description: input.TargetDBClusterParameterGroupDescription,
    tags: input.Tags,
  });
  return { DBClusterParameterGroup: presentParameterGroup('cluster', group) };
};
