/**
 * Snapshots as physical copies: a consistent, prepared mariadb-backup copy of a
 * running writer (it starts as is), and a new independent writer started from
 * such a copy (RestoreDBClusterFromSnapshot). The snapshot directory is never
 * modified, so it can be restored any number of times.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { copyDataDir } from '../compute/dataDirCopy.js';
import { backupRunningServer, type MysqlBackupResult } from './clone.js';
import { instance, resetGtidState, startMysqlServerProcess, type MysqlInstance, type MysqlPlacement } from './cluster.js';
import { createMysqlDataDir, type MysqlEnvironment } from './environment.js';
import type { ServerUser } from '../compute/osUser.js';
import { newServerId, readAdminCredentials, writeAdminCredentials, writeInstanceConfig, writeOwnedFile } from './settings.js';
import { withMysqlAdmin } from './sql.js';

const SNAPSHOT_INFO_FILE = 'aurora_local_snapshot.json';

export interface MysqlSnapshotInfo extends MysqlBackupResult {
  /** When the copy was taken (ISO 8601). */
  createdAt: string;
  /** MariaDB version that wrote it. */
  version: string;
}

/** Writes a consistent copy of `writer` into the new directory `snapshotDir`; the writer keeps running. */
export async function snapshotMysqlDataDir(env: MysqlEnvironment, writer: MysqlInstance, snapshotDir: string): Promise<MysqlSnapshotInfo> {
  const dir = await createMysqlDataDir(env, snapshotDir);
  const backup = await backupRunningServer(env, writer, dir);
  const info: MysqlSnapshotInfo = { ...backup, createdAt: new Date().toISOString(), version: env.binaries.version };
  // The copy's mysql.user holds the cluster's admin password: keep the credentials with it.
  await writeAdminCredentials(dir, writer.admin, env.runAs);
  await writeMysqlSnapshotInfo(dir, info, env.runAs);
  return info;
}

/** The file that makes a directory a snapshot restore can start from: what the copy is and where its GTIDs stand. */
export function mysqlSnapshotInfoFile(snapshotDir: string): string {
  return path.join(snapshotDir, SNAPSHOT_INFO_FILE);
}

/** Writes the info file of a copy (a backup, a copy at rest, a replayed image). */
export async function writeMysqlSnapshotInfo(snapshotDir: string, info: object, owner: ServerUser | null): Promise<void> {
  await writeOwnedFile(mysqlSnapshotInfoFile(snapshotDir), JSON.stringify(info, null, 2) + '\n', owner);
}

export async function readMysqlSnapshotInfo(snapshotDir: string): Promise<MysqlSnapshotInfo> {
  return JSON.parse(await fs.readFile(path.join(snapshotDir, SNAPSHOT_INFO_FILE), 'utf8')) as MysqlSnapshotInfo;
}

/**
 * A new, independent writer from a snapshot directory: its own server id, no
 * replication source, an empty binary log continuing the snapshot's GTID
 * sequence. Resolves once it accepts writes.
 */
export async function restoreMysqlWriterFromSnapshot(env: MysqlEnvironment, options: MysqlPlacement & { snapshotDir: string }): Promise<MysqlInstance> {
  const snapshotDir = path.resolve(options.snapshotDir);
  const [info, admin] = await Promise.all([readMysqlSnapshotInfo(snapshotDir), readAdminCredentials(snapshotDir)]);
  const dataDir = await createMysqlDataDir(env, options.dataDir);
  await copyDataDir(snapshotDir, dataDir, { owner: env.runAs });
  await fs.rm(path.join(dataDir, SNAPSHOT_INFO_FILE), { force: true });
  const serverId = newServerId();
  await writeInstanceConfig(dataDir, { serverId, role: 'writer' }, env.runAs);
  const server = await startMysqlServerProcess(env, { ...options, dataDir });
  try {
    // The applied position too: gtid_current_pos (what mariadb-backup records for a replica's clone)
    // counts the binary log's GTIDs only when they carry this server's id, and these carry the old one.
    await withMysqlAdmin({ host: server.host, port: server.port, admin }, (connection) =>
      resetGtidState(connection, info.gtidPosition, { slavePosition: info.gtidPosition }),
    );
    return instance(server, admin, serverId);
  } catch (error) {
    await server.stop();
    throw error;
  }
}
