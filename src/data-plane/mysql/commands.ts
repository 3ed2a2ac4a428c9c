/**
 * Running MariaDB's command-line tools with a clean environment, optionally as
 * the server user, with credentials in a private option file (never on the
 * command line, where `ps` would show them).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { ServerUser } from '../compute/osUser.js';
import { MysqlCommandError } from './errors.js';
import type { MysqlAdminCredentials } from './settings.js';

/**
 * The environment for every MariaDB process we start. The developer's MYSQL_*
 * variables (MYSQL_PWD, MYSQL_HOST, MYSQL_UNIX_PORT …) must not reach our tools,
 * LC_ALL=C keeps messages in English and TZ=UTC makes tools print UTC times.
 */
export function mysqlEnvironment(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('MYSQL') && !key.startsWith('MARIADB') && !key.startsWith('LC_') && key !== 'LANG' && key !== 'TZ') env[key] = value;
  }
  return { ...env, LC_ALL: 'C', TZ: 'UTC', ...extra };
}

/** uid/gid options for child_process, or nothing when we run as ourselves. */
export function spawnIdentity(runAs: ServerUser | null): { uid?: number; gid?: number } {
  return runAs ? { uid: runAs.uid, gid: runAs.gid } : {};
}

export interface RunToolOptions {
  /** Account to run as; null runs as ourselves. */
  runAs: ServerUser | null;
  /** Working directory; must be reachable by runAs. */
  cwd: string;
  timeoutMs?: number;
  /** Feed this file to the tool's stdin. */
  stdinFile?: string;
  /** Write the tool's stdout to this file (created, mode 0600) instead of collecting it. */
  stdoutFile?: string;
}

export async function runMysqlTool(file: string, args: string[], options: RunToolOptions): Promise<{ stdout: string; stderr: string }> {
  const stdin = options.stdinFile ? await fs.open(options.stdinFile, 'r') : undefined;
  const stdout = options.stdoutFile ? await fs.open(options.stdoutFile, 'w', 0o600) : undefined;
  try {
    return await new Promise((resolve, reject) => {
      const child = spawn(file, args, {
        cwd: options.cwd,
        env: mysqlEnvironment(),
        stdio: [stdin?.fd ?? 'ignore', stdout?.fd ?? 'pipe', 'pipe'],
        ...spawnIdentity(options.runAs),
      });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      let errBytes = 0;
      child.stdout?.on('data', (chunk: Buffer) => out.push(chunk));
      child.stderr?.on('data', (chunk: Buffer) => {
        // Keep the end of stderr only: mariadb-backup is chatty.
        err.push(chunk);
        errBytes += chunk.length;
        while (errBytes > 256 * 1024 && err.length > 1) errBytes -= err.shift()!.length;
      });
      const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 300_000);
      child.once('error', (error) => {
        clearTimeout(timer);
        reject(new MysqlCommandError(path.basename(file), null, error.message));
      });
      child.once('close', (code, signal) => {
        clearTimeout(timer);
        const result = { stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') };
        if (code === 0) return resolve(result);
        reject(new MysqlCommandError(path.basename(file), code, `${result.stderr}${result.stdout}` || `killed by ${signal}`));
      });
    });
  } finally {
    await stdin?.close();
    await stdout?.close();
  }
}

/**
 * An option file for a client tool (mariadb, mariadb-backup): login, address
 * and password, readable by its owner only. Pass it as the tool's first
 * argument: `--defaults-file=<file>` (then no other option file is read).
 */
export async function writeClientOptionFile(
  file: string,
  target: { host: string; port: number; admin: MysqlAdminCredentials },
  owner: ServerUser | null,
): Promise<string> {
  const content = [
    '[client]',
    `user=${optionValue(target.admin.user)}`,
    `password=${optionValue(target.admin.password)}`,
    `host=${target.host}`,
    `port=${target.port}`,
    'protocol=TCP',
    '',
  ].join('\n');
  await fs.writeFile(file, content, { mode: 0o600 });
  if (owner) await fs.chown(file, owner.uid, owner.gid);
  return file;
}

/** Quotes an option-file value (the format accepts "…" with backslash escapes). */
function optionValue(value: string): string {
  return /^[A-Za-z0-9_.\-]+$/.test(value) ? value : `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}
