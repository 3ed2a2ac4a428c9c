// Backtrack window arithmetic and BacktrackTo resolution (pure functions).
import { describe, expect, it } from 'vitest';
import {
  backtrackRefusal,
  backtrackSupported,
  checkBacktrackWindowChange,
  earliestBacktrackTime,
  resolveBacktrackTo,
  setBacktrackWindow,
} from '../../src/control-plane/backtrack.js';
import { AwsError } from '../../src/protocol/errors.js';
import type { ClusterRecord } from '../../src/control-plane/records.js';

const created = Date.parse('2024-05-01T00:00:00.000Z');
const hour = 3600 * 1000;

const cluster = (overrides: Partial<ClusterRecord> = {}) =>
  ({ id: 'bt', engine: 'aurora-mysql', createdAt: new Date(created).toISOString(), backtrackWindow: 3600, backtrackSupported: true, ...overrides }) as ClusterRecord;

const thrown = (f: () => unknown): AwsError => {
  try {
    f();
  } catch (error) {
    if (error instanceof AwsError) return error;
    throw error;
  }
  throw new Error('expected an AwsError');
};

describe('earliestBacktrackTime', () => {
  it('is the creation time while the cluster is younger than its window', () => {
    expect(earliestBacktrackTime(cluster(), created + 10 * 60 * 1000)).toEqual(new Date(created));
  });

  it('is now − window once the cluster is older than its window', () => {
    expect(earliestBacktrackTime(cluster(), created + 5 * hour)).toEqual(new Date(created + 4 * hour));
    expect(earliestBacktrackTime(cluster({ backtrackWindow: 259_200 }), created + 100 * hour)).toEqual(new Date(created + 28 * hour));
  });

  it('starts again when Backtrack was turned back on after a window of 0', () => {
    const c = cluster();
    setBacktrackWindow(c, 0, new Date(created + 2 * hour));
    expect(earliestBacktrackTime(c, created + 3 * hour)).toBeUndefined();
    setBacktrackWindow(c, 7200, new Date(created + 3 * hour));
    expect(c.backtrackSince).toBe(new Date(created + 3 * hour).toISOString());
    expect(earliestBacktrackTime(c, created + 4 * hour)).toEqual(new Date(created + 3 * hour));
    expect(earliestBacktrackTime(c, created + 6 * hour)).toEqual(new Date(created + 4 * hour));
    // Changing a nonzero window keeps the record of changes.
    setBacktrackWindow(c, 3600, new Date(created + 6 * hour));
    expect(c.backtrackSince).toBe(new Date(created + 3 * hour).toISOString());
  });

  it('is undefined without Backtrack', () => {
    expect(earliestBacktrackTime(cluster({ backtrackWindow: 0 }), created + hour)).toBeUndefined();
    expect(earliestBacktrackTime(cluster({ backtrackWindow: undefined, backtrackSupported: false }), created + hour)).toBeUndefined();
    expect(earliestBacktrackTime(cluster({ engine: 'aurora-postgresql' }), created + hour)).toBeUndefined();
  });
});

describe('whether a cluster can backtrack', () => {
  it('needs aurora-mysql created with a window; without the flag the window decides', () => {
    expect(backtrackSupported(cluster())).toBe(true);
    expect(backtrackSupported(cluster({ backtrackSupported: undefined }))).toBe(true);
    expect(backtrackSupported(cluster({ backtrackSupported: undefined, backtrackWindow: 0 }))).toBe(false);
    expect(backtrackSupported(cluster({ backtrackSupported: false, backtrackWindow: 3600 }))).toBe(false);
    expect(backtrackRefusal(cluster())).toBeUndefined();
    expect(backtrackRefusal(cluster({ engine: 'aurora-postgresql' }))).toBe('Backtrack is not enabled for the aurora-postgresql engine.');
    expect(backtrackRefusal(cluster({ backtrackWindow: 0 }))).toMatch(/BacktrackWindow is 0/);
    expect(backtrackRefusal(cluster({ backtrackSupported: false, backtrackWindow: undefined }))).toMatch(/created without a BacktrackWindow/);
  });

  it('refuses a window outside 0–259200 and turning Backtrack on later', () => {
    expect(thrown(() => checkBacktrackWindowChange(cluster(), 259_201))).toMatchObject({
      code: 'InvalidParameterValue',
      httpStatus: 400,
      message: 'The specified value (259201) is not a valid Backtrack Window. Allowed values are within the range of 0 to 259200',
    });
    expect(thrown(() => checkBacktrackWindowChange(cluster({ backtrackSupported: false, backtrackWindow: undefined }), 60))).toMatchObject({
      code: 'InvalidDBClusterStateFault',
      message: 'Backtrack cannot currently be enabled for this cluster',
    });
    expect(() => checkBacktrackWindowChange(cluster({ backtrackSupported: false, backtrackWindow: undefined }), 0)).not.toThrow();
    expect(() => checkBacktrackWindowChange(cluster(), 259_200)).not.toThrow();
  });
});

describe('resolveBacktrackTo', () => {
  const earliest = new Date(created);
  const now = new Date(created + hour);

  it('keeps a time inside the window, the bounds included', () => {
    expect(resolveBacktrackTo(new Date(created + 1000), earliest, now, false)).toEqual(new Date(created + 1000));
    expect(resolveBacktrackTo(earliest, earliest, now, false)).toEqual(earliest);
    expect(resolveBacktrackTo(now, earliest, now, false)).toEqual(now);
  });

  it('refuses the future', () => {
    const error = thrown(() => resolveBacktrackTo(new Date(now.getTime() + 1), earliest, now, true));
    expect(error.code).toBe('InvalidParameterValue');
    expect(error.message).toMatch(/is in the future/);
  });

  it('refuses a time before the earliest backtrack time, or takes the earliest when asked', () => {
    const before = new Date(created - 1);
    const error = thrown(() => resolveBacktrackTo(before, earliest, now, false));
    expect(error.code).toBe('InvalidParameterValue');
    expect(error.message).toContain(`earlier than the earliest backtrack time ${earliest.toISOString()}`);
    expect(resolveBacktrackTo(before, earliest, now, true)).toEqual(earliest);
  });
});
