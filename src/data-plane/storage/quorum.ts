/**
 * Quorum arithmetic of a protection group (Aurora, SIGMOD 2017 §2.1): six
 * copies, a write is durable once 4 have it (Vw = 4), recovery reads 3
 * (Vr = 3). Because Vw + Vr > 6, any 3 copies include at least one that holds
 * every acknowledged write; because 2·Vw > 6, two writers can never both win.
 * Pure functions over segment states; no I/O.
 */
import type { Lsn } from './lsn.js';

export const COPIES = 6;
export const WRITE_QUORUM = 4;
export const READ_QUORUM = 3;

/**
 * up: reachable and current. lagging: reachable, behind (still catching up).
 * down: unreachable. corrupt: reachable but its data failed a checksum; it
 * must not serve reads nor count towards a quorum until repaired.
 */
export type SegmentState = 'up' | 'down' | 'lagging' | 'corrupt';

export interface SegmentStatus {
  state: SegmentState;
  /** End of the WAL this segment holds durably and contiguously (its SCL). For a down segment: the last one known. */
  durableLsn: Lsn;
}

export type RepairReason = 'corrupt' | 'lagging' | 'missing';

export interface QuorumAssessment {
  /** Segments that can acknowledge new writes (up or lagging). */
  writable: number;
  /** Segments whose log tail can be read for recovery (up or lagging). */
  readable: number;
  canAcceptWrites: boolean;
  canRecover: boolean;
  /** Volume durable LSN: the highest LSN at least 4 healthy segments hold; null when fewer than 4 report one. */
  vdl: Lsn | null;
  /** Volume complete LSN: the highest LSN some readable segment holds completely; null when none is readable. */
  vcl: Lsn | null;
  /** Where recovery from the readable segments would end: the highest durable LSN among them, when at least 3 are readable. */
  recoveryLsn: Lsn | null;
  /** Segments to rebuild or bring up to date, by index. */
  repairs: { segment: number; reason: RepairReason }[];
}

const isReachable = (segment: SegmentStatus) => segment.state === 'up' || segment.state === 'lagging';

export function canAcceptWrites(segments: readonly SegmentStatus[]): boolean {
  return segments.filter(isReachable).length >= WRITE_QUORUM;
}

export function canRecover(segments: readonly SegmentStatus[]): boolean {
  return segments.filter(isReachable).length >= READ_QUORUM;
}

/**
 * The 4th highest durable LSN among non-corrupt segments: every LSN up to it is
 * on at least 4 copies. Down segments count with their last known LSN, since
 * what they made durable before leaving stays durable.
 */
export function volumeDurableLsn(segments: readonly SegmentStatus[]): Lsn | null {
  const lsns = segments.filter((segment) => segment.state !== 'corrupt').map((segment) => segment.durableLsn);
  if (lsns.length < WRITE_QUORUM) return null;
  lsns.sort((a, b) => (a > b ? -1 : a < b ? 1 : 0));
  return lsns[WRITE_QUORUM - 1]!;
}

export function volumeCompleteLsn(segments: readonly SegmentStatus[]): Lsn | null {
  const lsns = segments.filter(isReachable).map((segment) => segment.durableLsn);
  return lsns.length === 0 ? null : lsns.reduce((a, b) => (a > b ? a : b));
}

/** The end point recovery establishes from the reachable segments, or null below the read quorum. */
export function recoveryLsn(segments: readonly SegmentStatus[]): Lsn | null {
  return canRecover(segments) ? volumeCompleteLsn(segments) : null;
}

export function assessQuorum(segments: readonly SegmentStatus[]): QuorumAssessment {
  if (segments.length !== COPIES) throw new RangeError(`A protection group has ${COPIES} segments, got ${segments.length}`);
  const reachable = segments.filter(isReachable).length;
  const vcl = volumeCompleteLsn(segments);
  const repairs: QuorumAssessment['repairs'] = [];
  segments.forEach((segment, index) => {
    if (segment.state === 'corrupt') repairs.push({ segment: index, reason: 'corrupt' });
    else if (segment.state === 'down') repairs.push({ segment: index, reason: 'missing' });
    else if (segment.state === 'lagging' || (vcl !== null && segment.durableLsn < vcl)) repairs.push({ segment: index, reason: 'lagging' });
  });
  return {
    writable: reachable,
    readable: reachable,
    canAcceptWrites: reachable >= WRITE_QUORUM,
    canRecover: reachable >= READ_QUORUM,
    vdl: volumeDurableLsn(segments),
    vcl,
    recoveryLsn: reachable >= READ_QUORUM ? vcl : null,
    repairs,
  };
}
