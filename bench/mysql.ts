// MariaDB data-plane benchmark (aurora-mysql): the emulator in its own process, one cluster with
// a writer and a replica, reached through the endpoints that the Describe calls return:
// - replica lag: commit acknowledged on the writer → row visible through the replica's instance
//   endpoint, beside the round trip of SELECT 1 on that replica (the floor of the measurement);
// - failover write gap: the longest pause between acknowledged writes of an insert loop through
//   the writer endpoint during FailoverDBCluster (and whether an acknowledged row was lost),
//   beside the longest pause of the same loop over as long a period without failover;
// - commit latency: single-row INSERTs through the writer endpoint waiting for 4 of 6 segments,
//   beside the same writer with semi-sync off (the volume still receives and fsyncs the log on
//   the same disk, so this isolates the wait, not the volume's whole cost);
// - backtrack: BacktrackDBCluster over 10,000 rows inserted after a marked second, from the call
//   until the cluster is available and the rows are gone, beside the time it took to write them.
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import mysql from 'mysql2/promise';
import { api, dataPlane, describeCluster, field, median, percentile, printTable, spawnServer, stopChild, waitFor } from './lib.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const password = 'benchpass1';
const clusterId = 'bench-mysql';
const backtrackedRows = 10_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function connect(host: string, port: number) {
  const connection = await mysql.createConnection({ host, port, user: 'admin', password, database: 'app', connectTimeout: 5000 });
  connection.on('error', () => {}); // failover and backtrack drop sessions on purpose
  return connection;
}

async function countRows(connection: mysql.Connection, table: string): Promise<number> {
  const [rows] = await connection.query(`SELECT count(*) AS n FROM ${table}`);
  return Number((rows as { n: number }[])[0].n);
}

async function instanceEndpoint(url: string, instanceId: string) {
  const xml = await api(url, `Action=DescribeDBInstances&DBInstanceIdentifier=${instanceId}`);
  const endpoint = /<Endpoint>.*?<\/Endpoint>/s.exec(xml)![0];
  return { host: field(endpoint, 'Address')!, port: Number(field(endpoint, 'Port')) };
}

/**
 * Inserts sequential ids into `table` through `host:port`, reconnecting after errors, and records
 * when each insert was acknowledged. An id whose outcome is unknown (error) is never reused.
 */
function insertLoop(host: string, port: number, table: string, firstId: number) {
  const acknowledged: { id: number; at: number }[] = [];
  let stopping = false;
  const done = (async () => {
    let connection: mysql.Connection | undefined;
    let next = firstId;
    while (!stopping) {
      const id = next++;
      try {
        connection ??= await connect(host, port);
        // A timeout, so that a session left hanging by the failover cannot stall the loop.
        await connection.query({ sql: `INSERT INTO ${table} (id) VALUES (?)`, timeout: 10_000 }, [id]);
        acknowledged.push({ id, at: performance.now() });
      } catch {
        connection?.destroy();
        connection = undefined;
        await sleep(2); // no busy loop of refused connections competing with the failover for CPU
      }
    }
    await connection?.end().catch(() => {});
  })();
  return { acknowledged, stop: async () => ((stopping = true), await done) };
}

/** The longest pause between consecutive acknowledgements, counting those after `from`. */
function longestGap(acknowledged: { at: number }[], from: number) {
  let longest = 0;
  for (let i = 1; i < acknowledged.length; i++) {
    if (acknowledged[i].at >= from) longest = Math.max(longest, acknowledged[i].at - acknowledged[i - 1].at);
  }
  return longest;
}

// DBClusterBacktrack has no count of its own: the cluster's total is in DescribeDBClusters.
async function consumedChangeRecords(url: string) {
  return Number(field((await describeCluster(url, clusterId)).xml, 'BacktrackConsumedChangeRecords'));
}

type Endpoint = { host: string; port: number };

/** Commit acknowledged on the writer → row visible on the replica, and SELECT 1 on the replica (the floor). */
async function measureReplicaLag(writer: mysql.Connection, replica: Endpoint, samples: number) {
  const reader = await connect(replica.host, replica.port);
  const lags: number[] = [];
  const floor: number[] = [];
  try {
    for (let i = 1; i <= samples; i++) {
      await writer.query('INSERT INTO lag_probe (id) VALUES (?)', [i]);
      const acknowledged = performance.now();
      for (;;) {
        const [rows] = await reader.query('SELECT 1 FROM lag_probe WHERE id = ?', [i]);
        if ((rows as unknown[]).length) break;
        if (performance.now() - acknowledged > 10_000) throw new Error(`row ${i} not visible on the replica after 10 s`);
      }
      lags.push(performance.now() - acknowledged);
      const t = performance.now();
      await reader.query('SELECT 1');
      floor.push(performance.now() - t);
    }
  } finally {
    await reader.end();
  }
  return { lags, floor };
}

