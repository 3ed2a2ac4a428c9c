/**
 * Cluster operations on PostgreSQL servers: a writer from the template, hot
 * standbys cloned from it, promotion, re-pointing, and bringing a failed writer
 * back as a replica. Aurora semantics (which instance to promote, endpoints,
 * statuses) live in the control plane; this is only the PostgreSQL mechanics.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type pg from 'pg';
import { cloneRunningServer, type CloneMethod } from './clone.js';
import { runTool } from './commands.js';
import {
  configureStandby,
  conninfo,
  primaryConninfo,
  readAdminCredentials,
  writeAdminCredentials,
  type AdminCredentials,
} from './configFiles.js';
import { copyDataDir } from './dataDirCopy.js';
import { createEmptyDataDir, type ComputeEnvironment } from './environment.js';
import { PostgresServer } from './postgresServer.js';
import { quoteIdentifier, quoteLiteral, runWithSecrets, withAdminClient } from './sql.js';
import { ADMIN_USER, ensureTemplate } from './template.js';

/** A started server plus the credentials the emulator administers it with. */
export interface PostgresInstance {
  readonly server: PostgresServer;
  readonly admin: AdminCredentials;
  readonly host: string;
  readonly port: number;
  readonly dataDir: string;
}

export interface ServerPlacement {
  dataDir: string;
  /** Default 127.0.0.1; any loopback address works. */
  host?: string;
  port: number;
  /** Server log; default `<dataDir>.log`. */
  logFile?: string;
  /** How long to wait for the server to accept connections (default 30 s). */
  startTimeoutMs?: number;
}

export interface CreateWriterOptions extends ServerPlacement {
  masterUsername: string;
  masterPassword: string;
  /** Database created for (and owned by) the master user, like DatabaseName in CreateDBCluster. */
  databaseName?: string;
}

/** A new cluster's writer: template copy, start, then the master user and database. */
export async function createWriter(env: ComputeEnvironment, options: CreateWriterOptions): Promise<PostgresInstance> {
  if (options.masterUsername === ADMIN_USER) throw new Error(`MasterUsername ${ADMIN_USER} is reserved for the emulator`);
  if (!options.masterPassword) throw new Error('The master password must not be empty');
  const template = await ensureTemplate(env);
  const dataDir = await createEmptyDataDir(env, options.dataDir);
  await copyDataDir(template.dataDir, dataDir, { owner: env.runAs });
  const server = await startServer(env, { ...options, dataDir });
  try {
    // Every copy of the template starts with the template's admin password; give this cluster its own.
    const admin: AdminCredentials = { user: ADMIN_USER, password: randomBytes(24).toString('base64url') };
    const master = quoteIdentifier(options.masterUsername);
    await withAdminClient({ host: server.host, port: server.port, admin: template.admin }, async (client) => {
      await runWithSecrets(client, [
        `ALTER ROLE ${quoteIdentifier(ADMIN_USER)} PASSWORD ${quoteLiteral(admin.password)}`,
        // Aurora's master user is a member of rds_superuser; here it is also a real superuser.
        `CREATE ROLE rds_superuser NOLOGIN`,
        `CREATE ROLE ${master} LOGIN SUPERUSER CREATEDB CREATEROLE PASSWORD ${quoteLiteral(options.masterPassword)} IN ROLE rds_superuser`,
      ]);
      if (options.databaseName) {
        const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [options.databaseName]);
        if (!rowCount) await client.query(`CREATE DATABASE ${quoteIdentifier(options.databaseName)} OWNER ${master}`);
      }
    });
    await writeAdminCredentials(dataDir, admin, env.runAs);
    return instance(server, admin);
  } catch (error) {
    await server.stop();
    throw error;
  }
}

/** Starts an existing data directory (a reboot, or the emulator restarting), writer or standby alike. */
export async function startInstance(env: ComputeEnvironment, placement: ServerPlacement): Promise<PostgresInstance> {
  const admin = await readAdminCredentials(path.resolve(placement.dataDir));
  return instance(await startServer(env, placement), admin);
}

export interface CreateReplicaOptions extends ServerPlacement {
  writer: PostgresInstance;
  /** Physical replication slot on the writer for this replica; also its application_name. [a-z0-9_] only. */
  slotName: string;
}

