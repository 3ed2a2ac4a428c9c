/**
 * Point-in-time restore (RestoreDBClusterToPointInTime): a new, independent
 * writer holding exactly the transactions committed before a chosen instant.
 *
 * Made from a base image (a snapshot directory: a low-level-backup copy with
 * backup_label) and the cluster volume's log as the storage segments keep it
 * (six copies per timeline, read through the 3-of-6 verified read path of
 * storage/recovery.ts). The log from the backup's start is laid out in the new
 * data directory's pg_wal, one timeline after the other, with the timeline
 * history files; PostgreSQL's own targeted archive recovery then replays it and
 * stops before the first commit at or after the target (recovery_target_time,
 * recovery_target_inclusive = off), and promotes.
 *
 * When the target cannot be reached exactly, the result is still a usable writer:
 *  - the log ends before the target (no commit or abort record at or after it,
 *    or the copies stop earlier): everything the log holds is replayed
 *    (`stoppedAt: 'end-of-log'`, `targetReached: false`);
 *  - the target precedes the base image's consistency point (the end of the
 *    backup): replay stops as soon as the copy is consistent, the earliest state
 *    this base image can give (`stoppedAt: 'consistent-point'`, `targetReached: false`).
 * Both are PostgreSQL refusing the target at the one point where recovery may be
 * restarted with another one (FATAL before any end-of-recovery action), so the
 * same directory is simply started again with the adjusted target.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type pg from 'pg';
import { formatLsn, parseLsn, segmentStart, type Lsn } from '../storage/lsn.js';
import { writeLogTailToPgWal, type LogTailReport } from '../storage/recovery.js';
import type { SegmentCopy } from '../storage/chunkReader.js';
import { startInstance, type PostgresInstance, type ServerPlacement } from './cluster.js';
import { updateAutoConf, writeOwnedFile } from './configFiles.js';
import { copyDataDir } from './dataDirCopy.js';
import { createEmptyDataDir, type ComputeEnvironment } from './environment.js';
import { PostgresStartError } from './errors.js';
import { withAdminClient } from './sql.js';

/** The volume's log for one timeline: the segment copies (normally six) of the storage nodes. */
export interface TimelineWal {
  timeline: number;
  copies: SegmentCopy[];
}

export interface PointInTimeOptions extends ServerPlacement {
  /** A snapshot directory (snapshotDataDir); only read. */
  baseImageDir: string;
  /** The log per timeline, oldest timeline first (order is not relied on). */
  wal: TimelineWal[];
  /** Timeline history files by name, e.g. '00000002.history' → its content. Needed for every timeline after the base image's. */
  historyFiles: Record<string, string>;
  /**
   * Restore exactly the transactions committed before this instant (a commit at
   * the very instant is left out). 'latest': everything the log holds.
   */
  targetTime: Date | 'latest';
  /** How long one recovery run may take until the server is promoted (default 120 s). */
  recoveryTimeoutMs?: number;
}

/** What one timeline's log contributed to pg_wal. */
export interface TimelineLogReport {
  timeline: number;
  fromLsn: string;
  endLsn: string;
  bytes: number;
  bytesBySource: Record<string, number>;
  corruptChunksSkipped: { source: string; chunkStart: string }[];
  files: string[];
}

export interface PointInTimeRecovery {
  /** End of the last WAL record replayed (pg_last_wal_replay_lsn). */
  lsn: string;
  /**
   * Time of the last transaction replayed (commit or abort record, as
   * pg_last_xact_replay_timestamp reports), ISO 8601 UTC with microseconds;
   * null when recovery replayed none.
   */
  lastCommitTime: string | null;
  /** True when replay stopped at the target (every commit before it, none at or after it), or reached the end of the log for 'latest'. */
  targetReached: boolean;
  /** 'target' (exact), 'end-of-log' (the log ends before the target), 'consistent-point' (the target precedes the base image's consistency). */
  stoppedAt: 'target' | 'end-of-log' | 'consistent-point';
  /** The restored writer's own timeline (a new one, as after any archive recovery). */
  timeline: number;
  /** The base image's backup start (backup_label), where the log was laid out from. */
  backupStartLsn: string | null;
  /** The timelines whose log was laid out, in order. */
  log: TimelineLogReport[];
  /** Timelines given but not used, and why (before the base image, not connected to its history, a gap). */
  skippedTimelines: { timeline: number; reason: string }[];
}

/** restore_command must be set for archive recovery (PostgreSQL 17: FATAL otherwise); this one finds nothing, so pg_wal is all there is. */
const NO_ARCHIVE = 'exit 1';

