/**
 * A storage segment's copy of the log on disk: WAL bytes in files named and
 * laid out exactly like pg_wal segments (positional writes at lsn % size, so a
 * file can be copied into a pg_wal directory as is), plus, per WAL file, a
 * ".sums" file with one CRC32 per fixed-size chunk. A chunk's entry records how
 * many bytes it covers, so the chunk at the end of the log (still filling) is
 * checked too. The durable end is derived from the sums, not a separate state
 * file: what the sums cover after an fsync is what the node may acknowledge.
 *
 * Every mutating operation runs under one lock: the WAL receiver appends while
 * repair may rewrite older chunks of the same files.
 */
import { crc32 } from 'node:zlib';
import fs from 'node:fs/promises';
import { writeSync } from 'node:fs';
import path from 'node:path';
import { DEFAULT_WAL_SEGMENT_SIZE, formatLsn, parseLsn, segmentNumber, segmentStart, walFileName, type Lsn } from './lsn.js';

export const DEFAULT_CHUNK_SIZE = 8192; // one WAL page
const SUM_ENTRY_BYTES = 8; // uint32 covered bytes, uint32 crc32
const IDENTITY_FILE = 'segment.json';
const OPEN_FILES_KEPT = 4;

/** Which log this is: a copy is only interchangeable with copies of the same system, timeline and geometry. */
export interface WalStoreIdentity {
  systemId: string;
  timeline: number;
  walSegmentSize: number;
  chunkSize: number;
  /** First LSN held (a WAL segment boundary). */
  startLsn: Lsn;
}

export class WalGapError extends Error {
  constructor(
    readonly expected: Lsn,
    readonly received: Lsn,
  ) {
    super(`WAL gap: expected data at ${formatLsn(expected)}, received ${formatLsn(received)}`);
    this.name = 'WalGapError';
  }
}

export interface VerifiedChunk {
  chunkStart: Lsn;
  /** Bytes the checksum covers (chunkSize except for the last chunk of the log). */
  covered: number;
  /** The bytes, when they match their checksum; undefined for a corrupt or missing chunk. */
  bytes?: Buffer;
}

interface OpenSegment {
  data: fs.FileHandle;
  sums: fs.FileHandle;
}

export class WalSegmentStore {
  private identityValue: WalStoreIdentity | undefined;
  /** End of the bytes written (not necessarily synced). */
  private written: Lsn = 0n;
  private durable: Lsn = 0n;
  /** Running checksum of the chunk at the end of the log. */
  private tail = { chunkStart: 0n, covered: 0, crc: 0 };
  private readonly open = new Map<bigint, OpenSegment>();
  private readonly dirty = new Set<bigint>();
  private lock: Promise<unknown> = Promise.resolve();
  private closed = false;

  private constructor(readonly dir: string) {}

  /** Opens (creating the directory if needed) and finds the durable end from the checksums. */
  static async open(dir: string): Promise<WalSegmentStore> {
    const store = new WalSegmentStore(path.resolve(dir));
    await fs.mkdir(path.join(store.dir, 'wal'), { recursive: true });
    await store.load();
    return store;
  }

  get identity(): WalStoreIdentity | undefined {
    return this.identityValue;
  }
  get isInitialized(): boolean {
    return this.identityValue !== undefined;
  }
  /** End of the WAL this copy holds after its last fsync: what it may acknowledge. */
  get durableLsn(): Lsn {
    return this.durable;
  }
  get writtenLsn(): Lsn {
    return this.written;
  }
  get startLsn(): Lsn {
    return this.identityValue?.startLsn ?? 0n;
  }

