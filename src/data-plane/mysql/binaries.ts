/**
 * Finds the MariaDB executables the aurora-mysql data plane runs.
 *
 * There is no npm package with MariaDB binaries, so they come from the system:
 * Debian/Ubuntu packages (mariadbd in /usr/sbin, the tools in /usr/bin), Homebrew,
 * a tarball's bin directory (`binDir`), or PATH. Every tool is required up front:
 * writers need mariadbd and mariadb-install-db, replicas and snapshots
 * mariadb-backup, Backtrack mariadb-binlog (--flashback) and the mariadb client.
 * Oracle MySQL does not qualify: its mysqlbinlog has no --flashback.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { constants as fsConstants } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { DataPlaneUnavailableError } from './errors.js';

const execFileAsync = promisify(execFile);

export interface MariadbBinaries {
  /** Server version, e.g. "10.11.19". */
  version: string;
  major: number;
  minor: number;
  /** Short stable id of this installation (version + where mariadbd lives): templates are keyed by it. */
  id: string;
  /** The server (mariadbd, or mysqld in older MariaDB). */
  mariadbd: string;
  /** Creates a data directory (mariadb-install-db / mysql_install_db). */
  installDb: string;
  /** Physical hot backups: replica clones and snapshots (mariadb-backup / mariabackup). */
  backup: string;
  /** Binary-log reader with --flashback, for Backtrack (mariadb-binlog / mysqlbinlog). */
  binlog: string;
  /** Command-line client, applies flashback SQL (mariadb / mysql). */
  client: string;
}

export interface ResolveMariadbBinariesOptions {
  /**
   * Look only here (and in its sibling `../sbin`) instead of PATH and the usual
   * system directories; e.g. the `bin` directory of a MariaDB tarball.
   */
  binDir?: string;
}

type Tool = Exclude<keyof MariadbBinaries, 'version' | 'major' | 'minor' | 'id'>;

/** Candidate names (preferred first) and the Debian/Ubuntu package that ships each tool. */
export const MARIADB_TOOLS: Record<Tool, { names: string[]; debianPackage: string }> = {
  mariadbd: { names: ['mariadbd', 'mysqld'], debianPackage: 'mariadb-server-core' },
  installDb: { names: ['mariadb-install-db', 'mysql_install_db'], debianPackage: 'mariadb-server-core' },
  client: { names: ['mariadb', 'mysql'], debianPackage: 'mariadb-client-core' },
  // mariadb-binlog is in mariadb-client, not in mariadb-client-core.
  binlog: { names: ['mariadb-binlog', 'mysqlbinlog'], debianPackage: 'mariadb-client' },
  backup: { names: ['mariadb-backup', 'mariabackup'], debianPackage: 'mariadb-backup' },
};

/** The install line for Debian/Ubuntu (what .ci/run and the Dockerfile run). */
export const MARIADB_APT_INSTALL =
  'apt-get install --no-install-recommends mariadb-server-core mariadb-client-core mariadb-client mariadb-backup';

/** Oldest server accepted: READ_ONLY ADMIN (10.5.2), GTID positions in mariadb-binlog; tested with 10.11. */
const MINIMUM_VERSION = [10, 6] as const;

const SYSTEM_DIRS = ['/usr/sbin', '/usr/bin', '/usr/local/sbin', '/usr/local/bin', '/usr/local/mysql/bin', '/opt/homebrew/sbin', '/opt/homebrew/bin'];

