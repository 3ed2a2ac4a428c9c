// Aurora storage types: I/O-Optimized at most once in 30 days, Standard at any time (pure functions).
import { describe, expect, it } from 'vitest';
import { checkStorageTypeChange, setStorageType } from '../../src/control-plane/storageType.js';
import { AwsError } from '../../src/protocol/errors.js';
import type { ClusterRecord } from '../../src/control-plane/records.js';

const day = 24 * 3600 * 1000;
const t0 = Date.parse('2024-05-01T00:00:00.000Z');

describe('switching storage types', () => {
  it('allows I/O-Optimized again only 30 days after the last switch to it', () => {
    const cluster = { storageType: 'aurora' } as ClusterRecord;
    checkStorageTypeChange(cluster, 'aurora-iopt1', new Date(t0));
    expect(setStorageType(cluster, 'aurora-iopt1', new Date(t0))).toBe(true);
    expect(cluster.ioOptimizedNextAllowedAt).toBe(new Date(t0 + 30 * day).toISOString());
    // Back to Standard at any time; the next allowed time stays.
    checkStorageTypeChange(cluster, 'aurora', new Date(t0 + day));
    expect(setStorageType(cluster, 'aurora', new Date(t0 + day))).toBe(true);
    expect(cluster.ioOptimizedNextAllowedAt).toBe(new Date(t0 + 30 * day).toISOString());

    let error: unknown;
    try {
      checkStorageTypeChange(cluster, 'aurora-iopt1', new Date(t0 + 29 * day));
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(AwsError);
    expect(error).toMatchObject({ code: 'StorageTypeNotAvailableFault', httpStatus: 400 });
    expect((error as Error).message).toMatch(/^The aurora-iopt1 storage type isn't available, because you modified the DB cluster to use this storage type less than one month ago/);

    checkStorageTypeChange(cluster, 'aurora-iopt1', new Date(t0 + 30 * day));
    expect(setStorageType(cluster, 'aurora-iopt1', new Date(t0 + 30 * day))).toBe(true);
    expect(cluster.ioOptimizedNextAllowedAt).toBe(new Date(t0 + 60 * day).toISOString());
    // Asking for the current type changes nothing.
    expect(setStorageType(cluster, 'aurora-iopt1', new Date(t0 + 31 * day))).toBe(false);
    expect(() => checkStorageTypeChange(cluster, 'aurora-iopt1', new Date(t0 + 31 * day))).not.toThrow();
  });

  it('knows only aurora and aurora-iopt1', () => {
    expect(() => checkStorageTypeChange({ storageType: 'aurora' } as ClusterRecord, 'gp3')).toThrow(/Invalid storage type: gp3/);
  });
});
