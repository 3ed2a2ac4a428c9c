// Tags on any taggable record: AddTagsToResource replaces values of existing keys; at most
// `tagsPerResource` (AWS: 50) per resource.
import { invalidParameterValue } from '../protocol/errors.js';
import type { Tag } from './records.js';

export function mergeTags(existing: Tag[], added: Tag[] | undefined, limit: number): Tag[] {
  const merged = new Map(existing.map((t) => [t.Key, t]));
  for (const tag of added ?? []) {
    if (tag.Key.toLowerCase().startsWith('aws:')) throw invalidParameterValue(`Tag keys may not begin with aws: (${tag.Key})`);
    merged.set(tag.Key, { Key: tag.Key, Value: tag.Value ?? '' });
  }
  // Wording inferred: no AWS transcript of this limit was found.
  if (merged.size > limit) throw invalidParameterValue(`Cannot add tags: a resource can have at most ${limit} tags.`);
  return [...merged.values()];
}
