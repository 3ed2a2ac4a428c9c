/**
 * The template data directory: mariadb-install-db once per installation (about
 * 1 s plus a bootstrap start to set up the admin account), then every new
 * writer starts from a copy of it (about 45 MB, a fraction of a second).
 *
 * The template holds exactly one login, the admin (rdsadmin@'127.%', all
 * privileges); install-db's root accounts are dropped. Each writer replaces the
 * admin password with its own.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { runMysqlTool } from './commands.js';
import type { MysqlEnvironment } from './environment.js';
import { MysqlServer } from './mysqlServer.js';
import {
  INNODB_LOG_FILE_SIZE,
  MYSQL_ADMIN_HOST,
  MYSQL_ADMIN_USER,
  createOwnedDir,
  nativePasswordHash,
  newTmpDirFor,
  readAdminCredentials,
  writeAdminCredentials,
  type MysqlAdminCredentials,
} from './settings.js';
import { account, queryRows, withMysqlAdmin } from './sql.js';

/** Bump when the template's contents change, so existing data roots build a fresh one. */
const TEMPLATE_FORMAT = 'v1';

export interface MysqlTemplate {
  dataDir: string;
  /** The admin login in the template; each writer replaces the password. */
  admin: MysqlAdminCredentials;
}

const building = new Map<string, Promise<MysqlTemplate>>();

/** The template for env's binaries, built on first use. Concurrent callers share one build. */
export function ensureMysqlTemplate(env: MysqlEnvironment): Promise<MysqlTemplate> {
  const dataDir = path.join(env.dataRoot, 'templates', `${env.binaries.id}-${TEMPLATE_FORMAT}`);
  let template = building.get(dataDir);
  if (!template) {
    template = existingTemplate(dataDir).then((found) => found ?? buildTemplate(env, dataDir));
    building.set(dataDir, template);
    template.catch(() => building.delete(dataDir));
  }
  return template;
}

async function existingTemplate(dataDir: string): Promise<MysqlTemplate | undefined> {
  return readAdminCredentials(dataDir).then(
    (admin) => ({ dataDir, admin }),
    () => undefined,
  );
}

/** Built in a scratch directory and renamed into place, so a half-built template is never used. */
async function buildTemplate(env: MysqlEnvironment, dataDir: string): Promise<MysqlTemplate> {
  const { binaries, runAs } = env;
  const parent = path.dirname(dataDir);
  await fs.mkdir(parent, { recursive: true });
  const scratch = `${dataDir}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  const admin: MysqlAdminCredentials = { user: MYSQL_ADMIN_USER, password: randomBytes(24).toString('base64url') };
  const installTmpDir = newTmpDirFor(scratch);
  try {
    await fs.mkdir(scratch, { mode: 0o700 });
    if (runAs) await fs.chown(scratch, runAs.uid, runAs.gid);
    await createOwnedDir(installTmpDir, runAs);
    await runMysqlTool(
      binaries.installDb,
      [
        '--no-defaults',
        `--datadir=${scratch}`,
        // root@localhost with an empty password, reachable only through the bootstrap server's socket below.
        '--auth-root-authentication-method=normal',
        '--skip-test-db',
        // Passed on to the bootstrap server: the redo log every instance uses.
        `--innodb-log-file-size=${INNODB_LOG_FILE_SIZE}`,
        // Also passed on: a private temporary directory (see newTmpDirFor). Two emulators building
        // templates at once in the shared /tmp fail with "Unknown table 'mysql.tmp_user_sys'".
        `--tmpdir=${installTmpDir}`,
      ],
      { runAs, cwd: parent, timeoutMs: 120_000 },
    );
    await fs.rm(installTmpDir, { recursive: true, force: true });
    const server = new MysqlServer({ binaries, runAs, dataDir: scratch, port: 0, bootstrap: true, logFile: `${scratch}.log` });
    await server.start();
    try {
      await withMysqlAdmin({ socketPath: server.socketPath, user: 'root', password: '' }, async (connection) => {
        const adminAccount = account(admin.user, MYSQL_ADMIN_HOST);
        await connection.query(`CREATE USER ${adminAccount} IDENTIFIED BY PASSWORD '${nativePasswordHash(admin.password)}'`);
        await connection.query(`GRANT ALL PRIVILEGES ON *.* TO ${adminAccount} WITH GRANT OPTION`);
        // Every other login goes: root@localhost/127.0.0.1/::1/<hostname>, and any anonymous user.
        // mariadb.sys stays: it is the definer of the sys schema's views, and cannot log in.
        const others = await queryRows<{ user: string; host: string }>(
          connection,
          `SELECT User AS user, Host AS host FROM mysql.user WHERE User <> 'mariadb.sys' AND NOT (User = ? AND Host = ?)`,
          [admin.user, MYSQL_ADMIN_HOST],
        );
        for (const { user, host } of others) await connection.query(`DROP USER ${account(user, host)}`);
      });
    } finally {
      await server.stop();
    }
    await fs.rm(`${scratch}.log`, { force: true });
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
    await fs.rm(installTmpDir, { recursive: true, force: true });
    await fs.rm(scratch, { recursive: true, force: true });
    await fs.rm(`${scratch}.log`, { force: true }); // its tail is in the error
    throw error;
  }
}
