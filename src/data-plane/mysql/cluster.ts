/**
 * Cluster operations on MariaDB servers: a writer from the template, read-only
 * replicas cloned from it and replicating by GTID, promotion, re-pointing,
 * restarts, lag. Aurora semantics (which instance to promote, endpoints,
 * statuses) belong to the control plane; this is only the MariaDB mechanics.
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { copyDataDir } from '../compute/dataDirCopy.js';
import { backupRunningServer, type MysqlCloneMethod } from './clone.js';
import { createMysqlDataDir, type MysqlEnvironment } from './environment.js';
import { MysqlReplicationError } from './errors.js';
import { MysqlServer } from './mysqlServer.js';
import {
  MYSQL_ADMIN_HOST,
  MYSQL_ADMIN_USER,
  nativePasswordHash,
  newServerId,
  readAdminCredentials,
  readInstanceConfig,
  setInstanceRole,
  writeAdminCredentials,
  writeInstanceConfig,
  type MysqlAdminCredentials,
} from './settings.js';
import { account, queryRows, queryValue, quoteIdentifier, withMysqlAdmin, type MysqlAdminTarget, type MysqlConnection } from './sql.js';
import { ensureMysqlTemplate } from './template.js';

/** A started server plus the credentials the emulator administers it with. */
export interface MysqlInstance {
  readonly server: MysqlServer;
  readonly admin: MysqlAdminCredentials;
  readonly host: string;
  readonly port: number;
  readonly dataDir: string;
  /** @@server_id, unique within the cluster (GTIDs carry it). */
  readonly serverId: number;
}

export interface MysqlPlacement {
  dataDir: string;
  /** IPv4 loopback address (127.x.y.z); default 127.0.0.1. */
  host?: string;
  port: number;
  /** Server log; default `<dataDir>.log`. */
  logFile?: string;
  /** How long to wait for the server to accept connections (default 60 s). */
  startTimeoutMs?: number;
}

export interface CreateMysqlWriterOptions extends MysqlPlacement {
  masterUsername: string;
  masterPassword: string;
  /** Database created for the master user, like DatabaseName in CreateDBCluster. */
  databaseName?: string;
}

/**
 * What Aurora MySQL grants its master user: everything except SUPER and the
 * admin privileges MariaDB split out of it. Without READ_ONLY ADMIN the master
 * user cannot write on a read-only replica; without CONNECTION ADMIN it is held
 * off (and disconnected) during a rewind.
 */
export const MASTER_USER_PRIVILEGES = [
  'SELECT', 'INSERT', 'UPDATE', 'DELETE', 'CREATE', 'DROP', 'RELOAD', 'PROCESS', 'REFERENCES', 'INDEX', 'ALTER',
  'SHOW DATABASES', 'CREATE TEMPORARY TABLES', 'LOCK TABLES', 'EXECUTE', 'REPLICATION SLAVE', 'BINLOG MONITOR',
  'CREATE VIEW', 'SHOW VIEW', 'CREATE ROUTINE', 'ALTER ROUTINE', 'CREATE USER', 'EVENT', 'TRIGGER', 'DELETE HISTORY',
  'SLAVE MONITOR',
].join(', ');

