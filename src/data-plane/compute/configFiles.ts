/**
 * The files in a data directory that we write ourselves: server settings,
 * client authentication rules, standby configuration and the admin credentials.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { ServerUser } from './osUser.js';

/**
 * Settings appended to the template's postgresql.conf. Aimed at a developer
 * machine running several instances: small memory footprint, but the limits
 * applications expect (100 connections), and what replication, failover and
 * pg_rewind need.
 */
export const SERVER_SETTINGS = `
# ---- aurora-local ----
# Per-server address and port come from the command line (-h, -p).
# TCP only: every login then goes through the scram-sha-256 rules in pg_hba.conf.
unix_socket_directories = ''
max_connections = 100
shared_buffers = 32MB
work_mem = 4MB
maintenance_work_mem = 32MB
max_wal_size = 256MB
min_wal_size = 32MB
password_encryption = 'scram-sha-256'
# Streaming replication: one walsender and one physical slot per replica (up to 15, as on
# AWS), per storage node (6) and per clone in progress.
wal_level = replica
max_wal_senders = 32
max_replication_slots = 32
# Keeps the WAL a replica of a promoted writer needs to follow it.
wal_keep_size = 128MB
hot_standby = on
hot_standby_feedback = on
# pg_rewind (bringing a failed writer back as a replica) requires hint-bit WAL logging.
wal_log_hints = on
huge_pages = off
`;

/**
 * Password (SCRAM) required for every TCP login and replication connection from
 * the loopback network; nothing else is accepted. 127.0.0.0/8 because instances
 * and endpoints live on different 127.x.y.z addresses.
 */
export const CLIENT_AUTH_RULES = `# aurora-local: password authentication for everyone, loopback only.
# TYPE  DATABASE     USER  ADDRESS       METHOD
host    all          all   127.0.0.0/8   scram-sha-256
host    replication  all   127.0.0.0/8   scram-sha-256
host    all          all   ::1/128       scram-sha-256
host    replication  all   ::1/128       scram-sha-256
`;

/** The superuser the emulator itself uses (the name Aurora gives its own). Never handed to users. */
export interface AdminCredentials {
  user: string;
  password: string;
}

/**
 * Stored in the data directory so it travels with base backups, rewinds and
 * snapshots (every copy of a cluster shares its roles), readable only by the server user.
 */
const ADMIN_CREDENTIALS_FILE = 'aurora_local_admin.json';

export async function readAdminCredentials(dataDir: string): Promise<AdminCredentials> {
  const file = path.join(dataDir, ADMIN_CREDENTIALS_FILE);
  let parsed: Partial<AdminCredentials>;
  try {
    parsed = JSON.parse(await fs.readFile(file, 'utf8'));
  } catch (error) {
    throw new Error(`${dataDir} is not an aurora-local data directory: cannot read ${ADMIN_CREDENTIALS_FILE} (${(error as Error).message})`);
  }
  if (typeof parsed.user !== 'string' || typeof parsed.password !== 'string') throw new Error(`${file} is malformed`);
  return { user: parsed.user, password: parsed.password };
}

export async function writeAdminCredentials(dataDir: string, admin: AdminCredentials, owner: ServerUser | null): Promise<void> {
  await writeOwnedFile(path.join(dataDir, ADMIN_CREDENTIALS_FILE), JSON.stringify(admin) + '\n', owner);
}

export interface StandbySettings {
  primaryHost: string;
  primaryPort: number;
  admin: AdminCredentials;
  slotName: string;
}

/** Turns a stopped data directory into a hot standby of the given primary. */
export async function configureStandby(dataDir: string, standby: StandbySettings, owner: ServerUser | null): Promise<void> {
  await writeOwnedFile(path.join(dataDir, 'standby.signal'), '', owner);
  await fs.rm(path.join(dataDir, 'recovery.signal'), { force: true });
  await updateAutoConf(
    dataDir,
    {
      primary_conninfo: primaryConninfo(standby),
      primary_slot_name: standby.slotName,
      // Follow whatever timeline the primary is on, so replicas survive its promotion.
      recovery_target_timeline: 'latest',
    },
    owner,
  );
}

/** Removes standby configuration from a stopped data directory, so it starts as a writer. */
export async function clearStandbyConfiguration(dataDir: string, owner: ServerUser | null): Promise<void> {
  await fs.rm(path.join(dataDir, 'standby.signal'), { force: true });
  await fs.rm(path.join(dataDir, 'recovery.signal'), { force: true });
  await updateAutoConf(dataDir, { primary_conninfo: null, primary_slot_name: null }, owner);
}

/** libpq connection string a standby uses to stream from its primary. */
export function primaryConninfo(standby: StandbySettings): string {
  return conninfo({
    host: standby.primaryHost,
    port: String(standby.primaryPort),
    user: standby.admin.user,
    password: standby.admin.password,
    application_name: standby.slotName,
  });
}

export function conninfo(parts: Record<string, string>): string {
  const quote = (value: string) => `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  return Object.entries(parts)
    .map(([key, value]) => `${key}=${quote(value)}`)
    .join(' ');
}

/** A value as written in postgresql.conf. */
export function confValue(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/**
 * Sets (or with null removes) keys in postgresql.auto.conf, the file ALTER SYSTEM
 * manages, so the values win over postgresql.conf and later ALTER SYSTEM calls
 * see and replace them. Only while the server is stopped.
 */
export async function updateAutoConf(dataDir: string, settings: Record<string, string | null>, owner: ServerUser | null): Promise<void> {
  const file = path.join(dataDir, 'postgresql.auto.conf');
  const current = await fs.readFile(file, 'utf8').catch(() => '# Do not edit this file manually!\n# It will be overwritten by the ALTER SYSTEM command.\n');
  const keys = new Set(Object.keys(settings));
  const kept = current.split('\n').filter((line) => {
    const key = /^\s*([A-Za-z_.]+)\s*=/.exec(line)?.[1]?.toLowerCase();
    return !(key && keys.has(key));
  });
  while (kept.length > 0 && kept[kept.length - 1] === '') kept.pop();
  for (const [key, value] of Object.entries(settings)) {
    if (value !== null) kept.push(`${key} = ${confValue(value)}`);
  }
  await writeOwnedFile(file, kept.join('\n') + '\n', owner);
}

export async function writeOwnedFile(file: string, content: string, owner: ServerUser | null): Promise<void> {
  await fs.writeFile(file, content, { mode: 0o600 });
  await fs.chmod(file, 0o600);
  if (owner) await fs.chown(file, owner.uid, owner.gid);
}
