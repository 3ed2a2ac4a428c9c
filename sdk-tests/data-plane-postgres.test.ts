// Issue 4 end to end: real PostgreSQL behind aurora-postgresql clusters, reached with `pg`
// through the endpoints that DescribeDBClusters / DescribeDBInstances return.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import {
  CreateDBClusterCommand,
  CreateDBInstanceCommand,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  DescribeEventsCommand,
  FailoverDBClusterCommand,
  ModifyDBClusterCommand,
  RDSClient,
  RebootDBInstanceCommand,
  CreateDBClusterSnapshotCommand,
  CreateDBClusterEndpointCommand,
  DeleteDBClusterCommand,
  DeleteDBInstanceCommand,
  RestoreDBClusterFromSnapshotCommand,
  RestoreDBClusterToPointInTimeCommand,
  StartDBClusterCommand,
  StopDBClusterCommand,
  waitUntilDBClusterDeleted,
  waitUntilDBClusterSnapshotAvailable,
  waitUntilDBInstanceDeleted,
  waitUntilDBClusterAvailable,
  waitUntilDBInstanceAvailable,
} from '@aws-sdk/client-rds';
import { startEmulator, type Emulator } from '../src/emulator.js';
import { clientFor, connect, createCluster, dataPlaneView, fast, password, wait, writerOf } from './dataPlaneHelpers.js';

/** Inserts sequential rows through the writer endpoint, reconnecting on errors; returns the acknowledged ids. */
function writeLoop(host: string, port: number) {
  const acknowledged: number[] = [];
  let stop = false;
  let longestGapMs = 0;
  const done = (async () => {
    let client: pg.Client | undefined;
    let next = 1;
    let lastAck = performance.now();
    while (!stop) {
      try {
        client ??= await connect(host, port);
        await client.query('INSERT INTO ledger (id) VALUES ($1)', [next]);
        acknowledged.push(next++);
        const now = performance.now();
        longestGapMs = Math.max(longestGapMs, now - lastAck);
        lastAck = now;
      } catch {
        await client?.end().catch(() => {});
        client = undefined;
        next++; // the outcome of that insert is unknown: never reuse its id
        await new Promise((r) => setTimeout(r, 5));
      }
    }
    await client?.end().catch(() => {});
  })();
  return { acknowledged, stop: async () => ((stop = true), await done), gap: () => longestGapMs };
}

