/**
 * The aurora-mysql storage quorum against real mariadbd processes: the writer's
 * commits wait (semi-sync, AFTER_SYNC) until 4 of the volume's 6 segments hold
 * them; with 3 reachable they wait, and return once a 4th is back; recovery
 * reads the log from at least 3 segments and gives a replica that missed
 * commits every one of them, GTIDs and all. Tests depend on the previous ones.
 * Needs MariaDB installed (.ci/run does).
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createMysqlReplica, createMysqlWriter, prepareMysqlEnvironment, type MysqlEnvironment, type MysqlInstance, type MysqlServer } from '../../src/data-plane/mysql/index.js';
import { withMysqlAdmin, queryValue } from '../../src/data-plane/mysql/sql.js';
import { MysqlVolumeLink } from '../../src/data-plane/mysql/volumeLink.js';
import { readVolumeLog, replayVolumeTransactions } from '../../src/data-plane/mysql/volumeLog.js';
import { ClusterVolume, type NodeCondition } from '../../src/data-plane/storage/clusterVolume.js';
import { createStorageFleet } from '../../src/data-plane/storage/fleet.js';
import { volumeGeometry } from '../../src/data-plane/storage/protectionGroups.js';
import { QuorumLogWriter } from '../../src/data-plane/storage/quorumLogWriter.js';
import { ReadQuorumError } from '../../src/data-plane/storage/recovery.js';

vi.setConfig({ testTimeout: 60_000, hookTimeout: 120_000 });

const NET = `127.${100 + Math.floor(Math.random() * 100)}.${1 + Math.floor(Math.random() * 250)}`;
const MASTER = { user: 'admin', password: 'volume-Passw0rd', database: 'app' };
const started: MysqlServer[] = [];
const conditions = new Map<string, NodeCondition>();
let root: string;
let env: MysqlEnvironment;
let writer: MysqlInstance;
let replica: MysqlInstance;
let volume: ClusterVolume;
let link: MysqlVolumeLink;

const connectAsMaster = (target: MysqlInstance) =>
  mysql.createConnection({ host: target.host, port: target.port, user: MASTER.user, password: MASTER.password, database: MASTER.database });

/** Marks the nodes holding the given segments down (or up again) and lets the volume react. */
async function setSegmentsDown(segments: number[], down: boolean): Promise<void> {
  for (const segment of segments) conditions.set(volume.view().protectionGroups[0]!.segments[segment]!.node, { down, latencyMs: 0 });
  await volume.applyConditions();
}

beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'aurora-mysql-volume-'));
  await fs.chmod(root, 0o711);
  env = await prepareMysqlEnvironment({ dataRoot: path.join(root, 'compute') });
  writer = await createMysqlWriter(env, { dataDir: path.join(root, 'writer'), host: `${NET}.1`, port: 3306, logFile: path.join(root, 'writer.log'), masterUsername: MASTER.user, masterPassword: MASTER.password, databaseName: MASTER.database });
  started.push(writer.server);
  volume = new ClusterVolume({
    name: 'cluster-volume-test',
    dir: path.join(root, 'storage'),
    fleet: createStorageFleet({ region: 'us-east-1', nodesPerAz: 3 }),
    geometry: volumeGeometry(),
    condition: (nodeId) => conditions.get(nodeId) ?? { down: false, latencyMs: 0 },
    logWriter: new QuorumLogWriter('cluster-volume-test'),
  });
  await volume.attach({ host: writer.host, port: writer.port, user: writer.admin.user, password: writer.admin.password });
  link = new MysqlVolumeLink(volume, () => {});
  await link.attach(writer);
});

afterAll(async () => {
  link?.detach();
  await volume?.close();
  await Promise.all(started.map((server) => server.stop({ timeoutMs: 10_000 }).catch(() => {})));
  if (root) await fs.rm(root, { recursive: true, force: true });
});

