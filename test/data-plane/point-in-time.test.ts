/**
 * Point-in-time restore against real PostgreSQL: a writer whose commits wait
 * for 4 of 6 storage nodes, a base image taken while rows are being inserted,
 * then rows one every ~35 ms with each commit's acknowledgement time recorded.
 * Restoring from the base image plus the six nodes' log to an instant between
 * two commits must give exactly the rows acknowledged before it, also with one
 * copy of the log corrupted; targets past the log's end or before the base
 * image's consistency point still give a usable writer, reported as such.
 */
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  createWriter,
  timelineForkPoint,
  prepareComputeEnvironment,
  readBackupLabel,
  restoreWriterToPointInTime,
  snapshotDataDir,
  startInstance,
  type ComputeEnvironment,
  type PostgresInstance,
  type PostgresServer,
} from '../../src/data-plane/compute/index.js';
import { withAdminClient } from '../../src/data-plane/compute/sql.js';
import { parseLsn, StorageNode, walFileName, WalSegmentStore, type SegmentCopy } from '../../src/data-plane/storage/index.js';

vi.setConfig({ testTimeout: 30_000, hookTimeout: 60_000 });

const MASTER = { user: 'master', password: 'pitr-Passw0rd', database: 'appdb' };
const NAMES = ['sn1', 'sn2', 'sn3', 'sn4', 'sn5', 'sn6'] as const;
const SPACED_ROWS = 40;

let root: string;
let env: ComputeEnvironment;
let writer: PostgresInstance;
let baseImage: string;
const nodes = new Map<string, StorageNode>();
const servers: PostgresServer[] = [];
const clients = new Set<pg.Client>();
const stores: WalSegmentStore[] = [];
/** Rows inserted while the base image was taken (fast, back to back), with acknowledgement times. */
const duringBackup: { id: number; ackAt: number }[] = [];
/** Rows inserted afterwards, one every ~35 ms. */
const spaced: { id: number; sentAt: number; ackAt: number }[] = [];
let beforeBackup = 0;
let nextId = 1;
let restores = 0;

function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function connect(target: { host: string; port: number }): Promise<pg.Client> {
  const client = new pg.Client({ host: target.host, port: target.port, user: MASTER.user, password: MASTER.password, database: MASTER.database, ssl: false });
  client.on('error', () => {});
  clients.add(client);
  await client.connect();
  return client;
}

async function release(client: pg.Client): Promise<void> {
  clients.delete(client);
  await client.end().catch(() => {});
}

