// Marker/MaxRecords pagination through the SDK's paginators, and Describe* filters.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CreateDBClusterCommand,
  CreateDBInstanceCommand,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  paginateDescribeDBClusters,
  paginateDescribeDBInstances,
  type DBClusterMessage,
  type DBInstanceMessage,
  type RDSClient,
} from '@aws-sdk/client-rds';
import { baseCluster, baseInstance, caught, rdsClient, startTestEmulator, type TestEmulator } from './helpers.js';

let emulator: TestEmulator;
let rds: RDSClient;

const clusterIds = Array.from({ length: 45 }, (_, i) => `page-${String(i).padStart(2, '0')}`);
const engineOf = (i: number) => (i % 3 === 0 ? 'aurora-mysql' : 'aurora-postgresql');
const instanceIds = Array.from({ length: 45 }, (_, i) => `member-${String(i).padStart(2, '0')}`);

beforeAll(async () => {
  emulator = await startTestEmulator({ quotas: { clustersPerRegion: 100, instancesPerRegion: 100, replicasPerCluster: 60 } });
  rds = rdsClient(emulator.url);
  await Promise.all(clusterIds.map((id, i) => rds.send(new CreateDBClusterCommand(baseCluster(id, engineOf(i))))));
  // 45 instances in one cluster, and two elsewhere that the db-cluster-id filter must leave out.
  await rds.send(new CreateDBClusterCommand(baseCluster('members-home')));
  await Promise.all(instanceIds.map((id) => rds.send(new CreateDBInstanceCommand(baseInstance(id, 'members-home')))));
  await rds.send(new CreateDBInstanceCommand(baseInstance('outsider-1', 'page-01')));
  await rds.send(new CreateDBInstanceCommand(baseInstance('outsider-2', 'page-02')));
});

afterAll(async () => {
  rds?.destroy();
  await emulator?.close();
  expect(emulator?.logs.filter((line) => /failed/i.test(line)) ?? []).toEqual([]);
});

describe('paginators', () => {
  it('paginateDescribeDBClusters: 45 clusters in pages of 20, 20, 5; no Marker on the last page', async () => {
    const pages: DBClusterMessage[] = [];
    for await (const page of paginateDescribeDBClusters({ client: rds, pageSize: 20 }, { Filters: [{ Name: 'db-cluster-id', Values: clusterIds }] })) {
      pages.push(page);
      if (pages.length > 10) throw new Error('the paginator does not stop');
    }
    expect(pages.map((p) => p.DBClusters!.length)).toEqual([20, 20, 5]);
    expect(pages[0].Marker).toBeTruthy();
    expect(pages[1].Marker).toBeTruthy();
    expect(pages[1].Marker).not.toBe(pages[0].Marker);
    expect(pages[2].Marker).toBeUndefined();
    const ids = pages.flatMap((p) => p.DBClusters!.map((c) => c.DBClusterIdentifier!));
    expect(new Set(ids).size).toBe(45);
    expect([...ids].sort()).toEqual(clusterIds);
  });

  it('paginateDescribeDBClusters without filters sees every cluster once', async () => {
    const ids: string[] = [];
    let pages = 0;
    for await (const page of paginateDescribeDBClusters({ client: rds, pageSize: 20 }, {})) {
      pages++;
      ids.push(...page.DBClusters!.map((c) => c.DBClusterIdentifier!));
      if (pages > 10) throw new Error('the paginator does not stop');
    }
    expect(pages).toBe(3);
    expect(ids).toHaveLength(46);
    expect(new Set(ids).size).toBe(46);
  });

  it('paginateDescribeDBInstances with the db-cluster-id filter: 45 instances in pages of 20, 20, 5', async () => {
    const pages: DBInstanceMessage[] = [];
    for await (const page of paginateDescribeDBInstances(
      { client: rds, pageSize: 20 },
      { Filters: [{ Name: 'db-cluster-id', Values: ['members-home'] }] },
    )) {
      pages.push(page);
      if (pages.length > 10) throw new Error('the paginator does not stop');
    }
    expect(pages.map((p) => p.DBInstances!.length)).toEqual([20, 20, 5]);
    expect(pages[0].Marker).toBeTruthy();
    expect(pages[1].Marker).toBeTruthy();
    expect(pages[2].Marker).toBeUndefined();
    const ids = pages.flatMap((p) => p.DBInstances!.map((i) => i.DBInstanceIdentifier!));
    expect(new Set(ids).size).toBe(45);
    expect([...ids].sort()).toEqual(instanceIds);
    expect(pages.flatMap((p) => p.DBInstances!.map((i) => i.DBClusterIdentifier))).toEqual(Array(45).fill('members-home'));
  });

  it('a page that holds everything carries no Marker', async () => {
    const { DBClusters, Marker } = await rds.send(new DescribeDBClustersCommand({ MaxRecords: 100 }));
    expect(DBClusters).toHaveLength(46);
    expect(Marker).toBeUndefined();
    const exact = await rds.send(new DescribeDBClustersCommand({ MaxRecords: 45, Filters: [{ Name: 'db-cluster-id', Values: clusterIds }] }));
    expect(exact.DBClusters).toHaveLength(45);
    expect(exact.Marker).toBeUndefined();
  });

  it('refuses a Marker that it did not issue', async () => {
    const error = await caught(rds.send(new DescribeDBClustersCommand({ Marker: 'not-a-marker' })));
    expect(error.name).toBe('InvalidParameterValue');
    expect(error.$metadata.httpStatusCode).toBe(400);
  });
});

