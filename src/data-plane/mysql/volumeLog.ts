/**
 * What an aurora-mysql cluster volume's log holds, and how it is read back.
 * The volume log is a sequence of records, each a whole unit the writer's
 * binary log committed, so a copy never ends inside a transaction:
 *
 *   magic 0xA7 0x1C, kind (1 base, 2 transaction), u32 payload length,
 *   u16 position length, position (ASCII), payload
 *
 * - base: where the volume's history starts (the writer's gtid_binlog_pos when
 *   the volume first attached, or after a gap); payload: the writer's
 *   Format_description event, which makes the transactions a binary log again.
 * - transaction: its GTID ("domain-server-seq"); payload: its binary-log events
 *   exactly as the writer logged them (GTID event … XID/COMMIT).
 *
 * Recovery reads the records from at least 3 segments (storage/recovery.ts
 * readLogTail) and replays the transactions a server lacks through
 * mariadb-binlog, the server's own tool, so GTIDs are kept.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { readLogTail, type SegmentCopy } from '../storage/recovery.js';
import type { Lsn } from '../storage/lsn.js';
import { BINLOG_MAGIC, BinlogEventType, EVENT_HEADER_BYTES, FL_STANDALONE, queryText, ROW_EVENTS } from './binlog.js';
import { formatGtidList, parseGtidList, type GtidPosition } from './cluster.js';
import { runMysqlTool, writeClientOptionFile } from './commands.js';
import { withScratchDir, type MysqlEnvironment } from './environment.js';
import { queryRows, withMysqlAdmin, type MysqlAdminTarget } from './sql.js';

const RECORD_MAGIC = 0xa71c;
const RECORD_HEADER_BYTES = 9;
export const RecordKind = { BASE: 1, TRANSACTION: 2 } as const;

export interface VolumeLogRecord {
  kind: (typeof RecordKind)[keyof typeof RecordKind];
  /** base: a whole GTID position; transaction: its GTID. */
  position: string;
  payload: Buffer;
}

export function encodeRecord(record: VolumeLogRecord): Buffer {
  const position = Buffer.from(record.position, 'ascii');
  const header = Buffer.alloc(RECORD_HEADER_BYTES);
  header.writeUInt16BE(RECORD_MAGIC, 0);
  header[2] = record.kind;
  header.writeUInt32LE(record.payload.length, 3);
  header.writeUInt16LE(position.length, 7);
  return Buffer.concat([header, position, record.payload]);
}

/** Applies a record to a position: a base replaces it, a transaction advances its domain. */
export function advancePosition(position: GtidPosition, record: Pick<VolumeLogRecord, 'kind' | 'position'>): GtidPosition {
  if (record.kind === RecordKind.BASE) return parseGtidList(record.position);
  const next = new Map(position);
  for (const [domain, gtid] of parseGtidList(record.position)) next.set(domain, gtid);
  return next;
}

/** The Format_description event's checksum algorithm: 4 bytes of CRC32 after every event, or none. */
export function checksumLengthOf(formatDescription: Buffer): number {
  const size = formatDescription.length;
  return formatDescription[size - 5] === 1 ? 4 : formatDescription[size - 1] === 0 ? 0 : 4;
}

export interface AssembledTransaction {
  gtid: string;
  domain: number;
  seq: number;
  events: Buffer[];
  /** Unix time (s) of its last event. */
  commitTime: number;
}

/**
 * Groups a binary-log event stream into whole transactions (GTID event up to
 * its XID, COMMIT or, for a standalone statement, that statement). Events
 * outside a transaction (rotate, format description, GTID list, checkpoints)
 * are not part of one and are ignored.
 */
export class TransactionAssembler {
  private current: (AssembledTransaction & { standalone: boolean }) | undefined;
  checksumLength = 4;

