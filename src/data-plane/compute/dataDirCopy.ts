/**
 * Copies PostgreSQL data directories: the template into a new writer (a stopped,
 * static directory), and a live server's directory during a low-level base
 * backup, where files come and go under our feet and some must not be copied.
 */
import { constants as fsConstants } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { ServerUser } from './osUser.js';

/**
 * What a base backup leaves out of a running server's directory (the list
 * pg_basebackup uses): runtime state that is rebuilt at start, and WAL, which a
 * standby streams and a snapshot copies separately.
 */
const LIVE_SKIPPED_FILES = new Set([
  'postmaster.pid',
  'postmaster.opts',
  'backup_label',
  'backup_label.old',
  'tablespace_map',
  'backup_manifest',
  'standby.signal',
  'recovery.signal',
  'current_logfiles',
]);
const LIVE_EMPTIED_DIRS = new Set([
  'pg_wal',
  'pg_replslot',
  'pg_stat_tmp',
  'pg_dynshmem',
  'pg_notify',
  'pg_serial',
  'pg_snapshots',
  'pg_subtrans',
]);

export interface CopyOptions {
  /** chown every copied entry to this user (when we run as root). */
  owner?: ServerUser | null;
  /** Source is a running server: skip its runtime files and tolerate files vanishing mid-copy. */
  live?: boolean;
}

export async function copyDataDir(source: string, target: string, options: CopyOptions = {}): Promise<void> {
  await copyEntry(path.resolve(source), path.resolve(target), '', options);
  if (options.live) {
    // A data directory must have these even when empty (PostgreSQL 17 adds pg_wal/summaries).
    for (const dir of ['pg_wal/archive_status', 'pg_wal/summaries']) {
      if (await isDirectory(path.join(source, dir))) await makeDir(path.join(target, dir), 0o700, options.owner);
    }
  }
}

async function copyEntry(source: string, target: string, relative: string, options: CopyOptions): Promise<void> {
  let stat;
  try {
    stat = await fs.lstat(source);
  } catch (error) {
    if (options.live && isVanished(error)) return; // dropped table, finished temp file …
    throw error;
  }
  if (stat.isDirectory()) {
    await makeDir(target, stat.mode & 0o7777, options.owner);
    if (options.live && LIVE_EMPTIED_DIRS.has(relative)) return;
    let entries: string[];
    try {
      entries = await fs.readdir(source);
    } catch (error) {
      if (options.live && isVanished(error)) return;
      throw error;
    }
    await Promise.all(
      entries
        .filter((name) => !(options.live && skipLive(relative, name)))
        .map((name) => copyEntry(path.join(source, name), path.join(target, name), relative ? `${relative}/${name}` : name, options)),
    );
  } else if (stat.isFile()) {
    try {
      // FICLONE makes copy-on-write clones where the filesystem supports them (btrfs, xfs, APFS).
      await fs.copyFile(source, target, fsConstants.COPYFILE_FICLONE);
    } catch (error) {
      if (options.live && isVanished(error)) return;
      throw error;
    }
    if (options.owner) await fs.lchown(target, options.owner.uid, options.owner.gid);
  } else if (stat.isSymbolicLink()) {
    await fs.symlink(await fs.readlink(source), target);
    if (options.owner) await fs.lchown(target, options.owner.uid, options.owner.gid);
  }
  // Sockets (.s.PGSQL.*) and other special files are never copied.
}

function skipLive(parentRelative: string, name: string): boolean {
  if (parentRelative === '' && LIVE_SKIPPED_FILES.has(name)) return true;
  return name === 'pg_internal.init' || name.startsWith('pgsql_tmp');
}

async function makeDir(dir: string, mode: number, owner?: ServerUser | null): Promise<void> {
  await fs.mkdir(dir, { recursive: true, mode });
  await fs.chmod(dir, mode); // mkdir's mode is filtered by the umask; PostgreSQL insists on 0700/0750
  if (owner) await fs.lchown(dir, owner.uid, owner.gid);
}

async function isDirectory(dir: string): Promise<boolean> {
  return fs.stat(dir).then((s) => s.isDirectory(), () => false);
}

function isVanished(error: unknown): boolean {
  return (error as NodeJS.ErrnoException).code === 'ENOENT';
}