/** A new cluster's writer: template copy, start, then the admin password, master user and database. */
export async function createMysqlWriter(env: MysqlEnvironment, options: CreateMysqlWriterOptions): Promise<MysqlInstance> {
  if (options.masterUsername === MYSQL_ADMIN_USER) throw new Error(`MasterUsername ${MYSQL_ADMIN_USER} is reserved for the emulator`);
  if (!/^[A-Za-z][A-Za-z0-9_]{0,79}$/.test(options.masterUsername)) {
    throw new Error(`Invalid master user name ${JSON.stringify(options.masterUsername)}: a letter, then letters, digits or _ (at most 80)`);
  }
  if (!options.masterPassword) throw new Error('The master password must not be empty');
  if (options.databaseName !== undefined && !/^[A-Za-z_][A-Za-z0-9_$]{0,63}$/.test(options.databaseName)) {
    throw new Error(`Invalid database name ${JSON.stringify(options.databaseName)}`);
  }
  const template = await ensureMysqlTemplate(env);
  const dataDir = await createMysqlDataDir(env, options.dataDir);
  await copyDataDir(template.dataDir, dataDir, { owner: env.runAs });
  const serverId = newServerId();
  await writeInstanceConfig(dataDir, { serverId, role: 'writer' }, env.runAs);
  const server = await startServer(env, { ...options, dataDir });
  try {
    // Every copy of the template starts with the template's admin password; give this cluster its own.
    const admin: MysqlAdminCredentials = { user: MYSQL_ADMIN_USER, password: randomBytes(24).toString('base64url') };
    await withMysqlAdmin({ host: server.host, port: server.port, admin: template.admin }, async (connection) => {
      // Set-up is not binlogged: the binary log (the Backtrack history) starts with the cluster's own writes.
      await connection.query('SET SESSION sql_log_bin = 0');
      const master = account(options.masterUsername, '%');
      await connection.query(`ALTER USER ${account(MYSQL_ADMIN_USER, MYSQL_ADMIN_HOST)} IDENTIFIED BY PASSWORD '${nativePasswordHash(admin.password)}'`);
      await connection.query(`CREATE USER ${master} IDENTIFIED BY PASSWORD '${nativePasswordHash(options.masterPassword)}'`);
      await connection.query(`GRANT ${MASTER_USER_PRIVILEGES} ON *.* TO ${master} WITH GRANT OPTION`);
      if (options.databaseName) await connection.query(`CREATE DATABASE IF NOT EXISTS ${quoteIdentifier(options.databaseName)}`);
    });
    await writeAdminCredentials(dataDir, admin, env.runAs);
    return instance(server, admin, serverId);
  } catch (error) {
    await server.stop();
    throw error;
  }
}

/** Starts an existing data directory (a reboot, or the emulator restarting), writer or replica alike; data and role are kept. */
export async function startMysql(env: MysqlEnvironment, placement: MysqlPlacement): Promise<MysqlInstance> {
  const dataDir = path.resolve(placement.dataDir);
  const [admin, config] = await Promise.all([readAdminCredentials(dataDir), readInstanceConfig(dataDir)]);
  return instance(await startServer(env, { ...placement, dataDir }), admin, config.serverId);
}

/** Clean shutdown (SIGKILL after timeoutMs, default 30 s). */
export async function stopMysql(target: MysqlInstance | MysqlServer, options: { timeoutMs?: number } = {}): Promise<void> {
  const server = target instanceof MysqlServer ? target : target.server;
  await server.stop(options);
}

export interface CreateMysqlReplicaOptions extends MysqlPlacement {
  writer: MysqlInstance;
  /** How long to wait for both replication threads to run (default 30 s). */
  replicationTimeoutMs?: number;
}

/**
 * A read-only replica of `writer`: a mariadb-backup copy, started with
 * read_only=ON, replicating from the copy's GTID position
 * (MASTER_USE_GTID=slave_pos). Resolves once both replication threads run.
 */
export async function createMysqlReplica(
  env: MysqlEnvironment,
  options: CreateMysqlReplicaOptions,
): Promise<MysqlInstance & { cloneMethod: MysqlCloneMethod; gtidPosition: string }> {
  const { writer } = options;
  const dataDir = await createMysqlDataDir(env, options.dataDir);
  const backup = await backupRunningServer(env, writer, dataDir);
  const serverId = newServerId();
  await writeInstanceConfig(dataDir, { serverId, role: 'replica' }, env.runAs);
  await writeAdminCredentials(dataDir, writer.admin, env.runAs);
  const server = await startServer(env, { ...options, dataDir });
  const replica = instance(server, writer.admin, serverId);
  try {
    await withMysqlAdmin(replica, async (connection) => {
      // The copy's binary log starts empty. Seeding its GTID state with the copy's position lets
      // other replicas that are at that position follow this one once it is promoted.
      await resetGtidState(connection, backup.gtidPosition, { slavePosition: backup.gtidPosition });
      await pointAt(connection, writer);
    });
    await waitForMysqlReplication(replica, { timeoutMs: options.replicationTimeoutMs });
    return { ...replica, cloneMethod: backup.method, gtidPosition: backup.gtidPosition };
  } catch (error) {
    await server.stop();
    throw error;
  }
}