const RECOVERY_SETTINGS = [
  'restore_command',
  'recovery_target',
  'recovery_target_time',
  'recovery_target_xid',
  'recovery_target_lsn',
  'recovery_target_name',
  'recovery_target_inclusive',
  'recovery_target_timeline',
  'recovery_target_action',
] as const;

type RecoveryMode = { kind: 'time'; time: Date } | { kind: 'immediate' } | { kind: 'end-of-log' };

/**
 * A new writer at `dataDir` holding the data as of `targetTime`. Resolves once
 * it is promoted and its recovery settings are gone from postgresql.auto.conf
 * (a later restart is a normal start). On failure the server is stopped and the
 * data directory left for inspection; errors carry the server log's tail.
 */
export async function restoreWriterToPointInTime(
  env: ComputeEnvironment,
  options: PointInTimeOptions,
): Promise<PostgresInstance & { recoveredTo: PointInTimeRecovery }> {
  const target = options.targetTime;
  if (target !== 'latest' && !(target instanceof Date && Number.isFinite(target.getTime()))) {
    throw new Error(`restoreWriterToPointInTime: targetTime must be a valid Date or 'latest', got ${String(target)}`);
  }
  const baseImageDir = path.resolve(options.baseImageDir);
  const backup = await readBackupLabel(baseImageDir);
  const dataDir = await createEmptyDataDir(env, options.dataDir);
  await copyDataDir(baseImageDir, dataDir, { owner: env.runAs });
  const layout = await layOutLog(dataDir, options, backup, env);

  // Never a standby of anything, and commits must not wait for the source's storage quorum.
  await fs.rm(path.join(dataDir, 'standby.signal'), { force: true });
  await updateAutoConf(dataDir, { synchronous_standby_names: null, primary_conninfo: null, primary_slot_name: null }, env.runAs);

  const placement: ServerPlacement = { dataDir, host: options.host, port: options.port, logFile: options.logFile, startTimeoutMs: options.startTimeoutMs };
  const logFile = options.logFile ?? `${dataDir}.log`;
  let mode: RecoveryMode = target === 'latest' ? { kind: 'end-of-log' } : { kind: 'time', time: target };
  const attempts: string[] = [];
  for (;;) {
    await configureRecovery(dataDir, mode, layout.recoveryTargetTimeline, env);
    const run = await runRecovery(env, placement, logFile, options.recoveryTimeoutMs ?? 120_000);
    if ('instance' in run) {
      const { instance } = run;
      try {
        const recoveredTo = await finishRecovery(instance, mode, target === 'latest', backup, layout);
        return { ...instance, recoveredTo };
      } catch (error) {
        await instance.server.stop();
        throw error;
      }
    }
    attempts.push(`${describeMode(mode)}: ${run.reason}`);
    // PostgreSQL stops with FATAL before any end-of-recovery action in both cases,
    // exactly so that recovery can be started again with another target.
    if (mode.kind === 'time' && /recovery ended before configured recovery target was reached/.test(run.log)) {
      mode = { kind: 'end-of-log' };
      continue;
    }
    if (mode.kind === 'time' && /requested recovery stop point is before consistent recovery point/.test(run.log)) {
      mode = { kind: 'immediate' };
      continue;
    }
    const reportText = layout.log.map((t) => `timeline ${t.timeline}: ${t.fromLsn} → ${t.endLsn}`).join(', ') || 'no log laid out';
    if (/WAL ends before (end of online backup|consistent recovery point)/.test(run.log)) {
      throw new Error(
        `Point-in-time restore into ${dataDir} failed: the log does not reach the base image's consistency point ` +
          `(backup start ${backup ? formatLsn(backup.startLsn) : 'unknown'}; ${reportText}). Attempts: ${attempts.join('; ')}\n--- server log (tail) ---\n${tail(run.log)}`,
      );
    }
    throw new Error(
      `Point-in-time restore into ${dataDir} failed (${reportText}). Attempts: ${attempts.join('; ')}\n--- server log (tail) ---\n${tail(run.log)}`,
    );
  }
}

// ---- backup label and timeline histories ----

export interface BackupLabel {
  startLsn: Lsn;
  checkpointLsn: Lsn | null;
  timeline: number;
}

