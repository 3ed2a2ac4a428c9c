/**
 * Storage nodes across failovers: six in-process WAL receivers are the
 * writer's ANY 4 quorum; the writer dies, its hot standby is promoted
 * (timeline 2) and the same six nodes are retargeted at it. Each keeps its
 * timeline 1 copy read-only (divergent tail included), stores the history
 * file, starts a timeline 2 copy at the switch point's segment boundary
 * (below its new slot's restart_lsn) and is again part of a quorum that
 * blocks commits with three nodes silent. A node that was down at the
 * failover first completes timeline 1 up to the switch point. Then a second
 * failover (timeline 3), and a refusal to follow a server back to timeline 1.
 * Tests run in order and share the servers.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  createReplica,
  createWriter,
  prepareComputeEnvironment,
  promote,
  startInstance,
  type ComputeEnvironment,
  type PostgresInstance,
  type PostgresServer,
} from '../../src/data-plane/compute/index.js';
import { updateAutoConf, writeOwnedFile } from '../../src/data-plane/compute/configFiles.js';
import { withAdminClient } from '../../src/data-plane/compute/sql.js';
import {
  formatLsn,
  parseLsn,
  parseTimelineHistory,
  parseWalFileName,
  segmentStart,
  StorageNode,
  walFileName,
  type Lsn,
  type TimelineCopy,
  type WalSegmentStore,
} from '../../src/data-plane/storage/index.js';

vi.setConfig({ testTimeout: 30_000, hookTimeout: 60_000 });

const MASTER = { user: 'master', password: 'timeline-Passw0rd', database: 'appdb' };
const NAMES = ['sn1', 'sn2', 'sn3', 'sn4', 'sn5', 'sn6'] as const;
const QUORUM = `ANY 4 (${NAMES.join(', ')})`;

let root: string;
let env: ComputeEnvironment;
let writer: PostgresInstance; // W: timeline 1
let replica: PostgresInstance; // R: promoted to timeline 2
let second: PostgresInstance; // R2: replica of R, promoted to timeline 3
const servers: PostgresServer[] = [];
const nodes = new Map<string, StorageNode>();
/** A seventh node, outside the quorum, down from timeline 1 until after the second failover. */
let lagger: StorageNode;
/** Built in the last test on a copy of sn1's timeline 1 and 2 copies. */
let branchNode: StorageNode | undefined;
const logs = new Map<string, string[]>();
const clients = new Set<pg.Client>();
/** Ids acknowledged by each server, by batch. */
const batches: Record<string, number[]> = {};
let nextId = 1;
/** Where timeline 1 ended (R's promotion) and timeline 2 ended (R2's). */
let switch1: Lsn;
let switch2: Lsn;
/** Hashes of the timeline 1 copies of sn1–sn5 right before the failover. */
const timeline1Hashes = new Map<string, string>();

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
  client.on('error', () => {}); // servers are killed under open connections
  clients.add(client);
  await client.connect();
  return client;
}