/**
 * Turns a replica into a writer: stop fetching from the old writer, apply
 * everything already fetched (nothing received is lost), forget the old writer,
 * read_only=OFF, and remember the role across restarts. A writer stays a writer.
 */
export async function promoteMysql(target: MysqlInstance, options: { timeoutMs?: number } = {}): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  await withMysqlAdmin(target, async (connection) => {
    const status = await slaveStatus(connection);
    if (status) {
      await connection.query('STOP SLAVE IO_THREAD');
      const received = String((await slaveStatus(connection))?.Gtid_IO_Pos ?? '');
      if (received) {
        // Returns 0 once gtid_slave_pos has reached what the I/O thread received, -1 on timeout.
        const waited = await queryValue<number>(connection, 'SELECT MASTER_GTID_WAIT(?, ?)', [received, timeoutMs / 1000]);
        if (Number(waited) !== 0) {
          const now = await slaveStatus(connection);
          throw new MysqlReplicationError(
            `${target.host}:${target.port} did not apply the received transactions (${received}) within ${timeoutMs} ms ` +
              `(applied: ${await queryValue(connection, 'SELECT @@gtid_slave_pos')}; SQL thread: ${now?.Slave_SQL_Running} ${now?.Last_SQL_Error ?? ''})`,
          );
        }
      }
      await connection.query('STOP SLAVE');
      await connection.query('RESET SLAVE ALL');
    }
    await connection.query('SET GLOBAL read_only = OFF');
  });
  await setInstanceRole(target.dataDir, 'writer');
}

export interface FollowMysqlWriterOptions {
  /** How long to wait for both replication threads to run (default 30 s). */
  timeoutMs?: number;
}

/**
 * Points `replica` at `writer` (after a failover), replicating by GTID from
 * where it stands. Also turns a former writer whose history is a prefix of the
 * new writer's (a clean switchover) into a replica; one that committed
 * transactions the new writer never received cannot follow it (GTID strict
 * mode stops replication with an error) and must be re-cloned.
 */
export async function followMysqlWriter(replica: MysqlInstance, writer: MysqlInstance, options: FollowMysqlWriterOptions = {}): Promise<void> {
  await withMysqlAdmin(replica, async (connection) => {
    await connection.query('SET GLOBAL read_only = ON');
    const status = await slaveStatus(connection);
    if (status) {
      await connection.query('STOP SLAVE');
    } else {
      // A former writer: what it applied is its own binary log, not gtid_slave_pos.
      await connection.query('SET GLOBAL gtid_slave_pos = @@GLOBAL.gtid_binlog_pos');
    }
    await pointAt(connection, writer);
  });
  await setInstanceRole(replica.dataDir, 'replica');
  await waitForMysqlReplication(replica, { timeoutMs: options.timeoutMs });
}

/** Changes a user's password (the master user's, for ModifyDBCluster); replicated to the replicas. */
export async function setMysqlMasterPassword(writer: MysqlInstance, username: string, newPassword: string): Promise<void> {
  if (username === MYSQL_ADMIN_USER) throw new Error(`${MYSQL_ADMIN_USER} is the emulator's own login`);
  if (!newPassword) throw new Error('The master password must not be empty');
  await withMysqlAdmin(writer, async (connection) => {
    const exists = await queryRows(connection, `SELECT 1 FROM mysql.user WHERE user = ? AND host = '%'`, [username]);
    if (exists.length === 0) throw new Error(`No user ${username}@'%' on ${writer.host}:${writer.port}`);
    await connection.query(`ALTER USER ${account(username, '%')} IDENTIFIED BY PASSWORD '${nativePasswordHash(newPassword)}'`);
  });
}