  /** Feeds one event; returns the transaction it completes, if it does. */
  push(event: Buffer): AssembledTransaction | undefined {
    const type = event[4]!;
    if (type === BinlogEventType.FORMAT_DESCRIPTION) {
      this.checksumLength = checksumLengthOf(event);
      return undefined;
    }
    if (type === BinlogEventType.GTID) {
      const body = EVENT_HEADER_BYTES;
      const seq = Number(event.readBigUInt64LE(body));
      const domain = event.readUInt32LE(body + 8);
      const serverId = event.readUInt32LE(5);
      this.current = { gtid: `${domain}-${serverId}-${seq}`, domain, seq, events: [event], commitTime: event.readUInt32LE(0), standalone: (event[body + 12]! & FL_STANDALONE) !== 0 };
      return undefined;
    }
    const current = this.current;
    if (!current) return undefined;
    current.events.push(event);
    let ends = type === BinlogEventType.XID || type === BinlogEventType.XA_PREPARE;
    if (type === BinlogEventType.QUERY || type === BinlogEventType.QUERY_COMPRESSED) {
      const keyword = type === BinlogEventType.QUERY ? queryText(event, this.checksumLength).trim().toUpperCase() : '';
      ends = keyword === 'COMMIT' || keyword === 'ROLLBACK' || (current.standalone && keyword !== 'BEGIN');
    }
    if (!ends) return undefined;
    this.current = undefined;
    const { standalone: _standalone, ...transaction } = current;
    return { ...transaction, commitTime: event.readUInt32LE(0) };
  }

  /** A transaction is open (the stream broke inside it: it is dropped, the writer sends it again). */
  reset(): void {
    this.current = undefined;
  }
}

export interface VolumeTransaction {
  gtid: string;
  /** Unix time (s) of its commit event. */
  commitTime: number;
  payload: Buffer;
  rowEvents: number;
}

export interface VolumeLogSummary {
  /** Offset just after the last whole record: where the log continues. */
  end: Lsn;
  /** The GTID position the log reaches ("" when it holds no history yet). */
  position: string;
  /** The newest Format_description event a base record carried. */
  formatDescription: Buffer | undefined;
  records: number;
  /** Whole transactions after `after` (when asked), in log order. */
  transactions: VolumeTransaction[];
}

/**
 * Reads the volume's log from at least 3 segment copies (verified chunk by
 * chunk; throws ReadQuorumError below 3) and sums it up; with `after`, keeps
 * the transactions past that GTID position (what a server at `after` lacks).
 */
export async function readVolumeLog(copies: readonly SegmentCopy[], options: { after?: string } = {}): Promise<VolumeLogSummary> {
  const after = options.after === undefined ? undefined : parseGtidList(options.after);
  const summary: VolumeLogSummary = { end: 0n, position: '', formatDescription: undefined, records: 0, transactions: [] };
  let position: GtidPosition = new Map();
  // Chunks of a record not complete yet: joined once the whole record is there, so a record
  // spanning many chunks is copied once, not once per chunk.
  let parts: Buffer[] = [];
  let buffered = 0;
  let needed = RECORD_HEADER_BYTES;
  let pendingStart = 0n;
  await readLogTail(copies, async (lsn, bytes) => {
    if (buffered === 0) pendingStart = lsn;
    parts.push(bytes);
    buffered += bytes.length;
    if (buffered < needed) return;
    const pending = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
    let at = 0;
    needed = RECORD_HEADER_BYTES;
    while (pending.length - at >= RECORD_HEADER_BYTES) {
      if (pending.readUInt16BE(at) !== RECORD_MAGIC) throw new Error(`The volume log is not a record at offset ${pendingStart + BigInt(at)}`);
      const length = RECORD_HEADER_BYTES + pending.readUInt16LE(at + 7) + pending.readUInt32LE(at + 3);
      if (pending.length - at < length) {
        needed = length;
        break;
      }
      const kind = pending[at + 2] as VolumeLogRecord['kind'];
      const positionLength = pending.readUInt16LE(at + 7);
      const recordPosition = pending.toString('ascii', at + RECORD_HEADER_BYTES, at + RECORD_HEADER_BYTES + positionLength);
      const payload = pending.subarray(at + RECORD_HEADER_BYTES + positionLength, at + length);
      if (kind === RecordKind.BASE && payload.length > 0) summary.formatDescription = Buffer.from(payload);
      if (kind === RecordKind.BASE) {
        // History restarts here (a Backtrack rebuilt the writer): transactions past it were rewound.
        const base = parseGtidList(recordPosition);
        summary.transactions = summary.transactions.filter((t) => {
          const [domain, gtid] = [...parseGtidList(t.gtid)][0]!;
          return gtid.seq <= (base.get(domain)?.seq ?? 0);
        });
      }
      if (kind === RecordKind.TRANSACTION && after) {
        const [domain, gtid] = [...parseGtidList(recordPosition)][0]!;
        if (gtid.seq > (after.get(domain)?.seq ?? 0)) summary.transactions.push({ gtid: recordPosition, ...describeTransaction(payload) });
      }
      position = advancePosition(position, { kind, position: recordPosition });
      summary.records += 1;
      at += length;
      summary.end = pendingStart + BigInt(at);
    }
    const rest = pending.subarray(at);
    parts = rest.length > 0 ? [rest] : [];
    buffered = rest.length;
    pendingStart += BigInt(at);
  });
  summary.position = formatGtidList(position);
  return summary;
}

