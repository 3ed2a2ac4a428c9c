/**
 * Placement and quorum arithmetic of the storage volume: pure functions, no
 * processes. The quorum tests walk every combination of segment states.
 */
import { describe, expect, it } from 'vitest';
import {
  assertRoomFor,
  assessQuorum,
  canAcceptWrites,
  canRecover,
  createStorageFleet,
  GIB,
  layoutVolume,
  MAX_VOLUME_BYTES,
  placeProtectionGroup,
  StorageFullError,
  TIB,
  volumeDurableLsn,
  volumeGeometry,
  type SegmentState,
  type SegmentStatus,
} from '../../src/data-plane/storage/index.js';
import { formatLsn, parseLsn, walFileName, parseWalFileName } from '../../src/data-plane/storage/lsn.js';

const MIB = 1024 ** 2;
/** Segments 0,1 are in AZ a, 2,3 in b, 4,5 in c (placeProtectionGroup's order). */
const azOf = (segment: number) => Math.floor(segment / 2);

describe('storage fleet and placement', () => {
  it('has three AZs named after the region with N nodes each', () => {
    const fleet = createStorageFleet({ region: 'us-east-1', nodesPerAz: 4 });
    expect(fleet.availabilityZones).toEqual(['us-east-1a', 'us-east-1b', 'us-east-1c']);
    expect(fleet.nodes).toHaveLength(12);
    expect(fleet.nodes[0]).toEqual({ id: 'us-east-1a-sn1', availabilityZone: 'us-east-1a', indexInAz: 0 });
    expect(createStorageFleet({ region: 'eu-west-3' }).nodes).toHaveLength(9);
    expect(() => createStorageFleet({ region: 'us-east-1', nodesPerAz: 1 })).toThrow(/at least 2/);
  });

  it.each([2, 3, 4, 5, 7])('puts six segments, two per AZ on distinct nodes, for %i nodes per AZ', (nodesPerAz) => {
    const fleet = createStorageFleet({ region: 'us-east-1', nodesPerAz });
    for (let group = 0; group < 50; group++) {
      const segments = placeProtectionGroup(fleet, group, 'cluster-x');
      expect(segments.map((s) => s.segmentIndex)).toEqual([0, 1, 2, 3, 4, 5]);
      for (const az of fleet.availabilityZones) {
        const inAz = segments.filter((s) => s.availabilityZone === az);
        expect(inAz).toHaveLength(2);
        expect(new Set(inAz.map((s) => s.nodeId)).size).toBe(2);
        for (const s of inAz) expect(s.nodeId.startsWith(az)).toBe(true);
      }
      expect(new Set(segments.map((s) => s.nodeId)).size).toBe(6);
    }
  });

  it('stripes consecutive protection groups over different node pairs and balances the load', () => {
    const fleet = createStorageFleet({ region: 'us-east-1', nodesPerAz: 4 });
    const groups = Array.from({ length: 8 }, (_, index) => placeProtectionGroup(fleet, index));
    for (let index = 1; index < groups.length; index++) {
      const previous = new Set(groups[index - 1]!.map((s) => s.nodeId));
      expect(groups[index]!.some((s) => !previous.has(s.nodeId))).toBe(true);
      // With 4 nodes per AZ neighbours are fully disjoint.
      expect(groups[index]!.filter((s) => previous.has(s.nodeId))).toEqual([]);
    }
    const load = new Map<string, number>();
    for (const s of groups.flat()) load.set(s.nodeId, (load.get(s.nodeId) ?? 0) + 1);
    expect(load.size).toBe(12); // every node is used
    expect(new Set(load.values())).toEqual(new Set([4])); // 8 groups × 6 segments / 12 nodes
    // Three nodes per AZ: every node carries a segment within three consecutive groups.
    const small = createStorageFleet({ region: 'us-east-1', nodesPerAz: 3 });
    const used = new Set([0, 1, 2].flatMap((g) => placeProtectionGroup(small, g).map((s) => s.nodeId)));
    expect(used.size).toBe(9);
  });

  it('places different volumes differently (seeded) but each deterministically', () => {
    const fleet = createStorageFleet({ region: 'us-east-1', nodesPerAz: 5 });
    expect(placeProtectionGroup(fleet, 0, 'a')).toEqual(placeProtectionGroup(fleet, 0, 'a'));
    const placements = new Set(['a', 'b', 'c', 'd', 'e', 'f'].map((seed) => JSON.stringify(placeProtectionGroup(fleet, 0, seed))));
    expect(placements.size).toBeGreaterThan(1);
  });

  it('grows in 10 GiB protection groups, shrinks when data is dropped, keeps placements stable', () => {
    const fleet = createStorageFleet({ region: 'us-east-1' });
    const geometry = volumeGeometry({ realBytesPerGiB: MIB }); // one real MiB counts as one GiB
    const empty = layoutVolume(fleet, 0, { geometry });
    expect(empty.protectionGroups).toHaveLength(1);
    expect(empty.allocatedBytes).toBe(10 * GIB);
    expect(layoutVolume(fleet, 10 * MIB, { geometry }).protectionGroups).toHaveLength(1);
    const grown = layoutVolume(fleet, 10 * MIB + 1, { geometry });
    expect(grown.protectionGroups).toHaveLength(2);
    expect(grown.allocatedBytes).toBe(20 * GIB);
    expect(grown.volumeBytesUsed).toBe(10 * GIB + 1024);
    expect(grown.protectionGroups[0]).toEqual(empty.protectionGroups[0]);
    expect(layoutVolume(fleet, 95 * MIB, { geometry }).protectionGroups).toHaveLength(10);
    expect(layoutVolume(fleet, 3 * MIB, { geometry }).allocatedBytes).toBe(10 * GIB); // shrinks back
    // Without the scale option, real bytes are logical bytes.
    expect(layoutVolume(fleet, 25 * GIB).protectionGroups).toHaveLength(3);
  });

  it('reaches 128 TiB (a partial last group) and reports storage-full past it', () => {
    const fleet = createStorageFleet({ region: 'us-east-1' });
    const geometry = volumeGeometry({ realBytesPerGiB: MIB });
    const atLimit = layoutVolume(fleet, 128 * 1024 * MIB, { geometry });
    expect(atLimit.volumeBytesUsed).toBe(128 * TIB);
    expect(atLimit.allocatedBytes).toBe(MAX_VOLUME_BYTES);
    expect(atLimit.protectionGroups).toHaveLength(13108); // ceil(131072 GiB / 10 GiB)
    expect(atLimit.storageFull).toBe(false);
    const past = layoutVolume(fleet, 128 * 1024 * MIB + 1, { geometry });
    expect(past.storageFull).toBe(true);
    expect(past.allocatedBytes).toBe(MAX_VOLUME_BYTES);
    expect(past.protectionGroups).toHaveLength(13108);
    expect(() => assertRoomFor(128 * 1024 * MIB, 0, geometry)).not.toThrow();
    expect(() => assertRoomFor(128 * 1024 * MIB, 1, geometry)).toThrow(StorageFullError);
  });
});

