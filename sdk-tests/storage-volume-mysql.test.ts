// The storage volume under aurora-mysql clusters, end to end through the SDK, mysql2 on the
// endpoints Describe returns, and the same /_aurora storage and fault routes as aurora-postgresql:
// commits wait for 4 of 6 segments (MariaDB semi-sync, acknowledged by the volume), recovery
// reads 3, a corrupted segment heals.
import { chmod, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import mysql from 'mysql2/promise';
import {
  BacktrackDBClusterCommand,
  DescribeDBClusterBacktracksCommand,
  RestoreDBClusterToPointInTimeCommand,
  CreateDBInstanceCommand,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  DescribeEventsCommand,
  RDSClient,
  RebootDBInstanceCommand,
  waitUntilDBClusterAvailable,
  waitUntilDBInstanceAvailable,
} from '@aws-sdk/client-rds';
import { startEmulator, type Emulator } from '../src/emulator.js';
import { startCli } from './helpers.js';
import { admin, clientFor, dataPlaneView, connectMysql as connect, createMysqlCluster as createCluster, fast, logSegments, settlesWithin, storage, wait, writerOf } from './dataPlaneHelpers.js';

const count = async (connection: mysql.Connection, sql: string) => Number(((await connection.query(sql))[0] as { n: number }[])[0]!.n);

const instances = async (emulator: Emulator, cluster: string) => (await dataPlaneView(emulator, cluster)).instances;

/** The volume's first base image is taken in the background once the writer runs: wait for it (it names its completion time). */
async function baseImageTaken(emulator: Emulator, cluster: string): Promise<number> {
  const dir = join(dirname((await instances(emulator, cluster))[0]!.dataDir), 'storage', 'base-images');
  let taken: number | undefined;
  await expect
    .poll(async () => (taken = (await readdir(dir).catch(() => [] as string[])).map((e) => Number(/^base-(\d+)$/.exec(e)?.[1])).find((n) => n > 0)), { timeout: 30_000, interval: 100 })
    .toBeGreaterThan(0);
  return taken!;
}

/** Waits into the next whole second after `after`: commits before return are before it, commits after, after it. */
async function nextSecond(after = Date.now()): Promise<Date> {
  const second = new Date(Math.ceil((after + 1) / 1000) * 1000);
  while (Date.now() < second.getTime() + 50) await new Promise((r) => setTimeout(r, 20));
  return second;
}

describe('the cluster volume of aurora-mysql: six segments, 4/6 commits, 3/6 recovery', () => {
  let emulator: Emulator;
  let rds: RDSClient;

  beforeAll(async () => {
    emulator = await startEmulator({ port: 0, dataPlane: 'postgres', delays: fast, log: (line) => (process.env.SHOW_LOG ? console.log(line) : undefined) });
    rds = clientFor(emulator);
  });
  afterAll(async () => {
    await admin(emulator, 'DELETE', '/_aurora/faults').catch(() => {});
    await emulator?.close();
  });

  it('places six segments, two per AZ, and makes the writer wait for them (semi-sync, AFTER_SYNC)', async () => {
    const cluster = await createCluster(rds, 'my-placed', 1);
    const connection = await connect(cluster.Endpoint!, cluster.Port!);
    await connection.query('CREATE TABLE t (id INT PRIMARY KEY)');
    for (let id = 1; id <= 10; id++) await connection.query('INSERT INTO t VALUES (?)', [id]);
    await expect.poll(async () => logSegments(await storage(emulator, 'my-placed')).every((s) => s.state === 'up' && s.durableLsn), { timeout: 10_000 }).toBe(true);
    const view = await storage(emulator, 'my-placed');
    for (const az of ['us-east-1a', 'us-east-1b', 'us-east-1c']) expect(logSegments(view).filter((s) => s.availabilityZone === az)).toHaveLength(2);
    expect(view).toMatchObject({ writeQuorum: true, readQuorum: true });
    const [status] = (await connection.query("SHOW GLOBAL STATUS WHERE Variable_name IN ('Rpl_semi_sync_master_status', 'Rpl_semi_sync_master_yes_tx', 'Rpl_semi_sync_master_clients')")) as unknown as [{ Variable_name: string; Value: string }[]];
    const values = Object.fromEntries(status.map((row) => [row.Variable_name, row.Value]));
    expect(values).toMatchObject({ Rpl_semi_sync_master_status: 'ON', Rpl_semi_sync_master_clients: '1' });
    expect(Number(values.Rpl_semi_sync_master_yes_tx)).toBeGreaterThanOrEqual(11);
    const [variables] = (await connection.query("SHOW GLOBAL VARIABLES LIKE 'rpl_semi_sync_master_wait_point'")) as unknown as [{ Value: string }[]];
    expect(variables[0]!.Value).toBe('AFTER_SYNC');
    await connection.end();
    // A reboot (a clean stop and start) attaches the volume again: rows kept, commits wait for it again.
    const pidBefore = (await instances(emulator, 'my-placed'))[0]!.pid;
    await rds.send(new RebootDBInstanceCommand({ DBInstanceIdentifier: 'my-placed-1' }));
    await expect.poll(async () => (await instances(emulator, 'my-placed'))[0]!.pid, { timeout: 30_000, interval: 100 }).not.toBe(pidBefore);
    await waitUntilDBInstanceAvailable({ client: rds, ...wait }, { DBInstanceIdentifier: 'my-placed-1' });
    const again = await connect(cluster.Endpoint!, cluster.Port!);
    await again.query('INSERT INTO t VALUES (11)');
    expect(await count(again, 'SELECT COUNT(*) AS n FROM t')).toBe(11);
    const [[semiSync]] = (await again.query("SHOW GLOBAL STATUS LIKE 'Rpl_semi_sync_master_status'")) as unknown as [{ Value: string }[]];
    expect(semiSync!.Value).toBe('ON');
    await again.end();
  });

  it('keeps committing through an AZ outage, waits with three segments down, resumes with nothing lost', async () => {
    const cluster = await createCluster(rds, 'my-azout', 1);
    const connection = await connect(cluster.Endpoint!, cluster.Port!);
    await connection.query('CREATE TABLE ledger (id INT PRIMARY KEY)');
    const az = await admin<{ faultId: string }>(emulator, 'POST', '/_aurora/faults', { type: 'az-outage', availabilityZone: 'us-east-1a' });
    expect(az.status).toBe(201);
    let view = await storage(emulator, 'my-azout');
    expect(logSegments(view).filter((s) => s.state === 'down').map((s) => s.availabilityZone)).toEqual(['us-east-1a', 'us-east-1a']);
    for (let id = 1; id <= 50; id++) await connection.query('INSERT INTO ledger VALUES (?)', [id]);
    const third = logSegments(view).find((s) => s.availabilityZone === 'us-east-1b')!;
    const node = await admin<{ faultId: string }>(emulator, 'POST', '/_aurora/faults', { type: 'node-outage', node: third.node });
    view = await storage(emulator, 'my-azout');
    expect(view).toMatchObject({ writeQuorum: false, readQuorum: true });
    const blocked = connection.query('INSERT INTO ledger VALUES (51)');
    expect(await settlesWithin(blocked, 1500)).toBe('pending');
    await admin(emulator, 'DELETE', `/_aurora/faults/${node.body.faultId}`);
    expect(await settlesWithin(blocked, 10_000)).toBe('settled');
    expect(await count(connection, 'SELECT COUNT(*) AS n FROM ledger')).toBe(51);
    const events = (await rds.send(new DescribeEventsCommand({ SourceType: 'db-cluster', SourceIdentifier: 'my-azout' }))).Events!.map((e) => e.Message);
    expect(events.some((m) => /lost its write quorum/.test(m!))).toBe(true);
    expect(events.some((m) => /write quorum again/.test(m!))).toBe(true);
    await admin(emulator, 'DELETE', `/_aurora/faults/${az.body.faultId}`);
    // The AZ's segments catch up from their peers.
    await expect.poll(async () => logSegments(await storage(emulator, 'my-azout')).every((s) => s.state === 'up'), { timeout: 10_000 }).toBe(true);
    await connection.end();
  });

  it('fails over a killed writer during an AZ outage plus one: a replica that missed commits gets them from 3 segments', async () => {
    const cluster = await createCluster(rds, 'my-azfo', 2);
    const setup = await connect(cluster.Endpoint!, cluster.Port!);
    await setup.query('CREATE TABLE ledger (id INT PRIMARY KEY)');
    await setup.end();
    const az = await admin<{ faultId: string }>(emulator, 'POST', '/_aurora/faults', { type: 'az-outage', availabilityZone: 'us-east-1b' });
    // The replica stops replicating (as the emulator's admin, which the master user is not): it will lack everything below.
    const replicaId = cluster.DBClusterMembers!.find((m) => !m.IsClusterWriter)!.DBInstanceIdentifier!;
    const replica = (await instances(emulator, 'my-azfo')).find((i) => i.instanceId === replicaId)!;
    const replicaAdmin = JSON.parse(await readFile(join(replica.dataDir, 'aurora_local_admin.json'), 'utf8')) as { user: string; password: string };
    const adminSession = await mysql.createConnection({ host: replica.host, port: replica.port, user: replicaAdmin.user, password: replicaAdmin.password });
    await adminSession.query('STOP SLAVE');
    await adminSession.end();
    const writer = await connect(cluster.Endpoint!, cluster.Port!);
    const acknowledged: number[] = [];
    for (let id = 1; id <= 200; id++) {
      await writer.query('INSERT INTO ledger VALUES (?)', [id]);
      acknowledged.push(id);
    }
    await writer.end();
    // AZ + 1: three segments left, enough to recover from, not to write.
    const extra = logSegments(await storage(emulator, 'my-azfo')).find((s) => s.state === 'up')!;
    const node = await admin<{ faultId: string }>(emulator, 'POST', '/_aurora/faults', { type: 'node-outage', node: extra.node });
    expect((await storage(emulator, 'my-azfo')).readQuorum).toBe(true);
    const writerPid = (await instances(emulator, 'my-azfo')).find((i) => i.instanceId === writerOf(cluster))!.pid!;
    process.kill(writerPid, 'SIGKILL');
    await expect
      .poll(async () => writerOf((await rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: 'my-azfo' }))).DBClusters![0]!), { timeout: 30_000, interval: 200 })
      .toBe(replicaId);
    await waitUntilDBClusterAvailable({ client: rds, ...wait }, { DBClusterIdentifier: 'my-azfo' });
    const check = await connect(replica.host, replica.port);
    const [rows] = (await check.query('SELECT id FROM ledger')) as unknown as [{ id: number }[]];
    const stored = new Set(rows.map((r) => r.id));
    expect(acknowledged.filter((id) => !stored.has(id))).toEqual([]);
    // With the node back (4 of 6) the new writer commits.
    await admin(emulator, 'DELETE', `/_aurora/faults/${node.body.faultId}`);
    const after = await connect(cluster.Endpoint!, cluster.Port!);
    expect(await settlesWithin(after.query('INSERT INTO ledger VALUES (1000)'), 10_000)).toBe('settled');
    await admin(emulator, 'DELETE', `/_aurora/faults/${az.body.faultId}`);
    await Promise.all([check.end(), after.end()]);
  });

  it('cannot recover a crashed writer with 4 segments down: failed with the reason, restarted when segments return', async () => {
    const cluster = await createCluster(rds, 'my-noread', 1);
    const connection = await connect(cluster.Endpoint!, cluster.Port!);
    await connection.query('CREATE TABLE kept (id INT)');
    await connection.query('INSERT INTO kept VALUES (1), (2)');
    await connection.end();
    const a = await admin<{ faultId: string }>(emulator, 'POST', '/_aurora/faults', { type: 'az-outage', availabilityZone: 'us-east-1a' });
    const b = await admin<{ faultId: string }>(emulator, 'POST', '/_aurora/faults', { type: 'az-outage', availabilityZone: 'us-east-1b' });
    expect(await storage(emulator, 'my-noread')).toMatchObject({ writeQuorum: false, readQuorum: false });
    process.kill((await instances(emulator, 'my-noread'))[0]!.pid!, 'SIGKILL');
    const instance = async () => (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'my-noread-1' }))).DBInstances![0]!;
    await expect.poll(async () => (await instance()).DBInstanceStatus, { timeout: 15_000, interval: 200 }).toBe('failed');
    const events = (await rds.send(new DescribeEventsCommand({ SourceType: 'db-instance', SourceIdentifier: 'my-noread-1' }))).Events!.map((e) => e.Message!);
    expect(events.some((m) => /Recovery needs the log of at least 3 of 6 segments; 2 available/.test(m))).toBe(true);
    await admin(emulator, 'DELETE', `/_aurora/faults/${b.body.faultId}`);
    await expect.poll(async () => (await instance()).DBInstanceStatus, { timeout: 20_000, interval: 200 }).toBe('available');
    const again = await connect(cluster.Endpoint!, cluster.Port!);
    expect(await count(again, 'SELECT COUNT(*) AS n FROM kept')).toBe(2);
    await again.query('INSERT INTO kept VALUES (3)');
    await again.end();
    await admin(emulator, 'DELETE', `/_aurora/faults/${a.body.faultId}`);
  });

  it('detects a corrupted segment by its checksum and heals it from its peers', async () => {
    const cluster = await createCluster(rds, 'my-heal', 1);
    const connection = await connect(cluster.Endpoint!, cluster.Port!);
    await connection.query('CREATE TABLE t (id INT PRIMARY KEY, pad VARCHAR(250))');
    for (let batch = 0; batch < 20; batch++) {
      const values = Array.from({ length: 100 }, (_, i) => [batch * 100 + i, 'x'.repeat(200)]);
      await connection.query('INSERT INTO t VALUES ?', [values]);
    }
    const corrupt = await admin<{ faultId: string }>(emulator, 'POST', '/_aurora/faults', { type: 'corrupt-segment', cluster: 'my-heal', protectionGroup: 0, segment: 4 });
    expect(corrupt.status).toBe(201);
    await expect.poll(async () => (await storage(emulator, 'my-heal')).repairs.length, { timeout: 40_000, interval: 250 }).toBeGreaterThan(0);
    const view = await storage(emulator, 'my-heal');
    expect(view.repairs[0]).toMatchObject({ kinds: ['corrupt-chunks'] });
    expect(view.repairs[0]!.segment).toMatch(/^segment 4 /);
    const events = (await rds.send(new DescribeEventsCommand({ SourceType: 'db-cluster', SourceIdentifier: 'my-heal' }))).Events!.map((e) => e.Message!);
    expect(events.some((m) => /segment 4 .* failed its checksum/.test(m))).toBe(true);
    await connection.query('INSERT INTO t VALUES (99999, NULL)');
    await connection.end();
  });

  it('restores to a point in time: a base image plus the volume log up to that second, exactly the rows committed before it', async () => {
    const cluster = await createCluster(rds, 'my-pitr', 1);
    const taken = await baseImageTaken(emulator, 'my-pitr');
    const connection = await connect(cluster.Endpoint!, cluster.Port!);
    await connection.query('CREATE TABLE ledger (id INT PRIMARY KEY)');
    for (let id = 1; id <= 40; id++) await connection.query('INSERT INTO ledger VALUES (?)', [id]);
    const target = await nextSecond(Math.max(Date.now(), taken));
    for (let id = 41; id <= 60; id++) await connection.query('INSERT INTO ledger VALUES (?)', [id]);
    await connection.query('DROP TABLE ledger');
    await connection.end();
    await new Promise((r) => setTimeout(r, 1100)); // LatestRestorableTime trails by a second
    await rds.send(new RestoreDBClusterToPointInTimeCommand({ DBClusterIdentifier: 'my-pitr-restored', SourceDBClusterIdentifier: 'my-pitr', RestoreToTime: target }));
    await rds.send(new CreateDBInstanceCommand({ DBInstanceIdentifier: 'my-pitr-restored-1', DBClusterIdentifier: 'my-pitr-restored', Engine: 'aurora-mysql', DBInstanceClass: 'db.r6g.large' }));
    await waitUntilDBInstanceAvailable({ client: rds, ...wait }, { DBInstanceIdentifier: 'my-pitr-restored-1' });
    const restored = (await rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: 'my-pitr-restored' }))).DBClusters![0]!;
    const check = await connect(restored.Endpoint!, restored.Port!);
    const [rows] = (await check.query('SELECT id FROM ledger ORDER BY id')) as unknown as [{ id: number }[]];
    expect(rows.map((r) => r.id)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    // The restored cluster is a writer of its own, with a volume of its own.
    await check.query('INSERT INTO ledger VALUES (1000)');
    await check.end();
  });

  it('backtracks across DDL by rebuilding from the volume: tables, columns and rows as they were at that second', async () => {
    const cluster = await createCluster(rds, 'my-btddl', 2, { BacktrackWindow: 3600 });
    const taken = await baseImageTaken(emulator, 'my-btddl');
    const connection = await connect(cluster.Endpoint!, cluster.Port!);
    await connection.query('CREATE TABLE accounts (id INT PRIMARY KEY, balance INT)');
    for (let id = 1; id <= 5; id++) await connection.query('INSERT INTO accounts VALUES (?, ?)', [id, id * 100]);
    const target = await nextSecond(Math.max(Date.now(), taken));
    await connection.query('ALTER TABLE accounts ADD COLUMN note VARCHAR(20)');
    await connection.query('CREATE TABLE audit (id INT)');
    await connection.query('INSERT INTO audit VALUES (1), (2)');
    await connection.query('UPDATE accounts SET balance = 0');
    await connection.query('DELETE FROM accounts WHERE id = 5');
    await connection.end();
    const started = await rds.send(new BacktrackDBClusterCommand({ DBClusterIdentifier: 'my-btddl', BacktrackTo: target }));
    await expect
      .poll(async () => (await rds.send(new DescribeDBClusterBacktracksCommand({ DBClusterIdentifier: 'my-btddl', BacktrackIdentifier: started.BacktrackIdentifier }))).DBClusterBacktracks![0]!.Status, { timeout: 60_000, interval: 200 })
      .toBe('completed');
    await waitUntilDBClusterAvailable({ client: rds, ...wait }, { DBClusterIdentifier: 'my-btddl' });
    const after = await connect(cluster.Endpoint!, cluster.Port!);
    const [rows] = (await after.query('SELECT * FROM accounts ORDER BY id')) as unknown as [Record<string, unknown>[]];
    expect(rows).toEqual([1, 2, 3, 4, 5].map((id) => ({ id, balance: id * 100 })));
    const [tables] = (await after.query("SHOW TABLES LIKE 'audit'")) as unknown as [unknown[]];
    expect(tables).toEqual([]);
    expect((await rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: 'my-btddl' }))).DBClusters![0]!.BacktrackConsumedChangeRecords).toBeGreaterThan(0);
    // Writes go on, the replica was rebuilt with the writer and replicates them.
    await after.query('INSERT INTO accounts VALUES (6, 600)');
    await after.end();
    const reader = await connect(cluster.ReaderEndpoint!, cluster.Port!);
    await expect.poll(async () => count(reader, 'SELECT COUNT(*) AS n FROM accounts'), { timeout: 10_000 }).toBe(6);
    await reader.end();
  });
});

