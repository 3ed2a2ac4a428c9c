import { requireTaggable } from '../control-plane/lookup.js';
import { mergeTags } from '../control-plane/tags.js';
import type { OperationHandler } from '../control-plane/context.js';

export const AddTagsToResource: OperationHandler = (input, ctx) => {
  const resource = requireTaggable(ctx.partition, input.ResourceName);
  resource.tags = mergeTags(resource.tags, input.Tags, ctx.config.quotas.tagsPerResource);
};
