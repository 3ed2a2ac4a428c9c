// Persistence of the control plane in <dataDir>/state.json: records survive a restart (library
// and CLI), transitions in flight resume at their original due time, a corrupt file stops
// start-up and is left untouched, and a kill -9 right after an acknowledged change loses nothing.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { chmod, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  AddTagsToResourceCommand,
  CreateDBClusterCommand,
  CreateDBInstanceCommand,
  DescribeDBClusterSnapshotsCommand,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  ListTagsForResourceCommand,
  ModifyDBClusterCommand,
  ModifyDBInstanceCommand,
  waitUntilDBClusterAvailable,
  waitUntilDBInstanceAvailable,
  type DBCluster,
  type RDSClient,
} from '@aws-sdk/client-rds';
import { StateFileError } from '../../src/emulator.js';
import {
  baseCluster,
  baseInstance,
  caught,
  eventually,
  expectedHost,
  killLiveChildren,
  rdsClient,
  run,
  sleep,
  smallDelays,
  startCli,
  startTestEmulator,
  testDataPlane,
  waitOptions,
  type TestEmulator,
} from '../../sdk-tests/helpers.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const temporaryDirs: string[] = [];
const openEmulators = new Set<TestEmulator>();
const openClients = new Set<RDSClient>();

async function dataDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'aurora-local-persistence-'));
  // As root, the postgres data plane runs PostgreSQL as an unprivileged user that must pass through.
  await chmod(dir, 0o711);
  temporaryDirs.push(dir);
  return dir;
}

async function start(options: Parameters<typeof startTestEmulator>[0]): Promise<TestEmulator> {
  const emulator = await startTestEmulator(options);
  openEmulators.add(emulator);
  return emulator;
}

async function stop(emulator: TestEmulator): Promise<void> {
  await emulator.close();
  openEmulators.delete(emulator);
}

function client(url: string, options?: Parameters<typeof rdsClient>[1]): RDSClient {
  const c = rdsClient(url, options);
  openClients.add(c);
  return c;
}

afterEach(async () => {
  killLiveChildren(); // CLI processes a failed test left behind
  for (const c of openClients) c.destroy();
  openClients.clear();
  for (const emulator of openEmulators) await emulator.close();
  openEmulators.clear();
});

afterAll(async () => {
  killLiveChildren();
  for (const dir of temporaryDirs) await rm(dir, { recursive: true, force: true });
});

const allClusters = async (rds: RDSClient) => (await rds.send(new DescribeDBClustersCommand({}))).DBClusters ?? [];
const allInstances = async (rds: RDSClient) => (await rds.send(new DescribeDBInstancesCommand({}))).DBInstances ?? [];
/** Everything but the fields AWS computes from the current time. */
const stable = ({ LatestRestorableTime: _, ...rest }: DBCluster) => rest;
const readState = async (dir: string) => JSON.parse(await readFile(join(dir, 'state.json'), 'utf8'));