describe('aurora-postgresql clusters run real PostgreSQL', () => {
  let emulator: Emulator;
  let rds: RDSClient;

  beforeAll(async () => {
    emulator = await startEmulator({ port: 0, dataPlane: 'postgres', delays: fast, log: () => {} });
    rds = clientFor(emulator);
  });
  afterAll(async () => {
    await emulator?.close();
  });

  it('serves the writer, a read-only reader and every instance at the endpoints it reports', async () => {
    const cluster = await createCluster(rds, 'rw', 2);
    expect(cluster.Endpoint).toMatch(/^127\.\d+\.\d+\.\d+$/);
    expect(cluster.ReaderEndpoint).toMatch(/^127\.\d+\.\d+\.\d+$/);
    expect(cluster.ReaderEndpoint).not.toBe(cluster.Endpoint);
    const writer = await connect(cluster.Endpoint!, cluster.Port!);
    await writer.query('CREATE TABLE items (id int PRIMARY KEY, name text)');
    await writer.query("INSERT INTO items VALUES (1, 'one'), (2, 'two')");
    const reader = await connect(cluster.ReaderEndpoint!, cluster.Port!);
    expect((await reader.query('SELECT pg_is_in_recovery() AS standby')).rows[0].standby).toBe(true);
    // The replica streams the row (asynchronously, as Aurora Replicas do).
    await expect.poll(async () => (await reader.query('SELECT count(*)::int AS n FROM items')).rows[0].n, { timeout: 2000 }).toBe(2);
    await expect(reader.query("INSERT INTO items VALUES (3, 'three')")).rejects.toMatchObject({ code: '25006' });
    // Each instance's own endpoint reaches that instance.
    const instances = (await rds.send(new DescribeDBInstancesCommand({ Filters: [{ Name: 'db-cluster-id', Values: ['rw'] }] }))).DBInstances!;
    for (const instance of instances) {
      const direct = await connect(instance.Endpoint!.Address!, instance.Endpoint!.Port!);
      const standby = (await direct.query('SELECT pg_is_in_recovery() AS standby')).rows[0].standby;
      expect(standby).toBe(instance.DBInstanceIdentifier !== writerOf(cluster));
      await direct.end();
    }
    await Promise.all([writer.end(), reader.end()]);
  });

  it('enforces the master password and changes it for real with ModifyDBCluster', async () => {
    const cluster = await createCluster(rds, 'creds', 1);
    await expect(connect(cluster.Endpoint!, cluster.Port!, 'master', 'wrong-password')).rejects.toMatchObject({ code: '28P01' });
    await rds.send(new ModifyDBClusterCommand({ DBClusterIdentifier: 'creds', MasterUserPassword: 'new-password2', ApplyImmediately: true }));
    await waitUntilDBClusterAvailable({ client: rds, ...wait }, { DBClusterIdentifier: 'creds' });
    await expect(connect(cluster.Endpoint!, cluster.Port!)).rejects.toMatchObject({ code: '28P01' });
    const client = await connect(cluster.Endpoint!, cluster.Port!, 'master', 'new-password2');
    expect((await client.query('SELECT current_database() AS db')).rows[0].db).toBe('app');
    await client.end();
  });

  it('fails over under a loop of writes without losing an acknowledged commit', async () => {
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
    const after = (await rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: 'fo' }))).DBClusters![0];
    expect(writerOf(after)).not.toBe(oldWriter);
    const check = await connect(after.Endpoint!, after.Port!);
    const { rows } = await check.query('SELECT id FROM ledger');
    const stored = new Set(rows.map((r) => r.id));
    expect(loop.acknowledged.length).toBeGreaterThan(20);
    expect(loop.acknowledged.filter((id) => !stored.has(id))).toEqual([]);
    await check.end();
    // The old writer is back as a streaming replica.
    const view = await dataPlaneView(emulator, 'fo');
    expect(view.instances.find((i) => i.instanceId === oldWriter)).toMatchObject({ role: 'replica', running: true });
    const events = (await rds.send(new DescribeEventsCommand({ SourceType: 'db-cluster', SourceIdentifier: 'fo' }))).Events!.map((e) => e.Message);
    expect(events.some((m) => /^Started (cross|same) AZ failover to DB instance: /.test(m!))).toBe(true);
    expect(events).toContain(`Completed failover to DB instance: ${writerOf(after)}.`);
  });

  it('fails over by itself when the writer process is killed with SIGKILL, losing no acknowledged commit', async () => {
    const cluster = await createCluster(rds, 'crash', 2);
    const setup = await connect(cluster.Endpoint!, cluster.Port!);
    await setup.query('CREATE TABLE ledger (id int PRIMARY KEY)');
    await setup.end();
    const oldWriter = writerOf(cluster);
    const loop = writeLoop(cluster.Endpoint!, cluster.Port!);
    await new Promise((r) => setTimeout(r, 300));
    const pid = (await dataPlaneView(emulator, 'crash')).instances.find((i) => i.instanceId === oldWriter)!.pid!;
    process.kill(pid, 'SIGKILL');
    await expect
      .poll(async () => writerOf((await rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: 'crash' }))).DBClusters![0]), { timeout: 30_000, interval: 200 })
      .not.toBe(oldWriter);
    await waitUntilDBClusterAvailable({ client: rds, ...wait }, { DBClusterIdentifier: 'crash' });
    await new Promise((r) => setTimeout(r, 300));
    await loop.stop();
    const check = await connect(cluster.Endpoint!, cluster.Port!);
    const stored = new Set((await check.query('SELECT id FROM ledger')).rows.map((r) => r.id));
    expect(loop.acknowledged.filter((id) => !stored.has(id))).toEqual([]);
    expect(stored.size).toBeGreaterThan(loop.acknowledged.length - 1);
    await check.end();
    await waitUntilDBInstanceAvailable({ client: rds, ...wait }, { DBInstanceIdentifier: oldWriter });
  });

  it('restarts a killed writer in place when the cluster has no replica', async () => {
    const cluster = await createCluster(rds, 'solo', 1);
    const client = await connect(cluster.Endpoint!, cluster.Port!);
    await client.query('CREATE TABLE kept (v text)');
    await client.query("INSERT INTO kept VALUES ('before the crash')");
    await client.end();
    const before = (await dataPlaneView(emulator, 'solo')).instances[0].pid!;
    process.kill(before, 'SIGKILL');
    await expect.poll(async () => (await dataPlaneView(emulator, 'solo')).instances[0].pid, { timeout: 30_000, interval: 100 }).not.toBe(before);
    await waitUntilDBInstanceAvailable({ client: rds, ...wait }, { DBInstanceIdentifier: 'solo-1' });
    const again = await connect(cluster.Endpoint!, cluster.Port!);
    expect((await again.query('SELECT v FROM kept')).rows).toEqual([{ v: 'before the crash' }]);
    await again.end();
  });

  it('reboots an instance for real (its sessions are dropped) and keeps its data', async () => {
    const cluster = await createCluster(rds, 'reboot', 1);
    const session = await connect(cluster.Endpoint!, cluster.Port!);
    await session.query('CREATE TABLE r (v int)');
    await session.query('INSERT INTO r VALUES (7)');
    const pid = (await dataPlaneView(emulator, 'reboot')).instances[0].pid;
    await rds.send(new RebootDBInstanceCommand({ DBInstanceIdentifier: 'reboot-1' }));
    await waitUntilDBInstanceAvailable({ client: rds, ...wait }, { DBInstanceIdentifier: 'reboot-1' });
    expect((await dataPlaneView(emulator, 'reboot')).instances[0].pid).not.toBe(pid);
    await expect(session.query('SELECT 1')).rejects.toThrow();
    const fresh = await connect(cluster.Endpoint!, cluster.Port!);
    expect((await fresh.query('SELECT v FROM r')).rows).toEqual([{ v: 7 }]);
    await fresh.end();
  });
});

