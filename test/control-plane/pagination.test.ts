// Marker/MaxRecords pagination: a Marker only when more records remain (the CLI aborts on a
// repeated token), pages stay correct when records come and go between calls, and the
// documented errors for MaxRecords and bad markers.
import { afterEach, describe, expect, it } from 'vitest';
import { AwsError } from '../../src/protocol/errors.js';
import { paginate } from '../../src/control-plane/pagination.js';
import { controlPlane, type ControlPlane } from './helpers/context.js';

const ids = (count: number, prefix = 'c') => Array.from({ length: count }, (_, i) => `${prefix}-${String(i).padStart(3, '0')}`);
const key = (id: string) => id;

function thrown(fn: () => unknown): AwsError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(AwsError);
    return error as AwsError;
  }
  throw new Error('did not throw');
}

/** Follows Markers to the end, as the SDK paginator and the CLI do. */
function all(items: string[], maxRecords?: number): string[][] {
  const pages: string[][] = [];
  let marker: string | undefined;
  const seen = new Set<string>();
  do {
    const page = paginate(items, key, { MaxRecords: maxRecords, Marker: marker });
    pages.push(page.items);
    if (page.marker !== undefined) {
      expect(seen.has(page.marker), 'the same marker twice').toBe(false);
      seen.add(page.marker);
    }
    marker = page.marker;
  } while (marker !== undefined && pages.length < 100);
  return pages;
}

describe('paginate', () => {
  it('returns a Marker only when more records remain', () => {
    expect(paginate(ids(20), key, { MaxRecords: 20 }).marker).toBeUndefined();
    expect(paginate(ids(21), key, { MaxRecords: 20 }).marker).toEqual(expect.any(String));
    expect(paginate([], key, {})).toEqual({ items: [], marker: undefined });
    expect(paginate(ids(100), key, {}).marker).toBeUndefined(); // default page size 100
    const hundredAndOne = paginate(ids(101), key, {});
    expect(hundredAndOne.items).toHaveLength(100);
    expect(hundredAndOne.marker).toEqual(expect.any(String));
  });

  it('walks every record exactly once, in order, and the last page has no Marker', () => {
    const items = ids(45);
    const pages = all(items, 20);
    expect(pages.map((p) => p.length)).toEqual([20, 20, 5]);
    expect(pages.flat()).toEqual(items);
    expect(all(ids(40), 20).map((p) => p.length)).toEqual([20, 20]);
  });

  it('stays correct when records are added and removed between pages', () => {
    let items = ids(50);
    const first = paginate(items, key, { MaxRecords: 20 });
    expect(first.items.at(-1)).toBe('c-019');
    // Between calls: a record of the first page and the first record of the next page go,
    // records appear before and after the marker.
    items = items.filter((id) => id !== 'c-005' && id !== 'c-020');
    items = [...items, 'c-0105', 'c-0305', 'c-999'].sort();
    const second = paginate(items, key, { MaxRecords: 20, Marker: first.marker });
    expect(second.items[0]).toBe('c-021'); // nothing skipped, nothing repeated
    expect(second.items).not.toContain('c-019');
    expect(second.items).toContain('c-0305'); // new, after the marker: seen
    expect(second.items).not.toContain('c-0105'); // new, before the marker: not repeated
    // Even when the record the marker names is gone, the next page starts after it.
    items = items.filter((id) => id !== second.items.at(-1));
    const third = paginate(items, key, { MaxRecords: 20, Marker: second.marker });
    expect(third.items[0] > second.items.at(-1)!).toBe(true);
    expect(third.items.at(-1)).toBe('c-999');
    expect(third.marker).toBeUndefined();
    // A marker past every record gives an empty last page.
    expect(paginate(['c-000', 'c-001'], key, { MaxRecords: 20, Marker: second.marker })).toEqual({ items: [], marker: undefined });
  });

  it.each([19, 101, 0, -1])('rejects MaxRecords %i with AWS wording', (maxRecords) => {
    const error = thrown(() => paginate(ids(5), key, { MaxRecords: maxRecords }));
    expect(error.code).toBe('InvalidParameterValue');
    expect(error.httpStatus).toBe(400);
    expect(error.message).toBe(`Invalid value ${maxRecords} for MaxRecords. Must be between 20 and 100`);
  });

  it('accepts the bounds 20 and 100', () => {
    expect(paginate(ids(150), key, { MaxRecords: 20 }).items).toHaveLength(20);
    expect(paginate(ids(150), key, { MaxRecords: 100 }).items).toHaveLength(100);
  });

  it.each(['garbage', 'e30', Buffer.from('{"after":5}').toString('base64url'), Buffer.from('null').toString('base64url'), '!!!'])(
    'rejects the marker %s',
    (marker) => {
      const error = thrown(() => paginate(ids(30), key, { Marker: marker }));
      expect(error.code).toBe('InvalidParameterValue');
      expect(error.httpStatus).toBe(400);
      expect(error.message).toContain('Marker');
    },
  );

  it('takes an empty Marker as no marker', () => {
    expect(paginate(ids(30), key, { MaxRecords: 20, Marker: '' }).items[0]).toBe('c-000');
  });
});

describe('DescribeDBClusters / DescribeDBInstances pages', () => {
  let cp: ControlPlane;
  afterEach(() => cp?.close());

  const create = (id: string) => cp.call('CreateDBCluster', { DBClusterIdentifier: id, Engine: 'aurora-postgresql', MasterUsername: 'postgres', MasterUserPassword: 'secret-password' });

  it('pages clusters by identifier, with creations and deletions between pages', async () => {
    cp = await controlPlane(0);
    for (const id of ids(30, 'c')) await create(id);
    await cp.settle();
    const first = await cp.call('DescribeDBClusters', { MaxRecords: 20 });
    expect(first.DBClusters.map((c: any) => c.DBClusterIdentifier)).toEqual(ids(20, 'c'));
    expect(first.Marker).toEqual(expect.any(String));

    await create('a-first'); // sorts before the marker
    await create('z-last');
    await cp.call('DeleteDBCluster', { DBClusterIdentifier: 'c-025', SkipFinalSnapshot: true });
    await cp.settle(); // c-025 is gone
    const second = await cp.call('DescribeDBClusters', { MaxRecords: 20, Marker: first.Marker });
    expect(second.DBClusters.map((c: any) => c.DBClusterIdentifier)).toEqual([...ids(30, 'c').slice(20).filter((id) => id !== 'c-025'), 'z-last']);
    expect(second.Marker).toBeUndefined();
  });

  it('MaxRecords out of range and a bad Marker are refused by the operations', async () => {
    cp = await controlPlane();
    await expect(cp.call('DescribeDBClusters', { MaxRecords: 19 })).rejects.toMatchObject({ code: 'InvalidParameterValue', message: 'Invalid value 19 for MaxRecords. Must be between 20 and 100' });
    await expect(cp.call('DescribeDBInstances', { MaxRecords: 101 })).rejects.toMatchObject({ code: 'InvalidParameterValue', message: 'Invalid value 101 for MaxRecords. Must be between 20 and 100' });
    await expect(cp.call('DescribeDBClusters', { Marker: 'not-a-marker' })).rejects.toMatchObject({ code: 'InvalidParameterValue', httpStatus: 400 });
  });
});
