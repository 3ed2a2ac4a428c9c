/**
 * The MariaDB compute layer (aurora-mysql) against real mariadbd processes on
 * loopback addresses, driven with mysql2: writer → replica → restarts →
 * password change → snapshot/restore → Backtrack (rewind) → failover.
 * Tests depend on the previous ones, as a cluster's history does.
 * Needs MariaDB installed (.ci/run does: mariadb-server-core, mariadb-client-core,
 * mariadb-client, mariadb-backup).
 */
import { readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import mysql from 'mysql2/promise';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  createMysqlReplica,
  createMysqlWriter,
  DataPlaneUnavailableError,
  followMysqlWriter,
  MysqlRewindError,
  mysqlReplicaLag,
  mysqlRewindWindow,
  prepareMysqlEnvironment,
  probeMysql,
  promoteMysql,
  readMysqlInstanceConfig,
  resolveMariadbBinaries,
  restoreMysqlWriterFromSnapshot,
  rewindMysqlTo,
  setMysqlMasterPassword,
  snapshotMysqlDataDir,
  startMysql,
  stopMysql,
  waitForMysqlCatchUp,
  waitForMysqlReplication,
  type MysqlEnvironment,
  type MysqlInstance,
  type MysqlServer,
} from '../../src/data-plane/mysql/index.js';

vi.setConfig({ testTimeout: 30_000, hookTimeout: 60_000 });

const MASTER = { user: 'admin', password: 'initial-Passw0rd', database: 'appdb' };
const NEW_PASSWORD = 'changed-Passw0rd!';

/** A /16 of the loopback network of our own for this run, so parallel suites cannot collide. */
const NET = `127.${100 + Math.floor(Math.random() * 100)}.${1 + Math.floor(Math.random() * 250)}`;
const HOST = { writer: `${NET}.1`, replica1: `${NET}.2`, restored: `${NET}.3`, replica2: `${NET}.4` };

/** Every server any test started; stopped by pid in afterAll whatever happened. */
const startedServers: MysqlServer[] = [];
const openConnections = new Set<mysql.Connection>();
let root: string;
let env: MysqlEnvironment;

function track<T extends MysqlInstance>(instance: T): T {
  startedServers.push(instance.server);
  return instance;
}

beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'aurora-mysql-'));
  env = await prepareMysqlEnvironment({ dataRoot: root });
});

afterEach(async () => {
  await Promise.all([...openConnections].map((connection) => connection.end().catch(() => connection.destroy())));
  openConnections.clear();
});

afterAll(async () => {
  await Promise.all(startedServers.map((server) => server.stop({ timeoutMs: 10_000 })));
  for (const server of startedServers) {
    if (server.pid !== undefined) expect(processExists(server.pid), `mariadbd pid ${server.pid} still running`).toBe(false);
  }
  // AURORA_LOCAL_TEST_KEEP=1 keeps the data directories and server logs for a post-mortem.
  if (root && !process.env.AURORA_LOCAL_TEST_KEEP) await fs.rm(root, { recursive: true, force: true });
});

// ---- helpers ----

async function tmpDirOf(target: MysqlInstance): Promise<string> {
  const connection = await asAdmin(target);
  const [[row]] = (await connection.query('SELECT @@tmpdir AS dir')) as unknown as [{ dir: string }[]];
  return row!.dir;
}

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

async function placement(name: keyof typeof HOST) {
  return { dataDir: path.join(root, name), host: HOST[name], port: await freePort(HOST[name]) };
}

async function connect(target: { host: string; port: number }, login: { user: string; password: string; database?: string } = MASTER): Promise<mysql.Connection> {
  const connection = await mysql.createConnection({
    host: target.host,
    port: target.port,
    user: login.user,
    password: login.password,
    database: login.database,
    connectTimeout: 5_000,
  });
  connection.on('error', () => {}); // servers and rewinds drop connections here on purpose
  openConnections.add(connection);
  return connection;
}

const asAdmin = (instance: MysqlInstance) => connect(instance, instance.admin);

async function query<T = Record<string, unknown>>(target: { host: string; port: number }, sql: string, values?: unknown[], login = MASTER): Promise<T[]> {
  const connection = await connect(target, login);
  try {
    const [rows] = await connection.query(sql, values);
    return rows as T[];
  } finally {
    openConnections.delete(connection);
    await connection.end();
  }
}

async function itemIds(target: { host: string; port: number }, login = MASTER): Promise<number[]> {
  return (await query<{ id: number }>(target, 'SELECT id FROM appdb.items ORDER BY id', [], login)).map((row) => row.id);
}