async function eventually<T>(probe: () => Promise<T>, accept: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined && accept(value)) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms (last value: ${JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? formatLsn(v) : v))})`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const node = (name: string) => nodes.get(name)!;
const sql = <T>(server: PostgresInstance, text: string, database = 'postgres'): Promise<T[]> => withAdminClient(server, async (c) => (await c.query(text)).rows as T[], database);
const currentLsn = async (server: PostgresInstance) => parseLsn((await sql<{ l: string }>(server, 'SELECT pg_current_wal_lsn()::text AS l'))[0]!.l);

async function insertBatch(server: PostgresInstance, batch: string, count: number): Promise<void> {
  const client = await connect(server);
  try {
    for (let i = 0; i < count; i++) {
      const id = nextId++;
      await client.query('INSERT INTO items (id, batch) VALUES ($1, $2)', [id, batch]);
      (batches[batch] ??= []).push(id);
    }
  } finally {
    clients.delete(client);
    await client.end();
  }
}

async function setQuorum(server: PostgresInstance): Promise<void> {
  await withAdminClient(server, async (c) => {
    await c.query(`ALTER SYSTEM SET synchronous_standby_names = '${QUORUM}'`);
    await c.query('SELECT pg_reload_conf()');
  });
}

async function waitForQuorum(server: PostgresInstance): Promise<void> {
  await eventually(
    () => sql<{ application_name: string; sync_state: string }>(server, `SELECT application_name, sync_state FROM pg_stat_replication WHERE application_name LIKE 'sn_' ORDER BY 1`),
    (rows) => rows.length === 6 && rows.every((row) => row.sync_state === 'quorum'),
  );
}

/** Retargets every node at `server` (starting those given) and waits until all stream `timeline`. */
async function failOverNodes(server: PostgresInstance, timeline: number, start: string[]): Promise<number> {
  const began = performance.now();
  await Promise.all(
    NAMES.map(async (name) => {
      await node(name).retarget({ host: server.host, port: server.port, user: server.admin.user, password: server.admin.password });
      if (start.includes(name)) await node(name).start();
    }),
  );
  await eventually(
    async () => NAMES.map((name) => ({ name, timeline: node(name).timeline, state: node(name).state })),
    (rows) => rows.every((row) => row.timeline === timeline && row.state === 'streaming'),
    15_000,
  );
  return Math.round(performance.now() - began);
}

/** Every file of a copy (WAL, sums, identity), hashed: to show it was not touched. */
async function hashCopy(store: WalSegmentStore): Promise<string> {
  const hash = createHash('sha256');
  const walDir = path.join(store.dir, 'wal');
  for (const name of (await fs.readdir(walDir)).sort()) hash.update(name).update(await fs.readFile(path.join(walDir, name)));
  hash.update(await fs.readFile(path.join(store.dir, 'segment.json')));
  return hash.digest('hex');
}

/** Compares a copy with a server's pg_wal, file by file, up to the copy's durable end; returns the bytes compared. */
async function compareWithPgWal(store: WalSegmentStore, server: PostgresInstance): Promise<number> {
  const identity = store.identity!;
  const size = BigInt(identity.walSegmentSize);
  let compared = 0;
  const files = await store.walFiles();
  expect(files.length).toBeGreaterThan(0);
  for (const file of files) {
    const name = path.basename(file);
    const fileStart = parseWalFileName(name, identity.walSegmentSize)!.segno * size;
    const end = store.durableLsn - fileStart;
    if (end <= 0n) continue;
    const length = Number(end < size ? end : size);
    const mine = (await fs.readFile(file)).subarray(0, length);
    const theirs = (await fs.readFile(path.join(server.dataDir, 'pg_wal', name))).subarray(0, length);
    expect(mine.length, `${name}: the copy holds ${length} bytes`).toBe(length);
    expect(mine.equals(theirs), `${store.dir}/${name} differs from the server's pg_wal/${name}`).toBe(true);
    compared += length;
  }
  return compared;
}

/** Bytes [from, to) of a copy, read from its files. */
async function readCopy(store: WalSegmentStore, from: Lsn, to: Lsn): Promise<Buffer> {
  const identity = store.identity!;
  const size = BigInt(identity.walSegmentSize);
  const parts: Buffer[] = [];
  for (let at = from; at < to; ) {
    const segno = at / size;
    const fileEnd = (segno + 1n) * size;
    const until = to < fileEnd ? to : fileEnd;
    const file = (await store.walFiles()).find((candidate) => parseWalFileName(path.basename(candidate), identity.walSegmentSize)!.segno === segno)!;
    parts.push((await fs.readFile(file)).subarray(Number(at % size), Number(until - segno * size)));
    at = until;
  }
  return Buffer.concat(parts);
}