describe('filters', () => {
  it('engine', async () => {
    const { DBClusters } = await rds.send(new DescribeDBClustersCommand({ Filters: [{ Name: 'engine', Values: ['aurora-mysql'] }] }));
    const expected = clusterIds.filter((_, i) => engineOf(i) === 'aurora-mysql');
    expect(DBClusters!.map((c) => c.DBClusterIdentifier)).toEqual(expected);
    expect(DBClusters!.every((c) => c.Engine === 'aurora-mysql')).toBe(true);

    const both = await rds.send(new DescribeDBClustersCommand({ Filters: [{ Name: 'engine', Values: ['aurora-mysql', 'aurora-postgresql'] }] }));
    expect(both.DBClusters).toHaveLength(46);

    const instances = await rds.send(
      new DescribeDBInstancesCommand({ Filters: [{ Name: 'engine', Values: ['aurora-mysql'] }] }),
    );
    expect(instances.DBInstances).toEqual([]);
    expect(instances.Marker).toBeUndefined();
  });

  it('db-cluster-id by ARN and by upper-case identifier', async () => {
    const byArn = await rds.send(
      new DescribeDBClustersCommand({ Filters: [{ Name: 'db-cluster-id', Values: ['arn:aws:rds:us-east-1:000000000000:cluster:page-07'] }] }),
    );
    expect(byArn.DBClusters!.map((c) => c.DBClusterIdentifier)).toEqual(['page-07']);

    const byUpper = await rds.send(new DescribeDBClustersCommand({ Filters: [{ Name: 'db-cluster-id', Values: ['PAGE-08', 'Page-09'] }] }));
    expect(byUpper.DBClusters!.map((c) => c.DBClusterIdentifier)).toEqual(['page-08', 'page-09']);

    const instances = await rds.send(
      new DescribeDBInstancesCommand({ Filters: [{ Name: 'db-cluster-id', Values: ['arn:aws:rds:us-east-1:000000000000:cluster:page-01', 'PAGE-02'] }] }),
    );
    expect(instances.DBInstances!.map((i) => i.DBInstanceIdentifier)).toEqual(['outsider-1', 'outsider-2']);
  });

  it('db-cluster-resource-id', async () => {
    const target = (await rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: 'page-33' }))).DBClusters![0];
    const { DBClusters } = await rds.send(
      new DescribeDBClustersCommand({ Filters: [{ Name: 'db-cluster-resource-id', Values: [target.DbClusterResourceId!] }] }),
    );
    expect(DBClusters!.map((c) => c.DBClusterIdentifier)).toEqual(['page-33']);
  });

  it('filters combine: every filter must match', async () => {
    const { DBClusters } = await rds.send(
      new DescribeDBClustersCommand({
        Filters: [
          { Name: 'engine', Values: ['aurora-postgresql'] },
          { Name: 'db-cluster-id', Values: ['page-00', 'page-01', 'page-02', 'page-03'] },
        ],
      }),
    );
    expect(DBClusters!.map((c) => c.DBClusterIdentifier)).toEqual(['page-01', 'page-02']);
  });

  it('no match gives an empty list, without Marker', async () => {
    const { DBClusters, Marker } = await rds.send(new DescribeDBClustersCommand({ Filters: [{ Name: 'db-cluster-id', Values: ['absent'] }] }));
    expect(DBClusters).toEqual([]);
    expect(Marker).toBeUndefined();
  });

  it('an unknown filter name is InvalidParameterValue', async () => {
    const error = await caught(rds.send(new DescribeDBClustersCommand({ Filters: [{ Name: 'colour', Values: ['blue'] }] })));
    expect(error.name).toBe('InvalidParameterValue');
    expect(error.$metadata.httpStatusCode).toBe(400);
  });
});