async function eventually<T>(probe: () => Promise<T>, accept: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined && accept(value)) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms (last value: ${JSON.stringify(value)})`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function storedIds(target: { host: string; port: number }): Promise<number[]> {
  const client = await connect(target);
  try {
    return (await client.query<{ id: number }>('SELECT id FROM items ORDER BY id')).rows.map((row) => row.id);
  } finally {
    await release(client);
  }
}

const range = (from: number, to: number) => Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);
const copies = (): SegmentCopy[] => stores.map((store, i) => ({ name: NAMES[i]!, store }));

async function restore(targetTime: Date | 'latest', wal = [{ timeline: 1, copies: copies() }]) {
  const restored = await restoreWriterToPointInTime(env, {
    dataDir: path.join(root, `restored-${++restores}`),
    port: await freePort(),
    baseImageDir: baseImage,
    wal,
    historyFiles: {},
    targetTime,
  });
  servers.push(restored.server);
  return restored;
}

/** The instant halfway between the acknowledgement of spaced row `index` and the sending of the next one. */
function targetAfter(index: number): Date {
  const row = spaced[index]!;
  const next = spaced[index + 1]!;
  expect(next.sentAt - row.ackAt).toBeGreaterThanOrEqual(20); // room on both sides of the target
  return new Date(Math.round((row.ackAt + next.sentAt) / 2));
}

beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'aurora-pitr-'));
  await fs.chmod(root, 0o711);
  env = await prepareComputeEnvironment({ dataRoot: root });
  writer = await createWriter(env, { dataDir: path.join(root, 'writer'), port: await freePort(), masterUsername: MASTER.user, masterPassword: MASTER.password, databaseName: MASTER.database });
  servers.push(writer.server);
  for (const name of NAMES) {
    nodes.set(name, new StorageNode({ name, dir: path.join(root, 'storage', name), host: writer.host, port: writer.port, user: writer.admin.user, password: writer.admin.password }));
  }
  await Promise.all([...nodes.values()].map((n) => n.start()));
  await withAdminClient(writer, async (c) => {
    await c.query(`ALTER SYSTEM SET synchronous_standby_names = 'ANY 4 (${NAMES.join(', ')})'`);
    await c.query('SELECT pg_reload_conf()');
  });
  await eventually(
    () => withAdminClient(writer, async (c) => (await c.query(`SELECT sync_state FROM pg_stat_replication WHERE application_name LIKE 'sn_'`)).rows),
    (rows) => rows.length === 6 && rows.every((row) => row.sync_state === 'quorum'),
  );

  const client = await connect(writer);
  await client.query('CREATE TABLE items (id integer PRIMARY KEY)');
  // The base image is taken while rows keep committing: some before its start, some during the copy.
  // Local commits here: the in-process copy fills libuv's thread pool, so the in-process
  // storage nodes' fsyncs (and with them quorum commits) would wait for the copy to end.
  // The WAL still reaches every node afterwards.
  await client.query(`SET synchronous_commit = local`);
  let inserting = true;
  const loop = (async () => {
    while (inserting) {
      const id = nextId++;
      await client.query('INSERT INTO items (id) VALUES ($1)', [id]);
      duringBackup.push({ id, ackAt: Date.now() });
    }
  })();
  await eventually(async () => duringBackup.length, (n) => n >= 5);
  beforeBackup = Date.now();
  await sleep(5);
  baseImage = path.join(root, 'base');
  await snapshotDataDir(env, writer, baseImage);
  inserting = false;
  await loop;
  await client.query(`SET synchronous_commit = on`);
  await sleep(50);
  for (let i = 0; i < SPACED_ROWS; i++) {
    const id = nextId++;
    const sentAt = Date.now();
    await client.query('INSERT INTO items (id) VALUES ($1)', [id]);
    spaced.push({ id, sentAt, ackAt: Date.now() });
    await sleep(30);
  }
  await release(client);
  const lsn = parseLsn(await withAdminClient(writer, async (c) => (await c.query('SELECT pg_current_wal_lsn()::text AS l')).rows[0].l as string));
  await Promise.all([...nodes.values()].map((n) => n.waitForDurable(lsn)));
  // The nodes go down; their stores are what the restore reads.
  await Promise.all([...nodes.values()].map((n) => n.stop()));
  for (const name of NAMES) stores.push(await WalSegmentStore.open(path.join(root, 'storage', name)));
  console.log(`${duringBackup.length} rows while the base image was taken, ${SPACED_ROWS} spaced rows; log ${stores[0]!.identity!.startLsn} → ${stores[0]!.durableLsn}`);
});

afterAll(async () => {
  await Promise.all([...clients].map((client) => client.end().catch(() => {})));
  await Promise.all([...nodes.values()].map((n) => n.stop()));
  await Promise.all(stores.map((store) => store.close().catch(() => {})));
  await Promise.all(servers.map((server) => server.stop({ timeoutMs: 5_000 })));
  for (const server of servers) expect(server.isRunning).toBe(false);
  if (!process.env.AURORA_LOCAL_TEST_KEEP && root) await fs.rm(root, { recursive: true, force: true });
});

describe('restoreWriterToPointInTime from a base image and the six storage copies of the log', () => {
  it('reads the base image’s backup label and timeline history files', async () => {
    const label = await readBackupLabel(baseImage);
    expect(label).not.toBeNull();
    expect(label!.timeline).toBe(1);
    expect(label!.startLsn).toBeGreaterThanOrEqual(stores[0]!.startLsn);
    expect(timelineForkPoint('1\t0/3000158\tno recovery target specified\n\n2\t0/5000000\tat restore point\n')).toEqual({ parent: 2, switchLsn: 0x5000000n });
    expect(() => timelineForkPoint('# nothing\n')).toThrow(/no entries/);
  });

  it('restores exactly the rows committed before an instant between two commits, as a writer that restarts normally', async () => {
    const k = 19;
    const target = targetAfter(k);
    const started = performance.now();
    const restored = await restore(target);
    console.log(`restored to ${target.toISOString()} in ${Math.round(performance.now() - started)} ms: ${JSON.stringify({ ...restored.recoveredTo, log: restored.recoveredTo.log.map(({ files: _f, ...t }) => t) })}`);
    expect(restored.recoveredTo.stoppedAt).toBe('target');
    expect(restored.recoveredTo.targetReached).toBe(true);
    const expected = [...duringBackup.map((row) => row.id), ...spaced.slice(0, k + 1).map((row) => row.id)];
    expect(await storedIds(restored)).toEqual(expected);
    const last = Date.parse(restored.recoveredTo.lastCommitTime!);
    expect(last).toBeLessThan(target.getTime());
    expect(last).toBeGreaterThanOrEqual(spaced[k]!.sentAt);
    expect(restored.recoveredTo.timeline).toBe(2);
    expect(restored.recoveredTo.log[0]!.corruptChunksSkipped).toEqual([]);

    // A writer, not waiting for any quorum; no recovery settings left behind.
    const client = await connect(restored);
    await client.query('INSERT INTO items (id) VALUES (-1)');
    await release(client);
    const autoConf = await fs.readFile(path.join(restored.dataDir, 'postgresql.auto.conf'), 'utf8');
    expect(autoConf).not.toMatch(/recovery_target|restore_command|synchronous_standby_names/);
    await expect(fs.stat(path.join(restored.dataDir, 'recovery.signal'))).rejects.toThrow();
    await restored.server.stop();
    const again = await startInstance(env, { dataDir: restored.dataDir, port: restored.port });
    servers.push(again.server);
    expect(await withAdminClient(again, async (c) => (await c.query('SELECT pg_is_in_recovery() AS r')).rows[0].r)).toBe(false);
    expect(await storedIds(again)).toEqual([-1, ...expected]);
    await again.server.stop();
  });

  it('is still exact with one copy’s WAL file corrupted: verified chunks come from the other copies', async () => {
    const k = 29;
    const target = targetAfter(k);
    // Flip bytes every 32 KiB across one copy's log from the backup's start: the copy
    // the reader tries first (the furthest, first of equals), so every flip is met.
    const furthest = stores.reduce((best, store) => (store.durableLsn > best ? store.durableLsn : best), 0n);
    const victimIndex = stores.findIndex((store) => store.durableLsn === furthest);
    const victim = stores[victimIndex]!;
    const identity = victim.identity!;
    const chunk = BigInt(identity.chunkSize);
    const label = (await readBackupLabel(baseImage))!;
    let flipped = 0;
    for (let lsn = (label.startLsn / chunk) * chunk; lsn + 200n < victim.durableLsn; lsn += 32_768n) {
      const segno = lsn / BigInt(identity.walSegmentSize);
      const file = await fs.open(path.join(victim.dir, 'wal', walFileName(identity.timeline, segno, identity.walSegmentSize)), 'r+');
      const offset = Number(lsn % BigInt(identity.walSegmentSize)) + 100;
      const bytes = Buffer.alloc(4);
      await file.read(bytes, 0, 4, offset);
      for (let i = 0; i < bytes.length; i++) bytes[i] = bytes[i]! ^ 0x5a;
      await file.write(bytes, 0, 4, offset);
      await file.close();
      flipped++;
    }
    expect((await victim.verify()).corruptChunks.length).toBe(flipped);

    const restored = await restore(target);
    const report = restored.recoveredTo.log[0]!;
    console.log(`with ${flipped} corrupt chunks in ${NAMES[victimIndex]}: bytes by source ${JSON.stringify(report.bytesBySource)}, ${report.corruptChunksSkipped.length} chunks skipped`);
    expect(report.corruptChunksSkipped.length).toBe(flipped);
    expect(new Set(report.corruptChunksSkipped.map((skip) => skip.source))).toEqual(new Set([NAMES[victimIndex]]));
    expect(restored.recoveredTo.stoppedAt).toBe('target');
    expect(await storedIds(restored)).toEqual([...duringBackup.map((row) => row.id), ...spaced.slice(0, k + 1).map((row) => row.id)]);
    await restored.server.stop();
  });

  it('a target past the end of the log gives every commit the log holds, reported as end-of-log', async () => {
    // A timeline with no history file is left out (and reported), not followed.
    const restored = await restore(new Date(Date.now() + 3_600_000), [
      { timeline: 1, copies: copies() },
      { timeline: 2, copies: [] },
    ]);
    expect(restored.recoveredTo.stoppedAt).toBe('end-of-log');
    expect(restored.recoveredTo.targetReached).toBe(false);
    expect(restored.recoveredTo.skippedTimelines).toEqual([{ timeline: 2, reason: 'no history file 00000002.history' }]);
    expect(Date.parse(restored.recoveredTo.lastCommitTime!)).toBeGreaterThanOrEqual(spaced[SPACED_ROWS - 1]!.sentAt);
    expect(await storedIds(restored)).toEqual([...duringBackup, ...spaced].map((row) => row.id));
    await restored.server.stop();
  });

  it('a target before the base image’s consistency point gives the earliest consistent state, reported as such', async () => {
    const restored = await restore(new Date(beforeBackup));
    expect(restored.recoveredTo.stoppedAt).toBe('consistent-point');
    expect(restored.recoveredTo.targetReached).toBe(false);
    const ids = await storedIds(restored);
    // A prefix of the rows inserted during the backup, holding at least those acknowledged before it started.
    expect(ids).toEqual(range(1, ids.length));
    expect(ids.length).toBeGreaterThanOrEqual(duringBackup.filter((row) => row.ackAt <= beforeBackup).length);
    expect(ids.length).toBeLessThanOrEqual(duringBackup.length);
    console.log(`target before the backup: ${ids.length} of ${duringBackup.length} rows (consistent at ${restored.recoveredTo.lsn})`);
    await restored.server.stop();
  });
});
