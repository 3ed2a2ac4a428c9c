/**
 * One running mariadbd process.
 *
 * Started directly (no mysqld_safe), so we own its pid, see its exit at once and
 * can kill it like a crashed host. It runs in its own process group, so a
 * terminal's Ctrl-C does not reach it directly and kill() leaves nothing behind.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import type { ServerUser } from '../compute/osUser.js';
import type { MariadbBinaries } from './binaries.js';
import { mysqlEnvironment, spawnIdentity } from './commands.js';
import { MysqlStartError } from './errors.js';
import { INNODB_LOG_FILE_SIZE, INSTANCE_CONFIG_FILE, pidFileFor, socketPathFor } from './settings.js';

export interface MysqlServerOptions {
  binaries: MariadbBinaries;
  /** Account to run as; null runs as ourselves. */
  runAs: ServerUser | null;
  dataDir: string;
  port: number;
  /** IPv4 loopback address to listen on (127.x.y.z); the server listens nowhere else. */
  host?: string;
  /** Server log (stderr); default `<dataDir>.log`, beside the data directory so copies do not carry it. */
  logFile?: string;
  /**
   * Bootstrap mode for the template: no option file (--no-defaults), no TCP
   * listener, no binary log; reachable through the Unix socket only.
   */
  bootstrap?: boolean;
}

export interface MysqlServerExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

const running = new Set<MysqlServer>();
let exitHookInstalled = false;

export class MysqlServer {
  readonly dataDir: string;
  readonly host: string;
  readonly port: number;
  readonly logFile: string;
  readonly socketPath: string;
  private readonly options: MysqlServerOptions;
  private child?: ChildProcess;
  private exit?: MysqlServerExit;
  private exitPromise?: Promise<MysqlServerExit>;

  constructor(options: MysqlServerOptions) {
    this.options = options;
    this.dataDir = path.resolve(options.dataDir);
    this.host = options.host ?? '127.0.0.1';
    if (!options.bootstrap && !isIpv4Loopback(this.host)) {
      throw new Error(`MariaDB servers listen on IPv4 loopback addresses only (127.x.y.z), not ${JSON.stringify(this.host)}`);
    }
    this.port = options.port;
    this.logFile = options.logFile ?? `${this.dataDir}.log`;
    this.socketPath = socketPathFor(this.dataDir);
  }

  /** mariadbd's pid, once started. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  get isRunning(): boolean {
    return this.child !== undefined && this.exit === undefined;
  }

  /** Resolves when the server exits, for whatever reason. */
  get exited(): Promise<MysqlServerExit> {
    if (!this.exitPromise) throw new Error('MysqlServer.exited: the server was never started');
    return this.exitPromise;
  }