/**
 * What the storage quorum costs a commit: single-row autocommit INSERTs through the writer
 * endpoint, timed, with the writer waiting for 4 of 6 segments (semi-sync on), then the same
 * on the same writer with semi-sync turned off for the run (as the emulator's admin).
 */
async function measureCommitCost(url: string, writerEndpoint: Endpoint, samples: number) {
  const writerId = (await describeCluster(url, clusterId)).writer!;
  const writer = (await dataPlane(url, clusterId)).instances.find((i) => i.instanceId === writerId) as { host: string; port: number; dataDir?: string };
  const admin = JSON.parse(await readFile(join(writer.dataDir!, 'aurora_local_admin.json'), 'utf8')) as { user: string; password: string };
  const adminSession = await mysql.createConnection({ host: writer.host, port: writer.port, user: admin.user, password: admin.password });
  const session = await connect(writerEndpoint.host, writerEndpoint.port);
  const time = async (firstId: number) => {
    const times: number[] = [];
    for (let id = firstId; id < firstId + samples; id++) {
      const started = performance.now();
      await session.query('INSERT INTO commit_probe (id) VALUES (?)', [id]);
      times.push(performance.now() - started);
    }
    return times;
  };
  try {
    const quorum = await time(1);
    await adminSession.query('SET GLOBAL rpl_semi_sync_master_enabled = OFF');
    const local = await time(1 + samples).finally(() => adminSession.query('SET GLOBAL rpl_semi_sync_master_enabled = ON'));
    return { quorum, local };
  } finally {
    await Promise.all([session.end(), adminSession.end()]);
  }
}

/**
 * Writes 10,000 rows (`rowsPerInsert` per autocommit INSERT) after a marked second, then
 * backtracks to it: the time from the call until the cluster is available and the rows are
 * gone, beside the time the writes took.
 */
async function measureBacktrack(url: string, writerEndpoint: Endpoint, rowsPerInsert: number, firstId: number) {
  const session = await connect(writerEndpoint.host, writerEndpoint.port);
  const rowsBefore = await countRows(session, 'backtracked');
  // Binary-log timestamps have one-second resolution: mark the next whole second and start
  // writing just after it, so that every row is written after the mark.
  const mark = new Date(Math.ceil((Date.now() + 1) / 1000) * 1000);
  while (Date.now() < mark.getTime() + 50) await sleep(10);
  let nextId = firstId;
  const writeStarted = performance.now();
  for (let written = 0; written < backtrackedRows; written += rowsPerInsert) {
    const values = Array.from({ length: rowsPerInsert }, () => [nextId, nextId++]);
    await session.query('INSERT INTO backtracked (id, v) VALUES ?', [values]);
  }
  const writeMs = performance.now() - writeStarted;
  const rowsWritten = (await countRows(session, 'backtracked')) - rowsBefore;
  await session.end(); // the backtrack drops client sessions anyway
  if (rowsWritten !== backtrackedRows) throw new Error(`${rowsWritten} rows written after the mark, expected ${backtrackedRows}`);

  const recordsBefore = await consumedChangeRecords(url);
  const started = performance.now();
  const answer = await api(url, `Action=BacktrackDBCluster&DBClusterIdentifier=${clusterId}&BacktrackTo=${encodeURIComponent(mark.toISOString())}`);
  const backtrackId = field(answer, 'BacktrackIdentifier')!;
  const status = await waitFor(async () => {
    const xml = await api(url, `Action=DescribeDBClusterBacktracks&DBClusterIdentifier=${clusterId}&BacktrackIdentifier=${backtrackId}`);
    const backtrack = field(xml, 'Status')!;
    return ['completed', 'failed'].includes(backtrack) && (await describeCluster(url, clusterId)).status === 'available' && backtrack;
  }, 300_000, 'the backtrack to finish');
  if (status !== 'completed') throw new Error(`backtrack ${backtrackId} ${status} (see DescribeEvents for ${clusterId})`);
  const after = await connect(writerEndpoint.host, writerEndpoint.port);
  const rowsAfter = await countRows(after, 'backtracked');
  const backtrackMs = performance.now() - started;
  await after.end();
  if (rowsAfter !== rowsBefore) throw new Error(`after the backtrack: ${rowsAfter} rows, expected ${rowsBefore} as before the mark`);
  return { writeMs, backtrackMs, changeRecords: (await consumedChangeRecords(url)) - recordsBefore };
}

