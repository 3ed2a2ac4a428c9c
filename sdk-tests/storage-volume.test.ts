// Issue 5 end to end: the storage volume under a real aurora-postgresql cluster, driven
// through the SDK, the endpoints Describe returns, and the /_aurora storage and fault routes.
// Six segments, two per AZ; commits need 4; recovery reads 3; corruption heals; the volume
// grows and fills under the scale option.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  CreateDBInstanceCommand,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  DescribeEventsCommand,
  RDSClient,
  RestoreDBClusterToPointInTimeCommand,
  waitUntilDBClusterAvailable,
  waitUntilDBInstanceAvailable,
} from '@aws-sdk/client-rds';
import { startEmulator, type Emulator } from '../src/emulator.js';
import { main } from '../src/cli.js';
import { admin, clientFor, connect, createCluster, dataPlaneView, fast, logSegments, settlesWithin, storage, wait, writerOf, type StorageView } from './dataPlaneHelpers.js';


describe('the cluster volume: six segments in three AZs, 4/6 writes, 3/6 recovery', () => {
  let emulator: Emulator;
  const volumeLog: string[] = [];
  let rds: RDSClient;

  beforeAll(async () => {
    emulator = await startEmulator({
      port: 0,
      dataPlane: 'postgres',
      delays: fast,
      log: (line) => {
        if (line.includes('[volume')) volumeLog.push(line);
        if (process.env.SHOW_LOG) console.log(line);
      },
    });
    rds = clientFor(emulator);
  });
  afterAll(async () => {
    await admin(emulator, 'DELETE', '/_aurora/faults').catch(() => {});
    await emulator?.close();
  });

  it('places six segments, two per AZ on distinct nodes, and shows their durable LSNs', async () => {
    const cluster = await createCluster(rds, 'placed', 1);
    const client = await connect(cluster.Endpoint!, cluster.Port!);
    await client.query('CREATE TABLE t (id int)');
    await client.query('INSERT INTO t SELECT generate_series(1, 100)');
    await client.end();
    // All six streaming (on a busy machine one may still be connecting for a moment).
    await expect.poll(async () => logSegments(await storage(emulator, 'placed')).every((s) => s.state === 'up' && s.durableLsn), { timeout: 10_000 }).toBe(true);
    const view = await storage(emulator, 'placed');
    const segments = logSegments(view);
    expect(segments).toHaveLength(6);
    for (const az of ['us-east-1a', 'us-east-1b', 'us-east-1c']) {
      const inAz = segments.filter((s) => s.availabilityZone === az);
      expect(inAz).toHaveLength(2);
      expect(new Set(inAz.map((s) => s.node)).size).toBe(2);
    }
    expect(segments.every((s) => s.state === 'up' && s.durableLsn)).toBe(true);
    expect(view).toMatchObject({ writeQuorum: true, readQuorum: true, storageFull: false });
    expect(view.vdl).toMatch(/^[0-9A-F]+\/[0-9A-F]+$/);
    expect(view.volumeBytesUsed).toBeGreaterThan(0);
    expect(view.allocatedBytes % (10 * 1024 ** 3)).toBe(0);
    // The writer really waits for the segments: they are its quorum.
    const writer = await connect(cluster.Endpoint!, cluster.Port!);
    const { rows } = await writer.query(`SHOW synchronous_standby_names`);
    expect(rows[0].synchronous_standby_names).toMatch(/^ANY 4 \(/);
    await writer.end();
  });

  it('answers bad faults with 400, unknown clusters with 404, and lists and heals faults', async () => {
    expect((await admin(emulator, 'POST', '/_aurora/faults', { type: 'meteor' })).status).toBe(400);
    expect((await admin(emulator, 'POST', '/_aurora/faults', { type: 'az-outage', availabilityZone: 'us-east-1z' })).status).toBe(400);
    expect((await admin(emulator, 'POST', '/_aurora/faults', { type: 'node-outage', node: 'nope' })).status).toBe(400);
    expect((await admin(emulator, 'POST', '/_aurora/faults', { type: 'latency', node: 'us-east-1a-sn1', ms: -3 })).status).toBe(400);
    expect((await admin(emulator, 'POST', '/_aurora/faults', { type: 'corrupt-segment', cluster: 'nope', protectionGroup: 0, segment: 1 })).status).toBe(400);
    const malformed = await fetch(`${emulator.url}/_aurora/faults`, { method: 'POST', body: '{not json' });
    expect(malformed.status).toBe(400);
    expect((await admin(emulator, 'GET', '/_aurora/storage?cluster=nope')).status).toBe(404);
    const added = await admin<{ faultId: string }>(emulator, 'POST', '/_aurora/faults', { type: 'latency', node: 'us-east-1c-sn3', ms: 5 });
    expect(added.status).toBe(201);
    const listed = await admin<{ faults: { faultId: string; type: string }[] }>(emulator, 'GET', '/_aurora/faults');
    expect(listed.body.faults).toContainEqual(expect.objectContaining({ faultId: added.body.faultId, type: 'latency' }));
    expect((await admin(emulator, 'DELETE', `/_aurora/faults/${added.body.faultId}`)).status).toBe(200);
    expect((await admin(emulator, 'DELETE', `/_aurora/faults/${added.body.faultId}`)).status).toBe(404);
  });

  it('keeps committing through an AZ outage, waits with three segments down, resumes with nothing lost', async () => {
    const cluster = await createCluster(rds, 'azout', 1);
    const client = await connect(cluster.Endpoint!, cluster.Port!);
    await client.query('CREATE TABLE ledger (id int PRIMARY KEY)');
    const az = await admin<{ faultId: string }>(emulator, 'POST', '/_aurora/faults', { type: 'az-outage', availabilityZone: 'us-east-1a' });
    expect(az.status).toBe(201);
    let view = await storage(emulator, 'azout');
    expect(logSegments(view).filter((s) => s.state === 'down').map((s) => s.availabilityZone)).toEqual(['us-east-1a', 'us-east-1a']);
    expect(view.writeQuorum).toBe(true);
    for (let id = 1; id <= 50; id++) await client.query('INSERT INTO ledger VALUES ($1)', [id]);
    // One more segment down (in AZ b): 3 of 6 left, below the write quorum.
    const third = logSegments(view).find((s) => s.availabilityZone === 'us-east-1b')!;
    const node = await admin<{ faultId: string }>(emulator, 'POST', '/_aurora/faults', { type: 'node-outage', node: third.node });
    view = await storage(emulator, 'azout');
    expect(view).toMatchObject({ writeQuorum: false, readQuorum: true });
    const blocked = client.query('INSERT INTO ledger VALUES (51)');
    expect(await settlesWithin(blocked, 1500)).toBe('pending');
    const other = await connect(cluster.Endpoint!, cluster.Port!);
    expect((await other.query('SELECT count(*)::int AS n FROM ledger WHERE id = 51')).rows[0].n).toBe(0);
    await admin(emulator, 'DELETE', `/_aurora/faults/${node.body.faultId}`);
    expect(await settlesWithin(blocked, 10_000)).toBe('settled');
    expect((await other.query('SELECT count(*)::int AS n FROM ledger')).rows[0].n).toBe(51);
    const events = (await rds.send(new DescribeEventsCommand({ SourceType: 'db-cluster', SourceIdentifier: 'azout' }))).Events!.map((e) => e.Message);
    expect(events.some((m) => /lost its write quorum/.test(m!))).toBe(true);
    expect(events.some((m) => /write quorum again/.test(m!))).toBe(true);
    await admin(emulator, 'DELETE', `/_aurora/faults/${az.body.faultId}`);
    await expect.poll(async () => logSegments(await storage(emulator, 'azout')).every((s) => s.state === 'up'), { timeout: 10_000 }).toBe(true);
    await Promise.all([client.end(), other.end()]);
  });

  it('fails over during an AZ outage plus one more segment down, and loses no acknowledged commit', async () => {
    const cluster = await createCluster(rds, 'azfo', 2);
    const setup = await connect(cluster.Endpoint!, cluster.Port!);
    await setup.query('CREATE TABLE ledger (id int PRIMARY KEY)');
    await setup.end();
    const az = await admin<{ faultId: string }>(emulator, 'POST', '/_aurora/faults', { type: 'az-outage', availabilityZone: 'us-east-1b' });
    // A replica that has fallen behind: what it lacks must come from the segments.
    const replica = cluster.DBClusterMembers!.find((m) => !m.IsClusterWriter)!.DBInstanceIdentifier!;
    const replicaEndpoint = (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: replica }))).DBInstances![0]!.Endpoint!;
    const replicaClient = await connect(replicaEndpoint.Address!, replicaEndpoint.Port!);
    // It stops streaming from the writer (its WAL receiver goes): it will lag by everything below.
    await replicaClient.query(`ALTER SYSTEM SET primary_conninfo = ''`);
    await replicaClient.query('SELECT pg_reload_conf()');
    const writer = await connect(cluster.Endpoint!, cluster.Port!);
    const acknowledged: number[] = [];
    for (let id = 1; id <= 200; id++) {
      await writer.query('INSERT INTO ledger VALUES ($1)', [id]);
      acknowledged.push(id);
    }
    // AZ + 1: three segments left, enough to recover from, not to write.
    const view = await storage(emulator, 'azfo');
    const extra = logSegments(view).find((s) => s.state === 'up')!;
    const node = await admin<{ faultId: string }>(emulator, 'POST', '/_aurora/faults', { type: 'node-outage', node: extra.node });
    expect((await storage(emulator, 'azfo')).readQuorum).toBe(true);
    const pid = (await dataPlaneView(emulator, 'azfo')).instances.find((i) => i.instanceId === writerOf(cluster))!.pid!;
    await writer.end();
    await replicaClient.end();
    process.kill(pid, 'SIGKILL');
    await expect
      .poll(async () => writerOf((await rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: 'azfo' }))).DBClusters![0]!), { timeout: 30_000, interval: 200 })
      .toBe(replica);
    await waitUntilDBClusterAvailable({ client: rds, ...wait }, { DBClusterIdentifier: 'azfo' });
    // Recovered from three segments: every acknowledged row is on the new writer (read it on the replica endpoint: writes wait for quorum).
    const check = await connect(replicaEndpoint.Address!, replicaEndpoint.Port!);
    const stored = new Set((await check.query('SELECT id FROM ledger')).rows.map((r) => r.id));
    expect(acknowledged.filter((id) => !stored.has(id))).toEqual([]);
    // With the node back (4 of 6), the new writer commits.
    await admin(emulator, 'DELETE', `/_aurora/faults/${node.body.faultId}`);
    const after = await connect(cluster.Endpoint!, cluster.Port!);
    expect(await settlesWithin(after.query('INSERT INTO ledger VALUES (1000)'), 10_000)).toBe('settled');
    await admin(emulator, 'DELETE', `/_aurora/faults/${az.body.faultId}`);
    await Promise.all([check.end(), after.end()]);
  });

  it('cannot recover a crashed writer with 4 segments down: failed with the reason, restarted when segments return', async () => {
    const cluster = await createCluster(rds, 'noread', 1);
    const client = await connect(cluster.Endpoint!, cluster.Port!);
    await client.query('CREATE TABLE kept (id int)');
    await client.query('INSERT INTO kept VALUES (1), (2)');
    await client.end();
    const a = await admin<{ faultId: string }>(emulator, 'POST', '/_aurora/faults', { type: 'az-outage', availabilityZone: 'us-east-1a' });
    const b = await admin<{ faultId: string }>(emulator, 'POST', '/_aurora/faults', { type: 'az-outage', availabilityZone: 'us-east-1b' });
    expect(await storage(emulator, 'noread')).toMatchObject({ writeQuorum: false, readQuorum: false });
    const pid = (await dataPlaneView(emulator, 'noread')).instances[0]!.pid!;
    process.kill(pid, 'SIGKILL');
    const instance = async () => (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'noread-1' }))).DBInstances![0]!;
    await expect.poll(async () => (await instance()).DBInstanceStatus, { timeout: 15_000, interval: 200 }).toBe('failed');
    const events = async (type: 'db-instance' | 'db-cluster', id: string) =>
      (await rds.send(new DescribeEventsCommand({ SourceType: type, SourceIdentifier: id }))).Events!.map((e) => e.Message!);
    expect((await events('db-instance', 'noread-1')).some((m) => /Recovery needs the log of at least 3 of 6 segments; 2 available/.test(m))).toBe(true);
    expect((await events('db-cluster', 'noread')).some((m) => /cannot recover: 2 of 6 segments reachable, 3 needed/.test(m))).toBe(true);
    // One AZ back: 4 segments, the writer recovers by itself, with its rows.
    await admin(emulator, 'DELETE', `/_aurora/faults/${b.body.faultId}`);
    await expect.poll(async () => (await instance()).DBInstanceStatus, { timeout: 20_000, interval: 200 }).toBe('available');
    const again = await connect(cluster.Endpoint!, cluster.Port!);
    expect((await again.query('SELECT count(*)::int AS n FROM kept')).rows[0].n).toBe(2);
    await again.query('INSERT INTO kept VALUES (3)');
    await again.end();
    await admin(emulator, 'DELETE', `/_aurora/faults/${a.body.faultId}`);
  });

  it('detects a corrupted segment by its checksum, heals it from peers and records the repair', async () => {
    const cluster = await createCluster(rds, 'heal', 1);
    const client = await connect(cluster.Endpoint!, cluster.Port!);
    await client.query('CREATE TABLE t (id int, pad text)');
    await client.query("INSERT INTO t SELECT g, repeat('x', 200) FROM generate_series(1, 2000) g");
    const corrupt = await admin<{ faultId: string }>(emulator, 'POST', '/_aurora/faults', { type: 'corrupt-segment', cluster: 'heal', protectionGroup: 0, segment: 2 });
    expect(corrupt.status).toBe(201);
    // The scrubber passes once a second; on a loaded machine its reads wait behind the segments' fsyncs.
    for (const deadline = Date.now() + 40_000; (await storage(emulator, 'heal')).repairs.length === 0; ) {
      if (Date.now() > deadline) {
        throw new Error(`no repair within 40 s\nsegments: ${JSON.stringify(logSegments(await storage(emulator, 'heal')))}\nvolume log:\n${volumeLog.slice(-20).join('\n')}`);
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    const view = await storage(emulator, 'heal');
    expect(view.repairs[0]).toMatchObject({ kinds: ['corrupt-chunks'] });
    expect(view.repairs[0]!.segment).toMatch(/^segment 2 /);
    expect(view.repairs[0]!.bytesCopied).toBeGreaterThan(0);
    // Healthy again (it may trail its peers for a moment on a busy machine).
    await expect.poll(async () => logSegments(await storage(emulator, 'heal'))[2]!.state, { timeout: 10_000 }).toBe('up');
    const events = (await rds.send(new DescribeEventsCommand({ SourceType: 'db-cluster', SourceIdentifier: 'heal' }))).Events!.map((e) => e.Message!);
    expect(events.some((m) => /segment 2 .* failed its checksum/.test(m))).toBe(true);
    expect(events.some((m) => /segment 2 .* repaired corrupt data from its peers: \d+ bytes in [\d.]+ ms/.test(m))).toBe(true);
    await client.query('INSERT INTO t VALUES (0)');
    await client.end();
    await admin(emulator, 'DELETE', '/_aurora/faults');
  });

  it('restores to a point in time: exactly the rows committed before it, from a base image and the retained log', async () => {
    const cluster = await createCluster(rds, 'pitr', 1);
    await expect.poll(async () => (await rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: 'pitr' }))).DBClusters![0]!.EarliestRestorableTime, { timeout: 10_000 }).toBeTruthy();
    const client = await connect(cluster.Endpoint!, cluster.Port!);
    await client.query('CREATE TABLE ledger (id int PRIMARY KEY)');
    const commits: { id: number; sent: number; acknowledged: number }[] = [];
    for (let id = 1; id <= 30; id++) {
      const sent = Date.now();
      await client.query('INSERT INTO ledger VALUES ($1)', [id]);
      commits.push({ id, sent, acknowledged: Date.now() });
      await new Promise((r) => setTimeout(r, 40));
    }
    await client.end();
    // Between the acknowledgement of row 17 and the sending of row 18.
    const target = new Date(Math.floor((commits[16]!.acknowledged + commits[17]!.sent) / 2));
    await new Promise((r) => setTimeout(r, 1000)); // LatestRestorableTime trails by a second
    expect(target.getTime()).toBeGreaterThan(commits[16]!.acknowledged);
    expect(target.getTime()).toBeLessThan(commits[17]!.sent);
    await rds.send(new RestoreDBClusterToPointInTimeCommand({ DBClusterIdentifier: 'pitr-back', SourceDBClusterIdentifier: 'pitr', RestoreToTime: target }));
    await waitUntilDBClusterAvailable({ client: rds, ...wait }, { DBClusterIdentifier: 'pitr-back' });
    await rds.send(new CreateDBInstanceCommand({ DBInstanceIdentifier: 'pitr-back-1', DBClusterIdentifier: 'pitr-back', Engine: 'aurora-postgresql', DBInstanceClass: 'db.r6g.large' }));
    await waitUntilDBInstanceAvailable({ client: rds, ...wait }, { DBInstanceIdentifier: 'pitr-back-1' });
    const back = (await rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: 'pitr-back' }))).DBClusters![0]!;
    const restored = await connect(back.Endpoint!, back.Port!);
    const ids = (await restored.query('SELECT id FROM ledger ORDER BY id')).rows.map((r) => r.id);
    expect(ids).toEqual(commits.slice(0, 17).map((c) => c.id));
    // It is a writer of its own, on its own volume.
    await restored.query('INSERT INTO ledger VALUES (100)');
    await restored.end();
  });

  it('injects and heals faults from the shell: aurora-local faults and aurora-local storage', async () => {
    const run = async (...args: string[]) => {
      const lines: string[] = [];
      const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void lines.push(a.join(' ')));
      const error = vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void lines.push(a.join(' ')));
      try {
        return { code: await main([...args, '--url', emulator.url]), output: lines.join('\n') };
      } finally {
        log.mockRestore();
        error.mockRestore();
      }
    };
    const added = await run('faults', 'az-outage', 'us-east-1c');
    expect(added.code).toBe(0);
    const { faultId } = JSON.parse(added.output) as { faultId: string };
    const view = JSON.parse((await run('storage', 'placed')).output) as StorageView;
    expect(logSegments(view).filter((s) => s.state === 'down').map((s) => s.availabilityZone)).toEqual(['us-east-1c', 'us-east-1c']);
    expect(JSON.parse((await run('faults', 'list')).output).faults).toContainEqual(expect.objectContaining({ faultId, type: 'az-outage' }));
    const bad = await run('faults', 'node-outage', 'us-east-1c-sn9');
    expect(bad.code).toBe(1);
    expect(bad.output).toMatch(/is not a storage node/);
    expect((await run('faults', 'heal', faultId)).code).toBe(0);
    expect(JSON.parse((await run('faults', 'list')).output).faults).not.toContainEqual(expect.objectContaining({ faultId }));
    expect((await run('faults', 'explode')).code).toBe(2);
  });

  it('reports metrics: volume bytes and I/Os, commit latency, repairs', async () => {
    await expect.poll(async () => (await admin<any>(emulator, 'GET', '/_aurora/clusters/heal/metrics')).body.commitLatencyMs.samples, { timeout: 15_000 }).toBeGreaterThan(0);
    const { body } = await admin<any>(emulator, 'GET', '/_aurora/clusters/heal/metrics');
    expect(body.VolumeBytesUsed).toBeGreaterThan(0);
    expect(body.commitLatencyMs.p50).toBeGreaterThan(0);
    expect(body.repairs.count).toBeGreaterThan(0);
    expect(body).toHaveProperty('VolumeWriteIOPs');
  });
});

