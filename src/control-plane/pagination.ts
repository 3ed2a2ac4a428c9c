// Marker/MaxRecords pagination. The marker names the last record returned, so pages stay
// correct when records are added or removed between calls. <Marker> is only returned when
// more records remain: the AWS CLI aborts when it sees the same token twice.
import { invalidParameterValue } from '../protocol/errors.js';
import { checkRange } from './checks.js';

export interface Page<T> {
  items: T[];
  marker?: string;
}

const encode = (key: string) => Buffer.from(JSON.stringify({ after: key })).toString('base64url');

function decode(marker: string): string {
  try {
    const parsed = JSON.parse(Buffer.from(marker, 'base64url').toString('utf8'));
    if (typeof parsed?.after === 'string') return parsed.after;
  } catch {
    /* fall through */
  }
  throw invalidParameterValue(`The parameter Marker is not a valid pagination token: ${marker}`);
}

/** `items` must be sorted by `keyOf`. */
export function paginate<T>(
  items: T[],
  keyOf: (item: T) => string,
  request: { Marker?: string; MaxRecords?: number },
  limits = { min: 20, max: 100, default: 100 },
): Page<T> {
  checkRange('MaxRecords', request.MaxRecords, limits.min, limits.max);
  const pageSize = request.MaxRecords ?? limits.default;
  let start = 0;
  if (request.Marker !== undefined && request.Marker !== '') {
    const after = decode(request.Marker);
    start = items.findIndex((item) => keyOf(item) > after);
    if (start < 0) start = items.length;
  }
  const page = items.slice(start, start + pageSize);
  const more = start + pageSize < items.length;
  return { items: page, marker: more ? encode(keyOf(page[page.length - 1])) : undefined };
}