describe('snapshots, restores, custom endpoints and lifecycle move real data and processes', () => {
  let emulator: Emulator;
  let rds: RDSClient;

  beforeAll(async () => {
    emulator = await startEmulator({ port: 0, dataPlane: 'postgres', delays: fast, log: () => {} });
    rds = clientFor(emulator);
  });
  afterAll(async () => {
    await emulator?.close();
  });

  async function addWriter(clusterId: string, instanceId: string) {
    await rds.send(new CreateDBInstanceCommand({ DBInstanceIdentifier: instanceId, DBClusterIdentifier: clusterId, Engine: 'aurora-postgresql', DBInstanceClass: 'db.r6g.large' }));
    await waitUntilDBInstanceAvailable({ client: rds, ...wait }, { DBInstanceIdentifier: instanceId });
    return (await rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: clusterId }))).DBClusters![0];
  }

  it('restores a snapshot with exactly the rows it was taken with; a point-in-time clone has the latest rows', async () => {
    const cluster = await createCluster(rds, 'snap', 1);
    const client = await connect(cluster.Endpoint!, cluster.Port!);
    await client.query("CREATE TABLE t (v text); INSERT INTO t VALUES ('before')");
    await rds.send(new CreateDBClusterSnapshotCommand({ DBClusterIdentifier: 'snap', DBClusterSnapshotIdentifier: 'snap-1' }));
    await client.query("INSERT INTO t VALUES ('after')");
    await client.end();
    await waitUntilDBClusterSnapshotAvailable({ client: rds, ...wait }, { DBClusterSnapshotIdentifier: 'snap-1' });

    await rds.send(new RestoreDBClusterFromSnapshotCommand({ DBClusterIdentifier: 'snap-restored', SnapshotIdentifier: 'snap-1', Engine: 'aurora-postgresql' }));
    const restored = await addWriter('snap-restored', 'snap-restored-1');
    const r = await connect(restored.Endpoint!, restored.Port!); // the snapshot's master credentials
    expect((await r.query('SELECT v FROM t ORDER BY v')).rows).toEqual([{ v: 'before' }]);
    await r.end();

    await rds.send(new RestoreDBClusterToPointInTimeCommand({ DBClusterIdentifier: 'snap-clone', SourceDBClusterIdentifier: 'snap', UseLatestRestorableTime: true, RestoreType: 'copy-on-write' }));
    const clone = await addWriter('snap-clone', 'snap-clone-1');
    const c = await connect(clone.Endpoint!, clone.Port!);
    expect((await c.query('SELECT v FROM t ORDER BY v')).rows).toEqual([{ v: 'after' }, { v: 'before' }]);
    await c.end();
    expect(clone.CloneGroupId).toBeTruthy();
  });

  it('keeps the data when the last instance is deleted, and in the final snapshot when the cluster is', async () => {
    const cluster = await createCluster(rds, 'vol', 1);
    const client = await connect(cluster.Endpoint!, cluster.Port!);
    await client.query("CREATE TABLE kept (v text); INSERT INTO kept VALUES ('volume')");
    await client.end();
    await rds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: 'vol-1' }));
    await waitUntilDBInstanceDeleted({ client: rds, ...wait }, { DBInstanceIdentifier: 'vol-1' });
    const again = await addWriter('vol', 'vol-2');
    const c = await connect(again.Endpoint!, again.Port!);
    expect((await c.query('SELECT v FROM kept')).rows).toEqual([{ v: 'volume' }]);
    await c.end();
    await rds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: 'vol-2' }));
    await waitUntilDBInstanceDeleted({ client: rds, ...wait }, { DBInstanceIdentifier: 'vol-2' });
    await rds.send(new DeleteDBClusterCommand({ DBClusterIdentifier: 'vol', FinalDBSnapshotIdentifier: 'vol-final' }));
    await waitUntilDBClusterDeleted({ client: rds, ...wait }, { DBClusterIdentifier: 'vol' });
    await waitUntilDBClusterSnapshotAvailable({ client: rds, ...wait }, { DBClusterSnapshotIdentifier: 'vol-final' });
    await rds.send(new RestoreDBClusterFromSnapshotCommand({ DBClusterIdentifier: 'vol-back', SnapshotIdentifier: 'vol-final', Engine: 'aurora-postgresql' }));
    const back = await addWriter('vol-back', 'vol-back-1');
    const b = await connect(back.Endpoint!, back.Port!);
    expect((await b.query('SELECT v FROM kept')).rows).toEqual([{ v: 'volume' }]);
    await b.end();
  });

  it('routes a READER custom endpoint to its static replica only, and an ANY endpoint over the writer and replicas', async () => {
    const cluster = await createCluster(rds, 'ce', 3);
    const instances = (await rds.send(new DescribeDBInstancesCommand({ Filters: [{ Name: 'db-cluster-id', Values: ['ce'] }] }))).DBInstances!;
    const address = new Map(instances.map((i) => [i.Endpoint!.Address!, i.DBInstanceIdentifier!]));
    const replica = instances.find((i) => i.DBInstanceIdentifier !== writerOf(cluster))!.DBInstanceIdentifier!;
    const reader = await rds.send(new CreateDBClusterEndpointCommand({ DBClusterIdentifier: 'ce', DBClusterEndpointIdentifier: 'ce-reports', EndpointType: 'READER', StaticMembers: [replica, writerOf(cluster)] }));
    const any = await rds.send(new CreateDBClusterEndpointCommand({ DBClusterIdentifier: 'ce', DBClusterEndpointIdentifier: 'ce-all', EndpointType: 'ANY' }));
    expect(reader.Endpoint).toMatch(/^127\./);
    const served = async (host: string) => {
      const client = await connect(host, cluster.Port!);
      const addr = (await client.query('SELECT host(inet_server_addr()) AS a')).rows[0].a as string;
      await client.end();
      return address.get(addr);
    };
    const viaReader = new Set<string | undefined>();
    const viaAny = new Set<string | undefined>();
    for (let i = 0; i < 6; i++) {
      viaReader.add(await served(reader.Endpoint!));
      viaAny.add(await served(any.Endpoint!));
    }
    expect([...viaReader]).toEqual([replica]); // the writer is a static member but never a reader
    expect(viaAny.size).toBe(3);
  });

  it('stops and starts the cluster servers with StopDBCluster and StartDBCluster', async () => {
    const cluster = await createCluster(rds, 'sleepy', 2);
    const client = await connect(cluster.Endpoint!, cluster.Port!);
    await client.query("CREATE TABLE s (v int); INSERT INTO s VALUES (1)");
    await client.end();
    const pids = (await dataPlaneView(emulator, 'sleepy')).instances.map((i) => i.pid!);
    await rds.send(new StopDBClusterCommand({ DBClusterIdentifier: 'sleepy' }));
    await expect.poll(async () => (await rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: 'sleepy' }))).DBClusters![0].Status, { timeout: 20_000 }).toBe('stopped');
    for (const pid of pids) expect(() => process.kill(pid, 0)).toThrow();
    await expect(connect(cluster.Endpoint!, cluster.Port!)).rejects.toThrow();
    await rds.send(new StartDBClusterCommand({ DBClusterIdentifier: 'sleepy' }));
    await waitUntilDBClusterAvailable({ client: rds, ...wait }, { DBClusterIdentifier: 'sleepy' });
    const again = await connect(cluster.Endpoint!, cluster.Port!);
    expect((await again.query('SELECT v FROM s')).rows).toEqual([{ v: 1 }]);
    await again.end();
  });
});