async function ledger(target: { host: string; port: number }, login = MASTER): Promise<string> {
  const rows = await query<{ id: number; v: string }>(target, 'SELECT id, v FROM appdb.ledger ORDER BY id', [], login);
  return rows.map((row) => `${row.id}=${row.v}`).join(' ');
}

async function errnoOf(work: () => Promise<unknown>): Promise<number | undefined> {
  try {
    await work();
  } catch (error) {
    return (error as { errno?: number }).errno;
  }
  throw new Error('expected the operation to fail');
}

async function eventually<T>(probe: () => Promise<T>, accept: (value: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined && accept(value)) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms (last value: ${JSON.stringify(value)})`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Sleeps until 150 ms into the next wall-clock second and returns that second (Unix time). */
async function nextSecond(): Promise<number> {
  const now = Date.now();
  const second = Math.floor(now / 1000) + 1;
  await new Promise((resolve) => setTimeout(resolve, second * 1000 + 150 - now));
  return second;
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

// ---- the chain ----

describe('MariaDB compute layer', () => {
  let writer: MysqlInstance;
  let replica1: MysqlInstance;
  let replica2: MysqlInstance;
  let restored: MysqlInstance;
  let password = MASTER.password;
  const login = () => ({ ...MASTER, password });

  it('finds the MariaDB tools, and names the Debian packages when they are missing', async () => {
    const binaries = await resolveMariadbBinaries();
    expect(binaries.major * 100 + binaries.minor).toBeGreaterThanOrEqual(1006);
    for (const tool of [binaries.mariadbd, binaries.installDb, binaries.backup, binaries.binlog, binaries.client]) {
      expect(path.isAbsolute(tool)).toBe(true);
    }
    const empty = await fs.mkdtemp(path.join(root, 'no-binaries-'));
    const error = await resolveMariadbBinaries({ binDir: empty }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DataPlaneUnavailableError);
    for (const expected of ['mariadbd', 'mariadb-binlog', 'mariadb-server-core', 'mariadb-client', 'mariadb-backup', 'apt-get install']) {
      expect((error as Error).message).toContain(expected);
    }
  });

  it('creates a writer on its own address: credentials enforced, database created, binary log ready for flashback', async () => {
    writer = track(await createMysqlWriter(env, { ...(await placement('writer')), masterUsername: MASTER.user, masterPassword: MASTER.password, databaseName: MASTER.database }));

    const connection = await connect(writer);
    const [[settings]] = (await connection.query(
      `SELECT DATABASE() AS db, CURRENT_USER() AS me, @@log_bin AS log_bin, @@binlog_format AS format, @@binlog_row_image AS image,
              @@gtid_strict_mode AS strict, @@log_slave_updates AS slave_updates, @@read_only AS read_only, @@server_id AS server_id`,
    )) as unknown as [Record<string, unknown>[]];
    expect(settings).toEqual({
      db: 'appdb', me: 'admin@%', log_bin: 1, format: 'ROW', image: 'FULL', strict: 1, slave_updates: 1, read_only: 0, server_id: writer.serverId,
    });
    await connection.query('CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(40))');
    await connection.query(`INSERT INTO items VALUES (1, 'one'), (2, 'two'), (3, 'three')`);

    // Credentials are enforced; the emulator's admin login is not guessable either.
    expect(await errnoOf(() => connect(writer, { ...MASTER, password: 'wrong' }))).toBe(1045);
    expect(await errnoOf(() => connect(writer, { user: 'root', password: '' }))).toBe(1045);
    expect(await errnoOf(() => connect(writer, { user: writer.admin.user, password: 'wrong' }))).toBe(1045);
    // The master user has no SUPER / READ_ONLY ADMIN (as on Aurora), and a password mysql2 can use.
    const [grants] = await connection.query('SHOW GRANTS');
    expect(JSON.stringify(grants)).not.toMatch(/SUPER|READ_ONLY ADMIN|CONNECTION ADMIN|ALL PRIVILEGES/);
    const [[account]] = (await connection.query(`SELECT plugin FROM mysql.user WHERE user = 'admin'`)) as unknown as [{ plugin: string }[]];
    expect(account!.plugin).toBe('mysql_native_password');

    // Listens on its own address only, with a private Unix socket.
    expect(await probeMysql(writer.host, writer.port)).toBe('accepting');
    expect(await probeMysql('127.0.0.1', writer.port)).toBe('unreachable');
    expect(writer.server.socketPath.startsWith(writer.dataDir + path.sep) || writer.server.socketPath.includes('aurora-local-mariadb-')).toBe(true);
    // As root, the server runs as the unprivileged account.
    if (env.runAs) {
      const uid = Number(/^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${writer.server.pid}/status`, 'utf8'))?.[1]);
      expect(uid).toBe(env.runAs.uid);
    }
  });

  it('creates a read-only replica with mariadb-backup that replicates by GTID', async () => {
    const created = await createMysqlReplica(env, { ...(await placement('replica1')), writer });
    replica1 = track(created);
    expect(created.cloneMethod).toBe('mariadb-backup');
    expect(created.serverId).not.toBe(writer.serverId);
    expect(await itemIds(replica1)).toEqual([1, 2, 3]);

    // Read-only for the master user.
    const errno = await errnoOf(() => query(replica1, `INSERT INTO appdb.items VALUES (99, 'nope')`));
    expect(errno).toBe(1290); // ER_OPTION_PREVENTS_STATEMENT: "running with the --read-only option"
    const admin = await asAdmin(replica1);
    const [[status]] = (await admin.query('SHOW SLAVE STATUS')) as unknown as [Record<string, unknown>[]];
    expect(status).toMatchObject({ Using_Gtid: 'Slave_Pos', Slave_IO_Running: 'Yes', Slave_SQL_Running: 'Yes', Master_Host: writer.host, Master_Port: writer.port });
    const [[ro]] = (await admin.query('SELECT @@read_only AS ro')) as unknown as [{ ro: number }[]];
    expect(ro!.ro).toBe(1);

    // Replicating.
    await query(writer, `INSERT INTO appdb.items VALUES (4, 'four')`);
    await eventually(() => itemIds(replica1), (ids) => ids.includes(4));
    await waitForMysqlCatchUp(replica1, writer);

    const fromWriter = await mysqlReplicaLag(writer);
    expect(fromWriter).toEqual([
      expect.objectContaining({ serverId: replica1.serverId, host: replica1.host, port: replica1.port, state: 'replicating', lagTransactions: 0 }),
    ]);
    // Caught up: the lag in milliseconds is the time of one query, not a whole second.
    expect(fromWriter[0]!.lagMs).toBeGreaterThanOrEqual(0);
    expect(fromWriter[0]!.lagMs).toBeLessThan(100);
    const fromReplica = await mysqlReplicaLag(replica1);
    expect(fromReplica).toEqual([expect.objectContaining({ serverId: replica1.serverId, state: 'replicating', lagTransactions: 0, lagSeconds: 0 })]);
  });

  it('restarts keep the data and the role; the replica reconnects to the restarted writer', async () => {
    const writerPid = writer.server.pid!;
    // Temporary tables and sort files go to a private directory beside the data directory, not the
    // shared /tmp (where concurrent servers' temporary file names collide); it goes with the server.
    const tmpDir = await tmpDirOf(writer);
    expect(tmpDir.startsWith(`${writer.dataDir}.mariadbd-tmp-`)).toBe(true);
    if (env.runAs) expect((await fs.stat(tmpDir)).uid).toBe(env.runAs.uid);
    await stopMysql(writer);
    expect(processExists(writerPid)).toBe(false);
    await expect.poll(() => fs.stat(tmpDir).then(() => 'present', () => 'removed')).toBe('removed');
    writer = track(await startMysql(env, { dataDir: writer.dataDir, host: writer.host, port: writer.port }));
    expect(await itemIds(writer)).toEqual([1, 2, 3, 4]);
    expect(await tmpDirOf(writer)).not.toBe(tmpDir);
    await query(writer, `INSERT INTO appdb.items VALUES (5, 'five')`);
    await waitForMysqlCatchUp(replica1, writer);
    expect(await itemIds(replica1)).toEqual([1, 2, 3, 4, 5]);

    await stopMysql(replica1);
    replica1 = track(await startMysql(env, { dataDir: replica1.dataDir, host: replica1.host, port: replica1.port }));
    expect((await readMysqlInstanceConfig(replica1.dataDir)).role).toBe('replica');
    expect(await errnoOf(() => query(replica1, `INSERT INTO appdb.items VALUES (99, 'nope')`))).toBe(1290);
    await waitForMysqlReplication(replica1);
    await query(writer, `INSERT INTO appdb.items VALUES (6, 'six')`);
    await waitForMysqlCatchUp(replica1, writer);
    expect(await itemIds(replica1)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('changes the master password on the writer, and it replicates', async () => {
    await setMysqlMasterPassword(writer, MASTER.user, NEW_PASSWORD);
    password = NEW_PASSWORD;
    expect(await errnoOf(() => connect(writer, MASTER))).toBe(1045);
    expect(await itemIds(writer, login())).toEqual([1, 2, 3, 4, 5, 6]);
    await waitForMysqlCatchUp(replica1, writer);
    expect(await errnoOf(() => connect(replica1, MASTER))).toBe(1045);
    expect(await itemIds(replica1, login())).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('snapshots a running writer and restores it as an independent writer with the same rows', async () => {
    const snapshotDir = path.join(root, 'snapshot-1');
    const info = await snapshotMysqlDataDir(env, writer, snapshotDir);
    expect(info.method).toBe('mariadb-backup');
    expect(info.gtidPosition).toMatch(new RegExp(`^0-${writer.serverId}-\\d+$`));
    await query(writer, `INSERT INTO appdb.items VALUES (7, 'after the snapshot')`, [], login());

    restored = track(await restoreMysqlWriterFromSnapshot(env, { ...(await placement('restored')), snapshotDir }));
    expect(restored.serverId).not.toBe(writer.serverId);
    const all = (target: MysqlInstance) => query(target, 'SELECT * FROM appdb.items ORDER BY id', [], login());
    expect(await all(restored)).toEqual((await all(writer)).filter((row) => row.id !== 7));
    // Independent and writable.
    await query(restored, `INSERT INTO appdb.items VALUES (100, 'restored only')`, [], login());
    expect(await itemIds(writer, login())).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(await mysqlReplicaLag(restored)).toEqual([]);
    const [[gtid]] = (await (await asAdmin(restored)).query('SELECT @@gtid_binlog_pos AS pos, @@gtid_slave_pos AS slave')) as unknown as [
      { pos: string; slave: string }[],
    ];
    expect(gtid).toEqual({ pos: `0-${restored.serverId}-${Number(info.gtidPosition.split('-')[2]) + 1}`, slave: info.gtidPosition }); // the applied position is the snapshot's, so a clone of it knows where to replicate from
  });

  it('rewinds the writer in place to a second with flashback: exactly the rows committed before it, replicas follow', async () => {
    const at = (sql: string) => query(writer, sql, [], login());
    await at('CREATE TABLE appdb.ledger (id INT PRIMARY KEY, v VARCHAR(20))');
    const gtidAfter = async () => String((await query<{ pos: string }>(writer, 'SELECT @@gtid_binlog_pos AS pos', [], login()))[0]!.pos);

    // Each phase commits within one wall-clock second (checked, so a starved machine fails clearly).
    const withinSecond = (second: number) => expect(Date.now(), 'phase spilled into the next second').toBeLessThan((second + 1) * 1000);
    const secondA = await nextSecond();
    await at(`INSERT INTO appdb.ledger VALUES (1, 'a'), (2, 'b'), (3, 'c')`);
    withinSecond(secondA);
    const afterA = await ledger(writer, login());
    const secondB = await nextSecond();
    await at(`UPDATE appdb.ledger SET v = 'b2' WHERE id = 2`);
    await at(`DELETE FROM appdb.ledger WHERE id = 3`);
    withinSecond(secondB);
    const afterB = await ledger(writer, login());
    const gtidB = await gtidAfter();
    const secondC = await nextSecond();
    await at(`INSERT INTO appdb.ledger VALUES (4, 'd')`); // 1 event, 1 row
    await at(`UPDATE appdb.ledger SET v = CONCAT(v, '!') WHERE id IN (1, 2)`); // 1 event, 2 rows
    await at(`DELETE FROM appdb.ledger WHERE id = 1`); // 1 event, 1 row
    withinSecond(secondC);
    const secondD = await nextSecond();
    await at(`INSERT INTO appdb.ledger VALUES (5, 'e')`); // 1 event, 1 row
    withinSecond(secondD);
    expect(await ledger(writer, login())).toBe('2=b2! 4=d 5=e');
    expect([afterA, afterB]).toEqual(['1=a 2=b 3=c', '1=a 2=b2']);

    const idle = await connect(writer, login());
    const window = await mysqlRewindWindow(writer);
    expect(window.earliest.getTime()).toBeLessThanOrEqual(secondC * 1000);

    // Milliseconds are dropped: 500 ms into second C still reverts everything committed during C.
    const first = await rewindMysqlTo(env, writer, new Date(secondC * 1000 + 500));
    expect(first).toMatchObject({ target: new Date(secondC * 1000), transactions: 4, rowEvents: 4, changeRecords: 5, statementsNotReverted: [] });
    expect(first.connectionsDropped).toBeGreaterThanOrEqual(1);
    expect(await ledger(writer, login())).toBe(afterB);
    // The client connection open during the rewind was dropped; new ones are accepted again.
    await expect(idle.query('SELECT 1')).rejects.toThrow();
    const [[initConnect]] = (await (await asAdmin(writer)).query('SELECT @@init_connect AS value')) as unknown as [{ value: string }[]];
    expect(initConnect!.value).toBe('');
    // The inverse transactions replicate.
    await waitForMysqlCatchUp(replica1, writer);
    expect(await ledger(replica1, login())).toBe(afterB);

    // Rewinding further back also reverts the first rewind (it is just later history):
    // B (2 transactions, 2 rows), C (3, 4), D (1, 1) and the first rewind's inverse: one
    // transaction of 5 rows (a rewind commits once: all or nothing).
    const second = await rewindMysqlTo(env, writer, new Date(secondB * 1000));
    expect(second).toMatchObject({ transactions: 2 + 3 + 1 + 1, changeRecords: 2 + 4 + 1 + 5 });
    expect(await ledger(writer, login())).toBe(afterA);

    // A statement flashback cannot undo (DDL) blocks a rewind across it, before anything is touched …
    await nextSecond();
    await at('CREATE TABLE appdb.later (id INT PRIMARY KEY)');
    const before = await connect(writer, login());
    const refused = await rewindMysqlTo(env, writer, new Date(Date.now() - 1000)).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(MysqlRewindError);
    expect((refused as Error).message).toMatch(/CREATE TABLE appdb\.later/);
    await expect(before.query('SELECT 1')).resolves.toBeDefined();
    // … unless asked to leave such statements applied. A GTID position is an exact target:
    // back to the state right after phase B, reverting both rewinds and everything since.
    const third = await rewindMysqlTo(env, writer, { gtidPosition: gtidB }, { ignoreStatements: true });
    expect(third.statementsNotReverted).toEqual(['CREATE TABLE appdb.later (id INT PRIMARY KEY)']);
    expect(third.changeRecords).toBe(5 + 5 + 12); // C and D, the first rewind, the second rewind
    expect(await ledger(writer, login())).toBe(afterB);
    await waitForMysqlCatchUp(replica1, writer);
    expect(await ledger(replica1, login())).toBe(afterB);

    // Before the binary logs begin there is nothing to rewind to.
    await expect(rewindMysqlTo(env, writer, new Date(window.earliest.getTime() - 60_000))).rejects.toThrow(/binary logs start at/);
    // Only writers are rewound.
    await expect(rewindMysqlTo(env, replica1, new Date())).rejects.toThrow(/is a replica/);
  });

  it('fails over: the promoted replica loses no committed row, and the other replica and the old writer follow it', async () => {
    replica2 = track(await createMysqlReplica(env, { ...(await placement('replica2')), writer }));
    // replica2 falls behind: it must catch up from the new writer after the failover.
    await (await asAdmin(replica2)).query('STOP SLAVE');
    for (const id of [10, 11, 12]) await query(writer, `INSERT INTO appdb.items VALUES (${id}, 'before failover')`, [], login());
    await waitForMysqlCatchUp(replica1, writer);
    const committed = await itemIds(writer, login());
    expect(committed).toEqual([1, 2, 3, 4, 5, 6, 7, 10, 11, 12]);
    await stopMysql(writer);

    await promoteMysql(replica1);
    expect((await readMysqlInstanceConfig(replica1.dataDir)).role).toBe('writer');
    expect(await itemIds(replica1, login())).toEqual(committed);
    await query(replica1, `INSERT INTO appdb.items VALUES (13, 'on the new writer')`, [], login());

    await followMysqlWriter(replica2, replica1);
    await waitForMysqlCatchUp(replica2, replica1);
    expect(await itemIds(replica2, login())).toEqual([...committed, 13]);
    expect(await errnoOf(() => query(replica2, `INSERT INTO appdb.items VALUES (99, 'nope')`, [], login()))).toBe(1290);

    // The old writer comes back and follows the new one (its history is a prefix of the new writer's).
    writer = track(await startMysql(env, { dataDir: writer.dataDir, host: writer.host, port: writer.port }));
    await followMysqlWriter(writer, replica1);
    await waitForMysqlCatchUp(writer, replica1);
    expect(await itemIds(writer, login())).toEqual([...committed, 13]);
    expect(await errnoOf(() => query(writer, `INSERT INTO appdb.items VALUES (99, 'nope')`, [], login()))).toBe(1290);
    expect((await readMysqlInstanceConfig(writer.dataDir)).role).toBe('replica');

    const lag = await mysqlReplicaLag(replica1);
    expect(lag.map((entry) => entry.serverId).sort()).toEqual([writer.serverId, replica2.serverId].sort());
    expect(lag.every((entry) => entry.state === 'replicating' && entry.lagTransactions === 0)).toBe(true);
  });
});
