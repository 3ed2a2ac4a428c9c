/**
 * One running PostgreSQL server process (a postmaster and its children).
 *
 * The postmaster is started directly (not through pg_ctl) so we own its pid,
 * see its exit immediately, and can kill it like a crashed host would. It runs in
 * its own process group: kill() takes down every backend at once, as a real
 * crash does, and no child outlives it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { PostgresBinaries } from './binaries.js';
import { postgresEnvironment, spawnIdentity } from './commands.js';
import { PostgresStartError } from './errors.js';
import type { ServerUser } from './osUser.js';
import { probePostgres } from './probe.js';

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

export interface ServerExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** Every server started in this process and not yet exited, for stopAllPostgresServers(). */
const running = new Set<PostgresServer>();
let exitHookInstalled = false;

export class PostgresServer {
  readonly dataDir: string;
  readonly host: string;
  readonly port: number;
  readonly logFile: string;
  private readonly options: PostgresServerOptions;
  private child?: ChildProcess;
  private exit?: ServerExit;
  private exitPromise?: Promise<ServerExit>;

  constructor(options: PostgresServerOptions) {
    this.options = options;
    this.dataDir = path.resolve(options.dataDir);
    this.host = options.host ?? '127.0.0.1';
    this.port = options.port;
    this.logFile = options.logFile ?? `${this.dataDir}.log`;
  }

  /** The postmaster's pid, once started. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  get isRunning(): boolean {
    return this.child !== undefined && this.exit === undefined;
  }

  /** Resolves when the postmaster exits, for whatever reason: a supervisor awaits it to notice crashes. */
  get exited(): Promise<ServerExit> {
    if (!this.exitPromise) throw new Error('PostgresServer.exited: the server was never started');
    return this.exitPromise;
  }

  /** Spawns the postmaster and resolves once it accepts connections (read-only ones, for a standby). */
  async start(options: { timeoutMs?: number } = {}): Promise<void> {
    if (this.child) throw new Error(`PostgresServer for ${this.dataDir} was already started; create a new one to restart`);
    const timeoutMs = options.timeoutMs ?? 30_000;
    const { binaries, runAs } = this.options;

    const log = await fs.open(this.logFile, 'a', 0o640);
    const logStart = (await log.stat()).size;
    await log.write(`\n--- aurora-local: starting ${binaries.postgres} on ${this.host}:${this.port} at ${new Date().toISOString()} ---\n`);
    let child: ChildProcess;
    try {
      child = spawn(binaries.postgres, ['-D', this.dataDir, '-p', String(this.port), '-h', this.host, '-k', ''], {
        cwd: this.dataDir,
        env: postgresEnvironment(),
        // The child writes straight into the log file through this descriptor,
        // so the server user needs no permission on the file itself.
        stdio: ['ignore', log.fd, log.fd],
        detached: true, // own process group: see kill()
        ...spawnIdentity(runAs),
      });
    } finally {
      await log.close();
    }
    this.child = child;
    running.add(this);
    installExitHook();

    this.exitPromise = new Promise<ServerExit>((resolve) => {
      const settle = (exit: ServerExit) => {
        if (this.exit) return;
        this.exit = exit;
        running.delete(this);
        // Backends notice a dead postmaster on their own, but not instantly; a
        // restart of this directory must not find them still attached.
        this.signalGroup('SIGKILL');
        resolve(exit);
      };
      child.once('exit', (code, signal) => settle({ code, signal }));
      child.on('error', () => settle({ code: null, signal: null })); // spawn itself failed (EACCES …)
    });

    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.exit) {
        throw new PostgresStartError(
          `postgres for ${this.dataDir} exited during start (${describeExit(this.exit)})`,
          await this.logTail(logStart),
        );
      }
      if ((await this.reportsReady()) && (await probePostgres(this.host, this.port, 1000)) === 'accepting' && !this.exit) return;
      if (Date.now() > deadline) {
        await this.kill();
        throw new PostgresStartError(
          `postgres for ${this.dataDir} did not accept connections on ${this.host}:${this.port} within ${timeoutMs} ms`,
          await this.logTail(logStart),
        );
      }
      await sleep(10);
    }
  }

  /**
   * What pg_ctl checks: postmaster.pid names our process and its status line says
   * "ready" (or "standby": a hot standby accepting read-only connections). This
   * keeps another server already listening on the same address from passing
   * for ours; the TCP probe then confirms the address answers.
   */
  private async reportsReady(): Promise<boolean> {
    const lines = await fs.readFile(path.join(this.dataDir, 'postmaster.pid'), 'utf8').then((text) => text.split('\n'), () => []);
    const status = lines[7]?.trim();
    return Number(lines[0]) === this.child?.pid && (status === 'ready' || status === 'standby');
  }

  /** Fast shutdown (SIGINT: disconnect clients, checkpoint, exit); SIGKILL if it takes longer than timeoutMs. */
  async stop(options: { timeoutMs?: number } = {}): Promise<ServerExit | undefined> {
    if (!this.child || !this.exitPromise) return undefined;
    if (this.exit) return this.exit;
    this.signalPostmaster('SIGINT');
    const exit = await withTimeout(this.exitPromise, options.timeoutMs ?? 15_000);
    return exit ?? this.kill();
  }

  /** SIGKILL to the postmaster and all its children at once: a crash, for fault tests. */
  async kill(): Promise<ServerExit | undefined> {
    if (!this.child || !this.exitPromise) return undefined;
    if (!this.exit) this.signalGroup('SIGKILL');
    return this.exitPromise;
  }

  /** The end of this server's log, e.g. for error messages. */
  async logTail(fromOffset = 0, maxBytes = 4096): Promise<string> {
    try {
      const file = await fs.open(this.logFile, 'r');
      try {
        const { size } = await file.stat();
        const start = Math.max(fromOffset, size - maxBytes);
        const buffer = Buffer.alloc(size - start);
        await file.read(buffer, 0, buffer.length, start);
        return buffer.toString('utf8').trim();
      } finally {
        await file.close();
      }
    } catch {
      return '';
    }
  }

  private signalPostmaster(signal: NodeJS.Signals): void {
    try {
      if (this.child?.pid) process.kill(this.child.pid, signal);
    } catch {
      // already gone
    }
  }

  private signalGroup(signal: NodeJS.Signals): void {
    const pid = this.child?.pid;
    if (!pid) return;
    try {
      process.kill(process.platform === 'win32' ? pid : -pid, signal);
    } catch {
      // group already empty
    }
  }
}

/** Stops every server this process started. Call it on shutdown (e.g. from SIGINT/SIGTERM handlers). */
export async function stopAllPostgresServers(options: { timeoutMs?: number } = {}): Promise<void> {
  await Promise.all([...running].map((server) => server.stop(options)));
}

/** Servers started by this process that are still running. */
export function runningPostgresServers(): PostgresServer[] {
  return [...running];
}

/**
 * Last resort when the process exits without stopping its servers: the 'exit'
 * event allows no waiting, so just ask each postmaster for a fast shutdown,
 * which it completes on its own.
 */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const server of running) {
      try {
        if (server.pid) process.kill(server.pid, 'SIGINT');
      } catch {
        // already gone
      }
    }
  });
}

function describeExit(exit: ServerExit): string {
  return exit.signal ? `signal ${exit.signal}` : exit.code === null ? 'could not be spawned' : `exit code ${exit.code}`;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The promise's value, or undefined if it takes longer than ms (without leaving a timer behind). */
async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