/** START WAL LOCATION / CHECKPOINT LOCATION / START TIMELINE of a base image's backup_label; null without one. */
export async function readBackupLabel(dataDir: string): Promise<BackupLabel | null> {
  let text: string;
  try {
    text = await fs.readFile(path.join(dataDir, 'backup_label'), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  const start = /^START WAL LOCATION: ([0-9A-Fa-f]+\/[0-9A-Fa-f]+)/m.exec(text)?.[1];
  if (!start) throw new Error(`${path.join(dataDir, 'backup_label')} has no START WAL LOCATION line`);
  const checkpoint = /^CHECKPOINT LOCATION: ([0-9A-Fa-f]+\/[0-9A-Fa-f]+)/m.exec(text)?.[1];
  const timeline = /^START TIMELINE: (\d+)/m.exec(text)?.[1];
  const fileTimeline = /\(file ([0-9A-F]{8})[0-9A-F]{16}\)/.exec(text)?.[1];
  return {
    startLsn: parseLsn(start),
    checkpointLsn: checkpoint ? parseLsn(checkpoint) : null,
    timeline: timeline ? Number(timeline) : fileTimeline ? parseInt(fileTimeline, 16) : 1,
  };
}

/** A timeline history file's last entry: the parent timeline and the LSN where this timeline forked off it (storage's parseTimelineHistory gives every entry). */
export function timelineForkPoint(content: string): { parent: number; switchLsn: Lsn } {
  const entries = content
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => {
      const match = /^(\d+)\s+([0-9A-Fa-f]+\/[0-9A-Fa-f]+)/.exec(line);
      if (!match) throw new Error(`Malformed timeline history line: ${JSON.stringify(line)}`);
      return { parent: Number(match[1]), switchLsn: parseLsn(match[2]!) };
    });
  const last = entries[entries.length - 1];
  if (!last) throw new Error('Timeline history file has no entries');
  return last;
}

const HISTORY_FILE = /^([0-9A-F]{8})\.history$/;
const historyFileName = (timeline: number) => `${timeline.toString(16).toUpperCase().padStart(8, '0')}.history`;

interface LogLayout {
  log: TimelineLogReport[];
  skippedTimelines: { timeline: number; reason: string }[];
  /** 'latest', or the number when the history files between the base image's timeline and it are not all there. */
  recoveryTargetTimeline: string;
}

/**
 * Writes into pg_wal, per timeline of the base image's history from its
 * timeline on, the verified log from the backup's start (or where the timeline
 * began) and the history files up to the last timeline used. A timeline is used
 * only if its history file names the previous one as its parent and its copies
 * hold the WAL segment where it began: PostgreSQL reads that segment from the
 * new timeline's file, and with it missing would fall back to the parent's file,
 * whose bytes past the fork belong to another history.
 */
async function layOutLog(dataDir: string, options: PointInTimeOptions, backup: BackupLabel | null, env: ComputeEnvironment): Promise<LogLayout> {
  const pgWal = path.join(dataDir, 'pg_wal');
  const histories = new Map<number, string>();
  for (const name of await fs.readdir(pgWal)) {
    const match = HISTORY_FILE.exec(name);
    if (match) histories.set(parseInt(match[1]!, 16), await fs.readFile(path.join(pgWal, name), 'utf8'));
  }
  const given = new Map<number, string>();
  for (const [name, content] of Object.entries(options.historyFiles)) {
    const match = HISTORY_FILE.exec(name);
    if (!match) throw new Error(`Not a timeline history file name: ${JSON.stringify(name)} (expected like 00000002.history)`);
    timelineForkPoint(content); // refuse malformed content before anything is written
    given.set(parseInt(match[1]!, 16), content);
    histories.set(parseInt(match[1]!, 16), content);
  }

  const sorted = [...options.wal].sort((a, b) => a.timeline - b.timeline);
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i]!.timeline === sorted[i - 1]!.timeline) throw new Error(`Timeline ${sorted[i]!.timeline} is given twice in wal`);
  }
  for (const entry of sorted) {
    if (!Number.isInteger(entry.timeline) || entry.timeline < 1) throw new Error(`Invalid timeline ${entry.timeline}`);
    for (const copy of entry.copies) {
      const identity = copy.store.identity;
      if (identity && identity.timeline !== entry.timeline) {
        throw new Error(`Segment copy ${copy.name} holds timeline ${identity.timeline}, given as timeline ${entry.timeline}`);
      }
    }
  }

  const baseTimeline = backup?.timeline ?? sorted[0]?.timeline ?? 1;
  const backupSegment = backup ? segmentStart(backup.startLsn, walSegmentSizeOf(sorted)) : 0n;
  const log: TimelineLogReport[] = [];
  const skippedTimelines: { timeline: number; reason: string }[] = [];
  let previous = baseTimeline;
  let stopReason: string | undefined;
  for (const entry of sorted) {
    if (entry.timeline < baseTimeline) {
      skippedTimelines.push({ timeline: entry.timeline, reason: `before the base image's timeline ${baseTimeline}` });
      continue;
    }
    if (stopReason) {
      skippedTimelines.push({ timeline: entry.timeline, reason: stopReason });
      continue;
    }
    const initialized = entry.copies.filter((copy) => copy.store.isInitialized);
    const walSegmentSize = initialized[0]?.store.identity?.walSegmentSize;
    const earliest = initialized.reduce<Lsn | undefined>((lsn, copy) => (lsn === undefined || copy.store.startLsn < lsn ? copy.store.startLsn : lsn), undefined);
    let from = backupSegment;
    if (entry.timeline > baseTimeline) {
      const history = histories.get(entry.timeline);
      if (history === undefined) {
        stopReason = `no history file ${historyFileName(entry.timeline)}`;
        skippedTimelines.push({ timeline: entry.timeline, reason: stopReason });
        continue;
      }
      const { parent, switchLsn } = timelineForkPoint(history);
      if (parent !== previous) {
        stopReason = `timeline ${entry.timeline} forked off timeline ${parent}, not off ${previous}`;
        skippedTimelines.push({ timeline: entry.timeline, reason: stopReason });
        continue;
      }
      const forkSegment = walSegmentSize ? segmentStart(switchLsn, walSegmentSize) : switchLsn;
      if (earliest === undefined || earliest > forkSegment) {
        stopReason = `the copies of timeline ${entry.timeline} start at ${earliest === undefined ? 'nothing' : formatLsn(earliest)}, after the segment of its fork at ${formatLsn(switchLsn)}`;
        skippedTimelines.push({ timeline: entry.timeline, reason: stopReason });
        continue;
      }
      if (forkSegment > from) from = forkSegment;
    }
    if (earliest !== undefined && earliest > from) from = earliest;
    // Bytes past the copies' end are kept: there the base image's own WAL (same history) may continue.
    const report = await writeLogTailToPgWal(dataDir, entry.copies, { from, owner: env.runAs, zeroAfterEnd: false });
    log.push(timelineReport(entry.timeline, report));
    previous = entry.timeline;
  }

  for (const [timeline, content] of given) {
    if (timeline > previous) continue; // beyond the last timeline laid out: PostgreSQL must not follow it
    await writeOwnedFile(path.join(pgWal, historyFileName(timeline)), content, env.runAs);
  }
  // 'latest' probes history files upwards one by one and stops at the first missing.
  let contiguous = true;
  for (let timeline = baseTimeline + 1; timeline <= previous; timeline++) if (!histories.has(timeline)) contiguous = false;
  return { log, skippedTimelines, recoveryTargetTimeline: contiguous ? 'latest' : String(previous) };
}

