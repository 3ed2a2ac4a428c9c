// What the end-to-end data-plane suites share: an SDK client for an in-process emulator,
// clusters with their instances available, and the admin view of what runs.
import pg from 'pg';
import {
  CreateDBClusterCommand,
  CreateDBInstanceCommand,
  DescribeDBClustersCommand,
  RDSClient,
  waitUntilDBInstanceAvailable,
  type DBCluster,
} from '@aws-sdk/client-rds';
import type { Emulator } from '../src/emulator.js';

export const password = 'password1';
export const fast = { createClusterMs: 0, createInstanceMs: 0, failoverMs: 0, rebootInstanceMs: 0, modifyClusterMs: 0, deleteClusterMs: 0, deleteInstanceMs: 0 };
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

/** An aurora-postgresql cluster with `instances` members, each waited for (the first is the writer). */
export async function createCluster(rds: RDSClient, id: string, instances: number): Promise<DBCluster> {
  await rds.send(new CreateDBClusterCommand({ DBClusterIdentifier: id, Engine: 'aurora-postgresql', MasterUsername: 'master', MasterUserPassword: password, DatabaseName: 'app' }));
  for (let i = 1; i <= instances; i++) {
    await rds.send(new CreateDBInstanceCommand({ DBInstanceIdentifier: `${id}-${i}`, DBClusterIdentifier: id, Engine: 'aurora-postgresql', DBInstanceClass: 'db.r6g.large' }));
    await waitUntilDBInstanceAvailable({ client: rds, ...wait }, { DBInstanceIdentifier: `${id}-${i}` });
  }
  return (await rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: id }))).DBClusters![0]!;
}

export const writerOf = (cluster: DBCluster) => cluster.DBClusterMembers!.find((m) => m.IsClusterWriter)!.DBInstanceIdentifier!;

/** GET /_aurora/clusters/ID/data-plane: each instance's server and the replicas' lag. */
export async function dataPlaneView(emulator: Emulator, clusterId: string) {
  const response = await fetch(`${emulator.url}/_aurora/clusters/${clusterId}/data-plane`);
  return (await response.json()) as { instances: { instanceId: string; role: string; pid?: number; running: boolean }[]; replicaLag: { instanceId: string; lagMs: number | null }[] };
}