/** A hot standby of `writer`, streaming through its own replication slot; resolves once it accepts read-only connections. */
export async function createReplica(env: ComputeEnvironment, options: CreateReplicaOptions): Promise<PostgresInstance & { cloneMethod: CloneMethod }> {
  const { writer, slotName } = options;
  await ensureReplicationSlot(writer, slotName);
  try {
    const dataDir = await createEmptyDataDir(env, options.dataDir);
    const cloneMethod = await cloneRunningServer(env, writer, dataDir, { slotName });
    await configureStandby(dataDir, { primaryHost: writer.host, primaryPort: writer.port, admin: writer.admin, slotName }, env.runAs);
    return { ...(await startInstance(env, { ...options, dataDir })), cloneMethod };
  } catch (error) {
    // An unused slot would make the writer keep WAL forever.
    await dropReplicationSlot(writer, slotName).catch(() => {});
    throw error;
  }
}

/** Turns a standby into a writer; resolves when it accepts writes. Does nothing to a server that is already a writer. */
export async function promote(target: PostgresInstance, options: { timeoutMs?: number } = {}): Promise<void> {
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  await withAdminClient(target, async (client) => {
    // wait=false returns at once; pg_promote(true) polls in 100 ms steps, we poll faster.
    let lastRequest = 0;
    while (await inRecovery(client)) {
      if (Date.now() > deadline) throw new Error(`${target.host}:${target.port} was still in recovery ${options.timeoutMs ?? 30_000} ms after pg_promote`);
      // Repeated every 100 ms: a request that arrives while the startup process is
      // between a failed WAL receiver and its retry sleep was seen to be acted on only
      // after wal_retrieve_retry_interval (5 s, PostgreSQL 17.10); a new request wakes it.
      if (Date.now() - lastRequest >= 100) {
        lastRequest = Date.now();
        await client.query('SELECT pg_promote(false)').catch((error: { code?: string }) => {
          if (error.code !== '55000') throw error; // 55000: recovery is not in progress: the previous request just finished
        });
      }
      await sleep(2);
    }
    // A writer has no use for the standby settings (and they hold a password).
    await runWithSecrets(client, ['ALTER SYSTEM RESET primary_conninfo', 'ALTER SYSTEM RESET primary_slot_name']);
    await client.query('SELECT pg_reload_conf()');
    // Assigning a transaction id is a write. Its (empty) commit does not wait for the storage
    // quorum: a writer promoted while the volume lacks its write quorum is still promoted.
    await client.query('BEGIN');
    await client.query('SET LOCAL synchronous_commit = local');
    await client.query('SELECT pg_current_xact_id()');
    await client.query('COMMIT');
  });
}

export async function isInRecovery(target: PostgresInstance): Promise<boolean> {
  return withAdminClient(target, inRecovery);
}

/**
 * Re-points a running standby at a new writer (after a failover), through a slot
 * on that writer, and waits until it streams from it. It follows the new
 * timeline by itself (recovery_target_timeline = latest). Fails if the standby
 * had replayed WAL the new writer never had; rejoinAsReplica handles that case.
 */
export async function followWriter(
  replica: PostgresInstance,
  newWriter: PostgresInstance,
  options: { slotName: string; timeoutMs?: number },
): Promise<void> {
  await ensureReplicationSlot(newWriter, options.slotName);
  const settings = { primaryHost: newWriter.host, primaryPort: newWriter.port, admin: newWriter.admin, slotName: options.slotName };
  await withAdminClient(replica, async (client) => {
    // Both settings are reloadable since PostgreSQL 13: the WAL receiver restarts with them.
    await runWithSecrets(client, [
      `ALTER SYSTEM SET primary_conninfo = ${quoteLiteral(primaryConninfo(settings))}`,
      `ALTER SYSTEM SET primary_slot_name = ${quoteLiteral(options.slotName)}`,
    ]);
    await client.query('SELECT pg_reload_conf()');
  });
  await waitUntilFollowing(replica, newWriter, options.timeoutMs);
}

export interface RejoinOptions extends ServerPlacement {
  /** The failed writer: its running instance (it is stopped first), or nothing running on dataDir. */
  oldWriter?: PostgresInstance;
  newWriter: PostgresInstance;
  slotName: string;
  /** How long the rejoined standby may take to stream the new writer's timeline (default 10 s). */
  followTimeoutMs?: number;
}

export type RejoinMethod = 'pg_rewind' | 'clone';

/**
 * Brings a former writer back as a standby of the new writer. Its data diverged
 * at the promotion (it may have committed transactions the new writer never
 * received), so it cannot simply follow. pg_rewind, when the installation has it,
 * copies back only the blocks that changed (wal_log_hints = on in the template
 * makes that possible); otherwise, or if rewinding fails, the directory is
 * replaced by a fresh clone of the new writer.
 */
