// aurora-mysql end to end: real MariaDB behind aurora-mysql clusters (--data-plane postgres runs
// both engines), reached with `mysql2` through the endpoints DescribeDBClusters /
// DescribeDBInstances return.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import {
  BacktrackDBClusterCommand,
  CreateDBClusterCommand,
  CreateDBClusterSnapshotCommand,
  CreateDBInstanceCommand,
  DescribeDBClusterBacktracksCommand,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  DescribeEventsCommand,
  FailoverDBClusterCommand,
  RDSClient,
  RestoreDBClusterFromSnapshotCommand,
  waitUntilDBClusterAvailable,
  waitUntilDBClusterSnapshotAvailable,
  waitUntilDBInstanceAvailable,
} from '@aws-sdk/client-rds';
import { startEmulator, type Emulator } from '../src/emulator.js';
import { clientFor, connectMysql as connect, createMysqlCluster as createCluster, dataPlaneView, fast, password, wait, writerOf } from './dataPlaneHelpers.js';

async function rows<T = Record<string, unknown>>(connection: mysql.Connection, sql: string, values?: unknown[]): Promise<T[]> {
  const [result] = await connection.query(sql, values);
  return result as T[];
}

const describeCluster = async (rds: RDSClient, id: string) => (await rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: id }))).DBClusters![0];


/** Inserts sequential rows through the writer endpoint, reconnecting on errors; returns the acknowledged ids. */
function writeLoop(host: string, port: number) {
  const acknowledged: number[] = [];
  let stop = false;
  const done = (async () => {
    let connection: mysql.Connection | undefined;
    let next = 1;
    while (!stop) {
      try {
        connection ??= await connect(host, port);
        await connection.query('INSERT INTO ledger (id) VALUES (?)', [next]);
        acknowledged.push(next++);
      } catch {
        connection?.destroy();
        connection = undefined;
        next++; // the outcome of that insert is unknown: never reuse its id
        await new Promise((r) => setTimeout(r, 5));
      }
    }
    await connection?.end().catch(() => {});
  })();
  return { acknowledged, stop: async () => ((stop = true), await done) };
}

