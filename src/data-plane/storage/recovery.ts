/**
 * The recovery read path: read the log tail from at least 3 of a volume's 6
 * segment copies (Vr = 3; since Vw + Vr > 6 one of any 3 holds every
 * acknowledged commit), assemble one verified WAL stream chunk by chunk
 * (a chunk that fails its checksum is taken from another copy), and write it
 * into a data directory's pg_wal so PostgreSQL's own recovery replays it.
 */
import { constants } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { READ_QUORUM } from './quorum.js';
import { formatLsn, segmentNumber, walFileName, type Lsn } from './lsn.js';
import { VerifiedChunkReader, type SegmentCopy } from './chunkReader.js';
import type { WalStoreIdentity } from './walSegmentStore.js';

export type { SegmentCopy };

export class ReadQuorumError extends Error {
  constructor(readonly available: number) {
    super(`Recovery needs the log of at least ${READ_QUORUM} of 6 segments; ${available} available`);
    this.name = 'ReadQuorumError';
  }
}

export interface LogTailReport {
  /** First LSN written. */
  fromLsn: Lsn;
  /** End of the assembled stream: recovery replays up to here. */
  endLsn: Lsn;
  /** The highest durable LSN any copy claimed; above endLsn only if its tail could not be verified anywhere. */
  highestClaimedLsn: Lsn;
  bytes: number;
  /** Bytes taken from each copy. */
  bytesBySource: Record<string, number>;
  /** Chunks skipped because a copy failed its checksum (another copy was used, or the stream ended there). */
  corruptChunksSkipped: { source: string; chunkStart: string }[];
}

/**
 * Walks the log chunk by chunk from `from` (default: the earliest start of the
 * copies) and hands each verified chunk to `sink`, stopping where no copy has
 * a verified continuation. Prefers, per chunk, the copy covering the most.
 */
export async function readLogTail(
  copies: readonly SegmentCopy[],
  sink: (lsn: Lsn, bytes: Buffer) => Promise<void>,
  options: { from?: Lsn; minimumCopies?: number } = {},
): Promise<LogTailReport & { identity: WalStoreIdentity }> {
  const usable = copies.filter((copy) => copy.store.isInitialized);
  if (usable.length < (options.minimumCopies ?? READ_QUORUM)) throw new ReadQuorumError(usable.length);
  const identity = usable[0]!.store.identity!;
  for (const copy of usable) {
    const other = copy.store.identity!;
    if (other.systemId !== identity.systemId || other.timeline !== identity.timeline || other.chunkSize !== identity.chunkSize || other.walSegmentSize !== identity.walSegmentSize) {
      throw new Error(`Segment copies disagree: ${copy.name} holds system ${other.systemId} timeline ${other.timeline}, ${usable[0]!.name} system ${identity.systemId} timeline ${identity.timeline}`);
    }
  }
  const chunkSize = BigInt(identity.chunkSize);
  const earliest = usable.reduce((lsn, copy) => (copy.store.startLsn < lsn ? copy.store.startLsn : lsn), usable[0]!.store.startLsn);
  const fromLsn = ((options.from ?? earliest) / chunkSize) * chunkSize;
  const highestClaimedLsn = usable.reduce((lsn, copy) => (copy.store.durableLsn > lsn ? copy.store.durableLsn : lsn), 0n);
  const report: LogTailReport = { fromLsn, endLsn: fromLsn, highestClaimedLsn, bytes: 0, bytesBySource: {}, corruptChunksSkipped: [] };
  const reader = new VerifiedChunkReader(usable);
  for (let chunkStart = fromLsn; chunkStart < highestClaimedLsn; chunkStart += chunkSize) {
    const taken = await reader.healthy(chunkStart);
    if (!taken) break;
    await sink(chunkStart, taken.bytes);
    report.bytes += taken.bytes.length;
    report.bytesBySource[taken.source] = (report.bytesBySource[taken.source] ?? 0) + taken.bytes.length;
    report.endLsn = chunkStart + BigInt(taken.bytes.length);
    if (taken.bytes.length < identity.chunkSize) break; // the end of the longest verified copy
  }
  report.corruptChunksSkipped = reader.skipped.map((skip) => ({ source: skip.source, chunkStart: formatLsn(skip.chunkStart) }));
  return { ...report, identity };
}

export interface WalWriteOptions {
  /** Start of the WAL to write (default: the earliest LSN the copies hold). */
  from?: Lsn;
  /** Owner of the files (the server user when we are root). */
  owner?: { uid: number; gid: number } | null;
  /**
   * Zero the rest of the last file after the end of the stream (default true).
   * Pass false when pg_wal already holds WAL of the same history there (a base
   * image's own pg_wal): bytes past the copies' end then stay usable.
   */
  zeroAfterEnd?: boolean;
}

/**
 * Writes the assembled log into `<dataDir>/pg_wal` as full-size segment files
 * (PostgreSQL refuses short ones), zeroes everything after the end in the last
 * file (so nothing stale follows it), and syncs. The data directory's server
 * must be stopped. Start it with standby.signal and no primary to replay, then
 * promote; clear synchronous_standby_names first or its commits will wait.
 */
export async function writeLogTailToPgWal(dataDir: string, copies: readonly SegmentCopy[], options: WalWriteOptions = {}): Promise<LogTailReport & { files: string[] }> {
  const pgWal = path.join(dataDir, 'pg_wal');
  const handles = new Map<bigint, fs.FileHandle>();
  let geometry: { timeline: number; walSegmentSize: number } | undefined;
  const fileFor = async (segno: bigint): Promise<fs.FileHandle> => {
    const open = handles.get(segno);
    if (open) return open;
    const file = path.join(pgWal, walFileName(geometry!.timeline, segno, geometry!.walSegmentSize));
    const handle = await fs.open(file, constants.O_RDWR | constants.O_CREAT, 0o600);
    if ((await handle.stat()).size < geometry!.walSegmentSize) await handle.truncate(geometry!.walSegmentSize);
    await handle.chmod(0o600);
    if (options.owner) await handle.chown(options.owner.uid, options.owner.gid);
    handles.set(segno, handle);
    return handle;
  };
  try {
    // Identity first, so file names use the copies' timeline and segment size.
    const first = copies.find((copy) => copy.store.isInitialized)?.store.identity;
    if (first) geometry = { timeline: first.timeline, walSegmentSize: first.walSegmentSize };
    const report = await readLogTail(
      copies,
      async (lsn, bytes) => {
        const handle = await fileFor(segmentNumber(lsn, geometry!.walSegmentSize));
        await handle.write(bytes, 0, bytes.length, Number(lsn % BigInt(geometry!.walSegmentSize)));
      },
      { from: options.from },
    );
    const size = BigInt(report.identity.walSegmentSize);
    const tailOffset = Number(report.endLsn % size);
    if (tailOffset > 0 && options.zeroAfterEnd !== false) {
      const handle = await fileFor(segmentNumber(report.endLsn, report.identity.walSegmentSize));
      await handle.write(Buffer.alloc(report.identity.walSegmentSize - tailOffset), 0, report.identity.walSegmentSize - tailOffset, tailOffset);
    }
    await Promise.all([...handles.values()].map((handle) => handle.sync()));
    const files = [...handles.keys()].sort((a, b) => (a < b ? -1 : 1)).map((segno) => walFileName(report.identity.timeline, segno, report.identity.walSegmentSize));
    const { identity: _identity, ...rest } = report;
    return { ...rest, files };
  } finally {
    await Promise.all([...handles.values()].map((handle) => handle.close().catch(() => {})));
  }
}