async function blockedWithThreePaused(server: PostgresInstance): Promise<number> {
  const client = await connect(server);
  const paused = ['sn1', 'sn3', 'sn5'];
  for (const name of paused) node(name).pause();
  const id = nextId++;
  let done = false;
  const pending = client.query('INSERT INTO items (id, batch) VALUES ($1, $2)', [id, 'blocked']).then(() => (done = true));
  const waiting = await eventually(
    () => sql<{ wait_event: string }>(server, `SELECT wait_event FROM pg_stat_activity WHERE query LIKE 'INSERT INTO items (id, batch)%' AND state = 'active'`),
    (rows) => rows.length === 1 && rows[0]!.wait_event === 'SyncRep',
  );
  expect(waiting[0]!.wait_event).toBe('SyncRep');
  await new Promise((resolve) => setTimeout(resolve, 300));
  expect(done).toBe(false);
  const resumed = performance.now();
  node('sn3').resume();
  await pending;
  const after = Math.round(performance.now() - resumed);
  node('sn1').resume();
  node('sn5').resume();
  (batches.blocked ??= []).push(id);
  clients.delete(client);
  await client.end();
  return after;
}

beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'aurora-timeline-'));
  await fs.chmod(root, 0o711);
  env = await prepareComputeEnvironment({ dataRoot: root });
  writer = await createWriter(env, { dataDir: path.join(root, 'writer'), port: await freePort(), masterUsername: MASTER.user, masterPassword: MASTER.password, databaseName: MASTER.database });
  servers.push(writer.server);
  const client = await connect(writer);
  await client.query('CREATE TABLE items (id integer PRIMARY KEY, batch text)');
  clients.delete(client);
  await client.end();
  replica = await createReplica(env, { writer, dataDir: path.join(root, 'replica'), port: await freePort(), slotName: 'replica_1' });
  servers.push(replica.server);
  const laggerLog: string[] = [];
  logs.set('lagger', laggerLog);
  lagger = new StorageNode({ name: 'lagger', dir: path.join(root, 'storage', 'lagger'), host: writer.host, port: writer.port, user: writer.admin.user, password: writer.admin.password, log: (line) => laggerLog.push(line) });
  for (const name of NAMES) {
    const lines: string[] = [];
    logs.set(name, lines);
    nodes.set(
      name,
      new StorageNode({ name, dir: path.join(root, 'storage', name), host: writer.host, port: writer.port, user: writer.admin.user, password: writer.admin.password, log: (line) => lines.push(line) }),
    );
  }
});

afterAll(async () => {
  await Promise.all([...clients].map((client) => client.end().catch(() => {})));
  await Promise.all([...nodes.values(), lagger, ...(branchNode ? [branchNode] : [])].map((n) => n.stop()));
  for (const n of [...nodes.values(), lagger]) expect(n.state).toBe('stopped');
  await Promise.all(servers.map((server) => server.stop({ timeoutMs: 5_000 })));
  for (const server of servers) expect(server.isRunning).toBe(false);
  if (!process.env.AURORA_LOCAL_TEST_KEEP) await fs.rm(root, { recursive: true, force: true });
});

