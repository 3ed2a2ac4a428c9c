/**
 * The storage volume's WAL quorum against a real PostgreSQL writer: six
 * in-process storage nodes (two per AZ) as synchronous quorum members under
 * `ANY 4 (…)`. Commits survive any two nodes down, block at three and resume
 * with nothing lost; a corrupted chunk is caught by its checksum and repaired
 * from peers; recovery from the worst-case 3 copies keeps every acknowledged row.
 * Tests run in order and share the writer, as a failover shares a cluster.
 */
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  createWriter,
  prepareComputeEnvironment,
  promote,
  snapshotDataDir,
  startInstance,
  createEmptyDataDir,
  type ComputeEnvironment,
  type PostgresInstance,
  type PostgresServer,
} from '../../src/data-plane/compute/index.js';
import { copyDataDir } from '../../src/data-plane/compute/dataDirCopy.js';
import { updateAutoConf, writeOwnedFile } from '../../src/data-plane/compute/configFiles.js';
import { withAdminClient } from '../../src/data-plane/compute/sql.js';
import {
  formatLsn,
  parseLsn,
  ReadQuorumError,
  repairSegment,
  StorageNode,
  WalSegmentStore,
  writeLogTailToPgWal,
  type SegmentCopy,
} from '../../src/data-plane/storage/index.js';

vi.setConfig({ testTimeout: 30_000, hookTimeout: 60_000 });

const MASTER = { user: 'master', password: 'storage-Passw0rd', database: 'appdb' };
const NAMES = ['sn1', 'sn2', 'sn3', 'sn4', 'sn5', 'sn6'] as const; // sn1,sn2: AZ a; sn3,sn4: b; sn5,sn6: c

let root: string;
let env: ComputeEnvironment;
let writer: PostgresInstance;
let baseBackup: string;
const nodes = new Map<string, StorageNode>();
const servers: PostgresServer[] = [];
const clients = new Set<pg.Client>();
const openedStores: WalSegmentStore[] = [];
/** Every id whose INSERT returned success to its client. */
const acknowledged: number[] = [];
let nextId = 1;

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
  client.on('error', () => {}); // the writer is killed under open connections
  clients.add(client);
  await client.connect();
  return client;
}