export async function rejoinAsReplica(env: ComputeEnvironment, options: RejoinOptions): Promise<PostgresInstance & { rejoinMethod: RejoinMethod; rewindFailure?: string }> {
  const dataDir = path.resolve(options.dataDir);
  const { newWriter, slotName } = options;
  await options.oldWriter?.server.stop();
  await ensureReplicationSlot(newWriter, slotName);
  const standby = { primaryHost: newWriter.host, primaryPort: newWriter.port, admin: newWriter.admin, slotName };
  let rewindFailure: string | undefined;

  if (env.binaries.pg_rewind) {
    try {
      // pg_rewind reads the source's timeline from its control file, which a
      // freshly promoted server only updates at its next checkpoint; without this
      // it can wrongly decide "same timeline, no rewind required".
      await withAdminClient(newWriter, (client) => client.query('CHECKPOINT'));
      await runTool(
        env.binaries.pg_rewind,
        [
          `--target-pgdata=${dataDir}`,
          `--source-server=${conninfo({ host: newWriter.host, port: String(newWriter.port), user: newWriter.admin.user, dbname: 'postgres' })}`,
        ],
        { runAs: env.runAs, cwd: dataDir, env: { PGPASSWORD: newWriter.admin.password } },
      );
      // The old writer's slots (for its former replicas) came through the rewind;
      // nothing would ever consume them on a standby, and they would pin WAL.
      await emptyDirectory(path.join(dataDir, 'pg_replslot'));
      await configureStandby(dataDir, standby, env.runAs);
      const rewound = await startInstance(env, { ...options, dataDir });
      try {
        await waitUntilFollowing(rewound, newWriter, options.followTimeoutMs ?? 10_000);
      } catch (error) {
        await rewound.server.stop();
        throw error;
      }
      return { ...rewound, rejoinMethod: 'pg_rewind' };
    } catch (error) {
      // e.g. the WAL since the divergence is gone: fall back to a full copy.
      rewindFailure = (error as Error).message;
    }
  }
  await fs.rm(dataDir, { recursive: true, force: true });
  await createEmptyDataDir(env, dataDir);
  await cloneRunningServer(env, newWriter, dataDir, { slotName });
  await configureStandby(dataDir, standby, env.runAs);
  const cloned = await startInstance(env, { ...options, dataDir });
  try {
    await waitUntilFollowing(cloned, newWriter, options.followTimeoutMs);
  } catch (error) {
    await cloned.server.stop();
    throw error;
  }
  return { ...cloned, rejoinMethod: 'clone', rewindFailure };
}

/** Changes a role's password on the writer (replicas receive it through replication). */
export async function setMasterPassword(writer: PostgresInstance, username: string, newPassword: string): Promise<void> {
  if (!newPassword) throw new Error('The master password must not be empty');
  await withAdminClient(writer, (client) =>
    runWithSecrets(client, [`ALTER ROLE ${quoteIdentifier(username)} PASSWORD ${quoteLiteral(newPassword)}`]),
  );
}

export interface ReplicaLag {
  /** The replica's application_name, which is its slot name. */
  applicationName: string;
  /** 'streaming', 'catchup', … as in pg_stat_replication; 'disconnected' when a replica has no WAL receiver. */
  state: string;
  /** WAL bytes the replica has yet to replay. */
  lagBytes: number | null;
  /** Time the replica's replay trails the writer: pg_stat_replication.replay_lag, 0 when caught up. */
  lagMs: number | null;
}

/**
 * Replication lag, one query, cheap enough to poll every second. On a writer:
 * one entry per connected replica. On a replica: its own lag, as far as it knows
 * the writer's position (from the last message the writer sent it).
 */
export async function replicationLag(target: PostgresInstance): Promise<ReplicaLag[]> {
  return withAdminClient(target, async (client) => {
    if (!(await inRecovery(client))) {
      const { rows } = await client.query<{ application_name: string; state: string; lag_bytes: number | null; lag_ms: number | null }>(
        `SELECT application_name, state,
                pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)::float8 AS lag_bytes,
                (extract(epoch FROM replay_lag) * 1000)::float8 AS lag_ms
           FROM pg_stat_replication
          WHERE state <> 'backup'
          ORDER BY application_name`,
      );
      // replay_lag is NULL once a caught-up replica has been idle a while.
      return rows.map((row) => ({
        applicationName: row.application_name,
        state: row.state,
        lagBytes: row.lag_bytes === null ? null : Math.max(0, row.lag_bytes),
        lagMs: row.lag_ms ?? (row.lag_bytes === 0 ? 0 : null),
      }));
    }
    const { rows } = await client.query<{ application_name: string; state: string | null; lag_bytes: number | null; lag_ms: number | null }>(
      `SELECT current_setting('primary_slot_name') AS application_name,
              r.status AS state,
              greatest(pg_wal_lsn_diff(r.latest_end_lsn, pg_last_wal_replay_lsn()), 0)::float8 AS lag_bytes,
              CASE WHEN pg_last_wal_replay_lsn() >= r.latest_end_lsn THEN 0
                   ELSE (extract(epoch FROM now() - pg_last_xact_replay_timestamp()) * 1000)::float8 END AS lag_ms
         FROM (SELECT 1) AS one LEFT JOIN pg_stat_wal_receiver AS r ON true`,
    );
    const row = rows[0]!;
    return [{ applicationName: row.application_name, state: row.state ?? 'disconnected', lagBytes: row.lag_bytes, lagMs: row.lag_ms }];
  });
}