describe('aurora-mysql autoscaling and metrics under the scale option (512 real bytes count as a GiB)', () => {
  let emulator: Emulator;
  let rds: RDSClient;

  beforeAll(async () => {
    emulator = await startEmulator({ port: 0, dataPlane: 'postgres', delays: fast, storage: { bytesPerGiB: 512 }, log: () => {} });
    rds = clientFor(emulator);
  });
  afterAll(async () => {
    await emulator?.close();
  });

  it('grows with the data, refuses new writes at 128 TiB with storage-full, recovers when data is dropped, and reports metrics', async () => {
    const cluster = await createCluster(rds, 'my-grow', 1);
    const connection = await connect(cluster.Endpoint!, cluster.Port!);
    await connection.query('CREATE TABLE big (id INT AUTO_INCREMENT PRIMARY KEY, pad VARCHAR(1000))');
    const fill = async (rows: number) => {
      for (let done = 0; done < rows; done += 1000) await connection.query('INSERT INTO big (pad) SELECT REPEAT(MD5(seq), 30) FROM seq_1_to_1000');
      await connection.query('ANALYZE TABLE big'); // InnoDB's size statistics, now rather than when it gets round to it
    };
    const view = () => storage(emulator, 'my-grow');
    await expect.poll(async () => (await view()).volumeBytesUsed, { timeout: 20_000 }).toBeGreaterThan(0);
    const before = await view();
    await fill(4000);
    await expect.poll(async () => (await view()).allocatedBytes, { timeout: 20_000 }).toBeGreaterThan(before.allocatedBytes + 1024 ** 4);
    // Past 128 TiB (64 MiB real).
    await fill(70_000);
    await expect.poll(async () => (await view()).storageFull, { timeout: 20_000 }).toBe(true);
    expect((await view()).allocatedBytes).toBe(128 * 1024 ** 4);
    await expect
      .poll(async () => (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'my-grow-1' }))).DBInstances![0]!.DBInstanceStatus, { timeout: 20_000 })
      .toBe('storage-full');
    // The session that filled it writes no more either: it was ended (MariaDB would keep its login-time setting).
    await expect(connection.query("INSERT INTO big (pad) VALUES ('more')")).rejects.toThrow();
    const late = await connect(cluster.Endpoint!, cluster.Port!);
    await expect(late.query("INSERT INTO big (pad) VALUES ('more')")).rejects.toThrow(/READ ONLY transaction/);
    // A session may still drop data: writes come back.
    await late.query('SET SESSION TRANSACTION READ WRITE');
    await late.query('DROP TABLE big');
    await expect
      .poll(async () => (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'my-grow-1' }))).DBInstances![0]!.DBInstanceStatus, { timeout: 20_000 })
      .toBe('available');
    const fresh = await connect(cluster.Endpoint!, cluster.Port!);
    await fresh.query('CREATE TABLE again (id INT)');
    await fresh.query('INSERT INTO again VALUES (1)');
    // Metrics: the volume's part of each commit, its size, its health.
    const metrics = (await admin<any>(emulator, 'GET', '/_aurora/clusters/my-grow/metrics')).body;
    expect(metrics.quorumWriteLatencyMs.samples).toBeGreaterThan(0);
    expect(metrics.quorumWriteLatencyMs.p50).toBeGreaterThan(0);
    expect(metrics.VolumeBytesUsed).toBeGreaterThan(0);
    expect(metrics).toMatchObject({ writeQuorum: true, readQuorum: true });
    connection.destroy();
    await Promise.all([late.end(), fresh.end()]);
  });
});