describe('LSN helpers', () => {
  it('parses and formats X/Y and names pg_wal files', () => {
    expect(parseLsn('16/B374D848')).toBe(0x16b374d848n);
    expect(formatLsn(0x16b374d848n)).toBe('16/B374D848');
    expect(() => parseLsn('0/XYZ')).toThrow();
    expect(walFileName(1, 0x1a5n, 16 * MIB)).toBe('0000000100000001000000A5');
    expect(parseWalFileName('0000000100000001000000A5', 16 * MIB)).toEqual({ timeline: 1, segno: 0x1a5n });
  });
});

const STATES: SegmentState[] = ['up', 'down', 'lagging', 'corrupt'];

function* allCombinations<T>(values: readonly T[], length: number): Generator<T[]> {
  if (length === 0) return yield [];
  for (const rest of allCombinations(values, length - 1)) for (const value of values) yield [...rest, value];
}

/** Brute force: the highest LSN held by ≥ 4 non-corrupt segments. */
function oracleVdl(segments: SegmentStatus[]): bigint | null {
  const candidates = segments.filter((s) => s.state !== 'corrupt').map((s) => s.durableLsn);
  let best: bigint | null = null;
  for (const lsn of candidates) {
    if (candidates.filter((other) => other >= lsn).length >= 4 && (best === null || lsn > best)) best = lsn;
  }
  return best;
}

