/**
 * Running PostgreSQL's command-line tools (initdb, pg_basebackup, pg_rewind) as
 * the server user, with a clean environment.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { PostgresCommandError } from './errors.js';
import type { ServerUser } from './osUser.js';

/**
 * The environment for every PostgreSQL process we start. The developer's own PG*
 * variables (PGHOST, PGSSLMODE, PGPASSFILE …) must not leak into our tools, and
 * LC_ALL=C keeps messages in English whatever the machine's locale.
 */
export function postgresEnvironment(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('PG') && !key.startsWith('LC_') && key !== 'LANG') env[key] = value;
  }
  return { ...env, LC_ALL: 'C', ...extra };
}

/** uid/gid options for child_process, or nothing when we run as ourselves. */
export function spawnIdentity(runAs: ServerUser | null): { uid?: number; gid?: number } {
  return runAs ? { uid: runAs.uid, gid: runAs.gid } : {};
}

export interface RunOptions {
  runAs: ServerUser | null;
  env?: Record<string, string>;
  /** Working directory; must be reachable by the server user (its default, ours, may not be). */
  cwd: string;
  timeoutMs?: number;
}

export function runTool(file: string, args: string[], options: RunOptions): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(
      file,
      args,
      {
        cwd: options.cwd,
        env: postgresEnvironment(options.env),
        timeout: options.timeoutMs ?? 120_000,
        killSignal: 'SIGKILL',
        maxBuffer: 16 * 1024 * 1024,
        ...spawnIdentity(options.runAs),
      },
      (error, stdout, stderr) => {
        if (!error) return resolve({ stdout, stderr });
        const code = typeof error.code === 'number' ? error.code : null;
        const output = `${stderr}${stdout}` || error.message;
        reject(new PostgresCommandError(path.basename(file), code, output));
      },
    );
  });
}