describe('kill -9 of the emulator under a loop of aurora-mysql writes', () => {
  let dir: string | undefined;
  afterAll(async () => {
    if (!dir) return;
    // The MariaDB servers outlive a killed emulator (their own process group): stop any left, by pid.
    for (const entry of await readdir('/proc').catch(() => [] as string[])) {
      if (!/^\d+$/.test(entry)) continue;
      const command = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
      if (command.includes('mariadbd') && command.includes(dir)) process.kill(Number(entry), 'SIGKILL');
    }
    await rm(dir, { recursive: true, force: true });
  });

  it('loses no acknowledged row: after the restart the volume and the writer go on where they were', async () => {
    dir = await mkdtemp(join(tmpdir(), 'aurora-local-kill-'));
    await chmod(dir, 0o711); // the servers run unprivileged and must reach their directories
    const cli = await startCli(dir, ['--data-plane', 'postgres']);
    const rds = new RDSClient({ endpoint: cli.url, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
    const cluster = await createCluster(rds, 'my-kill', 1);
    const setup = await connect(cluster.Endpoint!, cluster.Port!);
    await setup.query('CREATE TABLE ledger (id INT PRIMARY KEY)');
    await setup.end();
    // Inserts one by one; the emulator is killed while they run.
    const acknowledged: number[] = [];
    let stop = false;
    const loop = (async () => {
      let session: Awaited<ReturnType<typeof connect>> | undefined;
      for (let id = 1; !stop; id++) {
        try {
          session ??= await connect(cluster.Endpoint!, cluster.Port!);
          await session.query({ sql: 'INSERT INTO ledger VALUES (?)', timeout: 5000 }, [id]);
          acknowledged.push(id);
        } catch {
          session?.destroy();
          session = undefined;
          await new Promise((r) => setTimeout(r, 20));
        }
      }
      session?.destroy();
    })();
    await expect.poll(() => acknowledged.length, { timeout: 30_000, interval: 20 }).toBeGreaterThan(150);
    process.kill(cli.child.pid!, 'SIGKILL');
    expect((await cli.exited).signal).toBe('SIGKILL');
    stop = true;
    await loop;

    const restarted = await startCli(dir, ['--data-plane', 'postgres']);
    try {
      const again = new RDSClient({ endpoint: restarted.url, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
      await waitUntilDBInstanceAvailable({ client: again, ...wait }, { DBInstanceIdentifier: 'my-kill-1' });
      const check = await connect(cluster.Endpoint!, cluster.Port!);
      const [rows] = (await check.query('SELECT id FROM ledger')) as unknown as [{ id: number }[]];
      const stored = new Set(rows.map((r) => r.id));
      expect(acknowledged.filter((id) => !stored.has(id))).toEqual([]);
      // Commits wait for the volume again, which took up the log where it was.
      await check.query('INSERT INTO ledger VALUES (1000000)');
      const [[semiSync]] = (await check.query("SHOW GLOBAL STATUS LIKE 'Rpl_semi_sync_master_status'")) as unknown as [{ Value: string }[]];
      expect(semiSync!.Value).toBe('ON');
      await check.end();
      const view = (await (await fetch(`${restarted.url}/_aurora/storage?cluster=my-kill`)).json()) as { writeQuorum: boolean };
      expect(view.writeQuorum).toBe(true);
    } finally {
      process.kill(restarted.child.pid!, 'SIGTERM');
      expect((await restarted.exited).code).toBe(0);
    }
  });
});