function walSegmentSizeOf(wal: TimelineWal[]): number {
  for (const entry of wal) for (const copy of entry.copies) if (copy.store.identity) return copy.store.identity.walSegmentSize;
  return 16 * 1024 * 1024;
}

function timelineReport(timeline: number, report: LogTailReport & { files: string[] }): TimelineLogReport {
  return {
    timeline,
    fromLsn: formatLsn(report.fromLsn),
    endLsn: formatLsn(report.endLsn),
    bytes: report.bytes,
    bytesBySource: report.bytesBySource,
    corruptChunksSkipped: report.corruptChunksSkipped,
    files: report.files,
  };
}

// ---- recovery runs ----

/** PostgreSQL timestamp text in UTC, e.g. '2025-01-02 03:04:05.678+00'. */
export function postgresTimestamp(time: Date): string {
  return time.toISOString().replace('T', ' ').replace('Z', '+00');
}

async function configureRecovery(dataDir: string, mode: RecoveryMode, timeline: string, env: ComputeEnvironment): Promise<void> {
  await writeOwnedFile(path.join(dataDir, 'recovery.signal'), '', env.runAs);
  const settings: Record<string, string | null> = Object.fromEntries(RECOVERY_SETTINGS.map((key) => [key, null]));
  Object.assign(settings, {
    restore_command: NO_ARCHIVE,
    recovery_target_timeline: timeline,
    recovery_target_action: 'promote',
  });
  if (mode.kind === 'time') {
    settings.recovery_target_time = postgresTimestamp(mode.time);
    settings.recovery_target_inclusive = 'off'; // only commits strictly before the target
  } else if (mode.kind === 'immediate') {
    settings.recovery_target = 'immediate';
  }
  await updateAutoConf(dataDir, settings, env.runAs);
}