async function eventually<T>(probe: () => Promise<T>, accept: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined && accept(value)) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms (last value: ${JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? v.toString() : v))})`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const node = (name: string) => nodes.get(name)!;
const admin = <T>(work: (client: pg.Client) => Promise<T>) => withAdminClient(writer, work);
const currentLsn = async () => parseLsn(await admin(async (c) => (await c.query('SELECT pg_current_wal_lsn()::text AS l')).rows[0].l as string));

async function insertRows(client: pg.Client, count: number): Promise<number[]> {
  const timings: number[] = [];
  for (let i = 0; i < count; i++) {
    const id = nextId++;
    const started = performance.now();
    await client.query('INSERT INTO items (id) VALUES ($1)', [id]);
    timings.push(performance.now() - started);
    acknowledged.push(id);
  }
  return timings;
}

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return Math.round(sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! * 1000) / 1000;
};

async function storedIds(target: { host: string; port: number }): Promise<Set<number>> {
  const client = await connect(target);
  try {
    return new Set((await client.query<{ id: number }>('SELECT id FROM items')).rows.map((row) => row.id));
  } finally {
    clients.delete(client);
    await client.end();
  }
}

async function quorumMembers(): Promise<{ application_name: string; sync_state: string; flush_lsn: string | null }[]> {
  return admin(async (c) => (await c.query(`SELECT application_name, sync_state, flush_lsn::text FROM pg_stat_replication WHERE application_name LIKE 'sn_' ORDER BY 1`)).rows);
}

beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'aurora-storage-'));
  await fs.chmod(root, 0o711);
  env = await prepareComputeEnvironment({ dataRoot: root });
  writer = await createWriter(env, { dataDir: path.join(root, 'writer'), port: await freePort(), masterUsername: MASTER.user, masterPassword: MASTER.password, databaseName: MASTER.database });
  servers.push(writer.server);
  const client = await connect(writer);
  await client.query('CREATE TABLE items (id integer PRIMARY KEY, tag text)');
  await client.end();
  clients.delete(client);
  for (const name of NAMES) {
    nodes.set(name, new StorageNode({ name, dir: path.join(root, 'storage', name), host: writer.host, port: writer.port, user: writer.admin.user, password: writer.admin.password }));
  }
});

afterAll(async () => {
  await Promise.all([...clients].map((client) => client.end().catch(() => {})));
  await Promise.all([...nodes.values()].map((n) => n.stop()));
  for (const n of nodes.values()) expect(n.state).toBe('stopped');
  await Promise.all(openedStores.map((store) => store.close().catch(() => {})));
  await Promise.all(servers.map((server) => server.stop({ timeoutMs: 5_000 })));
  for (const server of servers) expect(server.isRunning).toBe(false);
  if (!process.env.AURORA_LOCAL_TEST_KEEP) await fs.rm(root, { recursive: true, force: true });
});

describe('six storage nodes as the writer’s synchronous quorum (ANY 4)', () => {
  let baselineP50 = 0;
  let baselineP99 = 0;

  it('measures plain commit latency (no quorum) as the baseline', async () => {
    const client = await connect(writer);
    await insertRows(client, 20); // warm-up
    const timings = await insertRows(client, 300);
    baselineP50 = percentile(timings, 50);
    baselineP99 = percentile(timings, 99);
    console.log(`commit latency without quorum: p50 ${baselineP50} ms, p99 ${baselineP99} ms (300 single-row inserts)`);
  });

  it('streams to six nodes authenticated with SCRAM, then commits wait for 4 of 6', async () => {
    const started = performance.now();
    await Promise.all([...nodes.values()].map((n) => n.start()));
    console.log(`six storage nodes streaming in ${Math.round(performance.now() - started)} ms`);
    await admin(async (c) => {
      await c.query(`ALTER SYSTEM SET synchronous_standby_names = 'ANY 4 (${NAMES.join(', ')})'`);
      await c.query('SELECT pg_reload_conf()');
    });
    const members = await eventually(quorumMembers, (rows) => rows.length === 6 && rows.every((row) => row.sync_state === 'quorum'));
    expect(members.map((row) => row.application_name)).toEqual([...NAMES]);
    // The base image recovery will start from (a lagging standby's copy), taken while the nodes already hold the WAL.
    baseBackup = path.join(root, 'base');
    await snapshotDataDir(env, writer, baseBackup);
    const client = await connect(writer);
    await insertRows(client, 20);
    const timings = await insertRows(client, 300);
    const p50 = percentile(timings, 50);
    const p99 = percentile(timings, 99);
    console.log(
      `commit latency with ANY 4 of 6 storage nodes (fdatasync per batch): p50 ${p50} ms, p99 ${p99} ms; ` +
        `ratio to no quorum: p50 ${(p50 / baselineP50).toFixed(2)}x, p99 ${(p99 / baselineP99).toFixed(2)}x`,
    );
    const lsn = await currentLsn();
    await Promise.all([...nodes.values()].map((n) => n.waitForDurable(lsn)));
    for (const n of nodes.values()) expect(n.durableLsn).toBeGreaterThanOrEqual(lsn);
  });

  it('keeps committing with any two nodes down, a whole AZ included', async () => {
    const client = await connect(writer);
    const pairs: [string, string][] = [];
    for (let a = 0; a < 6; a++) for (let b = a + 1; b < 6; b++) pairs.push([NAMES[a]!, NAMES[b]!]);
    const started = performance.now();
    for (const pair of pairs) {
      await Promise.all(pair.map((name) => node(name).stop()));
      const timings = await insertRows(client, 5);
      expect(Math.max(...timings), `commits with ${pair.join('+')} down`).toBeLessThan(2_000);
      await Promise.all(pair.map((name) => node(name).start()));
    }
    console.log(`all 15 pairs of stopped nodes: 75 commits acknowledged, ${Math.round(performance.now() - started)} ms including restarts`);
    // AZ a (sn1, sn2) down for longer, while a batch runs: the restarted nodes catch up from their slots.
    await Promise.all([node('sn1').stop(), node('sn2').stop()]);
    await insertRows(client, 100);
    const lsn = await currentLsn();
    const behind = lsn - node('sn1').durableLsn;
    const restarted = performance.now();
    await Promise.all([node('sn1').start(), node('sn2').start()]);
    await Promise.all([node('sn1').waitForDurable(lsn), node('sn2').waitForDurable(lsn)]);
    console.log(`AZ a back: both nodes restarted and caught up ${behind} bytes from their slots in ${Math.round(performance.now() - restarted)} ms`);
  });

  it('blocks a commit with three nodes down and completes it when one returns, losing nothing', async () => {
    await Promise.all(['sn2', 'sn4', 'sn6'].map((name) => node(name).stop()));
    const client = await connect(writer);
    const id = nextId++;
    let acknowledgedAt: number | undefined;
    const pending = client.query('INSERT INTO items (id, tag) VALUES ($1, $2)', [id, 'blocked']).then(() => {
      acknowledgedAt = performance.now();
    });
    const waiting = await eventually(
      () => admin(async (c) => (await c.query(`SELECT wait_event FROM pg_stat_activity WHERE query LIKE 'INSERT INTO items (id, tag)%'`)).rows),
      (rows) => rows.length === 1 && rows[0].wait_event === 'SyncRep',
    );
    expect(waiting[0].wait_event).toBe('SyncRep');
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(acknowledgedAt).toBeUndefined();
    const other = await connect(writer);
    expect((await other.query('SELECT count(*)::int AS n FROM items WHERE id = $1', [id])).rows[0].n).toBe(0);
    const returned = performance.now();
    await node('sn4').start();
    await pending;
    acknowledgedAt ??= performance.now();
    acknowledged.push(id);
    console.log(`blocked commit acknowledged ${Math.round(acknowledgedAt - returned)} ms after sn4 came back (start + SCRAM + catch-up)`);
    await Promise.all([node('sn2').start(), node('sn6').start()]);
    const ids = await storedIds(writer);
    expect(acknowledged.filter((ack) => !ids.has(ack))).toEqual([]);
  });

  it('paused (connected but silent) and slow nodes: the quorum waits for the 4th fastest', async () => {
    const client = await connect(writer);
    // Two slow nodes do not slow commits: 4 others answer.
    node('sn1').setLatency(100);
    node('sn4').setLatency(100);
    const twoSlow = await insertRows(client, 10);
    expect(percentile(twoSlow, 50)).toBeLessThan(50);
    // A third slow node makes the slow ones part of every quorum.
    node('sn5').setLatency(100);
    const threeSlow = await insertRows(client, 5);
    expect(Math.min(...threeSlow)).toBeGreaterThanOrEqual(90);
    console.log(`latency 100 ms on 2 nodes: p50 ${percentile(twoSlow, 50)} ms; on 3 nodes: p50 ${percentile(threeSlow, 50)} ms`);
    for (const name of ['sn1', 'sn4', 'sn5']) node(name).setLatency(0);
    // Three paused nodes block a commit; resuming one releases it.
    for (const name of ['sn1', 'sn3', 'sn5']) node(name).pause();
    expect(node('sn1').state).toBe('paused');
    const id = nextId++;
    let done = false;
    const pending = client.query('INSERT INTO items (id) VALUES ($1)', [id]).then(() => (done = true));
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(done).toBe(false);
    node('sn3').resume();
    await pending;
    acknowledged.push(id);
    node('sn1').resume();
    node('sn5').resume();
    await Promise.all(NAMES.map((name) => node(name).waitForDurable(node('sn3').durableLsn)));
  });

  it('detects a corrupted chunk by its checksum, never serves it, and repairs it from peers', async () => {
    const victim = node('sn2');
    const store = victim.store!;
    const at = store.startLsn + 5_000n;
    await store.corruptByteAt(at);
    const check = await store.verify();
    expect(check.corruptChunks).toEqual([store.startLsn]); // the 8 KiB chunk holding that byte
    expect((await store.readChunk(store.startLsn)).bytes).toBeUndefined();
    const peers: SegmentCopy[] = NAMES.filter((name) => name !== 'sn2').map((name) => ({ name, store: node(name).store! }));
    const report = await repairSegment({ name: 'sn2', store }, peers);
    console.log(`corrupt chunk repaired: ${report.bytesCopied} bytes from ${Object.keys(report.bytesBySource).join(',')} in ${report.durationMs} ms`);
    expect(report.kinds).toContain('corrupt-chunks');
    expect(report.bytesCopied).toBeGreaterThanOrEqual(8192);
    expect(report.unrepairedChunks).toEqual([]);
    expect((await store.verify()).corruptChunks).toEqual([]);
    const healed = await store.readChunk(store.startLsn);
    expect(healed.bytes!.equals((await node('sn1').store!.readChunk(store.startLsn)).bytes!)).toBe(true);
    // The node kept streaming throughout: commits still reach 4 of 6.
    await insertRows(await connect(writer), 10);
  });

  it('rebuilds a lost segment from peers (gossip), then the node resumes streaming from there', async () => {
    await node('sn6').stop();
    const lost = await WalSegmentStore.open(path.join(root, 'storage', 'sn6'));
    await lost.reset();
    expect(lost.isInitialized).toBe(false);
    const peers: SegmentCopy[] = ['sn1', 'sn3', 'sn5'].map((name) => ({ name, store: node(name).store! }));
    const report = await repairSegment({ name: 'sn6', store: lost }, peers);
    const mb = report.bytesCopied / 1024 / 1024;
    console.log(`lost segment rebuilt: ${report.bytesCopied} bytes in ${report.durationMs} ms (${(mb / (report.durationMs / 1000)).toFixed(1)} MB/s), ${report.fromLsn} → ${report.toLsn}`);
    expect(report.kinds).toEqual(['rebuild']);
    expect(lost.durableLsn).toBeGreaterThanOrEqual(node('sn1').durableLsn);
    await lost.close();
    await node('sn6').start();
    const client = await connect(writer);
    await insertRows(client, 10);
    const lsn = await currentLsn();
    await node('sn6').waitForDurable(lsn);
    expect((await node('sn6').store!.verify()).corruptChunks).toEqual([]);
  });

  it('recovers every acknowledged commit from the WAL of the worst-case three nodes (both laggards included)', async () => {
    const client = await connect(writer);
    // Batch A acknowledged by sn1–sn4, batch B by sn3–sn6: sn1 and sn2 lag behind batch B.
    await Promise.all([node('sn5').stop(), node('sn6').stop()]);
    await insertRows(client, 100);
    await Promise.all([node('sn5').start(), node('sn6').start()]);
    await Promise.all([node('sn1').stop(), node('sn2').stop()]);
    await insertRows(client, 100);
    const lastAcknowledged = await currentLsn();
    // An unacknowledged commit: with sn3 down too only three nodes remain, so it waits.
    await node('sn3').stop();
    const unacknowledged = client.query(`INSERT INTO items (id, tag) VALUES (-1, 'UNACKED')`).then(
      () => 'acknowledged',
      () => 'failed',
    );
    await eventually(
      () => admin(async (c) => (await c.query(`SELECT wait_event FROM pg_stat_activity WHERE query LIKE '%UNACKED%' AND pid <> pg_backend_pid()`)).rows),
      (rows) => rows.length === 1 && rows[0].wait_event === 'SyncRep',
    );
    // Crash: the remaining nodes stop (keeping what they flushed) and the writer dies with SIGKILL.
    await Promise.all(['sn4', 'sn5', 'sn6'].map((name) => node(name).stop()));
    await writer.server.kill();
    expect(await unacknowledged).toBe('failed');

    const copies: SegmentCopy[] = [];
    for (const name of ['sn1', 'sn2', 'sn3']) {
      const store = await WalSegmentStore.open(path.join(root, 'storage', name));
      openedStores.push(store);
      copies.push({ name, store });
    }
    console.log(`durable LSNs at the crash: ${copies.map((c) => `${c.name} ${formatLsn(c.store.durableLsn)}`).join(', ')}; last acknowledged commit ends by ${formatLsn(lastAcknowledged)}`);
    expect(copies[0]!.store.durableLsn).toBeLessThan(lastAcknowledged); // sn1 really lags
    expect(copies[2]!.store.durableLsn).toBeGreaterThanOrEqual(lastAcknowledged);
    // One of the three also has a corrupt chunk in the shared part: another copy serves it.
    await copies[2]!.store.corruptByteAt(copies[2]!.store.startLsn + 100n);

    const dataDir = await createEmptyDataDir(env, path.join(root, 'recovered'));
    await copyDataDir(baseBackup, dataDir, { owner: env.runAs });
    await expect(writeLogTailToPgWal(dataDir, copies.slice(0, 2), { owner: env.runAs })).rejects.toBeInstanceOf(ReadQuorumError);
    const started = performance.now();
    const report = await writeLogTailToPgWal(dataDir, copies, { owner: env.runAs });
    console.log(
      `log tail from 3 copies: ${report.bytes} bytes ${formatLsn(report.fromLsn)} → ${formatLsn(report.endLsn)} by source ${JSON.stringify(report.bytesBySource)}, ` +
        `corrupt chunks skipped ${JSON.stringify(report.corruptChunksSkipped)}, ${report.files.length} file(s), ${Math.round(performance.now() - started)} ms`,
    );
    expect(report.endLsn).toBe(copies[2]!.store.durableLsn);
    expect(report.corruptChunksSkipped).toEqual([{ source: 'sn3', chunkStart: formatLsn(copies[2]!.store.startLsn) }]);
    // Replay as a standby with no primary, then promote; the copied settings must not wait for a quorum.
    await updateAutoConf(dataDir, { synchronous_standby_names: null, primary_conninfo: null, primary_slot_name: null }, env.runAs);
    await writeOwnedFile(path.join(dataDir, 'standby.signal'), '', env.runAs);
    const recovered = await startInstance(env, { dataDir, port: await freePort() });
    servers.push(recovered.server);
    const replayed = await eventually(
      () => withAdminClient(recovered, async (c) => parseLsn((await c.query('SELECT pg_last_wal_replay_lsn()::text AS l')).rows[0].l)),
      (lsn) => lsn >= lastAcknowledged,
      15_000,
    );
    await promote(recovered);
    console.log(`recovered server replayed to ${formatLsn(replayed)} and was promoted ${Math.round(performance.now() - started)} ms after the WAL copy began`);
    const ids = await storedIds(recovered);
    expect(acknowledged.length).toBeGreaterThan(900);
    expect(acknowledged.filter((id) => !ids.has(id))).toEqual([]);
    console.log(`acknowledged rows: ${acknowledged.length}, missing after recovery: 0, unacknowledged row present: ${ids.has(-1)}`);
    const after = await connect(recovered);
    await after.query(`INSERT INTO items (id, tag) VALUES ($1, 'after recovery')`, [nextId++]); // a writer, and not waiting for a quorum
  });
});