  /** Starts an empty copy at the WAL segment boundary containing `startLsn`. */
  initialize(identity: Omit<WalStoreIdentity, 'chunkSize' | 'walSegmentSize'> & { chunkSize?: number; walSegmentSize?: number }): Promise<void> {
    return this.exclusive(async () => {
      if (this.identityValue) throw new Error(`${this.dir} already holds WAL of system ${this.identityValue.systemId}`);
      const walSegmentSize = identity.walSegmentSize ?? DEFAULT_WAL_SEGMENT_SIZE;
      const chunkSize = identity.chunkSize ?? DEFAULT_CHUNK_SIZE;
      if (walSegmentSize % chunkSize !== 0) throw new RangeError(`chunkSize ${chunkSize} does not divide the WAL segment size ${walSegmentSize}`);
      const full: WalStoreIdentity = { ...identity, walSegmentSize, chunkSize, startLsn: segmentStart(identity.startLsn, walSegmentSize) };
      const file = path.join(this.dir, IDENTITY_FILE);
      const handle = await fs.open(file, 'w', 0o600);
      try {
        await handle.writeFile(JSON.stringify({ ...full, startLsn: formatLsn(full.startLsn) }) + '\n');
        await handle.sync();
      } finally {
        await handle.close();
      }
      this.identityValue = full;
      this.written = this.durable = full.startLsn;
      this.tail = { chunkStart: full.startLsn, covered: 0, crc: 0 };
    });
  }

  /**
   * Stores `bytes` at `lsn`. Bytes already held are skipped (a reconnect or a
   * repair may deliver them twice); data beyond the end is a gap and refused.
   */
  append(lsn: Lsn, bytes: Buffer): Promise<void> {
    return this.exclusive(async () => {
      const identity = this.requireIdentity();
      if (lsn > this.written) throw new WalGapError(this.written, lsn);
      const skip = Number(this.written - lsn);
      if (skip >= bytes.length) return;
      let data = bytes.subarray(skip);
      let at = this.written;
      const chunk = BigInt(identity.chunkSize);
      while (data.length > 0) {
        const chunkStart = (at / chunk) * chunk;
        const room = Number(chunkStart + chunk - at);
        const piece = data.subarray(0, Math.min(room, data.length));
        if (chunkStart !== this.tail.chunkStart) this.tail = { chunkStart, covered: 0, crc: 0 };
        const segno = segmentNumber(at, identity.walSegmentSize);
        const files = await this.segmentFiles(segno, true);
        // Plain writes into the page cache take microseconds: done synchronously, they save two
        // thread-pool round trips per chunk on every commit's path (the fsync stays asynchronous).
        writeSync(files.data.fd, piece, 0, piece.length, Number(at % BigInt(identity.walSegmentSize)));
        this.tail.covered += piece.length;
        this.tail.crc = crc32(piece, this.tail.crc);
        writeSync(files.sums.fd, sumEntry(this.tail.covered, this.tail.crc), 0, SUM_ENTRY_BYTES, this.sumOffset(chunkStart));
        this.dirty.add(segno);
        at += BigInt(piece.length);
        data = data.subarray(piece.length);
      }
      this.written = at;
    });
  }

  /** fsyncs what was appended; returns the new durable end. */
  flush(): Promise<Lsn> {
    return this.exclusive(async () => {
      const target = this.written;
      const segnos = [...this.dirty];
      this.dirty.clear();
      await Promise.all(
        segnos.map(async (segno) => {
          const files = await this.segmentFiles(segno, false);
          if (files) await Promise.all([files.data.datasync(), files.sums.datasync()]);
        }),
      );
      this.durable = target;
      return target;
    });
  }

  /** One chunk with its checksum checked; `bytes` is absent when it does not match (or is missing). */
  readChunk(chunkStart: Lsn): Promise<VerifiedChunk> {
    return this.exclusive(() => this.readChunkUnlocked(chunkStart));
  }

  /**
   * Up to `maxChunks` consecutive chunks from `firstChunkStart`, checked, with
   * two reads (sums, data); stops at the end of the WAL file.
   */
  readChunks(firstChunkStart: Lsn, maxChunks: number): Promise<VerifiedChunk[]> {
    return this.exclusive(() => this.readChunksUnlocked(firstChunkStart, maxChunks));
  }