type RecoveryRun = { instance: PostgresInstance } | { reason: string; log: string };

/** Starts the server and waits until it is promoted; if it exits instead, returns what its log said. */
async function runRecovery(env: ComputeEnvironment, placement: ServerPlacement, logFile: string, timeoutMs: number): Promise<RecoveryRun> {
  const logOffset = await fs.stat(logFile).then((stat) => stat.size, () => 0);
  const deadline = Date.now() + timeoutMs;
  let instance: PostgresInstance;
  try {
    instance = await startInstance(env, { ...placement, startTimeoutMs: placement.startTimeoutMs ?? timeoutMs });
  } catch (error) {
    if (!(error instanceof PostgresStartError) || /did not accept connections/.test(error.message)) throw error;
    const log = await readFrom(logFile, logOffset);
    return { reason: firstFatal(log) ?? error.message.split('\n')[0]!, log };
  }
  // A hot standby accepts connections once consistent, before replay has ended.
  for (;;) {
    if (!instance.server.isRunning) {
      const log = await readFrom(logFile, logOffset);
      return { reason: firstFatal(log) ?? 'the server exited during recovery', log };
    }
    const inRecovery = await withAdminClient(instance, async (client) => (await client.query('SELECT pg_is_in_recovery() AS r')).rows[0].r as boolean).catch(() => undefined);
    if (inRecovery === false) return { instance };
    if (Date.now() > deadline) {
      const replay = await withAdminClient(instance, async (client) => (await client.query('SELECT pg_last_wal_replay_lsn()::text AS l')).rows[0].l as string).catch(() => 'unknown');
      await instance.server.stop();
      throw new Error(
        `Point-in-time restore into ${placement.dataDir}: still in recovery after ${timeoutMs} ms (replayed to ${replay}); server stopped.\n` +
          `--- server log (tail) ---\n${tail(await readFrom(logFile, logOffset))}`,
      );
    }
    await sleep(20);
  }
}

/** Reads where replay ended, then removes the recovery settings so the next start is a normal one. */
async function finishRecovery(instance: PostgresInstance, mode: RecoveryMode, latestWanted: boolean, backup: BackupLabel | null, layout: LogLayout): Promise<PointInTimeRecovery> {
  return withAdminClient(instance, async (client: pg.Client) => {
    const { rows } = await client.query<{ lsn: string | null; last: string | null; walfile: string }>(
      `SELECT pg_last_wal_replay_lsn()::text AS lsn,
              to_char(pg_last_xact_replay_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS last,
              pg_walfile_name(pg_current_wal_lsn()) AS walfile`,
    );
    // Only read at startup (with recovery.signal, which promotion removed): no reload needed.
    for (const key of RECOVERY_SETTINGS) await client.query(`ALTER SYSTEM RESET ${key}`);
    const row = rows[0]!;
    const stoppedAt = mode.kind === 'time' ? 'target' : mode.kind === 'immediate' ? 'consistent-point' : 'end-of-log';
    return {
      lsn: row.lsn ?? '0/0',
      lastCommitTime: row.last,
      targetReached: mode.kind === 'time' || (latestWanted && mode.kind === 'end-of-log'),
      stoppedAt,
      timeline: parseInt(row.walfile.slice(0, 8), 16),
      backupStartLsn: backup ? formatLsn(backup.startLsn) : null,
      log: layout.log,
      skippedTimelines: layout.skippedTimelines,
    };
  });
}

function describeMode(mode: RecoveryMode): string {
  return mode.kind === 'time' ? `target time ${postgresTimestamp(mode.time)}` : mode.kind === 'immediate' ? 'target immediate' : 'end of log';
}

/** The first FATAL/PANIC of the server itself (not a connection refused while it was starting or stopping). */
function firstFatal(log: string): string | undefined {
  for (const match of log.matchAll(/(?:FATAL|PANIC):\s+(.*)/g)) {
    const message = match[1]!.trim();
    if (!/^the database system is (starting up|in recovery mode|shutting down|not yet accepting connections)/.test(message)) return message;
  }
  return undefined;
}

async function readFrom(file: string, offset: number): Promise<string> {
  const handle = await fs.open(file, 'r').catch(() => undefined);
  if (!handle) return '';
  try {
    const { size } = await handle.stat();
    const buffer = Buffer.alloc(Math.max(0, size - offset));
    await handle.read(buffer, 0, buffer.length, offset);
    return buffer.toString('utf8');
  } finally {
    await handle.close();
  }
}

const tail = (text: string, maxChars = 4000) => text.trim().slice(-maxChars);
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
