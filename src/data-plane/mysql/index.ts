/**
 * The MariaDB compute layer (aurora-mysql): one real mariadbd process per DB
 * instance, on a loopback address. Knows nothing of HTTP, XML or RDS records.
 *
 *   const env = await prepareMysqlEnvironment({ dataRoot });
 *   const writer = await createMysqlWriter(env, { dataDir, host: '127.0.0.2', port, masterUsername, masterPassword, databaseName });
 *   const reader = await createMysqlReplica(env, { writer, dataDir: d2, host: '127.0.0.3', port });
 *   await rewindMysqlTo(env, writer, new Date(Date.now() - 60_000));
 */
export {
  resolveMariadbBinaries,
  MARIADB_TOOLS,
  MARIADB_APT_INSTALL,
  type MariadbBinaries,
  type ResolveMariadbBinariesOptions,
} from './binaries.js';
export { prepareMysqlEnvironment, createMysqlDataDir, type MysqlEnvironment, type MysqlEnvironmentOptions } from './environment.js';
export { ensureMysqlTemplate, type MysqlTemplate } from './template.js';
export {
  MysqlServer,
  stopAllMysqlServers,
  runningMysqlServers,
  probeMysql,
  type MysqlServerOptions,
  type MysqlServerExit,
  type MysqlProbeResult,
} from './mysqlServer.js';
export {
  createMysqlWriter,
  startMysql,
  stopMysql,
  createMysqlReplica,
  promoteMysql,
  followMysqlWriter,
  setMysqlMasterPassword,
  mysqlReplicaLag,
  waitForMysqlCatchUp,
  waitForMysqlReplication,
  isMysqlReplica,
  gtidDistance,
  parseGtidList,
  MASTER_USER_PRIVILEGES,
  type MysqlInstance,
  type MysqlPlacement,
  type CreateMysqlWriterOptions,
  type CreateMysqlReplicaOptions,
  type FollowMysqlWriterOptions,
  type MysqlReplicaLag,
} from './cluster.js';
export { backupRunningServer, type MysqlBackupResult, type MysqlCloneMethod } from './clone.js';
export {
  snapshotMysqlDataDir,
  restoreMysqlWriterFromSnapshot,
  readMysqlSnapshotInfo,
  writeMysqlSnapshotInfo,
  mysqlSnapshotInfoFile,
  type MysqlSnapshotInfo,
} from './snapshots.js';
export {
  rewindMysqlTo,
  mysqlRewindWindow,
  type MysqlRewindTarget,
  type MysqlRewindOptions,
  type MysqlRewindResult,
  type MysqlRewindWindow,
} from './backtrack.js';
export { readBinlogFile, readBinlogHead, type BinlogTransaction, type BinlogFileSummary, type BinlogHead } from './binlog.js';
export {
  MYSQL_ADMIN_USER,
  readAdminCredentials as readMysqlAdminCredentials,
  readInstanceConfig as readMysqlInstanceConfig,
  nativePasswordHash,
  type MysqlAdminCredentials,
  type MysqlInstanceConfig,
  type MysqlRole,
} from './settings.js';
export { DataPlaneUnavailableError, MysqlStartError, MysqlCommandError, MysqlReplicationError, MysqlRewindError, MysqlRewindStatementsError } from './errors.js';
