// Storage volume benchmark (issue 5), the emulator in its own process:
// - single-row commit latency and commits per second, one connection, autocommit INSERTs:
//   through the writer endpoint (quorum + proxy) and to the writer instance itself (quorum
//   only), against a plain PostgreSQL writer of the same binaries and settings, fsync and
//   synchronous_commit on, no standbys;
// - repair throughput: a segment back from a node outage catches up from its peers (MiB/s),
//   against a sequential copy + fsync of as many bytes on the same disk; and the time from a
//   corrupt-segment fault to its repair report;
// - an AZ outage's time to show in the storage view, and how fast a commit held by a lost
//   write quorum (3 of 6 segments down) resumes once a segment comes back.
import { execFile } from 'node:child_process';
import { appendFile, chmod, mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import pg from 'pg';
import { api, field, freePort, median, percentile, printTable, spawnServer, stopChild, waitFor } from './lib.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const run = promisify(execFile);
const password = 'benchpass1';
const MiB = 1024 * 1024;

interface SegmentView {
  segment: number;
  node: string;
  availabilityZone: string;
  state: 'up' | 'down' | 'lagging' | 'corrupt';
  durableLsn: string | null;
}
interface RepairReport {
  segment: string;
  kinds: string[];
  bytesCopied: number;
  chunksCopied: number;
  durationMs: number;
  fromLsn: string;
  toLsn: string;
  bytesBySource: Record<string, number>;
}
interface StorageView {
  writeQuorum: boolean;
  readQuorum: boolean;
  protectionGroups: { index: number; holdsLog: boolean; segments: SegmentView[] }[];
  repairs: RepairReport[];
}


async function admin<T>(url: string, method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${url}${path}`, {
    method,
    ...(body !== undefined ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {}),
  });
  const text = await response.text();
  if (response.status >= 300) throw new Error(`${method} ${path} answered ${response.status}: ${text}`);
  return JSON.parse(text) as T;
}

const storageView = (url: string, cluster: string) => admin<StorageView>(url, 'GET', `/_aurora/storage?cluster=${cluster}`);
const logSegments = (view: StorageView) => view.protectionGroups.find((g) => g.holdsLog)!.segments;

async function connect(host: string, port: number, user = 'master', database = 'app') {
  const client = new pg.Client({ host, port, user, password, database, connectionTimeoutMillis: 5000 });
  client.on('error', () => {});
  await client.connect();
  return client;
}


/** Resolves 'settled' or 'pending' after at most `ms`. */
function settlesWithin(promise: Promise<unknown>, ms: number): Promise<'settled' | 'pending'> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise.then(() => 'settled' as const),
    new Promise<'pending'>((resolve) => (timer = setTimeout(() => resolve('pending'), ms))),
  ]).finally(() => clearTimeout(timer));
}

/** A plain PostgreSQL writer from the same binaries and server settings: fsync and synchronous_commit on, no standbys. */
async function startPlainPostgres(binDir: string) {
  const dir = await mkdtemp(join(tmpdir(), 'bench-storage-pg-'));
  await chmod(dir, 0o777);
  const asUser = process.getuid?.() === 0 ? (['runuser', ['-u', 'aurora-local', '--']] as const) : undefined;
  const exec = (file: string, args: string[]) => (asUser ? run(asUser[0], [...asUser[1], file, ...args]) : run(file, args));
  const data = join(dir, 'data');
  let started = false;
  const stop = async () => {
    if (started) await exec(join(binDir, 'pg_ctl'), ['-D', data, '-m', 'fast', '-w', 'stop']).catch(() => {});
    started = false;
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await exec(join(binDir, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--locale=C', '--no-sync']);
    const { SERVER_SETTINGS } = await import(join(root, 'dist/data-plane/compute/configFiles.js'));
    await appendFile(join(data, 'postgresql.conf'), `${SERVER_SETTINGS}\n# ---- bench baseline ----\nfsync = on\nsynchronous_commit = on\nsynchronous_standby_names = ''\n`);
    const port = await freePort();
    started = true;
    await exec(join(binDir, 'pg_ctl'), ['-D', data, '-o', `-p ${port} -h 127.0.0.1 -k ''`, '-l', join(dir, 'log'), '-w', 'start']);
    return { host: '127.0.0.1', port, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Sequential copy of `bytes` (1 MiB reads and writes, source in the page cache) and one fsync: the baseline for repair. */
async function copyAndFsync(bytes: number): Promise<number> {
  const dir = await mkdtemp(join(tmpdir(), 'bench-storage-copy-'));
  try {
    const block = Buffer.alloc(MiB, 0x5a);
    const source = await open(join(dir, 'source'), 'w');
    for (let written = 0; written < bytes; written += MiB) await source.write(block, 0, Math.min(MiB, bytes - written));
    await source.sync();
    await source.close();
    const started = performance.now();
    const from = await open(join(dir, 'source'), 'r');
    const to = await open(join(dir, 'copy'), 'w');
    const buffer = Buffer.alloc(MiB);
    for (;;) {
      const { bytesRead } = await from.read(buffer, 0, MiB, null);
      if (bytesRead === 0) break;
      await to.write(buffer, 0, bytesRead);
    }
    await to.sync();
    const elapsed = performance.now() - started;
    await Promise.all([from.close(), to.close()]);
    return elapsed;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** 'X/Y' (hex) → a 64-bit WAL position. */
function parseLsn(lsn: string): bigint {
  const [high, low] = lsn.split('/');
  return (BigInt(`0x${high}`) << 32n) + BigInt(`0x${low}`);
}

interface CommitFigures {
  samples: number[];
  wallMs: number;
}

export async function benchStorage({ quick = false } = {}) {
  const commits = quick ? 500 : 2000;
  const warmup = quick ? 100 : 300;
  const walTarget = (quick ? 16 : 64) * MiB;
  const resumeRounds = quick ? 3 : 5;

  const emulator = await spawnServer(process.execPath, [
    '--input-type=module',
    '-e',
    `import { startEmulator } from ${JSON.stringify(join(root, 'dist/emulator.js'))};
     const delays = { createClusterMs: 0, createInstanceMs: 0, failoverMs: 0, rebootInstanceMs: 0, modifyClusterMs: 0, deleteClusterMs: 0, deleteInstanceMs: 0 };
     const e = await startEmulator({ port: 0, dataPlane: 'postgres', delays, log: () => {} });
     console.log('listening on ' + e.url);
     process.on('SIGTERM', async () => { await e.close(); process.exit(0); });`,
  ]);
  const url = emulator.url;
  let plain: Awaited<ReturnType<typeof startPlainPostgres>> | undefined;
  const clients: pg.Client[] = [];
  const opened = async (client: Promise<pg.Client>) => {
    const c = await client;
    clients.push(c);
    return c;
  };
  try {
    const { resolvePostgresBinaries } = await import(join(root, 'dist/data-plane/compute/binaries.js'));
    plain = await startPlainPostgres(dirname((await resolvePostgresBinaries()).postgres));

    const id = 'vol';
    await api(url, `Action=CreateDBCluster&DBClusterIdentifier=${id}&Engine=aurora-postgresql&MasterUsername=master&MasterUserPassword=${password}&DatabaseName=app`);
    await api(url, `Action=CreateDBInstance&DBInstanceIdentifier=${id}-1&DBClusterIdentifier=${id}&Engine=aurora-postgresql&DBInstanceClass=db.r6g.large`);
    await waitFor(async () => (await api(url, `Action=DescribeDBInstances&DBInstanceIdentifier=${id}-1`)).includes('<DBInstanceStatus>available<'), 90_000, 'the writer');
    const xml = await api(url, `Action=DescribeDBClusters&DBClusterIdentifier=${id}`);
    const endpoint = { host: field(xml, 'Endpoint')!, port: Number(field(xml, 'Port')) };
    const view = await admin<{ instances: { role: string; host: string; port: number }[] }>(url, 'GET', `/_aurora/clusters/${id}/data-plane`);
    const instance = view.instances.find((i) => i.role === 'writer')!;
    await waitFor(async () => logSegments(await storageView(url, id)).every((s) => s.state === 'up') || undefined, 30_000, 'six segments up');

    // 1. Single-row commits, one connection, autocommit.
    const viaEndpoint = await opened(connect(endpoint.host, endpoint.port));
    const viaInstance = await opened(connect(instance.host, instance.port));
    const viaPlain = await opened(connect(plain.host, plain.port, 'postgres', 'postgres'));
    // Diagnostic: the same writer not waiting for the segments (its own WAL fsync only).
    const viaInstanceLocal = await opened(connect(instance.host, instance.port));
    await viaInstanceLocal.query('SET synchronous_commit = local');
    const settings = (await viaInstance.query(`SELECT current_setting('synchronous_standby_names') AS names, current_setting('synchronous_commit') AS sc, current_setting('fsync') AS fsync`)).rows[0];
    const plainSettings = (await viaPlain.query(`SELECT current_setting('synchronous_standby_names') AS names, current_setting('synchronous_commit') AS sc, current_setting('fsync') AS fsync`)).rows[0];
    if (!String(settings.names).startsWith('ANY 4') || settings.sc !== 'on') throw new Error(`the writer is not committing through the quorum: ${JSON.stringify(settings)}`);
    if (plainSettings.names !== '' || plainSettings.sc !== 'on' || plainSettings.fsync !== 'on') throw new Error(`unexpected baseline settings: ${JSON.stringify(plainSettings)}`);
    await viaEndpoint.query('CREATE TABLE t (v int)');
    await viaPlain.query('CREATE TABLE t (v int)');
    const targets = [
      { name: 'endpoint', client: viaEndpoint },
      { name: 'instance', client: viaInstance },
      { name: 'plain', client: viaPlain },
      { name: 'local', client: viaInstanceLocal },
    ] as const;
    const figures: Record<(typeof targets)[number]['name'], CommitFigures> = { endpoint: { samples: [], wallMs: 0 }, instance: { samples: [], wallMs: 0 }, plain: { samples: [], wallMs: 0 }, local: { samples: [], wallMs: 0 } };
    let value = 0;
    for (const { client } of targets) for (let i = 0; i < warmup; i++) await client.query('INSERT INTO t VALUES ($1)', [value++]);
    // Interleaved rounds, so that drift of the machine (other load, the disk) hits all targets alike.
    const rounds = 4;
    for (let round = 0; round < rounds; round++) {
      for (let k = 0; k < targets.length; k++) {
        const { name, client } = targets[(round + k) % targets.length]!;
        const started = performance.now();
        for (let i = 0; i < commits / rounds; i++) {
          const t = performance.now();
          await client.query('INSERT INTO t VALUES ($1)', [value++]);
          figures[name].samples.push(performance.now() - t);
        }
        figures[name].wallMs += performance.now() - started;
      }
    }
    const p50 = (name: keyof typeof figures) => median(figures[name].samples);
    const p99 = (name: keyof typeof figures) => percentile(figures[name].samples, 99);
    const perSecond = (name: keyof typeof figures) => figures[name].samples.length / (figures[name].wallMs / 1000);
    const metrics = await admin<{ commitLatencyMs: { samples: number; p50: number | null; p99: number | null } }>(url, 'GET', `/_aurora/clusters/${id}/metrics`);

    // 2a. Catch-up repair: segment 0's node down while the writer produces WAL, then healed.
    const before = await storageView(url, id);
    const seg0 = logSegments(before)[0]!;
    const known = new Set(before.repairs.map((r) => JSON.stringify(r)));
    const outage = await admin<{ faultId: string }>(url, 'POST', '/_aurora/faults', { type: 'node-outage', node: seg0.node });
    await waitFor(async () => logSegments(await storageView(url, id))[0]!.state === 'down', 10_000, 'segment 0 down');
    const startLsn = (await viaEndpoint.query('SELECT pg_current_wal_lsn() AS lsn')).rows[0].lsn as string;
    await viaEndpoint.query('CREATE TABLE big (pad text)');
    let walBytes = 0;
    while (walBytes < walTarget) {
      await viaEndpoint.query(`INSERT INTO big SELECT repeat(md5(g::text), 30) FROM generate_series(1, 4096) g`);
      walBytes = Number((await viaEndpoint.query('SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), $1) AS d', [startLsn])).rows[0].d);
    }
    // Where segment 0 stopped, and what the writer has now: the gap it must make up.
    const healLsn = (await viaEndpoint.query('SELECT pg_current_wal_lsn() AS lsn')).rows[0].lsn as string;
    const stoppedAt = logSegments(await storageView(url, id))[0]!.durableLsn;
    const missedBytes = Number(parseLsn(healLsn) - (stoppedAt ? parseLsn(stoppedAt) : parseLsn(startLsn)));
    const healStarted = performance.now();
    await admin(url, 'DELETE', `/_aurora/faults/${outage.faultId}`);
    // Caught up: segment 0 durable at the writer's end as of the heal, whichever way the bytes came
    // (gossip from peers, or its slot on the writer). The 'up' state alone can show early.
    await waitFor(
      async () => {
        const durable = logSegments(await storageView(url, id))[0]!.durableLsn;
        return durable !== null && parseLsn(durable) >= parseLsn(healLsn);
      },
      60_000,
      'segment 0 caught up',
    );
    const caughtUpMs = performance.now() - healStarted;
    const findCatchUp = async () =>
      (await storageView(url, id)).repairs.find((r) => !known.has(JSON.stringify(r)) && r.segment.startsWith('segment 0 ') && (r.kinds.includes('catch-up') || r.kinds.includes('rebuild')));
    // A repair running beside the receiver reports when it ends: shortly after the segment has caught up.
    const catchUp = await waitFor(findCatchUp, 3000, "segment 0's catch-up repair report").catch(() => undefined);
    const reportedMs = catchUp ? performance.now() - healStarted : undefined;
    const copyBytes = catchUp?.bytesCopied || missedBytes;
    const copyMs = await copyAndFsync(copyBytes);
    const repairMiBs = catchUp ? catchUp.bytesCopied / MiB / (catchUp.durationMs / 1000) : NaN;
    const copyMiBs = copyBytes / MiB / (copyMs / 1000);
    const caughtUpMiBs = missedBytes / MiB / (caughtUpMs / 1000);

    // 2b. Corrupt segment: fault → the scrubber's checksum finds it → repaired from peers.
    const known2 = new Set((await storageView(url, id)).repairs.map((r) => JSON.stringify(r)));
    const corruptStarted = performance.now();
    await admin(url, 'POST', '/_aurora/faults', { type: 'corrupt-segment', cluster: id, protectionGroup: 0, segment: 2 });
    const corruptRepair = await waitFor(
      async () => (await storageView(url, id)).repairs.find((r) => !known2.has(JSON.stringify(r)) && r.segment.startsWith('segment 2 ') && r.kinds.includes('corrupt-chunks')),
      30_000,
      "segment 2's corruption repair report",
    );
    const corruptMs = performance.now() - corruptStarted;
    await admin(url, 'DELETE', '/_aurora/faults');

    // 3a. AZ outage → the storage view shows its two segments down.
    const segments = logSegments(await storageView(url, id));
    const az = segments[1]!.availabilityZone;
    const azStarted = performance.now();
    const azFault = await admin<{ faultId: string }>(url, 'POST', '/_aurora/faults', { type: 'az-outage', availabilityZone: az });
    const azPostMs = performance.now() - azStarted;
    let polls = 0;
    await waitFor(
      async () => {
        polls++;
        return logSegments(await storageView(url, id)).filter((s) => s.availabilityZone === az && s.state === 'down').length === 2;
      },
      10_000,
      `both segments of ${az} down`,
    );
    const azShownMs = performance.now() - azStarted;

    // 3b. One more segment down (3 of 6 left): a commit waits (seen as SyncRep in pg_stat_activity), then resumes on heal.
    const third = segments.find((s) => s.availabilityZone !== az)!;
    const observer = await opened(connect(instance.host, instance.port));
    const blockedSeenMs: number[] = [];
    const resumeMs: number[] = [];
    const deleteAnswerMs: number[] = [];
    let stayedBlocked = true;
    for (let round = 0; round < resumeRounds; round++) {
      await waitFor(async () => logSegments(await storageView(url, id)).filter((s) => s.state === 'up').length >= 4 || undefined, 30_000, 'four segments up');
      const fault = await admin<{ faultId: string }>(url, 'POST', '/_aurora/faults', { type: 'node-outage', node: third.node });
      const issued = performance.now();
      const commit = viaEndpoint.query('INSERT INTO t VALUES ($1)', [value++]);
      await waitFor(async () => Number((await observer.query(`SELECT count(*) AS n FROM pg_stat_activity WHERE wait_event = 'SyncRep'`)).rows[0].n) > 0 || undefined, 10_000, 'the commit waiting for the quorum');
      blockedSeenMs.push(performance.now() - issued);
      if ((await settlesWithin(commit, 500)) !== 'pending') stayedBlocked = false;
      const healed = performance.now();
      await admin(url, 'DELETE', `/_aurora/faults/${fault.faultId}`);
      deleteAnswerMs.push(performance.now() - healed);
      if ((await settlesWithin(commit, 30_000)) !== 'settled') throw new Error('the commit did not resume within 30 s of healing');
      resumeMs.push(performance.now() - healed);
    }
    await admin(url, 'DELETE', `/_aurora/faults/${azFault.faultId}`);
    await admin(url, 'DELETE', '/_aurora/faults');

    const ms = (v: number) => v.toFixed(3);
    const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}×`;
    const quorumMet = p50('instance') / p50('plain') < 1.5;
    printTable(`Storage volume (issue 5): ${commits} single-row autocommit INSERTs per target, one connection; ${(walBytes / MiB).toFixed(1)} MiB of WAL during a node outage`, [
      ['measure', 'aurora-local', 'baseline', 'ratio / target'],
      ['commit p50 ms, writer instance (4/6 quorum, no proxy)', ms(p50('instance')), `${ms(p50('plain'))} (plain PostgreSQL, fsync, no standbys)`, `${ratio(p50('instance'), p50('plain'))}; target < 1.5× (quorum adds < 50%): ${quorumMet ? 'met' : 'NOT met'}`],
      ['commit p99 ms, writer instance', ms(p99('instance')), ms(p99('plain')), ratio(p99('instance'), p99('plain'))],
      ['commit p50 ms, writer endpoint (quorum + proxy)', ms(p50('endpoint')), ms(p50('plain')), `${ratio(p50('endpoint'), p50('plain'))}; proxy adds ${ms(p50('endpoint') - p50('instance'))} ms`],
      ['commit p99 ms, writer endpoint', ms(p99('endpoint')), ms(p99('plain')), ratio(p99('endpoint'), p99('plain'))],
      ['commit p50 ms, writer instance, synchronous_commit = local', ms(p50('local')), ms(p50('plain')), `${ratio(p50('local'), p50('plain'))}; diagnostic: the writer without the segments' wait`],
      ['commits per second, writer instance', perSecond('instance').toFixed(0), perSecond('plain').toFixed(0), ratio(perSecond('instance'), perSecond('plain'))],
      ['commits per second, writer endpoint', perSecond('endpoint').toFixed(0), perSecond('plain').toFixed(0), ratio(perSecond('endpoint'), perSecond('plain'))],
      ['metrics commitLatencyMs p50 / p99 (emulator probe)', `${metrics.commitLatencyMs.p50 ?? '–'} / ${metrics.commitLatencyMs.p99 ?? '–'}`, `${metrics.commitLatencyMs.samples} samples, 1 per second`, 'timed from connect: includes login'],
      [
        'catch-up repair after node outage, MiB/s',
        catchUp ? `${repairMiBs.toFixed(0)} (${(catchUp.bytesCopied / MiB).toFixed(1)} MiB in ${catchUp.durationMs.toFixed(0)} ms)` : 'no repair reported',
        `${copyMiBs.toFixed(0)} (copy + fsync, ${(copyBytes / MiB).toFixed(1)} MiB in ${copyMs.toFixed(0)} ms)`,
        catchUp ? `${ratio(repairMiBs, copyMiBs)}; ${((catchUp.bytesCopied / missedBytes) * 100).toFixed(0)}% of the gap from peers` : 'caught up from its slot on the writer only',
      ],
      [
        'heal → segment 0 durable at the writer\'s LSN, ms',
        `${caughtUpMs.toFixed(0)} (${caughtUpMiBs.toFixed(0)} MiB/s)`,
        `${(missedBytes / MiB).toFixed(1)} MiB missed during the outage`,
        reportedMs === undefined ? 'no catch-up report within 3 s of that' : `repair reported after ${reportedMs.toFixed(0)} ms`,
      ],
      ['corrupt-segment fault → repair reported, ms', corruptMs.toFixed(0), `repair itself ${corruptRepair.durationMs.toFixed(1)} ms, ${corruptRepair.bytesCopied} B`, 'scrubber runs every 1 s'],
      ['AZ outage → both its segments down in the view, ms', azShownMs.toFixed(1), `POST answered in ${azPostMs.toFixed(1)} ms`, `${polls} GET(s)`],
      ['3 of 6 down: commit seen waiting (SyncRep), median ms', median(blockedSeenMs).toFixed(1), stayedBlocked ? 'still waiting 500 ms later' : 'SETTLED while blocked', `${resumeRounds} rounds`],
      ['segment healed → waiting commit acknowledged, median ms', median(resumeMs).toFixed(1), `DELETE answered in ${median(deleteAnswerMs).toFixed(1)} ms`, `max ${Math.max(...resumeMs).toFixed(1)} ms`],
    ]);
  } finally {
    await Promise.all(clients.map((c) => c.end().catch(() => {})));
    await plain?.stop();
    await stopChild(emulator.child);
  }
}
