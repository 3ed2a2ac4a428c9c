// PostgreSQL data-plane benchmark (issue 4), the emulator in its own process:
// - create-to-first-query for a cluster with one writer, against initdb + start of the same
//   binaries (what a developer would otherwise do);
// - replica lag (commit acknowledged on the writer → row visible through the reader endpoint),
//   beside the round trip of a query on the replica (the floor of the measurement);
// - failover write gap: the longest pause between acknowledged writes of a loop through the
//   writer endpoint during FailoverDBCluster;
// - queries per second through the writer endpoint against directly to the server's port;
// - resident memory (RSS and PSS) of a writer plus two replicas.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import pg from 'pg';
import { api, dataPlane, describeCluster, freePort, median, percentile, printTable, spawnServer, stopChild, waitFor } from './lib.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const run = promisify(execFile);
const password = 'benchpass1';

async function connect(host: string, port: number) {
  const client = new pg.Client({ host, port, user: 'master', password, database: 'app', connectionTimeoutMillis: 5000 });
  client.on('error', () => {});
  await client.connect();
  return client;
}

/** RSS and PSS in MB of processes and all their descendants. */
async function memoryOf(pids: number[]) {
  const parents = new Map<number, number>();
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    parents.set(Number(entry), ppid);
  }
  const all = new Set(pids);
  let grew = true;
  while (grew) {
    grew = false;
    for (const [pid, ppid] of parents) if (all.has(ppid) && !all.has(pid)) (all.add(pid), (grew = true));
  }
  let rss = 0;
  let pss = 0;
  for (const pid of all) {
    const rollup = await readFile(`/proc/${pid}/smaps_rollup`, 'utf8').catch(() => '');
    rss += Number(/^Rss:\s+(\d+)/m.exec(rollup)?.[1] ?? 0);
    pss += Number(/^Pss:\s+(\d+)/m.exec(rollup)?.[1] ?? 0);
  }
  return { rssMb: rss / 1024, pssMb: pss / 1024, processes: all.size };
}

