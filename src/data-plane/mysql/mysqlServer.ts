/**
 * One running mariadbd process, supervised by ServerProcess (../serverProcess.ts):
 * started directly (no mysqld_safe), in its own process group, so we own its pid,
 * see its exit at once and can kill it like a crashed host. Shut down cleanly
 * with SIGTERM (InnoDB flushes, the binary log is closed).
 */
import fs from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import type { ServerUser } from '../compute/osUser.js';
import { runningServerProcesses, ServerProcess, type ServerExit } from '../serverProcess.js';
import type { MariadbBinaries } from './binaries.js';
import { mysqlEnvironment, spawnIdentity } from './commands.js';
import { MysqlStartError } from './errors.js';
import { createOwnedDir, INNODB_LOG_FILE_SIZE, INSTANCE_CONFIG_FILE, newTmpDirFor, pidFileFor, removeStaleTmpDirs, socketPathFor } from './settings.js';

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

export type MysqlServerExit = ServerExit;

export class MysqlServer extends ServerProcess {
  readonly socketPath: string;
  private readonly runAs: ServerUser | null;
  private readonly tmpDir: string;

  constructor(options: MysqlServerOptions) {
    const dataDir = path.resolve(options.dataDir);
    const host = options.host ?? '127.0.0.1';
    if (!options.bootstrap && !isIpv4Loopback(host)) {
      throw new Error(`MariaDB servers listen on IPv4 loopback addresses only (127.x.y.z), not ${JSON.stringify(host)}`);
    }
    const socketPath = socketPathFor(dataDir);
    const tmpDir = newTmpDirFor(dataDir);
    super({
      file: options.binaries.mariadbd,
      args: serverArguments(options, dataDir, host, socketPath, tmpDir),
      dataDir,
      host,
      port: options.port,
      logFile: options.logFile,
      env: mysqlEnvironment(),
      identity: spawnIdentity(options.runAs),
      shutdownSignal: 'SIGTERM',
      stopTimeoutMs: 30_000,
      startTimeoutMs: 60_000,
      // The log line is ours (written after logStart by this process's stderr); the probe
      // confirms the address answers. Together they keep another server on the same
      // address from passing for ours (ours would have exited with "Address already in use").
      isReady: async (server, logStart) =>
        (await server.logTail(logStart, 1 << 20)).includes('ready for connections') && (options.bootstrap || (await probeMysql(host, options.port)) === 'accepting'),
      startError: (message, logTail) => new MysqlStartError(message, logTail),
    });
    this.socketPath = socketPath;
    this.runAs = options.runAs;
    this.tmpDir = tmpDir;
  }

  /** Starts with an empty private temporary directory, removed again when the server exits, however it exits. */
  override async start(options: { timeoutMs?: number } = {}): Promise<void> {
    if (this.pid !== undefined) return super.start(options); // refused there, before the running server's tmpdir is touched
    // One server per data directory at a time: any other temporary directory of it is stale.
    await removeStaleTmpDirs(this.dataDir);
    await createOwnedDir(this.tmpDir, this.runAs);
    const removeTmpDir = () => fs.rm(this.tmpDir, { recursive: true, force: true });
    try {
      await super.start(options);
    } finally {
      if (this.pid === undefined) await removeTmpDir();
      else void this.exited.then(removeTmpDir);
    }
  }
}

function serverArguments(options: MysqlServerOptions, dataDir: string, host: string, socketPath: string, tmpDir: string): string[] {
  const placement = [`--datadir=${dataDir}`, `--socket=${socketPath}`, `--pid-file=${pidFileFor(dataDir)}`, `--tmpdir=${tmpDir}`];
  if (options.bootstrap) {
    return ['--no-defaults', ...placement, '--skip-networking', '--skip-log-bin', `--innodb-log-file-size=${INNODB_LOG_FILE_SIZE}`];
  }
  return [
    // Must be the first argument; no other option file (/etc/mysql/my.cnf …) is read.
    `--defaults-file=${path.join(dataDir, INSTANCE_CONFIG_FILE)}`,
    ...placement,
    `--port=${options.port}`,
    `--bind-address=${host}`,
    // What SHOW SLAVE HOSTS reports on the writer, so replicas can be found from it.
    `--report-host=${host}`,
    `--report-port=${options.port}`,
  ];
}

/** Stops every MariaDB server this process started (call it from SIGINT/SIGTERM handlers). */
export async function stopAllMysqlServers(options: { timeoutMs?: number } = {}): Promise<void> {
  await Promise.all(runningMysqlServers().map((server) => server.stop(options)));
}

/** MariaDB servers started by this process that are still running. */
export function runningMysqlServers(): MysqlServer[] {
  return runningServerProcesses().filter((server): server is MysqlServer => server instanceof MysqlServer);
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
