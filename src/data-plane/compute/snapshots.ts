/**
 * Snapshots as physical copies: a consistent copy of a running writer's data
 * directory (WAL included, so it needs nothing else to start), and a new writer
 * started from such a copy (RestoreDBClusterFromSnapshot).
 */
import path from 'node:path';
import { cloneRunningServer, type CloneMethod } from './clone.js';
import { startInstance, type PostgresInstance, type ServerPlacement } from './cluster.js';
import { clearStandbyConfiguration } from './configFiles.js';
import { copyDataDir } from './dataDirCopy.js';
import { createEmptyDataDir, type ComputeEnvironment } from './environment.js';
import { withAdminClient } from './sql.js';

/** Writes a consistent copy of `writer` into the new directory `snapshotDir`; the writer keeps running. */
export async function snapshotDataDir(env: ComputeEnvironment, writer: PostgresInstance, snapshotDir: string): Promise<CloneMethod> {
  const dir = await createEmptyDataDir(env, snapshotDir);
  return cloneRunningServer(env, writer, dir, { includeWal: true });
}

/**
 * A new, independent writer from a snapshot directory (which stays untouched
 * and can be restored again). Resolves once the copy has replayed its WAL and accepts writes.
 */
export async function restoreWriterFromSnapshot(
  env: ComputeEnvironment,
  options: ServerPlacement & { snapshotDir: string },
): Promise<PostgresInstance> {
  const dataDir = await createEmptyDataDir(env, options.dataDir);
  await copyDataDir(path.resolve(options.snapshotDir), dataDir, { owner: env.runAs });
  await clearStandbyConfiguration(dataDir, env.runAs);
  const restored = await startInstance(env, { ...options, dataDir });
  // Recovery from the backup finishes before connections are accepted; this only confirms it.
  const stillRecovering = await withAdminClient(restored, async (client) => (await client.query('SELECT pg_is_in_recovery() AS r')).rows[0].r as boolean);
  if (stillRecovering) {
    await restored.server.stop();
    throw new Error(`The copy of snapshot ${options.snapshotDir} started as a standby, not a writer`);
  }
  return restored;
}