/**
 * An insert loop through the writer endpoint during FailoverDBCluster: its longest pause and
 * whether the new writer holds every acknowledged row; then the same loop over as long a
 * period without failover.
 */
async function measureFailover(url: string, firstId: number) {
  const before = await describeCluster(url, clusterId);
  const failoverLoop = insertLoop(before.endpoint, before.port, 'ledger_failover', firstId);
  await sleep(500); // the loop is running steadily
  const failoverStarted = performance.now();
  await api(url, `Action=FailoverDBCluster&DBClusterIdentifier=${clusterId}`);
  const after = await waitFor(async () => {
    const now = await describeCluster(url, clusterId);
    return now.status === 'available' && now;
  }, 120_000, 'the failover to finish');
  if (after.writer === before.writer) {
    await failoverLoop.stop();
    throw new Error(`the failover did not move the writer (see DescribeEvents for ${clusterId})`);
  }
  // Stop only once writes are acknowledged again, so that the pause is measured whole.
  const acknowledgedAtPromotion = failoverLoop.acknowledged.length;
  await waitFor(async () => failoverLoop.acknowledged.length > acknowledgedAtPromotion + 10, 60_000, 'writes on the new writer');
  await sleep(500);
  await failoverLoop.stop();
  const periodMs = performance.now() - failoverStarted;

  const check = await connect(after.endpoint, after.port);
  const [stored] = await check.query('SELECT id FROM ledger_failover WHERE id >= ?', [firstId]);
  await check.end();
  const storedIds = new Set((stored as { id: number }[]).map((r) => r.id));

  const steadyLoop = insertLoop(after.endpoint, after.port, 'ledger_steady', firstId);
  await sleep(500);
  const steadyStarted = performance.now();
  await sleep(periodMs);
  await steadyLoop.stop();
  return {
    periodMs,
    gapMs: longestGap(failoverLoop.acknowledged, failoverStarted),
    acknowledged: failoverLoop.acknowledged.length,
    stored: storedIds.size,
    lost: failoverLoop.acknowledged.filter((a) => !storedIds.has(a.id)).length,
    steadyGapMs: longestGap(steadyLoop.acknowledged, steadyStarted),
  };
}

