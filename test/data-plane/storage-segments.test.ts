/**
 * Storage segment copies without PostgreSQL: the checksummed WAL store,
 * assembling the log from 3 copies, repair from peers, and a storage node
 * facing a server that misbehaves (it must retry, never crash the process).
 */
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  ReadQuorumError,
  readLogTail,
  repairSegment,
  StorageNode,
  WalGapError,
  WalSegmentStore,
  writeLogTailToPgWal,
  type SegmentCopy,
} from '../../src/data-plane/storage/index.js';
import { MessageReader, ProtocolError, parseCopyData } from '../../src/data-plane/storage/pgWire.js';

const SEGMENT = 64 * 1024; // small WAL files so tests cross file boundaries
const CHUNK = 8192;
const dirs: string[] = [];
const stores: WalSegmentStore[] = [];

afterAll(async () => {
  await Promise.all(stores.map((store) => store.close().catch(() => {})));
  await Promise.all(dirs.map((dir) => fs.rm(dir, { recursive: true, force: true })));
});

async function tempDir(): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'aurora-segments-'));
  dirs.push(dir);
  return dir;
}

/** Deterministic "WAL": byte i of the log is a function of its LSN. */
const walBytes = (from: bigint, length: number) => Buffer.from(Array.from({ length }, (_, i) => Number((from + BigInt(i)) * 7n % 251n)));

async function newStore(dir?: string): Promise<WalSegmentStore> {
  const store = await WalSegmentStore.open(dir ?? (await tempDir()));
  stores.push(store);
  if (!store.isInitialized) await store.initialize({ systemId: '42', timeline: 1, walSegmentSize: SEGMENT, chunkSize: CHUNK, startLsn: 3n * BigInt(SEGMENT) + 100n });
  return store;
}

/** Appends the log up to `end` in uneven pieces, syncing as a receiver does. */
async function fill(store: WalSegmentStore, end: bigint): Promise<void> {
  let at = store.writtenLsn;
  let piece = 1000;
  while (at < end) {
    const length = Math.min(piece, Number(end - at));
    await store.append(at, walBytes(at, length));
    at += BigInt(length);
    piece = (piece * 7) % 20_000 + 1;
    await store.flush();
  }
}

describe('checksummed WAL store', () => {
  it('starts at a WAL file boundary, stores across chunk and file boundaries, and reopens at its durable end', async () => {
    const dir = await tempDir();
    const store = await newStore(dir);
    expect(store.startLsn).toBe(3n * BigInt(SEGMENT)); // rounded down, as pg_receivewal does
    const end = store.startLsn + 200_000n;
    await fill(store, end);
    expect(store.durableLsn).toBe(end);
    expect((await store.verify()).corruptChunks).toEqual([]);
    await store.close();
    const reopened = await newStore(dir);
    expect(reopened.durableLsn).toBe(end);
    // The running checksum of the last, partial chunk continues after a reopen.
    await fill(reopened, end + 30_000n);
    expect((await reopened.verify()).corruptChunks).toEqual([]);
    const files = await reopened.walFiles();
    expect(files.map((file) => path.basename(file))).toEqual(['000000010000000000000003', '000000010000000000000004', '000000010000000000000005', '000000010000000000000006']);
    const second = await fs.readFile(files[1]!);
    expect(second.subarray(0, 5000).equals(walBytes(4n * BigInt(SEGMENT), 5000))).toBe(true); // byte-for-byte pg_wal layout
  });

  it('skips bytes it already holds and refuses a gap', async () => {
    const store = await newStore();
    await fill(store, store.startLsn + 10_000n);
    await store.append(store.startLsn + 9_000n, walBytes(store.startLsn + 9_000n, 2_000));
    expect(store.writtenLsn).toBe(store.startLsn + 11_000n);
    await expect(store.append(store.startLsn + 12_000n, Buffer.alloc(10))).rejects.toBeInstanceOf(WalGapError);
  });

  it('detects a flipped byte by checksum and never returns the corrupt chunk', async () => {
    const store = await newStore();
    await fill(store, store.startLsn + 50_000n);
    await store.corruptByteAt(store.startLsn + 20_000n);
    const chunkStart = store.startLsn + 16_384n;
    expect((await store.verify()).corruptChunks).toEqual([chunkStart]);
    const chunk = await store.readChunk(chunkStart);
    expect(chunk.bytes).toBeUndefined();
    expect(chunk.covered).toBe(CHUNK);
  });

  it('cuts a torn last chunk off when reopened', async () => {
    const dir = await tempDir();
    const store = await newStore(dir);
    const end = store.startLsn + 20_000n;
    await fill(store, end);
    await store.corruptByteAt(end - 10n); // in the last, partial chunk
    await store.close();
    const reopened = await newStore(dir);
    expect(reopened.durableLsn).toBe(store.startLsn + 16_384n);
  });
});