export interface MysqlReplicaLag {
  /** The replica's @@server_id. */
  serverId: number;
  host: string | null;
  port: number | null;
  /**
   * 'replicating': both threads run; 'connecting': the I/O thread is (re)connecting;
   * 'stopped': replication is off; 'error': a thread stopped with an error;
   * 'unreachable': listed by the writer but we could not ask it.
   */
  state: 'replicating' | 'connecting' | 'stopped' | 'error' | 'unreachable';
  /** Seconds_Behind_Master (0 when caught up), null when not replicating. */
  lagSeconds: number | null;
  /**
   * Milliseconds (asked through the writer): how long the replica took to apply the writer's
   * position as it was when asked, 0 when it already had. Null when it did not within a
   * second, or when asked on the replica itself: then lagSeconds is all there is.
   */
  lagMs: number | null;
  /**
   * Transactions the replica has yet to apply: from the writer's position when
   * asked on the writer, from what the replica has received when asked on it.
   */
  lagTransactions: number | null;
  /** gtid_slave_pos: the replica's applied position. */
  appliedPosition: string | null;
  lastError?: string;
}

/**
 * Replication lag, cheap enough to poll. On a writer: one entry per replica
 * connected to it (SHOW SLAVE HOSTS, then each replica is asked). On a replica:
 * its own state, one entry.
 */
export async function mysqlReplicaLag(target: MysqlInstance): Promise<MysqlReplicaLag[]> {
  type Own = { replica: MysqlReplicaLag } | { hosts: { Server_id: number; Host: string; Port: number }[]; position: string };
  const own = await withMysqlAdmin(target, async (connection): Promise<Own> => {
    const status = await slaveStatus(connection);
    if (status) return { replica: await describeReplica(connection, status) };
    const hosts = await queryRows<{ Server_id: number; Host: string; Port: number }>(connection, 'SHOW SLAVE HOSTS');
    const position = String(await queryValue(connection, 'SELECT @@GLOBAL.gtid_binlog_pos'));
    return { hosts, position };
  });
  if ('replica' in own) return [own.replica];
  const entries = await Promise.all(
    own.hosts.map(async (host): Promise<MysqlReplicaLag> => {
      const base = { serverId: Number(host.Server_id), host: host.Host || null, port: Number(host.Port) || null };
      if (!base.host || !base.port) return { ...base, state: 'unreachable', lagSeconds: null, lagMs: null, lagTransactions: null, appliedPosition: null };
      try {
        const lag = await withMysqlAdmin({ host: base.host, port: base.port, admin: target.admin }, async (connection) => {
          const status = await slaveStatus(connection);
          return status ? describeReplica(connection, status, own.position) : undefined;
        });
        if (!lag) return { ...base, state: 'stopped', lagSeconds: null, lagMs: null, lagTransactions: null, appliedPosition: null };
        return { ...lag, ...base };
      } catch (error) {
        return { ...base, state: 'unreachable', lagSeconds: null, lagMs: null, lagTransactions: null, appliedPosition: null, lastError: (error as Error).message };
      }
    }),
  );
  return entries.sort((a, b) => a.serverId - b.serverId);
}

/** Waits until `replica` has applied everything `writer` has binlogged so far. */
export async function waitForMysqlCatchUp(replica: MysqlInstance, writer: MysqlInstance, options: { timeoutMs?: number } = {}): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const position = await mysqlBinlogPosition(writer);
  if (!position) return;
  await withMysqlAdmin(replica, async (connection) => {
    const waited = await queryValue<number>(connection, 'SELECT MASTER_GTID_WAIT(?, ?)', [position, timeoutMs / 1000]);
    if (Number(waited) !== 0) {
      const status = await slaveStatus(connection);
      throw new MysqlReplicationError(
        `${replica.host}:${replica.port} did not reach ${position} of ${writer.host}:${writer.port} within ${timeoutMs} ms ` +
          `(applied: ${await queryValue(connection, 'SELECT @@GLOBAL.gtid_slave_pos')}; ` +
          `I/O ${status?.Slave_IO_Running ?? 'not configured'} ${status?.Last_IO_Error ?? ''}; SQL ${status?.Slave_SQL_Running ?? ''} ${status?.Last_SQL_Error ?? ''})`,
      );
    }
  });
}

