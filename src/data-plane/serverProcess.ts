/**
 * One database server process, supervised the same way for either engine
 * (PostgreSQL's postmaster, MariaDB's mariadbd):
 *
 * - started directly (no pg_ctl, no mysqld_safe), so we own its pid and see its
 *   exit at once, and can kill it like a crashed host;
 * - in its own process group: a terminal's Ctrl-C does not reach it, kill()
 *   takes every child down at once as a real crash does, and none outlives it;
 * - its stderr goes straight into its log file through an inherited descriptor,
 *   so the server's unprivileged user needs no permission on the file;
 * - start() resolves once the engine's own readiness check passes (it must also
 *   tell our process from another one already on the address).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';

export interface ServerExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ServerProcessOptions {
  /** The server binary and its arguments. */
  file: string;
  args: string[];
  dataDir: string;
  host: string;
  port: number;
  /** Server log (stderr); default `<dataDir>.log`, beside the data directory so copies do not carry it. */
  logFile?: string;
  env: NodeJS.ProcessEnv;
  /** The unprivileged account to run as, if any. */
  identity: { uid?: number; gid?: number };
  /** The engine's clean shutdown (PostgreSQL: SIGINT, a fast shutdown; MariaDB: SIGTERM). */
  shutdownSignal: NodeJS.Signals;
  /** Clean shutdowns get this long before SIGKILL. */
  stopTimeoutMs: number;
  startTimeoutMs: number;
  /** Whether the server started by this object is ready; `logStart` is where its part of the log begins. */
  isReady: (server: ServerProcess, logStart: number) => Promise<boolean>;
  /** The engine's error for a failed start, with the log's tail. */
  startError: (message: string, logTail: string) => Error;
}

/** Every server started in this process and not yet exited. */
const running = new Set<ServerProcess>();
let exitHookInstalled = false;

export class ServerProcess {
  readonly dataDir: string;
  readonly host: string;
  readonly port: number;
  readonly logFile: string;
  private child?: ChildProcess;
  private exit?: ServerExit;
  private exitPromise?: Promise<ServerExit>;

  constructor(private readonly settings: ServerProcessOptions) {
    this.dataDir = path.resolve(settings.dataDir);
    this.host = settings.host;
    this.port = settings.port;
    this.logFile = settings.logFile ?? `${this.dataDir}.log`;
  }

  /** The server's pid, once started. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  get isRunning(): boolean {
    return this.child !== undefined && this.exit === undefined;
  }

  /** Resolves when the server exits, for whatever reason: a supervisor awaits it to notice crashes. */
  get exited(): Promise<ServerExit> {
    if (!this.exitPromise) throw new Error(`${path.basename(this.settings.file)} for ${this.dataDir} was never started`);
    return this.exitPromise;
  }