describe('log tail from 3 copies, and repair from peers', () => {
  async function copies(ends: bigint[]): Promise<SegmentCopy[]> {
    const result: SegmentCopy[] = [];
    for (const [index, end] of ends.entries()) {
      const store = await newStore();
      await fill(store, store.startLsn + end);
      result.push({ name: `c${index + 1}`, store });
    }
    return result;
  }

  it('assembles the longest verified stream, taking a corrupt chunk from another copy; fewer than 3 copies is refused', async () => {
    const [lag1, lag2, ahead] = await copies([100_000n, 120_000n, 150_000n]);
    const start = ahead!.store.startLsn;
    await ahead!.store.corruptByteAt(start + 50_000n);
    const received: Buffer[] = [];
    let next = start;
    const report = await readLogTail([lag1!, lag2!, ahead!], async (lsn, bytes) => {
      expect(lsn).toBe(next); // contiguous
      received.push(bytes);
      next = lsn + BigInt(bytes.length);
    });
    expect(report.endLsn).toBe(start + 150_000n);
    expect(Buffer.concat(received).equals(walBytes(start, 150_000))).toBe(true);
    expect(report.corruptChunksSkipped).toEqual([{ source: 'c3', chunkStart: expect.any(String) }]);
    expect(report.bytesBySource.c2).toBe(CHUNK);
    await expect(readLogTail([lag1!, ahead!], async () => {})).rejects.toBeInstanceOf(ReadQuorumError);
  });

  it('ends where no copy has a verified continuation', async () => {
    const [a, b, c] = await copies([30_000n, 30_000n, 60_000n]);
    await c!.store.corruptByteAt(c!.store.startLsn + 40_000n); // only c holds it
    const report = await readLogTail([a!, b!, c!], async () => {});
    expect(report.endLsn).toBe(c!.store.startLsn + 40_960n - BigInt(CHUNK)); // the end of chunk 4
    expect(report.highestClaimedLsn).toBe(c!.store.startLsn + 60_000n);
  });

  it('writes full-size pg_wal files with a zeroed tail', async () => {
    const three = await copies([70_000n, 70_000n, 70_000n]);
    const dataDir = await tempDir();
    await fs.mkdir(path.join(dataDir, 'pg_wal'));
    const report = await writeLogTailToPgWal(dataDir, three);
    expect(report.files).toEqual(['000000010000000000000003', '000000010000000000000004']);
    for (const file of report.files) expect((await fs.stat(path.join(dataDir, 'pg_wal', file))).size).toBe(SEGMENT);
    const last = await fs.readFile(path.join(dataDir, 'pg_wal', report.files[1]!));
    const tailOffset = Number(report.endLsn % BigInt(SEGMENT));
    expect(last.subarray(0, tailOffset).equals(walBytes(4n * BigInt(SEGMENT), tailOffset))).toBe(true);
    expect(last.subarray(tailOffset).every((byte) => byte === 0)).toBe(true);
  });

  it('repairs corrupt chunks, catches up a lagging copy and rebuilds a lost one, reporting bytes and time', async () => {
    const [target, p1, p2] = await copies([60_000n, 100_000n, 100_000n]);
    await target!.store.corruptByteAt(target!.store.startLsn + 9_000n);
    const report = await repairSegment(target!, [p1!, p2!]);
    expect(report.kinds).toEqual(['corrupt-chunks', 'catch-up']);
    expect(report.bytesCopied).toBe(CHUNK + 40_000);
    expect(report.durationMs).toBeGreaterThan(0);
    expect(target!.store.durableLsn).toBe(p1!.store.durableLsn);
    expect((await target!.store.verify()).corruptChunks).toEqual([]);

    await target!.store.reset();
    const rebuilt = await repairSegment(target!, [p1!, p2!]);
    expect(rebuilt.kinds).toEqual(['rebuild']);
    expect(rebuilt.bytesCopied).toBe(100_000); // everything the peers hold, from the file boundary they start at
    const a = await target!.store.readChunks(target!.store.startLsn, 8);
    const b = await p1!.store.readChunks(target!.store.startLsn, 8);
    expect(a.map((chunk) => chunk.bytes!.toString('hex'))).toEqual(b.map((chunk) => chunk.bytes!.toString('hex')));
  });

  it('leaves a chunk no peer can supply verified as unrepaired', async () => {
    const [target, p1, p2] = await copies([50_000n, 50_000n, 50_000n]);
    for (const copy of [target!, p1!, p2!]) await copy.store.corruptByteAt(copy.store.startLsn + 100n);
    const report = await repairSegment(target!, [p1!, p2!]);
    expect(report.unrepairedChunks).toHaveLength(1);
    expect((await target!.store.verify()).corruptChunks).toHaveLength(1);
  });
});

describe('wire parsing and a misbehaving server', () => {
  it('rejects impossible message lengths and short CopyData payloads', () => {
    const reader = new MessageReader();
    reader.push(Buffer.from([0x52, 0, 0, 0, 2]));
    expect(() => reader.next()).toThrow(ProtocolError);
    expect(() => parseCopyData(Buffer.from('w12'))).toThrow(ProtocolError);
    expect(() => parseCopyData(Buffer.from('zzz'))).toThrow(ProtocolError);
  });

  it('a node facing garbage, dropped connections or silence keeps retrying and stops cleanly', async () => {
    const behaviours = ['garbage', 'drop', 'silence'] as const;
    let connections = 0;
    const sockets = new Set<net.Socket>();
    const server = net.createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => {});
      socket.on('close', () => sockets.delete(socket));
      const behaviour = behaviours[connections++ % behaviours.length]!;
      socket.once('data', () => {
        if (behaviour === 'garbage') socket.write(Buffer.from([0x52, 0xff, 0xff, 0xff, 0xff, 1, 2, 3]));
        if (behaviour === 'drop') socket.destroy();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as net.AddressInfo;
    const dir = await tempDir();
    const node = new StorageNode({ name: 'sn_bad', dir, host: '127.0.0.1', port, user: 'u', password: 'p', reconnectDelayMs: 20, connectTimeoutMs: 200 });
    const started = node.start().catch((error: Error) => error);
    const deadline = Date.now() + 5_000;
    while (connections < 4 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(connections).toBeGreaterThanOrEqual(4);
    expect(node.state).toBe('connecting');
    expect(node.stats.lastError).toBeTruthy();
    await node.stop();
    expect(await started).toBeInstanceOf(Error); // start() gives up only because of stop()
    expect(node.state).toBe('stopped');
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  });
});
