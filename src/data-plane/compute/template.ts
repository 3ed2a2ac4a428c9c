/**
 * The template data directory: initdb runs once per PostgreSQL installation
 * (about 0.6 s), and every new writer starts from a copy of it (about 60 ms).
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { runTool } from './commands.js';
import { CLIENT_AUTH_RULES, readAdminCredentials, SERVER_SETTINGS, writeAdminCredentials, writeOwnedFile, type AdminCredentials } from './configFiles.js';
import type { ComputeEnvironment } from './environment.js';

/** Bump when the template's settings change, so existing data roots build a fresh one. */
const TEMPLATE_FORMAT = 'v1';

/** Name of the bootstrap superuser; the emulator's own admin login (Aurora's is called rdsadmin too). */
export const ADMIN_USER = 'rdsadmin';

export interface Template {
  dataDir: string;
  /** Credentials of the bootstrap superuser in the template; each writer replaces the password. */
  admin: AdminCredentials;
}

const building = new Map<string, Promise<Template>>();

/** The template for env's binaries, built on first use. Concurrent callers share one initdb. */
export function ensureTemplate(env: ComputeEnvironment): Promise<Template> {
  const dataDir = path.join(env.dataRoot, 'templates', `${env.binaries.id}-${TEMPLATE_FORMAT}`);
  let template = building.get(dataDir);
  if (!template) {
    template = existingTemplate(dataDir).then((found) => found ?? buildTemplate(env, dataDir));
    building.set(dataDir, template);
    template.catch(() => building.delete(dataDir));
  }
  return template;
}

async function existingTemplate(dataDir: string): Promise<Template | undefined> {
  return readAdminCredentials(dataDir).then(
    (admin) => ({ dataDir, admin }),
    () => undefined, // absent, or an interrupted build: rebuild
  );
}

/**
 * initdb into a scratch directory, then rename it into place: the rename is
 * atomic, so another emulator process sharing the data root either sees a
 * complete template or none, and if two build at once the loser just discards its copy.
 */
async function buildTemplate(env: ComputeEnvironment, dataDir: string): Promise<Template> {
  const { binaries, runAs } = env;
  const parent = path.dirname(dataDir);
  await fs.mkdir(parent, { recursive: true });
  const scratch = `${dataDir}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  const passwordFile = `${scratch}.pw`;
  const admin: AdminCredentials = { user: ADMIN_USER, password: randomBytes(24).toString('base64url') };
  try {
    await fs.mkdir(scratch, { mode: 0o700 });
    if (runAs) await fs.chown(scratch, runAs.uid, runAs.gid);
    await writeOwnedFile(passwordFile, admin.password + '\n', runAs);
    await runTool(
      binaries.initdb,
      [
        '-D', scratch,
        '-U', admin.user,
        `--pwfile=${passwordFile}`,
        '--auth=scram-sha-256',
        '--encoding=UTF8',
        // The C locale exists everywhere and sorts predictably; ICU-free.
        '--locale=C',
      ],
      { runAs, cwd: parent },
    );
    await fs.appendFile(path.join(scratch, 'postgresql.conf'), SERVER_SETTINGS);
    await writeOwnedFile(path.join(scratch, 'pg_hba.conf'), CLIENT_AUTH_RULES, runAs);
    await writeAdminCredentials(scratch, admin, runAs);
    try {
      await fs.rename(scratch, dataDir);
    } catch (error) {
      const winner = await existingTemplate(dataDir);
      if (!winner) throw error;
      await fs.rm(scratch, { recursive: true, force: true });
      return winner;
    }
    return { dataDir, admin };
  } catch (error) {
    await fs.rm(scratch, { recursive: true, force: true });
    throw error;
  } finally {
    await fs.rm(passwordFile, { force: true });
  }
}
