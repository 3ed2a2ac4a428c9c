/**
 * The operating-system account PostgreSQL runs under.
 *
 * postgres and initdb refuse to run as root ("root" execution of the PostgreSQL
 * server is not permitted), so when the emulator runs as root it starts them as an
 * unprivileged system user: `aurora-local`, created with useradd on first use, or
 * `nobody` where useradd is unavailable. Everything that user must touch — data
 * directories, the binaries, their parent directories — has to be reachable by it;
 * the helpers below check that with the same rules the kernel applies.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

export interface ServerUser {
  name: string;
  uid: number;
  gid: number;
}

export const DEFAULT_SERVER_USER = 'aurora-local';

let pending: Map<string, Promise<ServerUser>> | undefined;

/**
 * Returns the account to run PostgreSQL as, or null when we are not root (then
 * the servers simply run as ourselves and nothing needs changing hands).
 */
export async function resolveServerUser(options: { name?: string } = {}): Promise<ServerUser | null> {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return null;
  const name = options.name ?? DEFAULT_SERVER_USER;
  // One lookup/creation per name per process: concurrent callers must not race useradd.
  pending ??= new Map();
  let user = pending.get(name);
  if (!user) {
    user = findOrCreateUser(name);
    pending.set(name, user);
    user.catch(() => pending?.delete(name));
  }
  return user;
}

async function findOrCreateUser(name: string): Promise<ServerUser> {
  const existing = await lookupUser(name);
  if (existing) return existing;
  try {
    await execFileAsync('useradd', [
      '--system',
      '--user-group',
      '--no-create-home',
      '--home-dir', '/nonexistent',
      '--shell', '/usr/sbin/nologin',
      '--comment', 'aurora-local PostgreSQL servers',
      name,
    ]);
  } catch {
    // useradd missing (macOS, busybox) or refused: another process may have just
    // created the user, otherwise fall back to the account every Unix has.
  }
  const created = await lookupUser(name);
  if (created) return created;
  const nobody = await lookupUser('nobody');
  if (nobody) return nobody;
  throw new Error(`Cannot run PostgreSQL as root and found no unprivileged user: ${name} could not be created and nobody does not exist.`);
}

async function lookupUser(name: string): Promise<ServerUser | undefined> {
  try {
    const [uid, gid] = await Promise.all([
      execFileAsync('id', ['-u', name]).then((r) => Number(r.stdout.trim())),
      execFileAsync('id', ['-g', name]).then((r) => Number(r.stdout.trim())),
    ]);
    return Number.isInteger(uid) && Number.isInteger(gid) ? { name, uid, gid } : undefined;
  } catch {
    return undefined;
  }
}

/** Permission bits, as in chmod: r=4, w=2, x=1. */
export type Access = number;
export const R = 4;
export const W = 2;
export const X = 1;

/**
 * Whether `user` can reach `target` (x on every ancestor directory) and has `access`
 * on it. Only the primary group counts: Node drops supplementary groups when it
 * spawns with a uid, so that is exactly what the server process will have.
 */
export async function canAccess(user: ServerUser, target: string, access: Access): Promise<{ ok: true } | { ok: false; blockedAt: string; mode: string }> {
  const absolute = path.resolve(target);
  const chain: string[] = [];
  for (let dir = path.dirname(absolute); ; dir = path.dirname(dir)) {
    chain.unshift(dir);
    if (dir === path.dirname(dir)) break;
  }
  for (const [file, wanted] of [...chain.map((dir) => [dir, X] as const), [absolute, access] as const]) {
    const stat = await fs.stat(file);
    const bits = stat.uid === user.uid ? (stat.mode >> 6) & 7 : stat.gid === user.gid ? (stat.mode >> 3) & 7 : stat.mode & 7;
    if ((bits & wanted) !== wanted) return { ok: false, blockedAt: file, mode: (stat.mode & 0o777).toString(8) };
  }
  return { ok: true };
}

/** chown -R, without following symlinks. */
export async function chownTree(root: string, user: ServerUser): Promise<void> {
  await fs.lchown(root, user.uid, user.gid);
  const stat = await fs.lstat(root);
  if (!stat.isDirectory()) return;
  const entries = await fs.readdir(root);
  await Promise.all(entries.map((entry) => chownTree(path.join(root, entry), user)));
}