describe('data-plane faults make an instance failed, with the reason, and never crash the emulator', () => {
  it('reports missing PostgreSQL binaries on the instance and in its events', async () => {
    const emulator = await startEmulator({ port: 0, dataPlane: 'postgres', postgresBinDir: '/nonexistent/postgresql/bin', delays: fast, log: () => {} });
    try {
      const rds = clientFor(emulator);
      await rds.send(new CreateDBClusterCommand({ DBClusterIdentifier: 'nobin', Engine: 'aurora-postgresql', MasterUsername: 'master', MasterUserPassword: password }));
      await rds.send(new CreateDBInstanceCommand({ DBInstanceIdentifier: 'nobin-1', DBClusterIdentifier: 'nobin', Engine: 'aurora-postgresql', DBInstanceClass: 'db.r6g.large' }));
      await expect.poll(async () => (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'nobin-1' }))).DBInstances![0].DBInstanceStatus, { timeout: 10_000 }).toBe('failed');
      const events = (await rds.send(new DescribeEventsCommand({ SourceType: 'db-instance', SourceIdentifier: 'nobin-1' }))).Events!;
      expect(events.some((e) => e.Message!.includes('/nonexistent/postgresql/bin'))).toBe(true);
      // The API still answers.
      expect((await rds.send(new DescribeDBClustersCommand({}))).DBClusters!.map((c) => c.DBClusterIdentifier)).toEqual(['nobin']);
    } finally {
      await emulator.close();
    }
  });

  it.skipIf(process.getuid?.() !== 0)('reports a data directory PostgreSQL cannot use (root: the unprivileged server user cannot reach it)', async () => {
    const locked = await mkdtemp(join(tmpdir(), 'aurora-locked-')); // mode 700: closed to the server user
    const emulator = await startEmulator({ port: 0, dataPlane: 'postgres', dataDir: locked, delays: fast, log: () => {} });
    try {
      const rds = clientFor(emulator);
      await rds.send(new CreateDBClusterCommand({ DBClusterIdentifier: 'locked', Engine: 'aurora-postgresql', MasterUsername: 'master', MasterUserPassword: password }));
      await rds.send(new CreateDBInstanceCommand({ DBInstanceIdentifier: 'locked-1', DBClusterIdentifier: 'locked', Engine: 'aurora-postgresql', DBInstanceClass: 'db.r6g.large' }));
      await expect.poll(async () => (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'locked-1' }))).DBInstances![0].DBInstanceStatus, { timeout: 10_000 }).toBe('failed');
      const events = (await rds.send(new DescribeEventsCommand({ SourceType: 'db-instance', SourceIdentifier: 'locked-1' }))).Events!;
      expect(events.some((e) => e.Message!.includes('cannot reach the data root') && e.Message!.includes(locked))).toBe(true);
    } finally {
      await emulator.close();
      await rm(locked, { recursive: true, force: true });
    }
  });

  it('moves a cluster to another port when its port is taken, and reports the port that answers', async () => {
    const { createServer } = await import('node:net');
    const squatter = createServer();
    await new Promise<void>((resolve) => squatter.listen(0, '0.0.0.0', () => resolve()));
    const taken = (squatter.address() as { port: number }).port;
    const emulator = await startEmulator({ port: 0, dataPlane: 'postgres', delays: fast, log: () => {} });
    try {
      const rds = clientFor(emulator);
      await rds.send(new CreateDBClusterCommand({ DBClusterIdentifier: 'busy', Engine: 'aurora-postgresql', MasterUsername: 'master', MasterUserPassword: password, DatabaseName: 'app', Port: taken }));
      await rds.send(new CreateDBInstanceCommand({ DBInstanceIdentifier: 'busy-1', DBClusterIdentifier: 'busy', Engine: 'aurora-postgresql', DBInstanceClass: 'db.r6g.large' }));
      await waitUntilDBInstanceAvailable({ client: rds, ...wait }, { DBInstanceIdentifier: 'busy-1' });
      const cluster = (await rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: 'busy' }))).DBClusters![0];
      expect(cluster.Port).not.toBe(taken);
      const client = await connect(cluster.Endpoint!, cluster.Port!);
      expect((await client.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
      await client.end();
    } finally {
      await emulator.close();
      await new Promise<void>((resolve) => squatter.close(() => resolve()));
    }
  });
});