describe('aurora-mysql clusters run real MariaDB', () => {
  let emulator: Emulator;
  let rds: RDSClient;

  beforeAll(async () => {
    emulator = await startEmulator({ port: 0, dataPlane: 'postgres', delays: fast, log: (line) => (process.env.SHOW_LOG ? console.log(line) : undefined) });
    rds = clientFor(emulator);
  });
  afterAll(async () => {
    rds?.destroy();
    await emulator?.close();
  });

  it('serves the writer, a read-only reader and every instance at the endpoints it reports', async () => {
    const cluster = await createCluster(rds, 'rw', 2);
    expect(cluster.Port).toBe(3306);
    expect(cluster.Endpoint).toMatch(/^127\.\d+\.\d+\.\d+$/);
    expect(cluster.ReaderEndpoint).toMatch(/^127\.\d+\.\d+\.\d+$/);
    expect(cluster.ReaderEndpoint).not.toBe(cluster.Endpoint);
    await expect(connect(cluster.Endpoint!, cluster.Port!, 'admin', 'wrong-password')).rejects.toMatchObject({ errno: 1045 });
    const writer = await connect(cluster.Endpoint!, cluster.Port!);
    await writer.query('CREATE TABLE items (id int PRIMARY KEY, name text)');
    await writer.query("INSERT INTO items VALUES (1, 'one'), (2, 'two')");
    const reader = await connect(cluster.ReaderEndpoint!, cluster.Port!);
    expect((await rows(reader, 'SELECT @@read_only AS ro'))[0]!.ro).toBe(1);
    await expect.poll(async () => (await rows<{ n: number }>(reader, 'SELECT count(*) AS n FROM items'))[0]!.n, { timeout: 5000 }).toBe(2);
    await expect(reader.query("INSERT INTO items VALUES (3, 'three')")).rejects.toMatchObject({ errno: 1290 }); // --read-only
    const instances = (await rds.send(new DescribeDBInstancesCommand({ Filters: [{ Name: 'db-cluster-id', Values: ['rw'] }] }))).DBInstances!;
    for (const instance of instances) {
      const direct = await connect(instance.Endpoint!.Address!, instance.Endpoint!.Port!);
      expect((await rows(direct, 'SELECT @@read_only AS ro'))[0]!.ro).toBe(instance.DBInstanceIdentifier === writerOf(cluster) ? 0 : 1);
      await direct.end();
    }
    await Promise.all([writer.end(), reader.end()]);
    const view = await dataPlaneView(emulator, 'rw');
    expect(view.instances.map((i) => i.role).sort()).toEqual(['replica', 'writer']);
    await expect.poll(async () => (await dataPlaneView(emulator, 'rw')).replicaLag.length, { timeout: 5000 }).toBe(1);
    // Measured in milliseconds (the time the replica takes to apply the writer's position), not Seconds_Behind_Master.
    const [lag] = (await dataPlaneView(emulator, 'rw')).replicaLag;
    expect(lag!.lagMs).not.toBeNull();
    expect(lag!.lagMs! % 1000 === 0 && lag!.lagMs! > 0).toBe(false);
    expect(lag!.lagMs!).toBeLessThan(1000);
  });

  it('fails over under a loop of writes without losing an acknowledged row', async () => {
    const cluster = await createCluster(rds, 'fo', 3);
    const setup = await connect(cluster.Endpoint!, cluster.Port!);
    await setup.query('CREATE TABLE ledger (id int PRIMARY KEY)');
    await setup.end();
    const oldWriter = writerOf(cluster);
    const loop = writeLoop(cluster.Endpoint!, cluster.Port!);
    await new Promise((r) => setTimeout(r, 300));
    await rds.send(new FailoverDBClusterCommand({ DBClusterIdentifier: 'fo' }));
    await waitUntilDBClusterAvailable({ client: rds, ...wait }, { DBClusterIdentifier: 'fo' });
    await new Promise((r) => setTimeout(r, 300));
    await loop.stop();
    const after = await describeCluster(rds, 'fo');
    expect(writerOf(after)).not.toBe(oldWriter);
    const check = await connect(after.Endpoint!, after.Port!);
    const stored = new Set((await rows<{ id: number }>(check, 'SELECT id FROM ledger')).map((r) => r.id));
    expect(loop.acknowledged.length).toBeGreaterThan(20);
    expect(loop.acknowledged.filter((id) => !stored.has(id))).toEqual([]);
    expect((await rows(check, 'SELECT @@read_only AS ro'))[0]!.ro).toBe(0);
    await check.end();
    const view = await dataPlaneView(emulator, 'fo');
    expect(view.instances.find((i) => i.instanceId === oldWriter)).toMatchObject({ role: 'replica', running: true });
    const events = (await rds.send(new DescribeEventsCommand({ SourceType: 'db-cluster', SourceIdentifier: 'fo' }))).Events!.map((e) => e.Message);
    expect(events).toContain(`Completed failover to DB instance: ${writerOf(after)}.`);
    // The old writer replicates from the new one.
    const old = (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: oldWriter }))).DBInstances![0];
    const direct = await connect(old.Endpoint!.Address!, old.Endpoint!.Port!);
    await expect.poll(async () => (await rows<{ n: number }>(direct, 'SELECT count(*) AS n FROM ledger'))[0]!.n, { timeout: 5000 }).toBe(stored.size);
    await direct.end();
  });

  it('fails over by itself when the writer process is killed with SIGKILL, losing no acknowledged row', async () => {
    const cluster = await createCluster(rds, 'crash', 2);
    const setup = await connect(cluster.Endpoint!, cluster.Port!);
    await setup.query('CREATE TABLE ledger (id int PRIMARY KEY)');
    await setup.end();
    const oldWriter = writerOf(cluster);
    const loop = writeLoop(cluster.Endpoint!, cluster.Port!);
    await new Promise((r) => setTimeout(r, 300));
    const pid = (await dataPlaneView(emulator, 'crash')).instances.find((i) => i.instanceId === oldWriter)!.pid!;
    process.kill(pid, 'SIGKILL');
    await expect.poll(async () => writerOf(await describeCluster(rds, 'crash')), { timeout: 30_000, interval: 200 }).not.toBe(oldWriter);
    await waitUntilDBClusterAvailable({ client: rds, ...wait }, { DBClusterIdentifier: 'crash' });
    await new Promise((r) => setTimeout(r, 300));
    await loop.stop();
    const check = await connect(cluster.Endpoint!, cluster.Port!);
    const stored = new Set((await rows<{ id: number }>(check, 'SELECT id FROM ledger')).map((r) => r.id));
    expect(loop.acknowledged.length).toBeGreaterThan(5);
    expect(loop.acknowledged.filter((id) => !stored.has(id))).toEqual([]);
    await check.end();
    await waitUntilDBInstanceAvailable({ client: rds, ...wait }, { DBInstanceIdentifier: oldWriter });
    expect((await dataPlaneView(emulator, 'crash')).instances.find((i) => i.instanceId === oldWriter)).toMatchObject({ role: 'replica', running: true });
  });

  it('backtracks to a chosen second: exactly the rows committed before it stay, and the change records are counted', async () => {
    const cluster = await createCluster(rds, 'bt', 2, { BacktrackWindow: 3600 });
    expect(cluster.BacktrackConsumedChangeRecords).toBe(0);
    const client = await connect(cluster.Endpoint!, cluster.Port!);
    await client.query('CREATE TABLE events (id int PRIMARY KEY, v text)');
    for (let id = 1; id <= 3; id++) await client.query('INSERT INTO events VALUES (?, ?)', [id, 'kept']);
    // The next whole second: everything above committed before it, everything below after it.
    const target = new Date(Math.ceil((Date.now() + 1) / 1000) * 1000);
    while (Date.now() < target.getTime() + 50) await new Promise((r) => setTimeout(r, 20));
    const reverted = 5;
    for (let id = 4; id < 4 + reverted; id++) await client.query('INSERT INTO events VALUES (?, ?)', [id, 'reverted']);
    await client.query("UPDATE events SET v = 'changed' WHERE id = 1"); // one more change record
    await client.end();

    const started = await rds.send(new BacktrackDBClusterCommand({ DBClusterIdentifier: 'bt', BacktrackTo: target }));
    await expect
      .poll(async () => (await rds.send(new DescribeDBClusterBacktracksCommand({ DBClusterIdentifier: 'bt', BacktrackIdentifier: started.BacktrackIdentifier }))).DBClusterBacktracks![0].Status, { timeout: 30_000, interval: 200 })
      .toBe('completed');
    await waitUntilDBClusterAvailable({ client: rds, ...wait }, { DBClusterIdentifier: 'bt' });
    const after = await connect(cluster.Endpoint!, cluster.Port!);
    expect(await rows(after, 'SELECT id, v FROM events ORDER BY id')).toEqual([1, 2, 3].map((id) => ({ id, v: 'kept' })));
    await after.end();
    expect((await describeCluster(rds, 'bt')).BacktrackConsumedChangeRecords).toBe(reverted + 1);
    // The replica rewound with it.
    const reader = await connect(cluster.ReaderEndpoint!, cluster.Port!);
    await expect.poll(async () => (await rows<{ n: number }>(reader, 'SELECT count(*) AS n FROM events'))[0]!.n, { timeout: 5000 }).toBe(3);
    await reader.end();
  });

  it('restores a snapshot with exactly the rows it was taken with', async () => {
    const cluster = await createCluster(rds, 'snap', 1);
    const client = await connect(cluster.Endpoint!, cluster.Port!);
    await client.query('CREATE TABLE t (v varchar(20))');
    await client.query("INSERT INTO t VALUES ('before')");
    await rds.send(new CreateDBClusterSnapshotCommand({ DBClusterIdentifier: 'snap', DBClusterSnapshotIdentifier: 'snap-1' }));
    await client.query("INSERT INTO t VALUES ('after')");
    await client.end();
    await waitUntilDBClusterSnapshotAvailable({ client: rds, ...wait }, { DBClusterSnapshotIdentifier: 'snap-1' });
    await rds.send(new RestoreDBClusterFromSnapshotCommand({ DBClusterIdentifier: 'snap-restored', SnapshotIdentifier: 'snap-1', Engine: 'aurora-mysql' }));
    await rds.send(new CreateDBInstanceCommand({ DBInstanceIdentifier: 'snap-restored-1', DBClusterIdentifier: 'snap-restored', Engine: 'aurora-mysql', DBInstanceClass: 'db.r6g.large' }));
    await waitUntilDBInstanceAvailable({ client: rds, ...wait }, { DBInstanceIdentifier: 'snap-restored-1' });
    const restored = await describeCluster(rds, 'snap-restored');
    const r = await connect(restored.Endpoint!, restored.Port!);
    expect(await rows(r, 'SELECT v FROM t')).toEqual([{ v: 'before' }]);
    await r.end();
    // A restored cluster takes replicas (their clone starts at the snapshot's GTID position).
    await rds.send(new CreateDBInstanceCommand({ DBInstanceIdentifier: 'snap-restored-2', DBClusterIdentifier: 'snap-restored', Engine: 'aurora-mysql', DBInstanceClass: 'db.r6g.large' }));
    await waitUntilDBInstanceAvailable({ client: rds, ...wait }, { DBInstanceIdentifier: 'snap-restored-2' });
    // Fresh sessions through the reader endpoint: one failed once under a loaded full run (closed after its handshake; cause not found).
    const viaReader = async () => {
      const reader = await connect(restored.ReaderEndpoint!, restored.Port!);
      try {
        return await rows(reader, 'SELECT v FROM t');
      } finally {
        reader.destroy();
      }
    };
    await expect.poll(() => viaReader().catch((error: Error) => error.message), { timeout: 10_000 }).toEqual([{ v: 'before' }]);
  });
});