  /** Checks every chunk up to the durable end; returns the start LSNs of those that fail. */
  verify(): Promise<{ corruptChunks: Lsn[]; checkedBytes: number }> {
    return this.exclusive(async () => {
      const identity = this.identityValue;
      if (!identity) return { corruptChunks: [], checkedBytes: 0 };
      const corruptChunks: Lsn[] = [];
      let checkedBytes = 0;
      const chunksPerFile = identity.walSegmentSize / identity.chunkSize;
      for (let at = identity.startLsn; at < this.durable; ) {
        const chunks = await this.readChunksUnlocked(at, chunksPerFile);
        if (chunks.length === 0) break;
        for (const chunk of chunks) {
          if (chunk.chunkStart >= this.durable) break;
          checkedBytes += chunk.covered;
          const short = chunk.covered < identity.chunkSize && chunk.chunkStart + BigInt(chunk.covered) < this.durable;
          if (!chunk.bytes || short) corruptChunks.push(chunk.chunkStart);
        }
        at = chunks[chunks.length - 1]!.chunkStart + BigInt(identity.chunkSize);
      }
      return { corruptChunks, checkedBytes };
    });
  }

  /**
   * Rewrites a chunk this copy already covers with a healthy peer's bytes
   * (only the length this copy covers is taken) and syncs it.
   */
  replaceChunk(chunkStart: Lsn, healthy: Buffer): Promise<number> {
    return this.exclusive(async () => {
      const identity = this.requireIdentity();
      const coveredHere = Number((this.written < chunkStart + BigInt(identity.chunkSize) ? this.written : chunkStart + BigInt(identity.chunkSize)) - chunkStart);
      if (coveredHere <= 0) throw new RangeError(`Chunk ${formatLsn(chunkStart)} is beyond the end of this copy`);
      if (healthy.length < coveredHere) throw new RangeError(`Replacement for ${formatLsn(chunkStart)} is ${healthy.length} bytes, ${coveredHere} needed`);
      const bytes = healthy.subarray(0, coveredHere);
      const segno = segmentNumber(chunkStart, identity.walSegmentSize);
      const files = (await this.segmentFiles(segno, true))!;
      const crc = crc32(bytes);
      await files.data.write(bytes, 0, bytes.length, Number(chunkStart % BigInt(identity.walSegmentSize)));
      await files.sums.write(sumEntry(coveredHere, crc), 0, SUM_ENTRY_BYTES, this.sumOffset(chunkStart));
      if (chunkStart === this.tail.chunkStart) this.tail.crc = crc;
      await Promise.all([files.data.datasync(), files.sums.datasync()]);
      return bytes.length;
    });
  }

  /** Fault injection: flips one stored byte at `lsn` without touching its checksum. */
  corruptByteAt(lsn: Lsn): Promise<void> {
    return this.exclusive(async () => {
      const identity = this.requireIdentity();
      if (lsn < identity.startLsn || lsn >= this.written) throw new RangeError(`${formatLsn(lsn)} is not held by this copy`);
      const files = (await this.segmentFiles(segmentNumber(lsn, identity.walSegmentSize), true))!;
      const offset = Number(lsn % BigInt(identity.walSegmentSize));
      const byte = Buffer.alloc(1);
      await files.data.read(byte, 0, 1, offset);
      byte[0] = byte[0]! ^ 0xff;
      await files.data.write(byte, 0, 1, offset);
      await files.data.datasync();
    });
  }

  /** Forgets everything (a lost segment, before a rebuild from peers). */
  reset(): Promise<void> {
    return this.exclusive(async () => {
      await this.closeFiles();
      await fs.rm(path.join(this.dir, 'wal'), { recursive: true, force: true });
      await fs.rm(path.join(this.dir, IDENTITY_FILE), { force: true });
      await fs.mkdir(path.join(this.dir, 'wal'), { recursive: true });
      this.identityValue = undefined;
      this.written = this.durable = 0n;
      this.tail = { chunkStart: 0n, covered: 0, crc: 0 };
    });
  }

  close(): Promise<void> {
    return this.exclusive(async () => {
      this.closed = true;
      await this.closeFiles();
    });
  }