describe('autoscaling under the scale option (512 real bytes count as a GiB)', () => {
  let emulator: Emulator;
  let rds: RDSClient;

  beforeAll(async () => {
    emulator = await startEmulator({ port: 0, dataPlane: 'postgres', delays: fast, storage: { bytesPerGiB: 512 }, log: () => {} });
    rds = clientFor(emulator);
  });
  afterAll(async () => {
    await emulator?.close();
  });

  it('grows in 10 GiB protection groups, stops writes at 128 TiB with storage-full, and recovers when data is dropped', async () => {
    const cluster = await createCluster(rds, 'grow', 1);
    const client = await connect(cluster.Endpoint!, cluster.Port!);
    await expect.poll(async () => (await storage(emulator, 'grow')).volumeBytesUsed, { timeout: 20_000 }).toBeGreaterThan(0);
    const before = await storage(emulator, 'grow');
    expect(before.allocatedBytes % (10 * 1024 ** 3)).toBe(0);
    expect(before.protectionGroups.length).toBe(before.allocatedBytes / (10 * 1024 ** 3));
    await client.query('CREATE TABLE big (pad text)');
    // ~4 MiB more: 8 TiB at this scale.
    await client.query("INSERT INTO big SELECT repeat(md5(g::text), 30) FROM generate_series(1, 4000) g");
    await expect.poll(async () => (await storage(emulator, 'grow')).allocatedBytes, { timeout: 20_000 }).toBeGreaterThan(before.allocatedBytes + 1024 ** 4);
    // Fill it past 128 TiB (64 MiB real).
    await client.query("INSERT INTO big SELECT repeat(md5(g::text), 30) FROM generate_series(1, 70000) g");
    await expect.poll(async () => (await storage(emulator, 'grow')).storageFull, { timeout: 20_000 }).toBe(true);
    const full = await storage(emulator, 'grow');
    expect(full.allocatedBytes).toBe(128 * 1024 ** 4);
    await expect(client.query("INSERT INTO big VALUES ('more')")).rejects.toThrow(/read-only transaction/);
    await expect
      .poll(async () => (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'grow-1' }))).DBInstances![0]!.DBInstanceStatus, { timeout: 20_000 })
      .toBe('storage-full');
    // Freeing space (a read-write transaction may still drop data) brings writes back.
    await client.query('BEGIN READ WRITE');
    await client.query('DROP TABLE big');
    await client.query('COMMIT');
    await expect
      .poll(async () => (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'grow-1' }))).DBInstances![0]!.DBInstanceStatus, { timeout: 20_000 })
      .toBe('available');
    const shrunk = await storage(emulator, 'grow');
    expect(shrunk.storageFull).toBe(false);
    expect(shrunk.allocatedBytes).toBeLessThan(full.allocatedBytes);
    const fresh = await connect(cluster.Endpoint!, cluster.Port!);
    await fresh.query('CREATE TABLE again (id int)');
    await Promise.all([client.end(), fresh.end()]);
  });
});
