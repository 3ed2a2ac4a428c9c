import { requireTaggable } from '../control-plane/lookup.js';
import type { OperationHandler } from '../control-plane/context.js';

export const RemoveTagsFromResource: OperationHandler = (input, ctx) => {
  const resource = requireTaggable(ctx.partition, input.ResourceName);
  const removed = new Set<string>(input.TagKeys);
  resource.tags = resource.tags.filter((t) => !removed.has(t.Key));
};
