/**
 * A reader for MariaDB binary-log files, just deep enough for Backtrack: event
 * headers (timestamp, type, size), GTID events, statement text of Query events,
 * and which events are row changes. It groups events into transactions in log
 * (= commit) order with their commit timestamps, so a rewind can cut the log at
 * a transaction boundary and say exactly what it reverts.
 *
 * Format: 4-byte magic, then events; each starts with a 19-byte header
 * (timestamp u32, type u8, server_id u32, event_size u32, next_position u32,
 * flags u16), little-endian; event_size includes the trailing CRC32 when
 * binlog_checksum=CRC32.
 */
import fs, { type FileHandle } from 'node:fs/promises';
import path from 'node:path';

export const BINLOG_MAGIC = Buffer.from([0xfe, 0x62, 0x69, 0x6e]);
export const EVENT_HEADER_BYTES = 19;
const HEADER = EVENT_HEADER_BYTES;

export const BinlogEventType = {
  QUERY: 2,
  STOP: 3,
  ROTATE: 4,
  FORMAT_DESCRIPTION: 15,
  XID: 16,
  TABLE_MAP: 19,
  WRITE_ROWS_V1: 23,
  UPDATE_ROWS_V1: 24,
  DELETE_ROWS_V1: 25,
  WRITE_ROWS: 30,
  UPDATE_ROWS: 31,
  DELETE_ROWS: 32,
  ANNOTATE_ROWS: 160,
  BINLOG_CHECKPOINT: 161,
  GTID: 162,
  GTID_LIST: 163,
  QUERY_COMPRESSED: 165,
  XA_PREPARE: 182,
} as const;

/** Row-change events: v1 and v2 write/update/delete, and MariaDB's compressed variants (166-171). */
export const ROW_EVENTS = new Set([23, 24, 25, 30, 31, 32, 166, 167, 168, 169, 170, 171]);
/** GTID event flag: the group is one statement (DDL) without BEGIN/COMMIT. */
export const FL_STANDALONE = 1;

export interface BinlogTransaction {
  /** Binary-log file name (no directory). */
  file: string;
  /** Offset of the transaction's GTID event. */
  startPosition: number;
  /** Offset just after its last event. */
  endPosition: number;
  /** "domain-server-seq". */
  gtid: string;
  domain: number;
  serverId: number;
  seq: number;
  /** Unix time (seconds) of the commit event: the start of the committing statement. */
  commitTime: number;
  /** Row-change events (each holds one or more rows). */
  rowEvents: number;
  /** Statements logged as text (DDL, account management …): things row flashback cannot revert. */
  statements: string[];
}

export interface BinlogFileSummary {
  file: string;
  path: string;
  /** Unix time (seconds) the file was started (its format-description event). */
  startTime: number;
  /** Complete transactions in log order. */
  transactions: BinlogTransaction[];
}

export interface BinlogHead {
  startTime: number;
  /** GTID state when the file was started (its Gtid_list event): domain → last seq. */
  gtidList: Map<number, { serverId: number; seq: number }>;
}

/** The first two events of a file: when it was started and the GTID state at that point. */
export async function readBinlogHead(filePath: string): Promise<BinlogHead> {
  const handle = await fs.open(filePath, 'r');
  try {
    const buffer = Buffer.alloc(8192);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    const data = buffer.subarray(0, bytesRead);
    if (data.length < 4 + HEADER || !data.subarray(0, 4).equals(BINLOG_MAGIC)) throw new Error(`${filePath} is not a binary log`);
    const startTime = data.readUInt32LE(4);
    const fdeSize = data.readUInt32LE(4 + 9);
    const gtidList = new Map<number, { serverId: number; seq: number }>();
    const next = 4 + fdeSize;
    if (data.length >= next + HEADER && data[next + 4] === BinlogEventType.GTID_LIST) {
      const body = next + HEADER;
      const count = data.readUInt32LE(body) & 0x0fffffff;
      for (let i = 0; i < count && body + 4 + (i + 1) * 16 <= data.length; i++) {
        const entry = body + 4 + i * 16;
        gtidList.set(data.readUInt32LE(entry), { serverId: data.readUInt32LE(entry + 4), seq: Number(data.readBigUInt64LE(entry + 8)) });
      }
    }
    return { startTime, gtidList };
  } finally {
    await handle.close();
  }
}

/**
 * Every complete transaction in the file, in log order. A transaction still
 * being written at the end of the active file (or cut off) is left out.
 */