  /** Paths of the WAL files held, oldest first (for byte comparisons and copies). */
  async walFiles(): Promise<string[]> {
    const identity = this.identityValue;
    if (!identity) return [];
    const names = (await fs.readdir(path.join(this.dir, 'wal'))).filter((name) => /^[0-9A-F]{24}$/.test(name)).sort();
    return names.map((name) => path.join(this.dir, 'wal', name));
  }

  // ---- internals ----

  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.lock.then(() => {
      if (this.closed) throw new Error(`WAL store ${this.dir} is closed`);
      return work();
    });
    this.lock = run.catch(() => {});
    return run;
  }

  private requireIdentity(): WalStoreIdentity {
    if (!this.identityValue) throw new Error(`WAL store ${this.dir} is not initialized`);
    return this.identityValue;
  }

  private sumOffset(chunkStart: Lsn): number {
    const identity = this.requireIdentity();
    return Number((chunkStart % BigInt(identity.walSegmentSize)) / BigInt(identity.chunkSize)) * SUM_ENTRY_BYTES;
  }

  private filePaths(segno: bigint): { data: string; sums: string } {
    const identity = this.requireIdentity();
    const data = path.join(this.dir, 'wal', walFileName(identity.timeline, segno, identity.walSegmentSize));
    return { data, sums: data + '.sums' };
  }

  private async segmentFiles(segno: bigint, create: true): Promise<OpenSegment>;
  private async segmentFiles(segno: bigint, create: false): Promise<OpenSegment | undefined>;
  private async segmentFiles(segno: bigint, create: boolean): Promise<OpenSegment | undefined> {
    const cached = this.open.get(segno);
    if (cached) return cached;
    const paths = this.filePaths(segno);
    const openFile = async (file: string) => {
      try {
        return await fs.open(file, 'r+');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || !create) throw error;
        return fs.open(file, 'w+', 0o600);
      }
    };
    let files: OpenSegment;
    try {
      const data = await openFile(paths.data);
      files = { data, sums: await openFile(paths.sums).catch(async (error) => { await data.close(); throw error; }) };
    } catch (error) {
      if (!create && (error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    this.open.set(segno, files);
    // Keep a few files open (the receiver writes one at a time); close the oldest clean ones.
    for (const [other, handles] of this.open) {
      if (this.open.size <= OPEN_FILES_KEPT) break;
      if (other === segno || this.dirty.has(other)) continue;
      this.open.delete(other);
      await Promise.all([handles.data.close(), handles.sums.close()]);
    }
    return files;
  }

  private async closeFiles(): Promise<void> {
    const handles = [...this.open.values()];
    this.open.clear();
    this.dirty.clear();
    await Promise.all(handles.flatMap((files) => [files.data.close(), files.sums.close()]));
  }

  private async readChunksUnlocked(firstChunkStart: Lsn, maxChunks: number): Promise<VerifiedChunk[]> {
    const identity = this.requireIdentity();
    const size = BigInt(identity.walSegmentSize);
    const firstIndex = Number((firstChunkStart % size) / BigInt(identity.chunkSize));
    const count = Math.min(maxChunks, identity.walSegmentSize / identity.chunkSize - firstIndex);
    const files = await this.segmentFiles(segmentNumber(firstChunkStart, identity.walSegmentSize), false);
    if (!files || count <= 0) return [];
    const sums = Buffer.alloc(count * SUM_ENTRY_BYTES);
    const sumsRead = (await files.sums.read(sums, 0, sums.length, this.sumOffset(firstChunkStart))).bytesRead;
    const data = Buffer.alloc(count * identity.chunkSize);
    const dataRead = (await files.data.read(data, 0, data.length, Number(firstChunkStart % size))).bytesRead;
    const chunks: VerifiedChunk[] = [];
    for (let i = 0; i < count; i++) {
      const chunkStart = firstChunkStart + BigInt(i * identity.chunkSize);
      if ((i + 1) * SUM_ENTRY_BYTES > sumsRead) break;
      const covered = sums.readUInt32LE(i * SUM_ENTRY_BYTES);
      if (covered === 0 || covered > identity.chunkSize) break;
      const offset = i * identity.chunkSize;
      const bytes = data.subarray(offset, offset + covered);
      const intact = offset + covered <= dataRead && crc32(bytes) === sums.readUInt32LE(i * SUM_ENTRY_BYTES + 4);
      chunks.push(intact ? { chunkStart, covered, bytes } : { chunkStart, covered });
      if (covered < identity.chunkSize) break;
    }
    return chunks;
  }

  private async readChunkUnlocked(chunkStart: Lsn): Promise<VerifiedChunk> {
    const identity = this.requireIdentity();
    const files = await this.segmentFiles(segmentNumber(chunkStart, identity.walSegmentSize), false);
    if (!files) return { chunkStart, covered: 0 };
    const entry = Buffer.alloc(SUM_ENTRY_BYTES);
    const { bytesRead } = await files.sums.read(entry, 0, SUM_ENTRY_BYTES, this.sumOffset(chunkStart));
    if (bytesRead < SUM_ENTRY_BYTES) return { chunkStart, covered: 0 };
    const covered = entry.readUInt32LE(0);
    const expected = entry.readUInt32LE(4);
    if (covered === 0 || covered > identity.chunkSize) return { chunkStart, covered: 0 };
    const bytes = Buffer.alloc(covered);
    const read = await files.data.read(bytes, 0, covered, Number(chunkStart % BigInt(identity.walSegmentSize)));
    if (read.bytesRead < covered || crc32(bytes) !== expected) return { chunkStart, covered };
    return { chunkStart, covered, bytes };
  }

  /** Reads the identity and walks the sums to the end of the contiguous log; a torn last chunk is cut off. */
  private async load(): Promise<void> {
    let raw: string;
    try {
      raw = await fs.readFile(path.join(this.dir, IDENTITY_FILE), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    const parsed = JSON.parse(raw) as Omit<WalStoreIdentity, 'startLsn'> & { startLsn: string };
    const identity: WalStoreIdentity = { ...parsed, startLsn: parseLsn(parsed.startLsn) };
    this.identityValue = identity;
    const chunk = BigInt(identity.chunkSize);
    const chunksPerFile = identity.walSegmentSize / identity.chunkSize;
    // Walk the sums (one read per WAL file); only the last chunk's data is read, to catch a torn write.
    let end = identity.startLsn;
    let lastStart: Lsn | undefined;
    walk: for (let segno = segmentNumber(end, identity.walSegmentSize); ; segno++) {
      const sums = await fs.readFile(this.filePaths(segno).sums).catch(() => undefined);
      if (!sums) break;
      const fileStart = segno * BigInt(identity.walSegmentSize);
      for (let index = Number((end - fileStart) / chunk); index < chunksPerFile; index++) {
        const offset = index * SUM_ENTRY_BYTES;
        const covered = offset + SUM_ENTRY_BYTES <= sums.length ? sums.readUInt32LE(offset) : 0;
        if (covered === 0 || covered > identity.chunkSize) break walk;
        lastStart = fileStart + BigInt(index) * chunk;
        end = lastStart + BigInt(covered);
        if (covered < identity.chunkSize) break walk;
      }
    }
    let last = lastStart === undefined ? undefined : await this.readChunkUnlocked(lastStart);
    if (last && !last.bytes) {
      // The data and sums of the last chunk were synced together; after a crash they may disagree. Keep only what verifies.
      end = last.chunkStart;
      last = undefined;
    }
    this.written = this.durable = end;
    const tailStart = (end / chunk) * chunk;
    if (last && last.chunkStart === tailStart && last.covered < identity.chunkSize) {
      this.tail = { chunkStart: tailStart, covered: last.covered, crc: crc32(last.bytes!) };
    } else {
      this.tail = { chunkStart: tailStart, covered: 0, crc: 0 };
    }
  }
}

function sumEntry(covered: number, crc: number): Buffer {
  const entry = Buffer.alloc(SUM_ENTRY_BYTES);
  entry.writeUInt32LE(covered, 0);
  entry.writeUInt32LE(crc >>> 0, 4);
  return entry;
}