describe('aurora-mysql storage quorum', () => {
  it('acknowledges a commit only once 4 of 6 segments hold it', async () => {
    const connection = await connectAsMaster(writer);
    await connection.query('CREATE TABLE ledger (id INT PRIMARY KEY, note VARCHAR(40))');
    for (let id = 1; id <= 20; id++) await connection.query('INSERT INTO ledger VALUES (?, ?)', [id, `row ${id}`]);
    await connection.end();
    // Every acknowledged commit is on at least 4 segments: the volume's durable end covers the whole log.
    const writerLog = volume.logWriter!;
    expect(writerLog.durableEnd()).toBe(writerLog.end);
    expect(volume.assess().vdl).toBe(writerLog.end);
    const semiSync = await withMysqlAdmin(writer, (c) => queryValue<string>(c, "SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = 'RPL_SEMI_SYNC_MASTER_YES_TX'"));
    expect(Number(semiSync)).toBeGreaterThanOrEqual(21);
    const summary = await readVolumeLog(volume.readableCopies(), { after: '' });
    expect(summary.transactions.length).toBe(21); // CREATE TABLE + 20 inserts
    expect(summary.position).toBe(await withMysqlAdmin(writer, (c) => queryValue<string>(c, 'SELECT @@gtid_binlog_pos')));
  });

  it('makes commits wait while only 3 segments are reachable, and lets them return when a 4th is back', async () => {
    await setSegmentsDown([0, 1, 2], true); // an AZ and one more
    expect(volume.assess().canAcceptWrites).toBe(false);
    const connection = await connectAsMaster(writer);
    let returned = false;
    const insert = connection.query('INSERT INTO ledger VALUES (100, ?)', ['during the outage']).then(() => (returned = true));
    await new Promise((r) => setTimeout(r, 1500));
    expect(returned).toBe(false);
    await setSegmentsDown([2], false);
    await insert;
    expect(returned).toBe(true);
    await setSegmentsDown([0, 1], false);
    await connection.end();
  });

  it('recovers every acknowledged commit from 3 segments into a replica that missed them', async () => {
    replica = await createMysqlReplica(env, { dataDir: path.join(root, 'replica'), host: `${NET}.2`, port: 3306, logFile: path.join(root, 'replica.log'), writer });
    started.push(replica.server);
    await withMysqlAdmin(replica, (c) => c.query('STOP SLAVE'));
    const connection = await connectAsMaster(writer);
    for (let id = 200; id < 230; id++) await connection.query('INSERT INTO ledger VALUES (?, ?)', [id, 'after the replica stopped']);
    await connection.query('UPDATE ledger SET note = ? WHERE id = 1', ['updated']);
    await connection.end();
    const expected = await withMysqlAdmin(writer, (c) => queryValue<string>(c, 'SELECT @@gtid_binlog_pos'));
    link.detach();
    await writer.server.kill();
    await setSegmentsDown([0, 1, 2], true); // 3 of 6 remain: enough to recover
    const replicaPosition = await withMysqlAdmin(replica, (c) => queryValue<string>(c, 'SELECT @@gtid_current_pos'));
    const summary = await readVolumeLog(volume.readableCopies(), { after: replicaPosition });
    expect(summary.transactions.length).toBe(31);
    await replayVolumeTransactions(env, replica, summary.formatDescription!, summary.transactions);
    const rows = await withMysqlAdmin(replica, (c) => queryValue<number>(c, 'SELECT COUNT(*) FROM app.ledger'));
    expect(Number(rows)).toBe(20 + 1 + 30);
    expect(await withMysqlAdmin(replica, (c) => queryValue<string>(c, "SELECT note FROM app.ledger WHERE id = 1"))).toBe('updated');
    // Replayed with their GTIDs: the replica's binary log now ends where the writer's did.
    expect(await withMysqlAdmin(replica, (c) => queryValue<string>(c, 'SELECT @@gtid_binlog_pos'))).toBe(expected);
  });

  it('refuses to recover from fewer than 3 segments', async () => {
    await setSegmentsDown([3], true);
    expect(() => volume.readableCopies().length).not.toThrow();
    await expect(readVolumeLog(volume.readableCopies())).rejects.toBeInstanceOf(ReadQuorumError);
    await setSegmentsDown([0, 1, 2, 3], false);
  });
});
