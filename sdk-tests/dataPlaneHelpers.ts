// What the end-to-end data-plane suites share: an SDK client for an in-process emulator,
// clusters with their instances available, and the admin view of what runs.
import pg from 'pg';
import mysql from 'mysql2/promise';
import {
  CreateDBClusterCommand,
  CreateDBInstanceCommand,
  DescribeDBClustersCommand,
  DescribeEventsCommand,
  RDSClient,
  waitUntilDBInstanceAvailable,
  type DBCluster,
} from '@aws-sdk/client-rds';
import type { Emulator } from '../src/emulator.js';

export const password = 'password1';
export const fast = { createClusterMs: 0, createInstanceMs: 0, failoverMs: 0, rebootInstanceMs: 0, modifyClusterMs: 0, deleteClusterMs: 0, deleteInstanceMs: 0, backtrackMs: 0 };
export const wait = { minDelay: 1, maxWaitTime: 90 };

export function clientFor(emulator: Emulator) {
  return new RDSClient({ endpoint: emulator.url, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
}

/** A PostgreSQL session as the master user; sessions dropped on purpose (failover, reboot) raise no unhandled error. */
export async function connect(host: string, port: number, user = 'master', pass = password, database = 'app') {
  const client = new pg.Client({ host, port, user, password: pass, database, connectionTimeoutMillis: 5000 });
  client.on('error', () => {});
  await client.connect();
  return client;
}

/** A cluster with `instances` members, each waited for (the first is the writer); aurora-postgresql unless `extra.Engine` says otherwise. */
export async function createCluster(rds: RDSClient, id: string, instances: number, extra: Record<string, unknown> = {}): Promise<DBCluster> {
  const engine = String(extra.Engine ?? 'aurora-postgresql');
  const masterUsername = engine === 'aurora-mysql' ? 'admin' : 'master';
  await rds.send(new CreateDBClusterCommand({ DBClusterIdentifier: id, Engine: engine, MasterUsername: masterUsername, MasterUserPassword: password, DatabaseName: 'app', ...extra }));
  for (let i = 1; i <= instances; i++) {
    await rds.send(new CreateDBInstanceCommand({ DBInstanceIdentifier: `${id}-${i}`, DBClusterIdentifier: id, Engine: engine, DBInstanceClass: 'db.r6g.large' }));
    await waitUntilDBInstanceAvailable({ client: rds, ...wait }, { DBInstanceIdentifier: `${id}-${i}` }).catch(async (error: Error) => {
      throw new Error(`${id}-${i} did not become available; its events: ${JSON.stringify(await eventMessages(rds, `${id}-${i}`))}`, { cause: error });
    });
  }
  return (await rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: id }))).DBClusters![0]!;
}

/** What went wrong, in the instance's own words: a waiter's failure shows only the last status. */
async function eventMessages(rds: RDSClient, instanceId: string): Promise<string[]> {
  const events = await rds.send(new DescribeEventsCommand({ SourceIdentifier: instanceId, SourceType: 'db-instance', Duration: 60 })).catch(() => undefined);
  return (events?.Events ?? []).map((event) => event.Message ?? '');
}

/** An aurora-mysql cluster (master user `admin`). */
export const createMysqlCluster = (rds: RDSClient, id: string, instances: number, extra: Record<string, unknown> = {}) =>
  createCluster(rds, id, instances, { Engine: 'aurora-mysql', ...extra });

/** A MariaDB session as the master user; sessions dropped on purpose (failover, backtrack) raise no unhandled error. */
export async function connectMysql(host: string, port: number, user = 'admin', pass = password, database = 'app') {
  const connection = await mysql.createConnection({ host, port, user, password: pass, database, connectTimeout: 5000 });
  connection.on('error', () => {});
  return connection;
}

// ---- the storage admin routes ----

export interface SegmentView {
  segment: number;
  node: string;
  availabilityZone: string;
  state: string;
  durableLsn: string | null;
}
export interface StorageView {
  volumeBytesUsed: number;
  allocatedBytes: number;
  storageFull: boolean;
  writeQuorum: boolean;
  readQuorum: boolean;
  vdl: string | null;
  protectionGroups: { index: number; holdsLog: boolean; segments: SegmentView[] }[];
  repairs: { segment: string; bytesCopied: number; durationMs: number; kinds: string[] }[];
}

/** A JSON call to the emulator's /_aurora routes. */
export async function admin<T>(emulator: Emulator, method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const response = await fetch(`${emulator.url}${path}`, {
    method,
    ...(body !== undefined ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {}),
  });
  return { status: response.status, body: (await response.json()) as T };
}

export const storage = async (emulator: Emulator, cluster: string) => (await admin<StorageView>(emulator, 'GET', `/_aurora/storage?cluster=${cluster}`)).body;
export const logSegments = (view: StorageView) => view.protectionGroups[0]!.segments;

/** 'settled' once the promise settles within `ms`, else 'pending' (a commit waiting for its quorum). */
export function settlesWithin(promise: Promise<unknown>, ms: number): Promise<'settled' | 'pending'> {
  return Promise.race([promise.then(() => 'settled' as const), new Promise<'pending'>((resolve) => setTimeout(() => resolve('pending'), ms))]);
}

export const writerOf = (cluster: DBCluster) => cluster.DBClusterMembers!.find((m) => m.IsClusterWriter)!.DBInstanceIdentifier!;

/** GET /_aurora/clusters/ID/data-plane: each instance's server and the replicas' lag. */
export async function dataPlaneView(emulator: Emulator, clusterId: string) {
  return (
    await admin<{
      instances: { instanceId: string; role: string; pid?: number; running: boolean; host: string; port: number; dataDir: string }[];
      replicaLag: { instanceId: string; lagMs: number | null }[];
    }>(emulator, 'GET', `/_aurora/clusters/${clusterId}/data-plane`)
  ).body;
}