describe('a missing MariaDB makes the instance failed, with the reason, and never crashes the emulator', () => {
  it('reports the missing binaries on the instance and in its events', async () => {
    const emulator = await startEmulator({ port: 0, dataPlane: 'postgres', mysqlBinDir: '/nonexistent/mariadb/bin', delays: fast, log: () => {} });
    const rds = clientFor(emulator);
    try {
      await rds.send(new CreateDBClusterCommand({ DBClusterIdentifier: 'nobin', Engine: 'aurora-mysql', MasterUsername: 'admin', MasterUserPassword: password }));
      await rds.send(new CreateDBInstanceCommand({ DBInstanceIdentifier: 'nobin-1', DBClusterIdentifier: 'nobin', Engine: 'aurora-mysql', DBInstanceClass: 'db.r6g.large' }));
      await expect.poll(async () => (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'nobin-1' }))).DBInstances![0].DBInstanceStatus, { timeout: 10_000 }).toBe('failed');
      const events = (await rds.send(new DescribeEventsCommand({ SourceType: 'db-instance', SourceIdentifier: 'nobin-1' }))).Events!;
      expect(events.some((e) => e.Message!.includes('/nonexistent/mariadb/bin'))).toBe(true);
      expect((await rds.send(new DescribeDBClustersCommand({}))).DBClusters!.map((c) => c.DBClusterIdentifier)).toEqual(['nobin']);
    } finally {
      rds.destroy();
      await emulator.close();
    }
  });
});