/** Waits until both replication threads of `replica` run; fails early on a replication error. */
export async function waitForMysqlReplication(replica: MysqlInstance, options: { timeoutMs?: number } = {}): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const deadline = Date.now() + timeoutMs;
  await withMysqlAdmin(replica, async (connection) => {
    for (;;) {
      const status = await slaveStatus(connection);
      if (!status) throw new MysqlReplicationError(`${replica.host}:${replica.port} is not configured as a replica`);
      if (status.Slave_IO_Running === 'Yes' && status.Slave_SQL_Running === 'Yes') return;
      const error = status.Last_IO_Error || status.Last_SQL_Error;
      if (error && (Number(status.Last_IO_Errno) === 1236 || status.Slave_SQL_Running === 'No' || Date.now() > deadline)) {
        throw new MysqlReplicationError(`Replication on ${replica.host}:${replica.port} failed: ${error}`);
      }
      if (Date.now() > deadline) {
        throw new MysqlReplicationError(
          `Replication on ${replica.host}:${replica.port} is not running after ${timeoutMs} ms ` +
            `(I/O thread: ${status.Slave_IO_Running}, SQL thread: ${status.Slave_SQL_Running}); see its server log.`,
        );
      }
      await sleep(20);
    }
  });
}

/** Whether the server is a replica (has a replication source configured). */
export async function isMysqlReplica(target: MysqlInstance): Promise<boolean> {
  return withMysqlAdmin(target, async (connection) => (await slaveStatus(connection)) !== undefined);
}

// ---- internals shared with snapshots.ts and backtrack.ts ----

export type SlaveStatus = Record<string, string | number | null>;

export async function slaveStatus(connection: MysqlConnection): Promise<SlaveStatus | undefined> {
  const rows = await queryRows<SlaveStatus>(connection, 'SHOW SLAVE STATUS');
  return rows[0];
}

/**
 * A fresh copy's GTID bookkeeping: no replication source, an empty binary log
 * whose state starts at `binlogState` (so sequence numbers continue), and the
 * applied position for replication.
 */
export async function resetGtidState(connection: MysqlConnection, binlogState: string, options: { slavePosition: string }): Promise<void> {
  // Both fail harmlessly ("no master connection") when nothing is configured.
  await connection.query('STOP SLAVE').catch(() => {});
  await connection.query('RESET SLAVE ALL').catch(() => {});
  await connection.query('RESET MASTER');
  if (binlogState) await connection.query('SET GLOBAL gtid_binlog_state = ?', [binlogState]);
  await connection.query('SET GLOBAL gtid_slave_pos = ?', [options.slavePosition]);
}

async function pointAt(connection: MysqlConnection, writer: MysqlInstance): Promise<void> {
  await connection.query(
    `CHANGE MASTER TO MASTER_HOST = ?, MASTER_PORT = ?, MASTER_USER = ?, MASTER_PASSWORD = ?,
       MASTER_USE_GTID = slave_pos, MASTER_CONNECT_RETRY = 1`,
    [writer.host, writer.port, writer.admin.user, writer.admin.password],
  );
  await connection.query('START SLAVE');
}

/** How long a lag measurement waits for the replica (it runs every second). */
const LAG_WAIT_SECONDS = 1;