describe('restart on the same data directory', () => {
  it('keeps clusters, instances, ARNs, resource ids, tags and pending changes', async () => {
    const dir = await dataDir();
    let emulator = await start({ dataDir: dir });
    let rds = client(emulator.url);
    let eu = client(emulator.url, { region: 'eu-west-1', accessKeyId: '123456789012' });

    await rds.send(new CreateDBClusterCommand({ ...baseCluster('keep-pg'), Tags: [{ Key: 'env', Value: 'dev' }], DatabaseName: 'app' }));
    await rds.send(new CreateDBClusterCommand({ ...baseCluster('keep-mysql', 'aurora-mysql'), BacktrackWindow: 7200 }));
    await rds.send(new CreateDBInstanceCommand({ ...baseInstance('keep-pg-1', 'keep-pg'), Tags: [{ Key: 'role', Value: 'writer' }] }));
    await rds.send(new CreateDBInstanceCommand({ ...baseInstance('keep-pg-2', 'keep-pg'), PromotionTier: 4 }));
    await rds.send(new CreateDBInstanceCommand(baseInstance('keep-mysql-1', 'keep-mysql', 'aurora-mysql')));
    await eu.send(new CreateDBClusterCommand(baseCluster('keep-eu')));
    for (const id of ['keep-pg', 'keep-mysql']) await waitUntilDBClusterAvailable({ client: rds, ...waitOptions }, { DBClusterIdentifier: id });
    for (const id of ['keep-pg-1', 'keep-pg-2', 'keep-mysql-1']) await waitUntilDBInstanceAvailable({ client: rds, ...waitOptions }, { DBInstanceIdentifier: id });
    await rds.send(new AddTagsToResourceCommand({ ResourceName: 'arn:aws:rds:us-east-1:000000000000:cluster:keep-mysql', Tags: [{ Key: 'team', Value: 'db' }] }));
    await rds.send(new ModifyDBClusterCommand({ DBClusterIdentifier: 'keep-pg', NewDBClusterIdentifier: 'keep-pg-renamed' })); // pending
    await rds.send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: 'keep-pg-2', DBInstanceClass: 'db.r6g.xlarge' })); // pending
    // Each cluster's first automated backup (due as it became available) moves its EarliestRestorableTime:
    // taken before the restart, it is part of what must survive; on a loaded machine it may still be to come.
    const automatedBackups = async (client: RDSClient) =>
      new Set(((await client.send(new DescribeDBClusterSnapshotsCommand({ SnapshotType: 'automated' }))).DBClusterSnapshots ?? []).map((s) => s.DBClusterIdentifier)).size;
    await eventually(async () => (await automatedBackups(rds)) === 2 && (await automatedBackups(eu)) === 1, 60_000);

    const clustersBefore = (await allClusters(rds)).map(stable);
    const instancesBefore = await allInstances(rds);
    const euBefore = (await allClusters(eu)).map(stable);
    const tagsBefore = (await rds.send(new ListTagsForResourceCommand({ ResourceName: 'arn:aws:rds:us-east-1:000000000000:db:keep-pg-1' }))).TagList;
    expect(clustersBefore).toHaveLength(2);
    expect(instancesBefore).toHaveLength(3);
    expect(euBefore).toHaveLength(1);
    expect(tagsBefore).toEqual([{ Key: 'role', Value: 'writer' }]);

    await stop(emulator);
    // No temporary file left behind (the data planes keep their data beside the state).
    expect(readdirSync(dir).filter((f) => f !== 'postgres' && f !== 'mysql').sort()).toEqual(['state.json']);

    emulator = await start({ dataDir: dir });
    rds = client(emulator.url);
    eu = client(emulator.url, { region: 'eu-west-1', accessKeyId: '123456789012' });
    const clustersAfter = (await allClusters(rds)).map(stable);
    expect(clustersAfter).toEqual(clustersBefore);
    expect(await allInstances(rds)).toEqual(instancesBefore);
    expect((await allClusters(eu)).map(stable)).toEqual(euBefore);
    expect((await rds.send(new ListTagsForResourceCommand({ ResourceName: 'arn:aws:rds:us-east-1:000000000000:db:keep-pg-1' }))).TagList).toEqual(tagsBefore);

    // Spot checks, so that a failure here reads plainly.
    const pg = clustersAfter.find((c) => c.DBClusterIdentifier === 'keep-pg')!;
    const pgBefore = clustersBefore.find((c) => c.DBClusterIdentifier === 'keep-pg')!;
    expect(pg).toMatchObject({
      DBClusterArn: 'arn:aws:rds:us-east-1:000000000000:cluster:keep-pg',
      DbClusterResourceId: pgBefore.DbClusterResourceId,
      Status: 'available',
      TagList: [{ Key: 'env', Value: 'dev' }],
      PendingModifiedValues: { DBClusterIdentifier: 'keep-pg-renamed' },
    });
    expect(pg.DBClusterMembers!.map((m) => [m.DBInstanceIdentifier, m.IsClusterWriter, m.PromotionTier])).toEqual([
      ['keep-pg-1', true, 1],
      ['keep-pg-2', false, 4],
    ]);
    expect((await allClusters(eu))[0].DBClusterArn).toBe('arn:aws:rds:eu-west-1:123456789012:cluster:keep-eu');
  });

  it('a cluster left creating becomes available at its original due time after a restart', async () => {
    const dir = await dataDir();
    const delays = { ...smallDelays, createClusterMs: 3000, createInstanceMs: 3500 };
    let emulator = await start({ dataDir: dir, delays });
    let rds = client(emulator.url);
    const createdAt = Date.now();
    await rds.send(new CreateDBClusterCommand(baseCluster('resume-me')));
    await rds.send(new CreateDBInstanceCommand(baseInstance('resume-me-1', 'resume-me')));
    await stop(emulator);

    const transitions = (await readState(dir)).partitions['000000000000/us-east-1'].transitions;
    const due = Object.fromEntries(transitions.map((t: any) => [t.kind, t.dueAt]));
    expect(Object.keys(due).sort()).toEqual(['cluster-available', 'instance-available']);
    expect(due['cluster-available']).toBeGreaterThanOrEqual(createdAt + 3000);
    expect(due['cluster-available']).toBeLessThan(createdAt + 3000 + 1000);

    await sleep(1500); // down for half of the creation
    const restartedAt = Date.now();
    emulator = await start({ dataDir: dir, delays });
    rds = client(emulator.url);
    const describe = async () => (await rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: 'resume-me' }))).DBClusters![0];
    expect((await describe()).Status).toBe('creating');
    expect((await readState(dir)).partitions['000000000000/us-east-1'].transitions.map((t: any) => t.dueAt).sort()).toEqual(
      Object.values(due).sort(),
    );

    const availableAt = await eventually(async () => (await describe()).Status === 'available' && Date.now(), 10_000, 50);
    expect(availableAt).toBeGreaterThanOrEqual(due['cluster-available'] - 50);
    // Not reset to restart + createClusterMs (restartedAt + 3000, 1.5 s after the original due time).
    expect(availableAt).toBeLessThan(due['cluster-available'] + 700);
    expect(availableAt).toBeLessThan(restartedAt + 3000);

    const instance = async () => (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'resume-me-1' }))).DBInstances![0];
    const instanceAt = await eventually(async () => (await instance()).DBInstanceStatus === 'available' && Date.now(), 10_000, 50);
    // With a real data plane the instance is available once its server accepts connections
    // (a first initdb for this fresh data directory included), not at the due time itself.
    expect(instanceAt).toBeLessThan(due['instance-available'] + (testDataPlane === 'postgres' ? 15_000 : 700));
    expect(instanceAt).toBeGreaterThanOrEqual(due['instance-available'] - 50);
    expect((await instance()).Endpoint?.Address).toMatch(expectedHost(/^resume-me-1\./));
  });

  it('a transition that fell due while the emulator was down completes right after start-up', async () => {
    const dir = await dataDir();
    const delays = { ...smallDelays, createClusterMs: 500 };
    let emulator = await start({ dataDir: dir, delays });
    let rds = client(emulator.url);
    await rds.send(new CreateDBClusterCommand(baseCluster('overdue')));
    await stop(emulator);
    await sleep(1000);
    emulator = await start({ dataDir: dir, delays: { ...delays, createClusterMs: 60_000 } }); // new delays don't apply to old transitions
    const restartedAt = Date.now();
    rds = client(emulator.url);
    const at = await eventually(async () => (await allClusters(rds))[0]?.Status === 'available' && Date.now(), 5_000, 50);
    expect(at - restartedAt).toBeLessThan(1000);
  });

  it.each([
    ['not JSON', '{not json'],
    ['JSON of another format', '{"formatVersion": 2, "partitions": {}}'],
    ['empty', ''],
  ])('a state file that is %s stops start-up and stays untouched', async (_what, content) => {
    const dir = await dataDir();
    const file = join(dir, 'state.json');
    await writeFile(file, content);
    const before = await readFile(file);
    const mtimeBefore = statSync(file).mtimeMs;

    const error = await caught(startTestEmulator({ dataDir: dir }));
    expect(error).toBeInstanceOf(StateFileError);
    expect(error.message).toContain(file);
    expect(error.message).toMatch(/corrupt/);

    expect((await readFile(file)).equals(before)).toBe(true);
    expect(statSync(file).mtimeMs).toBe(mtimeBefore);
    expect((await readdir(dir)).filter((f) => f !== 'postgres')).toEqual(['state.json']);
  });
});

