// Small measuring helpers shared by the benchmarks: child processes, free ports, HTTP load,
// awsQuery calls to an emulator.
import { spawn, type ChildProcess } from 'node:child_process';
import { request, Agent } from 'node:http';
import { createServer } from 'node:net';

export const median = (values: number[]) => percentile(values, 50);
export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (!sorted.length) return NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index];
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

export function post(url: string, body: string, agent?: Agent): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', agent, headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Spawns a server process and measures the time until it answers its first request. */
export async function timeToFirstAnswer(command: string, args: string[], url: string, body: string, env: NodeJS.ProcessEnv = process.env) {
  const started = performance.now();
  const child = spawn(command, args, { stdio: 'ignore', env });
  try {
    for (;;) {
      try {
        const { status } = await post(url, body);
        if (status === 200) return performance.now() - started;
      } catch {
        /* not listening yet */
      }
      if (child.exitCode !== null) throw new Error(`${command} ${args.join(' ')} exited with ${child.exitCode}`);
      if (performance.now() - started > 20_000) throw new Error('no answer within 20 s');
      await new Promise((r) => setTimeout(r, 2));
    }
  } finally {
    await stopChild(child);
  }
}

/** SIGTERM, then SIGKILL after `graceMs` (an emulator needs time to stop the database servers it runs). */
export function stopChild(child: ChildProcess, graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** Spawns a process that prints a line containing its URL, and returns both. */
export function spawnServer(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ child: ChildProcess; url: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'], env });
    let output = '';
    child.stdout!.on('data', (chunk) => {
      output += chunk;
      const match = /(http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (match) resolve({ child, url: match[1] });
    });
    child.once('exit', (code) => reject(new Error(`${command} exited with ${code} before printing its URL: ${output}`)));
  });
}

/** Closed-loop HTTP load: `concurrency` keep-alive clients send `body` for `durationMs`. */
export async function requestsPerSecond(url: string, body: string, durationMs: number, concurrency: number) {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const deadline = performance.now() + durationMs;
  let completed = 0;
  let failed = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        const { status } = await post(url, body, agent);
        if (status === 200) completed++;
        else failed++;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  agent.destroy();
  if (failed) throw new Error(`${failed} requests failed during the load`);
  return completed / seconds;
}

/** One awsQuery call (form-encoded POST, API version 2014-10-31); throws unless it answers 200. */
export async function api(url: string, body: string) {
  const response = await post(`${url}/`, `Version=2014-10-31&${body}`);
  if (response.status !== 200) throw new Error(`${body.split('&')[0]} failed: ${response.body}`);
  return response.body;
}

/** The text of the first `<name>` element that holds text only. */
export const field = (xml: string, name: string) => new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1];

export async function describeCluster(url: string, id: string) {
  const xml = await api(url, `Action=DescribeDBClusters&DBClusterIdentifier=${id}`);
  const writer = /<DBClusterMember>(?:(?!<\/DBClusterMember>).)*?<IsClusterWriter>true</s.exec(xml)?.[0];
  return {
    status: field(xml, 'Status')!,
    endpoint: field(xml, 'Endpoint')!,
    reader: field(xml, 'ReaderEndpoint')!,
    port: Number(field(xml, 'Port')),
    /** The writer instance's identifier, from DBClusterMembers. */
    writer: writer && field(writer, 'DBInstanceIdentifier'),
    xml,
  };
}

/** Polls `check` every 5 ms until it returns something truthy, and returns that. */
export async function waitFor<T>(check: () => Promise<T | undefined | false>, timeoutMs = 60_000, what = 'condition'): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** GET /_aurora/clusters/ID/data-plane: each instance's server. */
export async function dataPlane(url: string, id: string) {
  return (await (await fetch(`${url}/_aurora/clusters/${id}/data-plane`)).json()) as { instances: { instanceId: string; role: string; pid?: number; host: string; port: number }[] };
}

export function printTable(title: string, rows: (string | number)[][]) {
  console.log(`\n${title}`);
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => String(r[c]).length)));
  for (const row of rows) console.log('  ' + row.map((cell, c) => String(cell).padEnd(widths[c])).join('  '));
}