  /** Spawns mariadbd and resolves once it has logged "ready for connections" and (unless bootstrapping) answers on host:port. */
  async start(options: { timeoutMs?: number } = {}): Promise<void> {
    if (this.child) throw new Error(`MysqlServer for ${this.dataDir} was already started; create a new one to restart`);
    const timeoutMs = options.timeoutMs ?? 60_000;
    const { binaries, runAs } = this.options;

    const log = await fs.open(this.logFile, 'a', 0o640);
    const logStart = (await log.stat()).size;
    await log.write(`\n--- aurora-local: starting ${binaries.mariadbd} on ${this.host}:${this.port} at ${new Date().toISOString()} ---\n`);
    let child: ChildProcess;
    try {
      child = spawn(binaries.mariadbd, this.arguments(), {
        cwd: this.dataDir,
        env: mysqlEnvironment(),
        // The server writes its error log (stderr) straight into the file through this descriptor.
        stdio: ['ignore', log.fd, log.fd],
        detached: true,
        ...spawnIdentity(runAs),
      });
    } finally {
      await log.close();
    }
    this.child = child;
    running.add(this);
    installExitHook();

    this.exitPromise = new Promise<MysqlServerExit>((resolve) => {
      const settle = (exit: MysqlServerExit) => {
        if (this.exit) return;
        this.exit = exit;
        running.delete(this);
        this.signalGroup('SIGKILL');
        resolve(exit);
      };
      child.once('exit', (code, signal) => settle({ code, signal }));
      child.on('error', () => settle({ code: null, signal: null }));
    });

    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.exit) {
        throw new MysqlStartError(`mariadbd for ${this.dataDir} exited during start (${describeExit(this.exit)})`, await this.logTail(logStart));
      }
      // The log line is ours (written after logStart by this process's stderr); the probe
      // confirms the address answers. Together they keep another server on the same
      // address from passing for ours (ours would have exited with "Address already in use").
      if ((await this.loggedReady(logStart)) && (this.options.bootstrap || (await probeMysql(this.host, this.port)) === 'accepting') && !this.exit) return;
      if (Date.now() > deadline) {
        await this.kill();
        throw new MysqlStartError(
          `mariadbd for ${this.dataDir} did not accept connections on ${this.host}:${this.port} within ${timeoutMs} ms`,
          await this.logTail(logStart),
        );
      }
      await sleep(20);
    }
  }

  private arguments(): string[] {
    const placement = [
      `--datadir=${this.dataDir}`,
      `--socket=${this.socketPath}`,
      `--pid-file=${pidFileFor(this.dataDir)}`,
    ];
    if (this.options.bootstrap) {
      return ['--no-defaults', ...placement, '--skip-networking', '--skip-log-bin', `--innodb-log-file-size=${INNODB_LOG_FILE_SIZE}`];
    }
    return [
      // Must be the first argument; no other option file (/etc/mysql/my.cnf …) is read.
      `--defaults-file=${path.join(this.dataDir, INSTANCE_CONFIG_FILE)}`,
      ...placement,
      `--port=${this.port}`,
      `--bind-address=${this.host}`,
      // What SHOW SLAVE HOSTS reports on the writer, so replicas can be found from it.
      `--report-host=${this.host}`,
      `--report-port=${this.port}`,
    ];
  }

  private async loggedReady(logStart: number): Promise<boolean> {
    return (await this.logTail(logStart, 1 << 20)).includes('ready for connections');
  }

  /** Clean shutdown (SIGTERM: InnoDB flushes, binary log closed); SIGKILL if it takes longer than timeoutMs. */
  async stop(options: { timeoutMs?: number } = {}): Promise<MysqlServerExit | undefined> {
    if (!this.child || !this.exitPromise) return undefined;
    if (this.exit) return this.exit;
    try {
      if (this.child.pid) process.kill(this.child.pid, 'SIGTERM');
    } catch {
      // already gone
    }
    const exit = await withTimeout(this.exitPromise, options.timeoutMs ?? 30_000);
    return exit ?? this.kill();
  }

  /** SIGKILL to the server's process group: a crash, for fault tests. */
  async kill(): Promise<MysqlServerExit | undefined> {
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

/** Stops every MariaDB server this process started (call it from SIGINT/SIGTERM handlers). */
export async function stopAllMysqlServers(options: { timeoutMs?: number } = {}): Promise<void> {
  await Promise.all([...running].map((server) => server.stop(options)));
}

/** Servers started by this process that are still running. */
export function runningMysqlServers(): MysqlServer[] {
  return [...running];
}

/** On a process exit that did not stop them, ask each server for a clean shutdown, which it completes on its own. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const server of running) {
      try {
        if (server.pid) process.kill(server.pid, 'SIGTERM');
      } catch {
        // already gone
      }
    }
  });
}

export type MysqlProbeResult = 'accepting' | 'unreachable';

/**
 * Is a MariaDB server accepting connections on host:port? Reads the server's
 * first packet (the handshake, or an error such as "too many connections")
 * without logging in, so it needs no credentials and leaves no failed login.
 */
export function probeMysql(host: string, port: number, timeoutMs = 1000): Promise<MysqlProbeResult> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    let received = Buffer.alloc(0);
    const finish = (result: MysqlProbeResult) => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(timeoutMs, () => finish('unreachable'));
    socket.on('error', () => finish('unreachable'));
    socket.on('close', () => finish('unreachable'));
    socket.on('data', (chunk) => {
      received = Buffer.concat([received, chunk]);
      if (received.length < 5) return;
      // 3-byte length, sequence id, then 0x0a (protocol 10 handshake) or 0xff (error packet).
      finish(received[4] === 0x0a || received[4] === 0xff ? 'accepting' : 'unreachable');
    });
  });
}

export function isIpv4Loopback(host: string): boolean {
  const parts = host.split('.');
  return parts.length === 4 && parts[0] === '127' && parts.every((part) => /^\d{1,3}$/.test(part) && Number(part) <= 255);
}

function describeExit(exit: MysqlServerExit): string {
  return exit.signal ? `signal ${exit.signal}` : exit.code === null ? 'could not be spawned' : `exit code ${exit.code}`;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

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
