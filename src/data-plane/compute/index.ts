/**
 * The PostgreSQL compute layer: one real PostgreSQL server process per DB
 * instance. Knows nothing of HTTP, XML or RDS records.
 *
 *   const env = await prepareComputeEnvironment({ dataRoot });
 *   const writer = await createWriter(env, { dataDir, port, masterUsername, masterPassword });
 *   const reader = await createReplica(env, { writer, dataDir: d2, host: '127.0.0.2', port, slotName: 'reader_1' });
 */
export { resolvePostgresBinaries, hydrateLibrarySymlinks, embeddedPlatformPackageName, type PostgresBinaries, type ResolveBinariesOptions } from './binaries.js';
export { resolveServerUser, canAccess, DEFAULT_SERVER_USER, type ServerUser } from './osUser.js';
export { prepareComputeEnvironment, createEmptyDataDir, type ComputeEnvironment, type ComputeEnvironmentOptions } from './environment.js';
export { ensureTemplate, ADMIN_USER, type Template } from './template.js';
export {
  PostgresServer,
  stopAllPostgresServers,
  runningPostgresServers,
  type PostgresServerOptions,
  type ServerExit,
} from './postgresServer.js';
export { probePostgres, type ProbeResult } from './probe.js';
export {
  createWriter,
  startInstance,
  createReplica,
  promote,
  isInRecovery,
  followWriter,
  rejoinAsReplica,
  setMasterPassword,
  replicationLag,
  waitForStreaming,
  waitUntilFollowing,
  ensureReplicationSlot,
  dropReplicationSlot,
  type PostgresInstance,
  type ServerPlacement,
  type CreateWriterOptions,
  type CreateReplicaOptions,
  type RejoinOptions,
  type RejoinMethod,
  type ReplicaLag,
} from './cluster.js';
export { snapshotDataDir, restoreWriterFromSnapshot } from './snapshots.js';
export { cloneRunningServer, type CloneMethod } from './clone.js';
export { readAdminCredentials, type AdminCredentials } from './configFiles.js';
export { DataPlaneUnavailableError, PostgresStartError, PostgresCommandError } from './errors.js';
export {
  restoreWriterToPointInTime,
  readBackupLabel,
  timelineForkPoint,
  postgresTimestamp,
  type TimelineWal,
  type PointInTimeOptions,
  type PointInTimeRecovery,
  type TimelineLogReport,
  type BackupLabel,
} from './pointInTime.js';
