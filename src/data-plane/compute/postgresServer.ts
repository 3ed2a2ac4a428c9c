/**
 * One running PostgreSQL server process (a postmaster and its children),
 * supervised by ServerProcess (../serverProcess.ts): started directly, in its
 * own process group, so kill() takes down every backend at once as a real
 * crash does. Shut down cleanly with SIGINT (a fast shutdown).
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { runningServerProcesses, ServerProcess, type ServerExit } from '../serverProcess.js';
import type { PostgresBinaries } from './binaries.js';
import { postgresEnvironment, spawnIdentity } from './commands.js';
import { PostgresStartError } from './errors.js';
import type { ServerUser } from './osUser.js';
import { probePostgres } from './probe.js';

export type { ServerExit };

export interface PostgresServerOptions {
  binaries: PostgresBinaries;
  /** Account to run as (see osUser.ts); null runs as ourselves. */
  runAs: ServerUser | null;
  dataDir: string;
  port: number;
  /** Address to listen on: any 127.x.y.z (or ::1). */
  host?: string;
  /** Server log (stderr); defaults to `<dataDir>.log`, beside the data directory so copies of the directory do not carry it. */
  logFile?: string;
}

export class PostgresServer extends ServerProcess {
  constructor(options: PostgresServerOptions) {
    const dataDir = path.resolve(options.dataDir);
    const host = options.host ?? '127.0.0.1';
    super({
      file: options.binaries.postgres,
      args: ['-D', dataDir, '-p', String(options.port), '-h', host, '-k', ''],
      dataDir,
      host,
      port: options.port,
      logFile: options.logFile,
      env: postgresEnvironment(),
      identity: spawnIdentity(options.runAs),
      shutdownSignal: 'SIGINT',
      stopTimeoutMs: 15_000,
      startTimeoutMs: 30_000,
      isReady: async (server) => (await reportsReady(server)) && (await probePostgres(host, options.port, 1000)) === 'accepting',
      startError: (message, logTail) => new PostgresStartError(message, logTail),
    });
  }
}

/**
 * What pg_ctl checks: postmaster.pid names our process and its status line says
 * "ready" (or "standby": a hot standby accepting read-only connections). This
 * keeps another server already listening on the same address from passing
 * for ours; the TCP probe then confirms the address answers.
 */
async function reportsReady(server: ServerProcess): Promise<boolean> {
  const lines = await fs.readFile(path.join(server.dataDir, 'postmaster.pid'), 'utf8').then((text) => text.split('\n'), () => []);
  const status = lines[7]?.trim();
  return Number(lines[0]) === server.pid && (status === 'ready' || status === 'standby');
}

/** Stops every PostgreSQL server this process started. Call it on shutdown (e.g. from SIGINT/SIGTERM handlers). */
export async function stopAllPostgresServers(options: { timeoutMs?: number } = {}): Promise<void> {
  await Promise.all(runningPostgresServers().map((server) => server.stop(options)));
}

/** PostgreSQL servers started by this process that are still running. */
export function runningPostgresServers(): PostgresServer[] {
  return runningServerProcesses().filter((server): server is PostgresServer => server instanceof PostgresServer);
}