// ---- the CLI -------------------------------------------------------------------------------

/** True when some src/**.ts has no compiled dist/**.js or is newer than it. */
function distIsStale(): boolean {
  const srcDir = join(root, 'src');
  const walk = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]));
  return walk(srcDir)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
    .some((f) => {
      const out = join(root, 'dist', relative(srcDir, f)).replace(/\.ts$/, '.js');
      return !existsSync(out) || statSync(out).mtimeMs < statSync(f).mtimeMs;
    });
}


describe('the CLI (bin/aurora-local.js)', () => {
  beforeAll(async () => {
    if (!distIsStale()) return;
    const build = await run('npm', ['run', 'build'], { cwd: root, env: process.env, timeoutMs: 110_000 });
    if (build.timedOut) throw new Error('npm run build timed out');
    if (build.code !== 0) {
      // tsc still emits JavaScript when it reports type errors; go on only if dist/ is now complete.
      if (distIsStale()) throw new Error(`npm run build failed and dist/ is still stale:\n${build.stdout}\n${build.stderr}`);
      console.warn(`npm run build reported errors (dist/ was emitted anyway):\n${build.stdout}${build.stderr}`);
    }
  }, 120_000);

  it.each(['SIGTERM', 'SIGINT'] as const)('serves the API, then exits 0 on %s after saying so', async (signal) => {
    const dir = await dataDir();
    const cli = await startCli(dir);
    expect(cli.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const rds = client(cli.url);
    await rds.send(new CreateDBClusterCommand(baseCluster('cli-signal')));

    process.kill(cli.child.pid!, signal);
    const { code, signal: killedBy } = await cli.exited;
    expect(killedBy).toBeNull();
    expect(code).toBe(0);
    expect(cli.stdout()).toContain(`state: ${dir}/state.json`);
    expect(cli.stdout()).toContain(`aurora-local: ${signal}, stopping`);
    expect(cli.stderr()).toBe('');

    const restarted = await startCli(dir);
    const again = client(restarted.url);
    expect((await allClusters(again)).map((c) => c.DBClusterIdentifier)).toEqual(['cli-signal']);
    process.kill(restarted.child.pid!, 'SIGTERM');
    expect((await restarted.exited).code).toBe(0);
  });

  it('exits non-zero with a clear message when the state file is corrupt, leaving it untouched', async () => {
    const dir = await dataDir();
    const file = join(dir, 'state.json');
    await writeFile(file, '{not json');
    const result = await run(process.execPath, [join(root, 'bin/aurora-local.js'), 'start', '--port', '0', '--data-dir', dir], {
      cwd: root,
      timeoutMs: 15_000,
    });
    expect(result.timedOut).toBe(false);
    expect(result.code).not.toBe(0);
    expect(result.code).not.toBeNull();
    expect(result.stderr).toContain('aurora-local: cannot start');
    expect(result.stderr).toContain(file);
    expect(result.stderr).toMatch(/corrupt/);
    expect(result.stdout).not.toContain('listening on');
    expect(await readFile(file, 'utf8')).toBe('{not json');
  });

  it('kill -9 right after acknowledged changes loses none of them', async () => {
    const dir = await dataDir();
    const cli = await startCli(dir);
    const rds = client(cli.url);
    // One change alone, then a burst of concurrent ones, then kill -9 the moment the last is acknowledged.
    const { DBCluster } = await rds.send(new CreateDBClusterCommand(baseCluster('crash-first')));
    const ids = Array.from({ length: 10 }, (_, i) => `crash-${i}`);
    await Promise.all([
      ...ids.map((id) => rds.send(new CreateDBClusterCommand(baseCluster(id)))),
      rds.send(new AddTagsToResourceCommand({ ResourceName: DBCluster!.DBClusterArn!, Tags: [{ Key: 'survives', Value: 'yes' }] })),
    ]);
    const { DBCluster: last } = await rds.send(new CreateDBClusterCommand(baseCluster('crash-last')));
    process.kill(cli.child.pid!, 'SIGKILL');
    expect((await cli.exited).signal).toBe('SIGKILL');

    const restarted = await startCli(dir);
    const again = client(restarted.url);
    const clusters = await allClusters(again);
    expect(clusters.map((c) => c.DBClusterIdentifier).sort()).toEqual(['crash-first', 'crash-last', ...ids].sort());
    const first = clusters.find((c) => c.DBClusterIdentifier === 'crash-first')!;
    expect(first.DbClusterResourceId).toBe(DBCluster!.DbClusterResourceId);
    expect(first.TagList).toEqual([{ Key: 'survives', Value: 'yes' }]);
    expect(clusters.find((c) => c.DBClusterIdentifier === 'crash-last')!.DbClusterResourceId).toBe(last!.DbClusterResourceId);
    // The creations were in flight at the kill; they complete after the restart.
    await waitUntilDBClusterAvailable({ client: again, ...waitOptions }, { DBClusterIdentifier: 'crash-last' });
    process.kill(restarted.child.pid!, 'SIGTERM');
    expect((await restarted.exited).code).toBe(0);
  });
});