export async function readBinlogFile(filePath: string): Promise<BinlogFileSummary> {
  const handle = await fs.open(filePath, 'r');
  try {
    const { size } = await handle.stat();
    const reader = new ChunkReader(handle, size);
    const magic = await reader.bytes(0, 4);
    if (!magic || !magic.equals(BINLOG_MAGIC)) throw new Error(`${filePath} is not a binary log`);
    const file = path.basename(filePath);
    const transactions: BinlogTransaction[] = [];
    let startTime = 0;
    let checksumLength = 4;
    let current: (BinlogTransaction & { standalone: boolean }) | undefined;

    for (let position = 4; position + HEADER <= size; ) {
      const header = await reader.bytes(position, HEADER);
      if (!header) break;
      const timestamp = header.readUInt32LE(0);
      const type = header[4]!;
      const serverId = header.readUInt32LE(5);
      const eventSize = header.readUInt32LE(9);
      if (eventSize < HEADER || position + eventSize > size) break; // incomplete tail
      const end = position + eventSize;
      const finish = (commitTime: number) => {
        if (!current) return;
        const { standalone: _standalone, ...transaction } = current;
        transactions.push({ ...transaction, endPosition: end, commitTime });
        current = undefined;
      };

      if (type === BinlogEventType.FORMAT_DESCRIPTION) {
        const event = await reader.bytes(position, eventSize);
        if (!event) break;
        if (startTime === 0) startTime = timestamp;
        // The event ends with the checksum algorithm (1 byte), then the CRC32 itself unless the algorithm is 0 (none).
        checksumLength = event[eventSize - 5] === 1 ? 4 : event[eventSize - 1] === 0 ? 0 : 4;
      } else if (type === BinlogEventType.GTID) {
        const body = await reader.bytes(position + HEADER, 13);
        if (!body) break;
        const seq = Number(body.readBigUInt64LE(0));
        const domain = body.readUInt32LE(8);
        current = {
          file,
          startPosition: position,
          endPosition: end,
          gtid: `${domain}-${serverId}-${seq}`,
          domain,
          serverId,
          seq,
          commitTime: timestamp,
          rowEvents: 0,
          statements: [],
          standalone: (body[12]! & FL_STANDALONE) !== 0,
        };
      } else if (current && (type === BinlogEventType.QUERY || type === BinlogEventType.QUERY_COMPRESSED)) {
        const event = await reader.bytes(position, eventSize);
        if (!event) break;
        const text = type === BinlogEventType.QUERY ? queryText(event, checksumLength) : '(compressed statement)';
        const keyword = text.trim().toUpperCase();
        if (keyword === 'COMMIT' || keyword === 'ROLLBACK') {
          finish(timestamp);
        } else if (keyword !== 'BEGIN') {
          current.statements.push(text);
          if (current.standalone) finish(timestamp);
        }
      } else if (current && (type === BinlogEventType.XID || type === BinlogEventType.XA_PREPARE)) {
        if (type === BinlogEventType.XA_PREPARE) current.statements.push('XA PREPARE');
        finish(timestamp);
      } else if (current && ROW_EVENTS.has(type)) {
        current.rowEvents += 1;
      }
      position = end;
    }
    return { file, path: filePath, startTime, transactions };
  } finally {
    await handle.close();
  }
}

/** Query event: post-header (thread id 4, exec time 4, db length 1, error 2, status-vars length 2), status vars, db + NUL, then the text. */
export function queryText(event: Buffer, checksumLength: number): string {
  const body = HEADER;
  const dbLength = event[body + 8]!;
  const statusLength = event.readUInt16LE(body + 11);
  const start = body + 13 + statusLength + dbLength + 1;
  return event.toString('utf8', start, event.length - checksumLength);
}

/** Reads a file in large chunks and serves small slices of it. */
class ChunkReader {
  private buffer = Buffer.alloc(0);
  private bufferStart = 0;

  constructor(
    private readonly handle: FileHandle,
    private readonly size: number,
  ) {}

  async bytes(offset: number, length: number): Promise<Buffer | undefined> {
    if (offset + length > this.size) return undefined;
    if (offset < this.bufferStart || offset + length > this.bufferStart + this.buffer.length) {
      const chunk = Buffer.alloc(Math.min(Math.max(length, 1 << 20), this.size - offset));
      const { bytesRead } = await this.handle.read(chunk, 0, chunk.length, offset);
      this.buffer = chunk.subarray(0, bytesRead);
      this.bufferStart = offset;
      if (bytesRead < length) return undefined;
    }
    return this.buffer.subarray(offset - this.bufferStart, offset - this.bufferStart + length);
  }
}