describe('a restart of the emulator brings the MariaDB servers back with their data', () => {
  let dataDir: string;
  let emulator: Emulator | undefined;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'aurora-mysql-restart-'));
    await chmod(dataDir, 0o711); // as root, MariaDB runs as an unprivileged user that must pass through
  });
  afterAll(async () => {
    await emulator?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('keeps endpoints, roles and rows across a restart', async () => {
    emulator = await startEmulator({ port: 0, dataPlane: 'postgres', dataDir, delays: fast, log: () => {} });
    let rds = clientFor(emulator);
    const cluster = await createCluster(rds, 'durable', 2);
    const writer = await connect(cluster.Endpoint!, cluster.Port!);
    await writer.query('CREATE TABLE notes (v varchar(20))');
    await writer.query("INSERT INTO notes VALUES ('survives')");
    await writer.end();
    rds.destroy();
    await emulator.close();

    emulator = await startEmulator({ port: 0, dataPlane: 'postgres', dataDir, delays: fast, log: () => {} });
    rds = clientFor(emulator);
    const after = await describeCluster(rds, 'durable');
    expect([after.Endpoint, after.ReaderEndpoint, after.Port]).toEqual([cluster.Endpoint, cluster.ReaderEndpoint, cluster.Port]);
    const again = await connect(after.Endpoint!, after.Port!);
    expect(await rows(again, 'SELECT v FROM notes')).toEqual([{ v: 'survives' }]);
    await again.query("INSERT INTO notes VALUES ('after restart')");
    await again.end();
    const reader = await connect(after.ReaderEndpoint!, after.Port!);
    expect((await rows(reader, 'SELECT @@read_only AS ro'))[0]!.ro).toBe(1);
    await expect.poll(async () => (await rows(reader, 'SELECT v FROM notes ORDER BY v')).length, { timeout: 5000 }).toBe(2);
    await reader.end();
    rds.destroy();
  });
});