export async function benchMysql({ quick = false } = {}) {
  const dataDir = await mkdtemp(join(tmpdir(), 'bench-mysql-'));
  // As root, MariaDB runs as the user aurora-local, which must pass through this directory.
  await chmod(dataDir, 0o711);
  let emulator: Awaited<ReturnType<typeof spawnServer>> | undefined;
  try {
    emulator = await spawnServer(process.execPath, [
      '--input-type=module',
      '-e',
      `import { startEmulator } from ${JSON.stringify(join(root, 'dist/emulator.js'))};
       const delays = { createClusterMs: 0, createInstanceMs: 0, failoverMs: 0, backtrackMs: 0 };
       const e = await startEmulator({ port: 0, dataPlane: 'postgres', dataDir: ${JSON.stringify(dataDir)}, delays, log: () => {} });
       console.log('listening on ' + e.url);
       process.on('SIGTERM', async () => { await e.close(); process.exit(0); });`,
    ]);
    const url = emulator.url;

    await api(url, `Action=CreateDBCluster&DBClusterIdentifier=${clusterId}&Engine=aurora-mysql&MasterUsername=admin&MasterUserPassword=${password}&DatabaseName=app&BacktrackWindow=3600`);
    for (const n of [1, 2]) {
      await api(url, `Action=CreateDBInstance&DBInstanceIdentifier=${clusterId}-${n}&DBClusterIdentifier=${clusterId}&Engine=aurora-mysql&DBInstanceClass=db.r6g.large`);
      await waitFor(async () => (await api(url, `Action=DescribeDBInstances&DBInstanceIdentifier=${clusterId}-${n}`)).includes('<DBInstanceStatus>available<'), 120_000, `${clusterId}-${n} available`);
    }
    const cluster = await describeCluster(url, clusterId);
    const writerEndpoint = { host: cluster.endpoint, port: cluster.port };
    const replica = await instanceEndpoint(url, [1, 2].map((n) => `${clusterId}-${n}`).find((id) => id !== cluster.writer)!);

    // Every table now: a backtrack cannot cross DDL, so none may come after a mark.
    const writer = await connect(cluster.endpoint, cluster.port);
    await writer.query('CREATE TABLE lag_probe (id int PRIMARY KEY)');
    await writer.query('CREATE TABLE commit_probe (id int PRIMARY KEY)');
    await writer.query('CREATE TABLE ledger_failover (id int PRIMARY KEY)');
    await writer.query('CREATE TABLE ledger_steady (id int PRIMARY KEY)');
    await writer.query('CREATE TABLE backtracked (id int PRIMARY KEY, v int NOT NULL)');
    const rowsToKeep = Array.from({ length: 1000 }, (_, i) => [i + 1, i + 1]);
    await writer.query('INSERT INTO backtracked (id, v) VALUES ?', [rowsToKeep]); // what a backtrack must leave
    const replicaSession = await connect(replica.host, replica.port);
    const [readOnly] = await replicaSession.query('SELECT @@read_only AS ro');
    if ((readOnly as { ro: number }[])[0].ro !== 1) throw new Error(`${replica.host}:${replica.port} is not a read-only replica`);
    await waitFor(async () => (await countRows(replicaSession, 'backtracked').catch(() => 0)) === rowsToKeep.length, 30_000, 'the tables on the replica');
    await replicaSession.end();

    const { lags, floor } = await measureReplicaLag(writer, replica, quick ? 200 : 1000);
    await writer.end();
    const commits = await measureCommitCost(url, writerEndpoint, quick ? 200 : 1000);

    // The same 10,000 rows as 100 transactions and as 10,000: flashback reverts transaction by transaction.
    const rounds = quick ? 1 : 3;
    const backtracks = new Map<number, Awaited<ReturnType<typeof measureBacktrack>>[]>();
    let nextId = 1_000_000;
    for (const rowsPerInsert of [100, 1]) {
      const results = [];
      for (let round = 0; round < rounds; round++, nextId += backtrackedRows) results.push(await measureBacktrack(url, writerEndpoint, rowsPerInsert, nextId));
      backtracks.set(rowsPerInsert, results);
    }

    // Back and forth between the two instances.
    const failovers = [];
    for (let round = 0; round < rounds; round++) failovers.push(await measureFailover(url, (round + 1) * 10_000_000));

    const ratio = (a: number, b: number) => `${(a / b).toFixed(1)}×`;
    const ms = (values: number[]) => (values.length > 1 ? `${median(values).toFixed(0)} (${values.map((v) => v.toFixed(0)).join(', ')})` : values[0].toFixed(0));
    const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
    const gaps = failovers.map((f) => f.gapMs);
    const steadyGaps = failovers.map((f) => f.steadyGapMs);
    const rows: (string | number)[][] = [
      ['measure', 'aurora-local', 'baseline', 'ratio'],
      ['replica lag (ack on writer → visible on replica instance), median ms', median(lags).toFixed(2), `${median(floor).toFixed(2)} (SELECT 1 on the replica)`, ratio(median(lags), median(floor))],
      ['replica lag p99 ms', percentile(lags, 99).toFixed(2), percentile(floor, 99).toFixed(2), ratio(percentile(lags, 99), percentile(floor, 99))],
      ['commit p50 ms, writer endpoint (4 of 6 segments)', median(commits.quorum).toFixed(2), `${median(commits.local).toFixed(2)} (same writer, semi-sync off; segments still writing)`, ratio(median(commits.quorum), median(commits.local))],
      ['commit p99 ms', percentile(commits.quorum, 99).toFixed(2), percentile(commits.local, 99).toFixed(2), ratio(percentile(commits.quorum, 99), percentile(commits.local, 99))],
      [`failover write gap, ${rounds > 1 ? 'median ' : ''}ms`, ms(gaps), `${ms(steadyGaps)} (same loop, as long, no failover)`, ratio(median(gaps), median(steadyGaps))],
      ['failover loop: writes acknowledged / rows on the new writer', `${sum(failovers.map((f) => f.acknowledged))} / ${sum(failovers.map((f) => f.stored))}`, `over ${failovers.map((f) => (f.periodMs / 1000).toFixed(1)).join(', ')} s`, `${sum(failovers.map((f) => f.lost))} acknowledged lost`],
    ];
    for (const [rowsPerInsert, results] of backtracks) {
      const backtrackMs = results.map((r) => r.backtrackMs);
      const writeMs = results.map((r) => r.writeMs);
      rows.push([
        `backtrack ${backtrackedRows} rows, ${rowsPerInsert} per INSERT → available, rows gone, ${rounds > 1 ? 'median ' : ''}ms`,
        ms(backtrackMs),
        `${ms(writeMs)} (writing them)`,
        ratio(median(backtrackMs), median(writeMs)),
      ]);
      rows.push(['  BacktrackConsumedChangeRecords added', results.map((r) => r.changeRecords).join(', '), '', '']);
    }
    printTable('MariaDB data plane (aurora-mysql, a writer and a replica)', rows);
  } finally {
    if (emulator) await stopChild(emulator.child, 30_000);
    await rm(dataDir, { recursive: true, force: true });
  }
}
