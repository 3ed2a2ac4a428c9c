// Shared helpers for the end-to-end suites: an emulator per test file, SDK clients pointed at
// it, and a way to catch the SDK's exceptions for inspection.
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RDSClient } from '@aws-sdk/client-rds';
import { startEmulator, type Emulator, type EmulatorOptions } from '../src/emulator.js';

/** Short lifecycle delays: every status is visible for a moment, waiters finish in a few polls. */
export const smallDelays = {
  createClusterMs: 400,
  createInstanceMs: 500,
  modifyClusterMs: 400,
  modifyInstanceMs: 400,
  rebootInstanceMs: 400,
  deleteClusterMs: 400,
  deleteInstanceMs: 400,
};

/** Waiter settings for the SDK's waitUntil* helpers (its defaults poll every 30 s or more). */
// Against real AWS (AURORA_LOCAL_REMOTE), creations take minutes: poll slower, wait longer.
export const waitOptions = process.env.AURORA_LOCAL_REMOTE ? { minDelay: 15, maxDelay: 30, maxWaitTime: 1800 } : { minDelay: 1, maxDelay: 2, maxWaitTime: 30 };

export interface TestEmulator extends Emulator {
  /** Lines the emulator logged (internal failures among them). */
  logs: string[];
}

/**
 * These suites test the RDS API contract, so they run the control plane alone (`none`) unless
 * AURORA_LOCAL_DATA_PLANE names a data plane: with `postgres`, aurora-postgresql instances are
 * real servers and endpoints are loopback addresses, which some assertions here do not expect.
 */
export const testDataPlane = (process.env.AURORA_LOCAL_DATA_PLANE || 'none') as NonNullable<EmulatorOptions['dataPlane']>;

/**
 * AURORA_LOCAL_REMOTE=1 runs these suites against real AWS instead (dynalite's REMOTE
 * pattern), so that their expectations are AWS's and not ours: no emulator starts, and the SDK
 * uses its default credentials and region. It creates real, billable resources: use a sandbox
 * account. Suites that depend on emulator-only controls are left out (see vitest.config.ts).
 */
export const remote = Boolean(process.env.AURORA_LOCAL_REMOTE);

export async function startTestEmulator(options: EmulatorOptions = {}): Promise<TestEmulator> {
  if (remote) return { url: 'aws', logs: [], close: async () => {} } as unknown as TestEmulator;
  const logs: string[] = [];
  const emulator = await startEmulator({ port: 0, delays: smallDelays, dataPlane: testDataPlane, log: (line) => logs.push(line), ...options });
  return Object.assign(emulator, { logs });
}

export function rdsClient(url: string, { region = 'us-east-1', accessKeyId = 'test' }: { region?: string; accessKeyId?: string } = {}): RDSClient {
  if (remote) return new RDSClient({ region: process.env.AWS_REGION ?? region });
  return new RDSClient({ endpoint: url, region, credentials: { accessKeyId, secretAccessKey: 'test' } });
}

/** The error a promise rejects with; fails the test when it resolves instead. */
export async function caught(promise: Promise<unknown>): Promise<any> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail, but it succeeded');
}

/** How many responses a waiter observed (the SDK counts them per distinct response). */
export const pollCount = (result: { observedResponses?: Record<string, number> }) =>
  Object.values(result.observedResponses ?? {}).reduce((sum, n) => sum + n, 0);

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * How long a resource may take to settle: the control plane alone is fast; with real servers
 * behind it (a replica is a clone of its writer) a loaded 2-core CI machine needs longer.
 */
export const settleMs = remote ? 900_000 : testDataPlane === 'none' ? 10_000 : 30_000;

/** Polls `check` until it returns a truthy value or `timeoutMs` passes. */
export async function eventually<T>(check: () => Promise<T | undefined | false>, timeoutMs = settleMs, intervalMs = remote ? 10_000 : 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await sleep(intervalMs);
  }
}

export const baseCluster = (id: string, engine: 'aurora-postgresql' | 'aurora-mysql' = 'aurora-postgresql') => ({
  DBClusterIdentifier: id,
  Engine: engine,
  MasterUsername: engine === 'aurora-mysql' ? 'admin' : 'postgres',
  MasterUserPassword: 'secret-pass-1',
});

export const baseInstance = (id: string, clusterId: string, engine: 'aurora-postgresql' | 'aurora-mysql' = 'aurora-postgresql') => ({
  DBInstanceIdentifier: id,
  DBClusterIdentifier: clusterId,
  Engine: engine,
  DBInstanceClass: 'db.r6g.large',
});

// ---- child processes -------------------------------------------------------------------

export interface ProcessResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  ms: number;
}

/** Every child started through these helpers, so a suite can stop the ones still running. */
export const liveChildren = new Set<ChildProcess>();

/** Stops (SIGKILL, by pid) every child started here that has not exited. */
export function killLiveChildren(): void {
  for (const child of liveChildren) {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      try {
        process.kill(child.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
  }
  liveChildren.clear();
}

export function track(child: ChildProcess): ChildProcess {
  liveChildren.add(child);
  child.once('exit', () => liveChildren.delete(child));
  return child;
}

/** Runs a command to completion; kills it (SIGKILL, by pid) when it exceeds `timeoutMs`. */
export function run(command: string, args: string[], { env, timeoutMs, cwd }: { env?: NodeJS.ProcessEnv; timeoutMs: number; cwd?: string }): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = track(spawn(command, args, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] }));
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout!.on('data', (chunk) => (stdout += chunk));
    child.stderr!.on('data', (chunk) => (stderr += chunk));
    const timer = setTimeout(() => {
      timedOut = true;
      if (child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
    }, timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, timedOut, ms: Date.now() - started });
    });
  });
}

/**
 * Endpoint host names: AWS-shaped without a data plane; with the postgres data plane (real
 * PostgreSQL and MariaDB servers), an endpoint of either engine is a loopback address that
 * really answers.
 */
export function expectedHost(awsShaped: RegExp, _engine: 'aurora-postgresql' | 'aurora-mysql' = 'aurora-postgresql'): RegExp {
  return testDataPlane === 'postgres' ? /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/ : awsShaped;
}

// ---- the emulator's own command line ----

const repositoryRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

export interface CliProcess {
  child: ChildProcess;
  url: string;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts `aurora-local start --port 0 --data-dir DIR …` and waits for its "listening on URL" line. */
export function startCli(dir: string, extra: string[] = []): Promise<CliProcess> {
  const child = track(
    spawn(process.execPath, [join(repositoryRoot, 'bin/aurora-local.js'), 'start', '--port', '0', '--data-dir', dir, ...extra], {
      cwd: repositoryRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk) => (stdout += chunk));
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      if (child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
      reject(new Error(`the CLI did not print "listening on" within 15 s\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, 15_000);
    const onData = () => {
      const match = /listening on (http:\/\/\S+)/.exec(stdout);
      if (!match) return;
      clearTimeout(timer);
      child.stdout!.off('data', onData);
      resolve({ child, url: match[1], stdout: () => stdout, stderr: () => stderr, exited });
    };
    child.stdout!.on('data', onData);
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`the CLI exited (${code ?? signal}) before listening\nstdout: ${stdout}\nstderr: ${stderr}`));
    });
  });
}
