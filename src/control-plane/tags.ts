// Tags on any taggable record: AddTagsToResource replaces values of existing keys; at most
// `tagsPerResource` (AWS: 50) per resource. Keys and values are checked as the model documents
// them (the Tag shape): the model marks nothing required, so the checks are ours.
import { invalidParameterValue } from '../protocol/errors.js';
import type { Tag } from './records.js';

// The Tag shape's documentation: Java regex ^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$.
const TAG_TEXT = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;
const RESERVED_PREFIX = /^(aws|rds):/i;

export function mergeTags(existing: Tag[], added: Tag[] | undefined, limit: number): Tag[] {
  const merged = new Map(existing.map((t) => [t.Key, t]));
  for (const tag of added ?? []) {
    checkTag(tag);
    merged.set(tag.Key, { Key: tag.Key, Value: tag.Value ?? '' });
  }
  // Wording inferred: no AWS transcript of this limit was found.
  if (merged.size > limit) throw invalidParameterValue(`Cannot add tags: a resource can have at most ${limit} tags.`);
  return [...merged.values()];
}

/**
 * The documented constraints: a key of 1 to 128 characters, a value of at most 256, letters,
 * digits, white space and _ . : / = + - @ only, no aws: or rds: prefix. (AWS also documents the prefix rule for values; we apply it to keys
 * only, as tag values such as ARNs legitimately begin with "arn:aws:" but never "aws:".)
 */
function checkTag(tag: Tag): void {
  const key: unknown = tag.Key;
  if (typeof key !== 'string' || key.length === 0) throw invalidParameterValue('Every tag needs a Key of 1 to 128 characters.');
  const value: unknown = tag.Value ?? '';
  if (typeof value !== 'string') throw invalidParameterValue(`The value of tag ${key} must be a string.`);
  if ([...key].length > 128) throw invalidParameterValue(`Tag key ${key.slice(0, 128)}… is longer than 128 characters.`);
  if ([...value].length > 256) throw invalidParameterValue(`The value of tag ${key} is longer than 256 characters.`);
  if (RESERVED_PREFIX.test(key)) throw invalidParameterValue(`Tag keys may not begin with aws: or rds: (${key})`);
  // AWS's wording for values, as RDS prints it (backslash included: its Java regex's escape
  // leaks into the message); the same for keys is inferred.
  for (const [what, text] of [['keys', key], ['values', value]] as const) {
    if (!TAG_TEXT.test(text)) throw invalidParameterValue(`Tag ${what} may only contain unicode letters, digits, whitespace, or one of these symbols: _ . : / = + \\ - @`);
  }
}