async function describeReplica(connection: MysqlConnection, status: SlaveStatus, writerPosition?: string): Promise<MysqlReplicaLag> {
  const rows = await queryRows<{ server_id: number; applied: string; host: string | null; port: number | null }>(
    connection,
    'SELECT @@server_id AS server_id, @@GLOBAL.gtid_slave_pos AS applied, @@report_host AS host, @@report_port AS port',
  );
  const own = rows[0]!;
  const io = String(status.Slave_IO_Running);
  const sql = String(status.Slave_SQL_Running);
  const lastError = String(status.Last_IO_Error || status.Last_SQL_Error || '') || undefined;
  const state: MysqlReplicaLag['state'] =
    io === 'Yes' && sql === 'Yes' ? 'replicating' : sql === 'Yes' && io === 'Connecting' ? 'connecting' : lastError ? 'error' : 'stopped';
  const reference = writerPosition ?? String(status.Gtid_IO_Pos ?? '');
  const seconds = status.Seconds_Behind_Master;
  // Seconds_Behind_Master has whole seconds: the time to apply the writer's position measures milliseconds.
  let lagMs: number | null = null;
  if (writerPosition && state === 'replicating') {
    const started = performance.now();
    const waited = Number(await queryValue(connection, 'SELECT MASTER_GTID_WAIT(?, ?)', [writerPosition, LAG_WAIT_SECONDS]));
    if (waited === 0) lagMs = Math.round((performance.now() - started) * 1000) / 1000;
  }
  return {
    serverId: Number(own.server_id),
    host: own.host,
    port: own.port === null ? null : Number(own.port),
    state,
    lagSeconds: seconds === null || seconds === undefined || seconds === '' ? null : Number(seconds),
    lagMs,
    lagTransactions: gtidDistance(reference, own.applied),
    appliedPosition: own.applied,
    ...(lastError ? { lastError } : {}),
  };
}

/** GTID positions as MariaDB writes them: domain → the last server id and sequence number. */
export type GtidPosition = Map<number, { serverId: number; seq: number }>;

/** Parses "0-1-10,1-2-5" into domain → { serverId, seq }. */
export function parseGtidList(list: string): GtidPosition {
  const result: GtidPosition = new Map();
  for (const item of list.split(',').map((part) => part.trim()).filter(Boolean)) {
    const [domain, serverId, seq] = item.split('-').map(Number);
    if ([domain, serverId, seq].some((n) => n === undefined || !Number.isFinite(n))) throw new Error(`Invalid GTID ${JSON.stringify(item)}`);
    result.set(domain!, { serverId: serverId!, seq: seq! });
  }
  return result;
}

/** The inverse of parseGtidList, domains in order: "0-1-10,1-2-5". */
export function formatGtidList(position: GtidPosition): string {
  return [...position].sort(([a], [b]) => a - b).map(([domain, { serverId, seq }]) => `${domain}-${serverId}-${seq}`).join(',');
}

/** Where a server's binary log ends (gtid_binlog_pos): '' before its first transaction. */
export async function mysqlBinlogPosition(target: MysqlAdminTarget): Promise<string> {
  return String((await withMysqlAdmin(target, (connection) => queryValue(connection, 'SELECT @@GLOBAL.gtid_binlog_pos'))) ?? '');
}

/** Transactions in `ahead` not yet in `behind` (sequence numbers per replication domain). */
export function gtidDistance(ahead: string, behind: string): number | null {
  try {
    const a = parseGtidList(ahead);
    const b = parseGtidList(behind);
    let total = 0;
    for (const [domain, { seq }] of a) total += Math.max(0, seq - (b.get(domain)?.seq ?? 0));
    return total;
  } catch {
    return null;
  }
}

async function startServer(env: MysqlEnvironment, placement: MysqlPlacement): Promise<MysqlServer> {
  const server = new MysqlServer({
    binaries: env.binaries,
    runAs: env.runAs,
    dataDir: placement.dataDir,
    host: placement.host,
    port: placement.port,
    logFile: placement.logFile,
  });
  await server.start({ timeoutMs: placement.startTimeoutMs });
  return server;
}

export function instance(server: MysqlServer, admin: MysqlAdminCredentials, serverId: number): MysqlInstance {
  return { server, admin, host: server.host, port: server.port, dataDir: server.dataDir, serverId };
}

export { startServer as startMysqlServerProcess };

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