describe('quorum arithmetic (4/6 writes, 3/6 reads)', () => {
  it('every up/down combination: writes need ≤ 2 down, recovery ≤ 3 down', () => {
    let combinations = 0;
    for (const states of allCombinations(['up', 'down'] as const, 6)) {
      combinations++;
      const segments = states.map((state) => ({ state, durableLsn: 100n }));
      const down = states.filter((s) => s === 'down').length;
      expect(canAcceptWrites(segments)).toBe(down <= 2);
      expect(canRecover(segments)).toBe(down <= 3);
      const assessment = assessQuorum(segments);
      expect(assessment.canAcceptWrites).toBe(down <= 2);
      expect(assessment.canRecover).toBe(down <= 3);
      expect(assessment.recoveryLsn).toBe(down <= 3 ? 100n : null);
      expect(assessment.repairs.map((r) => r.segment)).toEqual(states.flatMap((s, i) => (s === 'down' ? [i] : [])));
    }
    expect(combinations).toBe(64);
  });

  it('an AZ outage keeps writes; an AZ outage plus one more node keeps reads and recovery but not writes', () => {
    for (let az = 0; az < 3; az++) {
      const azDown = (i: number) => azOf(i) === az;
      const outage = Array.from({ length: 6 }, (_, i) => ({ state: azDown(i) ? 'down' : 'up', durableLsn: 7n }) as SegmentStatus);
      expect(assessQuorum(outage)).toMatchObject({ canAcceptWrites: true, canRecover: true });
      for (let extra = 0; extra < 6; extra++) {
        if (azDown(extra)) continue;
        const plusOne = outage.map((s, i) => (i === extra ? { ...s, state: 'down' as const } : s));
        expect(assessQuorum(plusOne)).toMatchObject({ canAcceptWrites: false, canRecover: true, readable: 3 });
      }
    }
  });

  it('every combination of up/down/lagging/corrupt: availability, VDL, VCL and repairs agree with brute force', () => {
    let combinations = 0;
    for (const states of allCombinations(STATES, 6)) {
      combinations++;
      // Distinct-ish LSNs per position, with ties, so ordering matters.
      const segments = states.map((state, i) => ({ state, durableLsn: BigInt([500, 300, 500, 100, 400, 300][i]!) + (state === 'lagging' ? -50n : 0n) }));
      const reachable = states.filter((s) => s === 'up' || s === 'lagging').length;
      const a = assessQuorum(segments);
      expect(a.canAcceptWrites).toBe(reachable >= 4);
      expect(a.canRecover).toBe(reachable >= 3);
      expect(a.vdl).toBe(oracleVdl(segments));
      expect(volumeDurableLsn(segments)).toBe(a.vdl);
      const readableLsns = segments.filter((s) => s.state === 'up' || s.state === 'lagging').map((s) => s.durableLsn);
      expect(a.vcl).toBe(readableLsns.length ? readableLsns.reduce((x, y) => (x > y ? x : y)) : null);
      expect(a.recoveryLsn).toBe(reachable >= 3 ? a.vcl : null);
      for (const [index, state] of states.entries()) {
        const repair = a.repairs.find((r) => r.segment === index);
        if (state === 'corrupt') expect(repair?.reason).toBe('corrupt');
        else if (state === 'down') expect(repair?.reason).toBe('missing');
        else if (state === 'lagging' || segments[index]!.durableLsn < a.vcl!) expect(repair?.reason).toBe('lagging');
        else expect(repair).toBeUndefined();
      }
    }
    expect(combinations).toBe(4096);
  });

  it('any 3 segments hold every write acknowledged at 4/6 (VDL ≤ max of any 3), for many LSN spreads', () => {
    let seed = 12345;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed);
    for (let round = 0; round < 2000; round++) {
      const segments = Array.from({ length: 6 }, () => ({ state: 'up' as const, durableLsn: BigInt(random() % 50) }));
      const vdl = volumeDurableLsn(segments)!;
      for (let a = 0; a < 6; a++)
        for (let b = a + 1; b < 6; b++)
          for (let c = b + 1; c < 6; c++) {
            const best = [a, b, c].map((i) => segments[i]!.durableLsn).reduce((x, y) => (x > y ? x : y));
            expect(best >= vdl).toBe(true);
          }
    }
  });

  it('rejects a protection group that is not six segments', () => {
    expect(() => assessQuorum([{ state: 'up', durableLsn: 1n }])).toThrow(/6 segments/);
  });
});