function describeTransaction(payload: Buffer): { commitTime: number; payload: Buffer; rowEvents: number } {
  let rowEvents = 0;
  let commitTime = 0;
  for (let at = 0; at + EVENT_HEADER_BYTES <= payload.length; ) {
    if (ROW_EVENTS.has(payload[at + 4]!)) rowEvents += 1;
    commitTime = payload.readUInt32LE(at);
    at += payload.readUInt32LE(at + 9);
  }
  return { commitTime, payload: Buffer.from(payload), rowEvents };
}

/**
 * Replays transactions read from the volume on a server (as the emulator's
 * admin, which may write on a read-only replica): they become a binary-log
 * file again (magic, Format_description, the events), mariadb-binlog turns
 * that into statements that keep each GTID, and the client applies them.
 */
export async function replayVolumeTransactions(
  env: MysqlEnvironment,
  target: MysqlAdminTarget,
  formatDescription: Buffer,
  transactions: readonly { payload: Buffer }[],
  options: { timeoutMs?: number } = {},
): Promise<void> {
  if (transactions.length === 0) return;
  const timeoutMs = options.timeoutMs ?? 5 * 60_000;
  await withScratchDir(env, async (scratch) => {
    const binlogFile = path.join(scratch, 'volume-tail.000001');
    await fs.writeFile(binlogFile, Buffer.concat([BINLOG_MAGIC, formatDescription, ...transactions.map((t) => t.payload)]));
    const sqlFile = path.join(scratch, 'volume-tail.sql');
    await runMysqlTool(env.binaries.binlog, ['--no-defaults', binlogFile], { runAs: null, cwd: scratch, stdoutFile: sqlFile, timeoutMs });
    const clientOptions = await writeClientOptionFile(path.join(scratch, 'client.cnf'), target, null);
    await runMysqlTool(env.binaries.client, [`--defaults-file=${clientOptions}`, '--batch', '--binary-mode'], { runAs: null, cwd: scratch, stdinFile: sqlFile, timeoutMs });
  });
}

/**
 * Every transaction a server has applied, per domain: the newer of what it applied as a replica
 * (gtid_slave_pos) and what its binary log holds (gtid_binlog_pos: its own and replayed ones).
 */
export async function appliedGtidPosition(target: MysqlAdminTarget): Promise<string> {
  const [row] = await withMysqlAdmin(target, (connection) =>
    queryRows<{ slave: string | null; binlog: string | null }>(connection, 'SELECT @@GLOBAL.gtid_slave_pos AS slave, @@GLOBAL.gtid_binlog_pos AS binlog'),
  );
  const merged: GtidPosition = parseGtidList(row?.slave ?? '');
  for (const [domain, gtid] of parseGtidList(row?.binlog ?? '')) {
    if (gtid.seq > (merged.get(domain)?.seq ?? -1)) merged.set(domain, gtid);
  }
  return formatGtidList(merged);
}