describe('a restart of the emulator brings every cluster back with its data', () => {
  let dataDir: string;
  let emulator: Emulator | undefined;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'aurora-restart-'));
    // As root, PostgreSQL runs as an unprivileged user that must be able to pass through.
    await chmod(dataDir, 0o711);
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
    await writer.query('CREATE TABLE notes (v text)');
    await writer.query("INSERT INTO notes VALUES ('survives')");
    await writer.end();
    await emulator.close();

    emulator = await startEmulator({ port: 0, dataPlane: 'postgres', dataDir, delays: fast, log: () => {} });
    rds = clientFor(emulator);
    const after = (await rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: 'durable' }))).DBClusters![0];
    expect([after.Endpoint, after.ReaderEndpoint, after.Port]).toEqual([cluster.Endpoint, cluster.ReaderEndpoint, cluster.Port]);
    const again = await connect(after.Endpoint!, after.Port!);
    expect((await again.query('SELECT v FROM notes')).rows).toEqual([{ v: 'survives' }]);
    await again.end();
    const reader = await connect(after.ReaderEndpoint!, after.Port!);
    expect((await reader.query('SELECT v FROM notes')).rows).toEqual([{ v: 'survives' }]);
    expect((await reader.query('SELECT pg_is_in_recovery() AS standby')).rows[0].standby).toBe(true);
    await reader.end();
  });
});