export async function resolveMariadbBinaries(options: ResolveMariadbBinariesOptions = {}): Promise<MariadbBinaries> {
  const searchDirs = options.binDir
    ? [path.resolve(options.binDir), path.resolve(options.binDir, '..', 'sbin')]
    : unique([...(process.env.PATH ?? '').split(path.delimiter).filter((dir) => path.isAbsolute(dir)), ...SYSTEM_DIRS]);

  const found: Partial<Record<Tool, string>> = {};
  const missing: Tool[] = [];
  for (const tool of Object.keys(MARIADB_TOOLS) as Tool[]) {
    const file = await findExecutable(MARIADB_TOOLS[tool].names, searchDirs);
    if (file) found[tool] = file;
    else missing.push(tool);
  }
  if (missing.length > 0) {
    const packages = unique(missing.map((tool) => MARIADB_TOOLS[tool].debianPackage));
    throw new DataPlaneUnavailableError(
      `MariaDB is required for aurora-mysql clusters, but ${missing.map((tool) => MARIADB_TOOLS[tool].names[0]).join(', ')} ` +
        `${missing.length === 1 ? 'was' : 'were'} not found ` +
        (options.binDir ? `in ${searchDirs.join(' or ')}` : `on PATH or in ${SYSTEM_DIRS.join(', ')}`) +
        `. On Debian/Ubuntu: sudo ${MARIADB_APT_INSTALL} (missing here: ${packages.join(', ')}). ` +
        `On macOS: brew install mariadb. Or pass binDir: a MariaDB bin directory holding all of them.`,
    );
  }
  const binaries = found as Record<Tool, string>;
  const { version, major, minor } = await serverVersion(binaries.mariadbd);
  await checkFlashback(binaries.binlog);
  const realServer = await fs.realpath(binaries.mariadbd);
  return {
    version,
    major,
    minor,
    id: `mariadb${version}-${createHash('sha256').update(realServer).digest('hex').slice(0, 8)}`,
    ...binaries,
  };
}

async function findExecutable(names: string[], dirs: string[]): Promise<string | undefined> {
  for (const name of names) {
    for (const dir of dirs) {
      const file = path.join(dir, name);
      if (await isExecutable(file)) return file;
    }
  }
  return undefined;
}

async function serverVersion(mariadbd: string): Promise<{ version: string; major: number; minor: number }> {
  let stdout: string;
  try {
    ({ stdout } = await execFileAsync(mariadbd, ['--no-defaults', '--version'], { timeout: 10_000, env: { ...process.env, LC_ALL: 'C' } }));
  } catch (error) {
    const detail = (error as { stderr?: string }).stderr?.trim() || (error as Error).message;
    throw new DataPlaneUnavailableError(`MariaDB server ${mariadbd} does not run: ${detail}`);
  }
  // "mariadbd  Ver 10.11.19-MariaDB-0+deb12u1 for debian-linux-gnu on x86_64 (Debian 12)"
  const match = /Ver\s+(\d+)\.(\d+)\.(\d+)-MariaDB/.exec(stdout);
  if (!match) {
    throw new DataPlaneUnavailableError(
      `${mariadbd} is not a MariaDB server (${stdout.trim()}). aurora-mysql needs MariaDB: Backtrack relies on mariadb-binlog --flashback. ` +
        `On Debian/Ubuntu: sudo ${MARIADB_APT_INSTALL}.`,
    );
  }
  const [major, minor] = [Number(match[1]), Number(match[2])];
  if (major < MINIMUM_VERSION[0] || (major === MINIMUM_VERSION[0] && minor < MINIMUM_VERSION[1])) {
    throw new DataPlaneUnavailableError(`MariaDB ${match[1]}.${match[2]}.${match[3]} at ${mariadbd} is too old: ${MINIMUM_VERSION.join('.')} or later is required.`);
  }
  return { version: `${match[1]}.${match[2]}.${match[3]}`, major, minor };
}

async function checkFlashback(binlog: string): Promise<void> {
  let stdout: string;
  try {
    ({ stdout } = await execFileAsync(binlog, ['--no-defaults', '--help'], { timeout: 10_000, maxBuffer: 4 * 1024 * 1024 }));
  } catch (error) {
    const detail = (error as { stderr?: string }).stderr?.trim() || (error as Error).message;
    throw new DataPlaneUnavailableError(`Binary-log tool ${binlog} does not run: ${detail}`);
  }
  if (!stdout.includes('--flashback')) {
    throw new DataPlaneUnavailableError(
      `${binlog} has no --flashback option (Oracle MySQL's mysqlbinlog?); Backtrack needs MariaDB's mariadb-binlog (Debian package mariadb-client).`,
    );
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

function unique<T>(items: T[]): T[] {
  return [...new Set(items)];
}
