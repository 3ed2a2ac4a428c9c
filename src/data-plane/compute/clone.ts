/**
 * Consistent physical copies of a running server: the starting point of a new
 * replica, of a failed writer rejoining as a replica, and of a snapshot.
 *
 * With pg_basebackup available (full installations) we use it. The embedded
 * binaries lack it, so otherwise we do what it does by hand: the low-level
 * backup API (pg_backup_start / pg_backup_stop) around a file copy.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { runTool } from './commands.js';
import { writeOwnedFile, type AdminCredentials } from './configFiles.js';
import { copyDataDir } from './dataDirCopy.js';
import type { ComputeEnvironment } from './environment.js';
import { withAdminClient } from './sql.js';

export interface CloneSource {
  host: string;
  port: number;
  dataDir: string;
  admin: AdminCredentials;
}

export interface CloneOptions {
  /**
   * Physical replication slot (already created on the source) that will feed the
   * copy afterwards: it pins the WAL the copy still needs. Without one, a
   * temporary slot pins it for the duration of the backup.
   */
  slotName?: string;
  /** Put the WAL needed for consistency into the copy, so it can start alone (snapshots). */
  includeWal?: boolean;
}

export type CloneMethod = 'pg_basebackup' | 'low-level-backup';

/** Copies `source` into the empty, server-owned directory `targetDir`. */
export async function cloneRunningServer(
  env: ComputeEnvironment,
  source: CloneSource,
  targetDir: string,
  options: CloneOptions = {},
): Promise<CloneMethod> {
  if (env.binaries.pg_basebackup) {
    await runTool(
      env.binaries.pg_basebackup,
      [
        '-D', targetDir,
        '-h', source.host,
        '-p', String(source.port),
        '-U', source.admin.user,
        '-w',
        '-X', 'stream', // WAL streamed alongside: the copy is consistent by itself
        '--checkpoint=fast',
        ...(options.slotName ? ['-S', options.slotName] : []),
      ],
      // Password through the environment, not argv: argv is visible to every local user in ps.
      { runAs: env.runAs, cwd: path.dirname(targetDir), env: { PGPASSWORD: source.admin.password } },
    );
    return 'pg_basebackup';
  }
  await lowLevelBackup(env, source, targetDir, options);
  return 'low-level-backup';
}

async function lowLevelBackup(env: ComputeEnvironment, source: CloneSource, targetDir: string, options: CloneOptions): Promise<void> {
  const modernNames = env.binaries.majorVersion >= 15; // pg_start_backup/pg_stop_backup were renamed in 15
  // The backup must start and stop in the same session.
  await withAdminClient(source, async (client) => {
    if (!options.slotName) {
      const temporarySlot = `aurora_local_backup_${randomBytes(6).toString('hex')}`;
      await client.query('SELECT pg_create_physical_replication_slot($1, true, true)', [temporarySlot]);
    }
    const label = `aurora-local clone ${new Date().toISOString()}`;
    await client.query(modernNames ? 'SELECT pg_backup_start($1, true)' : 'SELECT pg_start_backup($1, true, false)', [label]);
    try {
      await copyDataDir(source.dataDir, targetDir, { owner: env.runAs, live: true });
    } catch (error) {
      await client.query(modernNames ? 'SELECT pg_backup_stop(false)' : 'SELECT pg_stop_backup(false, false)').catch(() => {});
      throw error;
    }
    const { rows } = await client.query<{ labelfile: string; spcmapfile: string | null }>(
      modernNames ? 'SELECT labelfile, spcmapfile FROM pg_backup_stop(false)' : 'SELECT labelfile, spcmapfile FROM pg_stop_backup(false, false)',
    );
    // backup_label tells the copy where recovery must start; without it the copy would be corrupt.
    await writeOwnedFile(path.join(targetDir, 'backup_label'), rows[0]!.labelfile, env.runAs);
    if (rows[0]!.spcmapfile) await writeOwnedFile(path.join(targetDir, 'tablespace_map'), rows[0]!.spcmapfile, env.runAs);
    // pg_backup_stop switched to a new WAL segment, so every record up to the backup's
    // end is in complete files now; the temporary slot kept them from being recycled.
    if (options.includeWal) await copyWalSegments(env, source.dataDir, targetDir);
  });
}

async function copyWalSegments(env: ComputeEnvironment, sourceDir: string, targetDir: string): Promise<void> {
  const walDir = path.join(sourceDir, 'pg_wal');
  const names = (await fs.readdir(walDir)).filter((name) => /^[0-9A-F]{24}$/.test(name) || /^[0-9A-F]{8}\.history$/.test(name));
  for (const name of names) {
    const target = path.join(targetDir, 'pg_wal', name);
    try {
      await fs.copyFile(path.join(walDir, name), target);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue; // recycled meanwhile: older than we need
      throw error;
    }
    if (env.runAs) await fs.chown(target, env.runAs.uid, env.runAs.gid);
  }
}
