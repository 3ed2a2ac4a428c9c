import { requireTaggable } from '../control-plane/lookup.js';
import type { OperationHandler } from '../control-plane/context.js';

export const ListTagsForResource: OperationHandler = (input, ctx) => {
  const resource = requireTaggable(ctx.partition, input.ResourceName);
  return { TagList: resource.tags };
};