async function qps(host: string, port: number, clients: number, durationMs: number) {
  const connections = await Promise.all(Array.from({ length: clients }, () => connect(host, port)));
  let count = 0;
  const deadline = performance.now() + durationMs;
  const started = performance.now();
  await Promise.all(
    connections.map(async (client) => {
      while (performance.now() < deadline) {
        await client.query('SELECT 1');
        count++;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  await Promise.all(connections.map((c) => c.end()));
  return count / seconds;
}

/** initdb + start + first query with the same binaries, no template: the baseline for creation. */
async function plainInitdbToFirstQuery(binDir: string): Promise<number> {
  const dir = await mkdtemp(join(tmpdir(), 'bench-initdb-'));
  await chmod(dir, 0o777);
  const asUser = process.getuid?.() === 0 ? ['runuser', ['-u', 'aurora-local', '--']] as const : undefined;
  const exec = (file: string, args: string[]) => (asUser ? run(asUser[0], [...asUser[1], file, ...args]) : run(file, args));
  const port = await freePort();
  const started = performance.now();
  await exec(join(binDir, 'initdb'), ['-D', join(dir, 'data'), '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
  await exec(join(binDir, 'pg_ctl'), ['-D', join(dir, 'data'), '-o', `-p ${port} -h 127.0.0.1 -k ''`, '-l', join(dir, 'log'), '-w', 'start']);
  const client = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', database: 'postgres' });
  await client.connect();
  await client.query('SELECT 1');
  const elapsed = performance.now() - started;
  await client.end();
  await exec(join(binDir, 'pg_ctl'), ['-D', join(dir, 'data'), '-m', 'fast', '-w', 'stop']);
  await rm(dir, { recursive: true, force: true });
  return elapsed;
}

export async function benchPostgres({ quick = false } = {}) {
  const emulator = await spawnServer(process.execPath, [
    '--input-type=module',
    '-e',
    `import { startEmulator } from ${JSON.stringify(join(root, 'dist/emulator.js'))};
     const delays = { createClusterMs: 0, createInstanceMs: 0, failoverMs: 0 };
     const e = await startEmulator({ port: 0, dataPlane: 'postgres', delays, log: () => {} });
     console.log('listening on ' + e.url);
     process.on('SIGTERM', async () => { await e.close(); process.exit(0); });`,
  ]);
  const url = emulator.url;
  try {
    // Warm the template (the first cluster of a data root pays initdb once).
    await api(url, `Action=CreateDBCluster&DBClusterIdentifier=warm&Engine=aurora-postgresql&MasterUsername=master&MasterUserPassword=${password}&DatabaseName=app`);
    await api(url, 'Action=CreateDBInstance&DBInstanceIdentifier=warm-1&DBClusterIdentifier=warm&Engine=aurora-postgresql&DBInstanceClass=db.r6g.large');
    await waitFor(async () => (await api(url, 'Action=DescribeDBInstances&DBInstanceIdentifier=warm-1')).includes('<DBInstanceStatus>available<'));

    // 1. Create to first query.
    const createTimes: number[] = [];
    for (let i = 0; i < (quick ? 2 : 5); i++) {
      const id = `c${i}`;
      const started = performance.now();
      await api(url, `Action=CreateDBCluster&DBClusterIdentifier=${id}&Engine=aurora-postgresql&MasterUsername=master&MasterUserPassword=${password}&DatabaseName=app`);
      await api(url, `Action=CreateDBInstance&DBInstanceIdentifier=${id}-1&DBClusterIdentifier=${id}&Engine=aurora-postgresql&DBInstanceClass=db.r6g.large`);
      const { endpoint, port } = await describeCluster(url, id);
      for (;;) {
        try {
          const client = await connect(endpoint, port);
          await client.query('SELECT 1');
          await client.end();
          break;
        } catch {
          await new Promise((r) => setTimeout(r, 2));
        }
      }
      createTimes.push(performance.now() - started);
    }
    const binDir = dirname(await postgresBinary());
    const baselineCreate = await plainInitdbToFirstQuery(binDir);

    // A cluster with a writer and two replicas for the rest.
    await api(url, `Action=CreateDBCluster&DBClusterIdentifier=main&Engine=aurora-postgresql&MasterUsername=master&MasterUserPassword=${password}&DatabaseName=app`);
    for (const n of [1, 2, 3]) {
      await api(url, `Action=CreateDBInstance&DBInstanceIdentifier=main-${n}&DBClusterIdentifier=main&Engine=aurora-postgresql&DBInstanceClass=db.r6g.large`);
      await waitFor(async () => (await api(url, `Action=DescribeDBInstances&DBInstanceIdentifier=main-${n}`)).includes('<DBInstanceStatus>available<'));
    }
    const cluster = await describeCluster(url, 'main');
    const writer = await connect(cluster.endpoint, cluster.port);
    await writer.query('CREATE TABLE lag (id int PRIMARY KEY, at timestamptz DEFAULT now())');
    await writer.query('CREATE TABLE ledger (id int PRIMARY KEY)');

    // 2. Replica lag.
    const reader = await connect(cluster.reader, cluster.port);
    const lags: number[] = [];
    const floor: number[] = [];
    for (let i = 1; i <= (quick ? 200 : 1000); i++) {
      await writer.query('INSERT INTO lag (id) VALUES ($1)', [i]);
      const acknowledged = performance.now();
      while ((await reader.query('SELECT 1 FROM lag WHERE id = $1', [i])).rowCount === 0);
      lags.push(performance.now() - acknowledged);
      const t = performance.now();
      await reader.query('SELECT 1');
      floor.push(performance.now() - t);
    }
    await reader.end();

    // 3. Queries per second through the writer endpoint and directly.
    const view = await dataPlane(url, 'main');
    const direct = view.instances.find((i) => i.role === 'writer')!;
    const duration = quick ? 1500 : 3000;
    const viaEndpoint = await qps(cluster.endpoint, cluster.port, 4, duration);
    const viaDirect = await qps(direct.host, direct.port, 4, duration);

    // One client, one query at a time: the proxy's own cost per round trip, free of CPU contention.
    const latency = async (host: string, port: number) => {
      const client = await connect(host, port);
      const samples: number[] = [];
      for (let i = 0; i < (quick ? 1000 : 5000); i++) {
        const t = performance.now();
        await client.query('SELECT 1');
        samples.push(performance.now() - t);
      }
      await client.end();
      return median(samples);
    };
    const latencyViaEndpoint = await latency(cluster.endpoint, cluster.port);
    const latencyDirect = await latency(direct.host, direct.port);

    // 4. Memory of the writer and two replicas.
    const memory = await memoryOf(view.instances.filter((i) => i.pid).map((i) => i.pid!));

    // 5. Failover write gap.
    await writer.end();
    let stop = false;
    let next = 1;
    let lastAck = performance.now();
    let gap = 0;
    let acknowledged = 0;
    const loop = (async () => {
      let client: pg.Client | undefined;
      while (!stop) {
        try {
          client ??= await connect(cluster.endpoint, cluster.port);
          await client.query('INSERT INTO ledger VALUES ($1)', [next++]);
          acknowledged++;
          const now = performance.now();
          gap = Math.max(gap, now - lastAck);
          lastAck = now;
        } catch {
          await client?.end().catch(() => {});
          client = undefined;
        }
      }
      await client?.end().catch(() => {});
    })();
    await new Promise((r) => setTimeout(r, 500));
    gap = 0;
    await api(url, 'Action=FailoverDBCluster&DBClusterIdentifier=main');
    await waitFor(async () => (await describeCluster(url, 'main')).status === 'available');
    await new Promise((r) => setTimeout(r, 500));
    stop = true;
    await loop;

    printTable('PostgreSQL data plane (issue 4)', [
      ['measure', 'aurora-local', 'baseline', 'ratio / target'],
      ['create cluster + writer → first query, median ms', median(createTimes).toFixed(0), `${baselineCreate.toFixed(0)} (initdb+start)`, `${(median(createTimes) / baselineCreate).toFixed(2)}×; target < 1000 ms`],
      ['replica lag (ack → visible on reader), median ms', median(lags).toFixed(2), `${median(floor).toFixed(2)} (SELECT 1 on replica)`, 'target < 1 ms'],
      ['replica lag p99 ms', percentile(lags, 99).toFixed(2), percentile(floor, 99).toFixed(2), 'target < 10 ms'],
      ['SELECT 1 per second, 4 clients', viaEndpoint.toFixed(0), `${viaDirect.toFixed(0)} (direct to the server)`, `${(viaEndpoint / viaDirect).toFixed(2)}; target ≥ 0.8`],
      ['SELECT 1 round trip, 1 client, median ms', latencyViaEndpoint.toFixed(3), `${latencyDirect.toFixed(3)} (direct)`, `+${(latencyViaEndpoint - latencyDirect).toFixed(3)} ms through the endpoint`],
      ['memory of writer + 2 replicas, MB', `RSS ${memory.rssMb.toFixed(0)}, PSS ${memory.pssMb.toFixed(0)}`, `${memory.processes} processes`, 'target < 600 MB'],
      ['failover write gap, ms', gap.toFixed(0), `${acknowledged} writes acknowledged`, 'target < 1000 ms'],
    ]);
  } finally {
    await stopChild(emulator.child);
  }
}

async function postgresBinary(): Promise<string> {
  const { resolvePostgresBinaries } = await import(join(root, 'dist/data-plane/compute/binaries.js'));
  return (await resolvePostgresBinaries()).postgres;
}
