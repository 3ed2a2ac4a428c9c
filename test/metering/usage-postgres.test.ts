// The meter over real PostgreSQL: rows written through the cluster endpoint grow the measured
// volume and the write I/Os; reading them back after a reboot (cold buffers) counts read I/Os.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { CreateDBClusterCommand, CreateDBInstanceCommand, DescribeDBClustersCommand, RDSClient, RebootDBInstanceCommand, waitUntilDBInstanceAvailable } from '@aws-sdk/client-rds';
import { startEmulator, type Emulator } from '../../src/emulator.js';
import type { ClusterCost, CostReport } from '../../src/metering/costReport.js';

const fast = { createClusterMs: 0, createInstanceMs: 0, rebootInstanceMs: 0, deleteClusterMs: 0, deleteInstanceMs: 0 };
const wait = { minDelay: 1, maxWaitTime: 90 };

let emulator: Emulator;
let rds: RDSClient;

async function costOf(cluster: string): Promise<ClusterCost> {
  const report = (await (await fetch(`${emulator.url}/_aurora/costs`)).json()) as CostReport;
  return report.clusters.find((c) => c.cluster === cluster)!;
}

async function withClient<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const cluster = (await rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: 'metered' }))).DBClusters![0];
  const client = new pg.Client({ host: cluster.Endpoint, port: cluster.Port, user: 'master', password: 'password1', database: 'app', connectionTimeoutMillis: 5000 });
  client.on('error', () => {});
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => {});
  }
}

describe('metering real PostgreSQL', () => {
  beforeAll(async () => {
    emulator = await startEmulator({ port: 0, dataPlane: 'postgres', delays: fast, log: () => {} });
    rds = new RDSClient({ endpoint: emulator.url, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
    await rds.send(new CreateDBClusterCommand({ DBClusterIdentifier: 'metered', Engine: 'aurora-postgresql', MasterUsername: 'master', MasterUserPassword: 'password1', DatabaseName: 'app' }));
    await rds.send(new CreateDBInstanceCommand({ DBInstanceIdentifier: 'metered-1', DBClusterIdentifier: 'metered', Engine: 'aurora-postgresql', DBInstanceClass: 'db.r6g.large' }));
    await waitUntilDBInstanceAvailable({ client: rds, ...wait }, { DBInstanceIdentifier: 'metered-1' });
  });
  afterAll(() => emulator?.close());

  it('sees bytes and write I/Os grow with the rows written, and read I/Os when they are read from disk', async () => {
    const before = await costOf('metered');
    expect(before.usage.measured).toBe(true);
    expect(before.usage.volumeBytes).toBeGreaterThan(1_000_000); // the databases PostgreSQL creates

    // About 10 MB of rows (20,000 × 500 bytes), written through the writer endpoint.
    await withClient(async (client) => {
      await client.query('CREATE TABLE ledger (id int PRIMARY KEY, payload text)');
      await client.query("INSERT INTO ledger SELECT n, repeat(md5(n::text), 16) FROM generate_series(1, 20000) AS n");
    });
    const written = await costOf('metered');
    const grownBytes = written.usage.volumeBytes - before.usage.volumeBytes;
    const newWrites = written.usage.writeIOs - before.usage.writeIOs;
    expect(grownBytes).toBeGreaterThan(10_000_000);
    // The WAL of those rows in 4 KiB units: at least the table's size worth.
    expect(newWrites).toBeGreaterThan(10_000_000 / 4096);
    expect(written.lineItems.find((i) => i.item === 'write-ios')!.cost).toBeCloseTo(written.usage.writeIOs * 0.2e-6, 6);

    // A reboot empties shared buffers: reading the table back reads its pages from disk.
    await rds.send(new RebootDBInstanceCommand({ DBInstanceIdentifier: 'metered-1' }));
    await waitUntilDBInstanceAvailable({ client: rds, ...wait }, { DBInstanceIdentifier: 'metered-1' });
    const rebooted = await costOf('metered');
    const rows = await withClient(async (client) => (await client.query('SELECT count(*)::int AS n, sum(length(payload))::bigint AS bytes FROM ledger')).rows[0]);
    expect(rows.n).toBe(20000);
    const read = await costOf('metered');
    expect(read.usage.readIOs - rebooted.usage.readIOs).toBeGreaterThan(10_000_000 / 8192); // 8 KiB pages
    expect(read.lineItems.find((i) => i.item === 'storage')!.quantity).toBeGreaterThan(0);
  });
});
