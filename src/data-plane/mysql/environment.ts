/**
 * Everything the MariaDB compute layer needs before it starts a server: the
 * binaries, the OS account servers run as, and a data root both can reach.
 * Prepared once; every operation takes it as its first argument.
 *
 * mariadbd only runs as root with --user=root, which we never do: when the
 * emulator is root, servers and mariadb-backup run as the same unprivileged
 * `aurora-local` account the PostgreSQL side uses (compute/osUser.ts).
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { canAccess, R, resolveServerUser, X, type ServerUser } from '../compute/osUser.js';
import { resolveMariadbBinaries, type MariadbBinaries } from './binaries.js';
import { DataPlaneUnavailableError } from './errors.js';
import { createEmptyDataDir } from '../compute/environment.js';

export interface MysqlEnvironment {
  binaries: MariadbBinaries;
  /** The account servers and mariadb-backup run as; null when we are not root and run them as ourselves. */
  runAs: ServerUser | null;
  /** Holds the template data directory and scratch files. */
  dataRoot: string;
}

export interface MysqlEnvironmentOptions {
  dataRoot: string;
  /** A MariaDB bin directory to use instead of PATH and the system directories. */
  binDir?: string;
  /** Account name to run as when we are root (default "aurora-local"). */
  serverUserName?: string;
}

export async function prepareMysqlEnvironment(options: MysqlEnvironmentOptions): Promise<MysqlEnvironment> {
  const dataRoot = path.resolve(options.dataRoot);
  const [binaries, runAs] = await Promise.all([
    resolveMariadbBinaries({ binDir: options.binDir }),
    resolveServerUser({ name: options.serverUserName }),
  ]);
  await fs.mkdir(dataRoot, { recursive: true });
  if (runAs) {
    await makeTraversable(dataRoot, runAs);
    for (const file of [binaries.mariadbd, binaries.installDb, binaries.backup]) {
      const access = await canAccess(runAs, file, R | X);
      if (!access.ok) {
        throw new DataPlaneUnavailableError(
          `MariaDB runs as the unprivileged user ${runAs.name} because we are root, but that user cannot execute ${file}: ` +
            `${access.blockedAt} has mode ${access.mode}.`,
        );
      }
    }
  }
  return { binaries, runAs, dataRoot };
}

/** Search permission on the data root for the server user when the root is ours (e.g. a mkdtemp directory). */
async function makeTraversable(dataRoot: string, runAs: ServerUser): Promise<void> {
  let access = await canAccess(runAs, dataRoot, X);
  if (!access.ok && access.blockedAt === dataRoot) {
    const { mode } = await fs.stat(dataRoot);
    await fs.chmod(dataRoot, (mode & 0o7777) | 0o011);
    access = await canAccess(runAs, dataRoot, X);
  }
  if (!access.ok) {
    throw new DataPlaneUnavailableError(
      `MariaDB runs as the unprivileged user ${runAs.name} (uid ${runAs.uid}) because we are root, but that user cannot ` +
        `reach the data root ${dataRoot}: ${access.blockedAt} has mode ${access.mode}. Choose a data root outside it ` +
        `(e.g. /var/lib/aurora-local) or allow traversal (chmod o+x ${access.blockedAt}).`,
    );
  }
}

/** Creates an empty directory (mode 0700) owned by the server user, refusing to reuse a non-empty one. */
export function createMysqlDataDir(env: MysqlEnvironment, dataDir: string): Promise<string> {
  return createEmptyDataDir(env, dataDir);
}

/**
 * A private scratch directory under `<dataRoot>/tmp`, owned by the server user,
 * for credential files and flashback SQL; removed afterwards whatever happens.
 */
export async function withScratchDir<T>(env: MysqlEnvironment, work: (dir: string) => Promise<T>): Promise<T> {
  const parent = path.join(env.dataRoot, 'tmp');
  await fs.mkdir(parent, { recursive: true, mode: 0o711 });
  const dir = path.join(parent, `mysql-${process.pid}-${randomBytes(6).toString('hex')}`);
  await fs.mkdir(dir, { mode: 0o700 });
  try {
    if (env.runAs) await fs.chown(dir, env.runAs.uid, env.runAs.gid);
    return await work(dir);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}