/** Waits until the replica using `slotName` streams from `writer`. */
export async function waitForStreaming(writer: PostgresInstance, slotName: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  await withAdminClient(writer, async (client) => {
    for (;;) {
      const { rows } = await client.query<{ state: string }>('SELECT state FROM pg_stat_replication WHERE application_name = $1', [slotName]);
      if (rows.some((row) => row.state === 'streaming')) return;
      if (Date.now() > deadline) {
        throw new Error(
          `Replica ${slotName} is not streaming from ${writer.host}:${writer.port} after ${timeoutMs} ms ` +
            `(state: ${rows.map((r) => r.state).join(', ') || 'not connected'}); see the replica's server log.`,
        );
      }
      await sleep(10);
    }
  });
}

/**
 * Waits until `replica` streams WAL of `writer`'s current timeline. Checked on
 * the replica: a standby whose history diverged still connects and streams the
 * old timeline up to the fork, then stalls ("new timeline forked off current
 * database system timeline before current recovery point").
 */
export async function waitUntilFollowing(replica: PostgresInstance, writer: PostgresInstance, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const walFile = await withAdminClient(writer, (client) =>
    client.query<{ name: string }>('SELECT pg_walfile_name(pg_current_wal_lsn()) AS name').then((r) => r.rows[0]!.name),
  );
  const timeline = Number.parseInt(walFile.slice(0, 8), 16); // WAL file names start with the timeline, in hex
  await withAdminClient(replica, async (client) => {
    for (;;) {
      const { rows } = await client.query<{ status: string; received_tli: number }>('SELECT status, received_tli FROM pg_stat_wal_receiver');
      if (rows[0]?.status === 'streaming' && rows[0].received_tli >= timeline) return;
      if (Date.now() > deadline) {
        throw new Error(
          `${replica.host}:${replica.port} does not follow ${writer.host}:${writer.port} on timeline ${timeline} after ${timeoutMs} ms ` +
            `(WAL receiver: ${rows[0] ? `${rows[0].status}, timeline ${rows[0].received_tli}` : 'not running'}); see its server log.`,
        );
      }
      await sleep(10);
    }
  });
}

export async function ensureReplicationSlot(writer: PostgresInstance, slotName: string): Promise<void> {
  if (!/^[a-z0-9_]{1,63}$/.test(slotName)) throw new Error(`Invalid replication slot name ${JSON.stringify(slotName)}: use 1-63 of [a-z0-9_]`);
  await withAdminClient(writer, (client) =>
    // immediately_reserve = true: WAL is kept from now on, before the copy starts.
    client.query(
      `SELECT pg_create_physical_replication_slot($1, true)
        WHERE NOT EXISTS (SELECT 1 FROM pg_replication_slots WHERE slot_name = $1)`,
      [slotName],
    ),
  );
}

/** Drops a replica's slot on the writer (when the replica is deleted), so the writer stops keeping WAL for it. */
export async function dropReplicationSlot(writer: PostgresInstance, slotName: string): Promise<void> {
  await withAdminClient(writer, (client) =>
    client.query('SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1 AND NOT active', [slotName]),
  );
}

async function startServer(env: ComputeEnvironment, placement: ServerPlacement): Promise<PostgresServer> {
  const server = new PostgresServer({
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

function instance(server: PostgresServer, admin: AdminCredentials): PostgresInstance {
  return { server, admin, host: server.host, port: server.port, dataDir: server.dataDir };
}

async function inRecovery(client: pg.Client): Promise<boolean> {
  const { rows } = await client.query<{ in_recovery: boolean }>('SELECT pg_is_in_recovery() AS in_recovery');
  return rows[0]!.in_recovery;
}

async function emptyDirectory(dir: string): Promise<void> {
  const entries = await fs.readdir(dir).catch(() => []);
  await Promise.all(entries.map((entry) => fs.rm(path.join(dir, entry), { recursive: true, force: true })));
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
