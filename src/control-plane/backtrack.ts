// Backtrack (Aurora MySQL): the window arithmetic and the checks of BacktrackDBCluster.
// Aurora keeps change records for the target window; a cluster can go back to any moment from
// the earliest backtrack time up to now. Backtrack can only be turned on when a cluster is
// created or restored (BacktrackWindow > 0); a window of 0 switches it off until raised again.
import { fault, invalidParameterValue } from '../protocol/errors.js';
import type { BacktrackRecord, ClusterRecord } from './records.js';

/** 72 hours, the largest target window (RDS API reference). */
export const maxBacktrackWindow = 259_200;

/** Whether the cluster was created or restored with Backtrack, whatever its window is now. */
export function backtrackSupported(cluster: ClusterRecord): boolean {
  if (cluster.engine !== 'aurora-mysql') return false;
  // Records written before this field existed (or by code that does not set it) say it through the window.
  return cluster.backtrackSupported ?? (cluster.backtrackWindow ?? 0) > 0;
}

/** max(creation, since Backtrack was last turned on, now − window); undefined when Backtrack is off. */
export function earliestBacktrackTime(cluster: ClusterRecord, now = Date.now()): Date | undefined {
  const window = cluster.backtrackWindow ?? 0;
  if (!backtrackSupported(cluster) || window <= 0) return undefined;
  const since = Date.parse(cluster.backtrackSince ?? cluster.createdAt);
  return new Date(Math.max(Date.parse(cluster.createdAt), since, now - window * 1000));
}

export function checkBacktrackWindow(value: number | undefined): void {
  if (value === undefined) return;
  if (value < 0 || value > maxBacktrackWindow) {
    // Wording as moto asserts it (aws-errors.md 6b).
    throw invalidParameterValue(`The specified value (${value}) is not a valid Backtrack Window. Allowed values are within the range of 0 to ${maxBacktrackWindow}`);
  }
}

/**
 * ModifyDBCluster BacktrackWindow: a cluster created without Backtrack can't get it later
 * ("Backtrack cannot currently be enabled for this cluster", an AWS writer's wording in the
 * Aurora User Guide's issues; the fault is our choice).
 */
export function checkBacktrackWindowChange(cluster: ClusterRecord, window: number): void {
  if (cluster.engine !== 'aurora-mysql') throw invalidParameterValue(`Backtrack is not enabled for the ${cluster.engine} engine.`);
  checkBacktrackWindow(window);
  if (window > 0 && !backtrackSupported(cluster)) {
    throw fault('InvalidDBClusterStateFault', 'Backtrack cannot currently be enabled for this cluster');
  }
}

/** Raising the window from 0 starts a new record of changes. */
export function setBacktrackWindow(cluster: ClusterRecord, window: number, now = new Date()): void {
  if (window > 0 && !(cluster.backtrackWindow ?? 0)) cluster.backtrackSince = now.toISOString();
  cluster.backtrackWindow = window;
}

/**
 * Why BacktrackDBCluster / DescribeDBClusterBacktracks refuse a cluster, or undefined when it
 * can backtrack. AWS's texts are not known for a cluster without Backtrack (aws-errors.md 24);
 * the engine sentence is AWS's own for CreateDBCluster (aws-errors.md 6).
 */
export function backtrackRefusal(cluster: ClusterRecord): string | undefined {
  if (cluster.engine !== 'aurora-mysql') return `Backtrack is not enabled for the ${cluster.engine} engine.`;
  if (!backtrackSupported(cluster)) return `Backtrack is not enabled for DB cluster ${cluster.id}: it was created without a BacktrackWindow.`;
  if (!(cluster.backtrackWindow ?? 0)) return `Backtrack is not enabled for DB cluster ${cluster.id}: its BacktrackWindow is 0.`;
  return undefined;
}

/**
 * The moment to go back to: not in the future, and not before the earliest backtrack time
 * unless UseEarliestTimeOnPointInTimeUnavailable (then the earliest time). AWS picks "the
 * nearest possible consistent time"; every moment is consistent here. Wordings inferred
 * (aws-errors.md 25: no transcript found).
 */
export function resolveBacktrackTo(requested: Date, earliest: Date, now: Date, useEarliest: boolean): Date {
  if (requested.getTime() > now.getTime()) {
    throw invalidParameterValue(`The specified BacktrackTo time ${requested.toISOString()} is in the future. Specify a time no later than the current time.`);
  }
  if (requested.getTime() < earliest.getTime()) {
    if (useEarliest) return earliest;
    throw invalidParameterValue(
      `The specified BacktrackTo time ${requested.toISOString()} is earlier than the earliest backtrack time ${earliest.toISOString()}. ` +
        'Specify a later time, or set UseEarliestTimeOnPointInTimeUnavailable to backtrack to the earliest backtrack time.',
    );
  }
  return requested;
}

export function presentBacktrack(cluster: ClusterRecord, backtrack: BacktrackRecord) {
  return {
    DBClusterIdentifier: cluster.id,
    BacktrackIdentifier: backtrack.id,
    BacktrackTo: new Date(backtrack.backtrackTo),
    BacktrackedFrom: new Date(backtrack.backtrackedFrom),
    BacktrackRequestCreationTime: new Date(backtrack.requestedAt),
    Status: backtrack.status,
  };
}