  /** Spawns the server and resolves once it is ready; a server that exits or is not ready in time is an error with its log. */
  async start(options: { timeoutMs?: number } = {}): Promise<void> {
    const name = path.basename(this.settings.file);
    if (this.child) throw new Error(`${name} for ${this.dataDir} was already started; create a new one to restart`);
    const timeoutMs = options.timeoutMs ?? this.settings.startTimeoutMs;

    const log = await fs.open(this.logFile, 'a', 0o640);
    const logStart = (await log.stat()).size;
    await log.write(`\n--- aurora-local: starting ${this.settings.file} on ${this.host}:${this.port} at ${new Date().toISOString()} ---\n`);
    try {
      const child = spawn(this.settings.file, this.settings.args, {
        cwd: this.dataDir,
        env: this.settings.env,
        stdio: ['ignore', log.fd, log.fd],
        detached: true,
        ...this.settings.identity,
      });
      this.child = child;
      running.add(this);
      installExitHook();
      // Listening before anything is awaited: a server that fails at once (a bad data directory)
      // may exit while we close the log, and its exit event would be missed.
      this.exitPromise = new Promise<ServerExit>((resolve) => {
        const settle = (exit: ServerExit) => {
          if (this.exit) return;
          this.exit = exit;
          running.delete(this);
          // Children notice a dead parent on their own, but not at once; a restart of this
          // directory must not find them still attached.
          this.signalGroup('SIGKILL');
          resolve(exit);
        };
        child.once('exit', (code, signal) => settle({ code, signal }));
        child.on('error', () => settle({ code: null, signal: null })); // spawn itself failed (EACCES …)
      });
    } finally {
      await log.close();
    }

    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.exit) throw this.settings.startError(`${name} for ${this.dataDir} exited during start (${describeExit(this.exit)})`, await this.logTail(logStart));
      if ((await this.settings.isReady(this, logStart)) && !this.exit) return;
      if (Date.now() > deadline) {
        await this.kill();
        throw this.settings.startError(`${name} for ${this.dataDir} did not accept connections on ${this.host}:${this.port} within ${timeoutMs} ms`, await this.logTail(logStart));
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  /** The engine's clean shutdown; SIGKILL if it takes longer than timeoutMs. */
  async stop(options: { timeoutMs?: number } = {}): Promise<ServerExit | undefined> {
    if (!this.child || !this.exitPromise) return undefined;
    if (this.exit) return this.exit;
    try {
      if (this.child.pid) process.kill(this.child.pid, this.settings.shutdownSignal);
    } catch {
      // already gone
    }
    const exit = await withTimeout(this.exitPromise, options.timeoutMs ?? this.settings.stopTimeoutMs);
    return exit ?? this.kill();
  }

  /** SIGKILL to the server and all its children at once: a crash, for fault tests. */
  async kill(): Promise<ServerExit | undefined> {
    if (!this.child || !this.exitPromise) return undefined;
    if (!this.exit) this.signalGroup('SIGKILL');
    return this.exitPromise;
  }

  /** The end of this server's log (from fromOffset), e.g. for error messages. */
  async logTail(fromOffset = 0, maxBytes = 4096): Promise<string> {
    try {
      const file = await fs.open(this.logFile, 'r');
      try {
        const { size } = await file.stat();
        const start = Math.max(fromOffset, size - maxBytes);
        const buffer = Buffer.alloc(Math.max(0, size - start));
        await file.read(buffer, 0, buffer.length, start);
        return buffer.toString('utf8').trim();
      } finally {
        await file.close();
      }
    } catch {
      return '';
    }
  }

  /** Asks for the clean shutdown without waiting (the process is exiting). */
  requestShutdown(): void {
    try {
      if (this.pid) process.kill(this.pid, this.settings.shutdownSignal);
    } catch {
      // already gone
    }
  }

  private signalGroup(signal: NodeJS.Signals): void {
    const pid = this.child?.pid;
    if (!pid) return;
    try {
      process.kill(-pid, signal);
    } catch {
      // group already empty
    }
  }
}

/** Servers started by this process that are still running. */
export function runningServerProcesses(): ServerProcess[] {
  return [...running];
}

/**
 * Stops a server left running by an emulator that was killed (servers run in their own process
 * group, so they outlive it), before its data directory is reused. `isServer` tells from the
 * pid's command line that it is still that server, not a recycled pid; it gets `signal` (the
 * engine's clean shutdown) and `timeoutMs` to exit, then SIGKILL.
 */
export async function stopOrphanedProcess(
  pid: number,
  options: { isServer: (commandLine: string) => boolean; signal: NodeJS.Signals; timeoutMs: number },
): Promise<void> {
  if (!pid || !isAlive(pid)) return;
  const command = await fs.readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  if (!options.isServer(command)) return;
  process.kill(pid, options.signal);
  for (let waited = 0; isAlive(pid) && waited < options.timeoutMs; waited += 20) await new Promise((r) => setTimeout(r, 20));
  if (isAlive(pid)) process.kill(pid, 'SIGKILL');
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Last resort when the process exits without stopping its servers: the 'exit'
 * event allows no waiting, so each server is asked for its clean shutdown, which
 * it completes on its own.
 */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const server of running) server.requestShutdown();
  });
}

function describeExit(exit: ServerExit): string {
  return exit.signal ? `signal ${exit.signal}` : exit.code === null ? 'could not be spawned' : `exit code ${exit.code}`;
}

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