describe('storage nodes follow the writer across failovers (new timelines)', () => {
  it('six nodes are the timeline 1 writer’s ANY 4 quorum', async () => {
    await Promise.all([...nodes.values(), lagger].map((n) => n.start()));
    await setQuorum(writer);
    await waitForQuorum(writer);
    await insertBatch(writer, 'A', 50);
    for (const name of NAMES) expect(node(name).timeline).toBe(1);
    await lagger.waitForDurable(await currentLsn(writer));
    await lagger.stop();
  });

  it('fails over to the promoted replica: timeline 2 copies start at the switch point’s segment, timeline 1 copies stay as they were', async () => {
    // sn6 goes down and misses batch B, which the replica does receive.
    await node('sn6').stop();
    await insertBatch(writer, 'B', 50);
    const afterB = await currentLsn(writer);
    await eventually(() => sql<{ l: string }>(replica, 'SELECT pg_last_wal_replay_lsn()::text AS l'), (rows) => parseLsn(rows[0]!.l) >= afterB);
    // The replica loses its connection; batch C then reaches the storage nodes but never the replica.
    await withAdminClient(replica, async (c) => {
      await c.query(`ALTER SYSTEM SET primary_conninfo = ''`);
      await c.query('SELECT pg_reload_conf()');
    });
    await eventually(() => sql<{ n: number }>(replica, 'SELECT count(*)::int AS n FROM pg_stat_wal_receiver'), (rows) => rows[0]!.n === 0);
    await insertBatch(writer, 'C', 20);
    const afterC = await currentLsn(writer);
    await Promise.all(['sn1', 'sn2', 'sn3', 'sn4', 'sn5'].map((name) => node(name).waitForDurable(afterC)));
    await writer.server.kill(); // the writer crashes

    const promoted = performance.now();
    await promote(replica);
    console.log(`replica promoted in ${Math.round(performance.now() - promoted)} ms`);
    const history = (await sql<{ content: string }>(replica, `SELECT pg_read_file('pg_wal/00000002.history') AS content`))[0]!.content;
    const entries = parseTimelineHistory(history);
    expect(entries.map((entry) => entry.timeline)).toEqual([1]);
    switch1 = entries[0]!.switchPoint;
    expect(switch1).toBeGreaterThanOrEqual(afterB);
    expect(switch1).toBeLessThan(afterC);
    for (const name of ['sn1', 'sn2', 'sn3', 'sn4', 'sn5']) {
      expect(node(name).durableLsn).toBeGreaterThan(switch1); // a divergent tail past the switch point
      timeline1Hashes.set(name, await hashCopy(node(name).store!));
    }
    expect(node('sn6').durableLsn).toBeLessThan(switch1);

    await setQuorum(replica);
    const took = await failOverNodes(replica, 2, ['sn6']);
    await waitForQuorum(replica);
    console.log(`six nodes streaming timeline 2 from the promoted replica ${took} ms after retarget; switch point ${formatLsn(switch1)}, new copies from ${formatLsn(segmentStart(switch1, 16 * 1024 * 1024))}`);
    console.log(`sn6 (down at the failover):\n  ${logs.get('sn6')!.filter((line) => /timeline|stored/.test(line)).join('\n  ')}`);

    // The nodes' new slots reserve WAL from their creation on; the copies start earlier, at the segment boundary.
    const slots = await sql<{ slot_name: string; restart_lsn: string }>(replica, `SELECT slot_name, restart_lsn::text FROM pg_replication_slots WHERE slot_name LIKE 'sn_' ORDER BY 1`);
    expect(slots.map((slot) => slot.slot_name)).toEqual([...NAMES]);
    for (const name of NAMES) {
      const copies = await node(name).timelineStores();
      expect(copies.map((copy) => copy.timeline)).toEqual([1, 2]);
      expect(copies[0]!.switchPoint).toBe(switch1);
      expect(copies[1]!.switchPoint).toBeUndefined();
      expect(copies[1]!.store).toBe(node(name).store);
      expect(copies[1]!.store.startLsn).toBe(segmentStart(switch1, copies[1]!.store.identity!.walSegmentSize));
      expect(copies[1]!.dir).toBe(path.join(root, 'storage', name, 'tl-00000002'));
      expect(copies[0]!.dir).toBe(path.join(root, 'storage', name));
      expect((await node(name).historyFiles()).get('00000002.history')).toBe(history);
    }

    // Commits on the new writer wait for 4 of the 6 again.
    await insertBatch(replica, 'D', 50);
    const resumedAfter = await blockedWithThreePaused(replica);
    console.log(`timeline 2: a commit blocked with 3 nodes paused completed ${resumedAfter} ms after a 4th resumed`);
  });

  it('retarget is safe at any moment: during a batch write and while an acknowledgement is held back', async () => {
    const target = { host: replica.host, port: replica.port };
    // Every 8th append of sn1 and sn2 retargets the node from inside the write; sn2 also delays its acknowledgements.
    node('sn2').setLatency(5);
    let retargets = 0;
    const hooked = ['sn1', 'sn2'].map((name) => {
      const store = node(name).store!;
      const append = store.append.bind(store);
      let appends = 0;
      store.append = (lsn, bytes) => {
        if (appends++ % 8 === 0) {
          retargets += 1;
          void node(name).retarget(target);
        }
        return append(lsn, bytes);
      };
      return store;
    });
    await insertBatch(replica, 'R', 100); // sn3–sn6 make the quorum meanwhile
    for (const store of hooked) delete (store as Partial<WalSegmentStore>).append; // the prototype's again
    node('sn2').setLatency(0);
    await Promise.all([node('sn1').retarget(target), node('sn2').retarget(target)]);
    // A paused node stays paused across a retarget.
    node('sn3').pause();
    await node('sn3').retarget(target);
    expect(node('sn3').state).toBe('paused');
    node('sn3').resume();
    const lsn = await currentLsn(replica);
    await Promise.all(NAMES.map((name) => node(name).waitForDurable(lsn)));
    console.log(`${retargets} retargets from inside sn1's and sn2's writes during 100 commits; all six durable to ${formatLsn(lsn)}`);
    expect(retargets).toBeGreaterThanOrEqual(4);
    for (const name of ['sn1', 'sn2']) expect((await node(name).store!.verify()).corruptChunks).toEqual([]);
  });

  it('timeline 2 copies are byte-identical to the new writer’s pg_wal; timeline 1 copies are intact and never served as timeline 2', async () => {
    const lsn = await currentLsn(replica);
    await Promise.all(NAMES.map((name) => node(name).waitForDurable(lsn)));
    let compared = 0;
    for (const name of NAMES) {
      const [old, current] = (await node(name).timelineStores()) as [TimelineCopy, TimelineCopy];
      compared += await compareWithPgWal(current.store, replica);
      // Up to the switch point both timelines hold the same bytes; past it the old copy's tail is its own.
      const shared = await readCopy(current.store, current.store.startLsn, switch1);
      expect((await readCopy(old.store, current.store.startLsn, switch1)).equals(shared)).toBe(true);
      if (name !== 'sn6') {
        expect(await hashCopy(old.store)).toBe(timeline1Hashes.get(name));
        const tail = old.store.durableLsn - switch1;
        expect(tail).toBeGreaterThan(0n);
        const divergent = await readCopy(old.store, switch1, old.store.durableLsn);
        const served = await readCopy(current.store, switch1, switch1 + tail);
        expect(divergent.equals(served)).toBe(false);
      } else {
        // Down at the failover: completed up to the switch point from the promoted replica, not beyond.
        expect(old.store.durableLsn).toBe(switch1);
        const reference = (await node('sn1').timelineStores())[0]!.store;
        expect((await readCopy(old.store, old.store.startLsn, switch1)).equals(await readCopy(reference, old.store.startLsn, switch1))).toBe(true);
      }
    }
    console.log(`timeline 2 copies of 6 nodes byte-identical to the new writer's pg_wal (${compared} bytes compared)`);
    const ids = new Set((await sql<{ id: number }>(replica, 'SELECT id FROM items', MASTER.database)).map((row) => row.id));
    for (const batch of ['A', 'B', 'D', 'blocked', 'R']) expect(batches[batch]!.filter((id) => !ids.has(id)), `batch ${batch}`).toEqual([]);
    // Batch C only ever reached the old writer and the storage nodes: it is the divergent tail, not timeline 2.
    expect(batches.C!.filter((id) => ids.has(id))).toEqual([]);
  });

  it('fails over again (timeline 3); a node down across it completes its timeline 2 copy first', async () => {
    second = await createReplica(env, { writer: replica, dataDir: path.join(root, 'second'), port: await freePort(), slotName: 'replica_2' });
    servers.push(second.server);
    // sn4 goes down holding all the WAL R2 was cloned from (R2's copy begins at the backup's WAL switch).
    await node('sn4').waitForDurable(await currentLsn(replica));
    await node('sn4').stop();
    await insertBatch(replica, 'E', 30);
    const afterE = await currentLsn(replica);
    await eventually(() => sql<{ l: string }>(second, 'SELECT pg_last_wal_replay_lsn()::text AS l'), (rows) => parseLsn(rows[0]!.l) >= afterE);
    await replica.server.stop({ timeoutMs: 5_000 }); // a clean shutdown this time: the standby has everything
    await promote(second);
    const history = (await sql<{ content: string }>(second, `SELECT pg_read_file('pg_wal/00000003.history') AS content`))[0]!.content;
    const entries = parseTimelineHistory(history);
    expect(entries.map((entry) => entry.timeline)).toEqual([1, 2]);
    expect(entries[0]!.switchPoint).toBe(switch1);
    switch2 = entries[1]!.switchPoint;

    await setQuorum(second);
    const took = await failOverNodes(second, 3, ['sn4']);
    await waitForQuorum(second);
    console.log(`six nodes streaming timeline 3 ${took} ms after retarget; switch point ${formatLsn(switch2)}`);
    await insertBatch(second, 'F', 30);
    const resumedAfter = await blockedWithThreePaused(second);
    console.log(`timeline 3: a commit blocked with 3 nodes paused completed ${resumedAfter} ms after a 4th resumed`);

    const lsn = await currentLsn(second);
    await Promise.all(NAMES.map((name) => node(name).waitForDurable(lsn)));
    for (const name of NAMES) {
      const copies = await node(name).timelineStores();
      expect(copies.map((copy) => [copy.timeline, copy.switchPoint])).toEqual([
        [1, switch1],
        [2, switch2],
        [3, undefined],
      ]);
      expect(copies[1]!.store.durableLsn).toBe(switch2); // sn4 too: completed from the new writer
      expect(copies[2]!.store.startLsn).toBe(segmentStart(switch2, copies[2]!.store.identity!.walSegmentSize));
      await compareWithPgWal(copies[2]!.store, second);
      expect([...(await node(name).historyFiles()).keys()]).toEqual(['00000002.history', '00000003.history']);
      expect((await node(name).historyFiles()).get('00000003.history')).toBe(history);
      if (name !== 'sn6') expect(await hashCopy(copies[0]!.store)).toBe(timeline1Hashes.get(name));
    }
    const ids = new Set((await sql<{ id: number }>(second, 'SELECT id FROM items', MASTER.database)).map((row) => row.id));
    for (const batch of ['A', 'B', 'D', 'R', 'E', 'F', 'blocked']) expect(batches[batch]!.filter((id) => !ids.has(id)), `batch ${batch}`).toEqual([]);
  });

  it('a node down across both failovers skips the WAL the new writer no longer has and follows timeline 3', async () => {
    const timeline1End = lagger.durableLsn;
    expect(timeline1End).toBeLessThan(switch1);
    // By the time it comes back, the writer has recycled even timeline 3's first segment.
    const size = 16 * 1024 * 1024;
    const firstSegment = walFileName(3, segmentStart(switch2, size) / BigInt(size), size);
    await withAdminClient(second, async (c) => {
      await c.query('ALTER SYSTEM SET wal_keep_size = 0');
      await c.query('SELECT pg_reload_conf()');
    });
    await eventually(
      async () => {
        await insertBatch(second, 'H', 1);
        await sql(second, 'SELECT pg_switch_wal()');
        await insertBatch(second, 'H', 1);
        await sql(second, 'CHECKPOINT');
        return (await sql<{ name: string }>(second, 'SELECT name FROM pg_ls_waldir()')).map((row) => row.name);
      },
      (names) => !names.includes(firstSegment),
    );
    await lagger.retarget({ host: second.host, port: second.port, user: second.admin.user, password: second.admin.password });
    await lagger.start();
    const target = await currentLsn(second);
    // Streaming from a recycled segment may look fine until the walsender reads it: wait for data, not for a state.
    await eventually(async () => [lagger.timeline, lagger.durableLsn] as const, ([timeline, durable]) => timeline === 3 && durable >= target);
    const lines = logs.get('lagger')!;
    console.log(`lagger:\n  ${lines.filter((line) => /timeline|stored|cannot/.test(line)).join('\n  ')}`);
    // R2's copy of the cluster begins after both switch points' segments: timeline 1 cannot be completed, timeline 2 not even
    // begun, and timeline 3's copy begins where R2 is, not at the switch point's segment.
    expect(lines.filter((line) => line.includes('cannot complete timeline')).length).toBe(2);
    expect(lines.filter((line) => line.includes('no longer has timeline 3')).length).toBe(1);
    const copies = await lagger.timelineStores();
    expect(copies.map((copy) => [copy.timeline, copy.switchPoint])).toEqual([
      [1, switch1],
      [2, switch2],
      [3, undefined],
    ]);
    expect(copies[0]!.store.durableLsn).toBe(timeline1End); // left as it was, with a gap before the switch point
    expect(copies[1]!.store.startLsn).toBe(segmentStart(switch1, copies[1]!.store.identity!.walSegmentSize));
    expect(copies[1]!.store.durableLsn).toBe(copies[1]!.store.startLsn); // nothing of timeline 2 was available
    expect(copies[2]!.store.startLsn).toBeGreaterThan(segmentStart(switch2, copies[2]!.store.identity!.walSegmentSize));
    const lsn = await currentLsn(second);
    await lagger.waitForDurable(lsn);
    await compareWithPgWal(copies[2]!.store, second);
    expect([...(await lagger.historyFiles()).keys()]).toEqual(['00000002.history', '00000003.history']);
    await lagger.stop();
    await withAdminClient(second, async (c) => {
      await c.query('ALTER SYSTEM RESET wal_keep_size');
      await c.query('SELECT pg_reload_conf()');
    });
  });

  it('refuses a server on an older timeline or on another branch of its timeline, keeps retrying, and returns when retargeted', async () => {
    // The old timeline 1 writer comes back (crash recovery, still timeline 1).
    let old = await startInstance(env, { dataDir: writer.dataDir, port: await freePort() });
    servers.push(old.server);
    const sn2 = node('sn2');
    const lines = logs.get('sn2')!;
    const before = lines.length;
    void sn2.retarget({ host: old.host, port: old.port });
    await eventually(
      async () => lines.slice(before).filter((line) => line.includes('older than this copy')).length,
      (count) => count >= 2, // refused, and retried
    );
    expect(sn2.state).toBe('connecting');
    expect(sn2.timeline).toBe(3);
    console.log(`refusal: ${lines.slice(before).find((line) => line.includes('older than this copy'))}`);
    // Commits go on with five nodes; sn2 comes back when pointed at the writer again.
    await insertBatch(second, 'G', 10);
    await sn2.retarget({ host: second.host, port: second.port });
    expect(sn2.state).toBe('streaming');
    await sn2.waitForDurable(await currentLsn(second));
    expect((await sn2.timelineStores()).map((copy) => copy.timeline)).toEqual([1, 2, 3]);

    // The old writer promoted from timeline 1 a second time: a timeline 2 of its own, switching elsewhere.
    await old.server.stop({ timeoutMs: 5_000 });
    await updateAutoConf(writer.dataDir, { synchronous_standby_names: null }, env.runAs);
    await writeOwnedFile(path.join(writer.dataDir, 'standby.signal'), '', env.runAs);
    old = await startInstance(env, { dataDir: writer.dataDir, port: await freePort() });
    servers.push(old.server);
    await promote(old);
    const otherHistory = (await sql<{ content: string }>(old, `SELECT pg_read_file('pg_wal/00000002.history') AS content`))[0]!.content;
    expect(parseTimelineHistory(otherHistory)[0]!.switchPoint).not.toBe(switch1);
    // A node holding sn1's timeline 1 and 2 copies (as sn1 had them before the second failover).
    const dir = path.join(root, 'storage', 'branch');
    await fs.cp(path.join(root, 'storage', 'sn1'), dir, { recursive: true, filter: (source) => !/tl-00000003|00000003\.history/.test(source) });
    const branchLines: string[] = [];
    branchNode = new StorageNode({ name: 'branch', dir, host: old.host, port: old.port, user: old.admin.user, password: old.admin.password, log: (line) => branchLines.push(line) });
    void branchNode.start().catch(() => {});
    await eventually(async () => branchLines.filter((line) => line.includes('another branch of timeline 2')).length, (count) => count >= 2);
    expect(branchNode.state).toBe('connecting');
    console.log(`refusal: ${branchLines.find((line) => line.includes('another branch'))}`);
    const copies = await branchNode.timelineStores();
    expect(copies.map((copy) => copy.timeline)).toEqual([1, 2]);
    expect((await branchNode.historyFiles()).get('00000002.history')).not.toBe(otherHistory);
    await branchNode.stop();
    await old.server.stop({ timeoutMs: 5_000 });
  });
});
