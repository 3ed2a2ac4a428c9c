// Every account and region has its own clusters: the region comes from the SigV4 credential
// scope, the account from a 12-digit access key id (else 000000000000).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CreateDBClusterCommand,
  CreateDBInstanceCommand,
  DBClusterNotFoundFault,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  ListTagsForResourceCommand,
  type RDSClient,
} from '@aws-sdk/client-rds';
import { baseCluster, baseInstance, caught, expectedHost, rdsClient, startTestEmulator, type TestEmulator } from './helpers.js';

let emulator: TestEmulator;
let us: RDSClient;
let eu: RDSClient;
let other: RDSClient;

beforeAll(async () => {
  emulator = await startTestEmulator();
  us = rdsClient(emulator.url);
  eu = rdsClient(emulator.url, { region: 'eu-west-1' });
  other = rdsClient(emulator.url, { accessKeyId: '123456789012' });
});

afterAll(async () => {
  for (const client of [us, eu, other]) client?.destroy();
  await emulator?.close();
  expect(emulator?.logs.filter((line) => /failed/i.test(line)) ?? []).toEqual([]);
});

const ids = async (client: RDSClient) => ((await client.send(new DescribeDBClustersCommand({}))).DBClusters ?? []).map((c) => c.DBClusterIdentifier);

describe('regions', () => {
  it('a client in eu-west-1 does not see us-east-1 clusters, and has its own namespace', async () => {
    await us.send(new CreateDBClusterCommand(baseCluster('regional')));
    expect(await ids(us)).toEqual(['regional']);
    expect(await ids(eu)).toEqual([]);
    expect(await caught(eu.send(new DescribeDBClustersCommand({ DBClusterIdentifier: 'regional' })))).toBeInstanceOf(DBClusterNotFoundFault);

    // The same identifier is free in another region.
    const { DBCluster } = await eu.send(new CreateDBClusterCommand(baseCluster('regional')));
    expect(DBCluster).toMatchObject({ DBClusterArn: 'arn:aws:rds:eu-west-1:000000000000:cluster:regional', AvailabilityZones: ['eu-west-1a', 'eu-west-1b', 'eu-west-1c'] });
    expect(DBCluster!.Endpoint).toMatch(expectedHost(/^regional\.cluster-[a-z0-9]{12}\.eu-west-1\.rds\.amazonaws\.com$/));
    const usCluster = (await us.send(new DescribeDBClustersCommand({ DBClusterIdentifier: 'regional' }))).DBClusters![0];
    expect(usCluster.DBClusterArn).toBe('arn:aws:rds:us-east-1:000000000000:cluster:regional');
    expect(usCluster.DbClusterResourceId).not.toBe(DBCluster!.DbClusterResourceId);

    const { DBInstance } = await eu.send(new CreateDBInstanceCommand(baseInstance('regional-1', 'regional')));
    expect(DBInstance!.DBInstanceArn).toBe('arn:aws:rds:eu-west-1:000000000000:db:regional-1');
    expect(DBInstance!.AvailabilityZone).toMatch(/^eu-west-1[abc]$/);
    expect((await us.send(new DescribeDBInstancesCommand({}))).DBInstances).toEqual([]);
  });
});

describe('accounts', () => {
  it('a 12-digit access key id is the account in ARNs; accounts do not see each other', async () => {
    const { DBCluster } = await other.send(new CreateDBClusterCommand(baseCluster('accounted')));
    expect(DBCluster!.DBClusterArn).toBe('arn:aws:rds:us-east-1:123456789012:cluster:accounted');
    const { DBInstance } = await other.send(new CreateDBInstanceCommand(baseInstance('accounted-1', 'accounted')));
    expect(DBInstance!.DBInstanceArn).toBe('arn:aws:rds:us-east-1:123456789012:db:accounted-1');

    expect(await ids(other)).toEqual(['accounted']);
    expect(await ids(us)).not.toContain('accounted');
    // Another account's ARN does not reach its resources.
    const viaArn = await caught(us.send(new DescribeDBClustersCommand({ DBClusterIdentifier: DBCluster!.DBClusterArn })));
    expect(viaArn).toBeInstanceOf(DBClusterNotFoundFault);
    const tags = await caught(us.send(new ListTagsForResourceCommand({ ResourceName: DBCluster!.DBClusterArn })));
    expect(tags).toBeInstanceOf(DBClusterNotFoundFault);
    // Its owner can use the ARN.
    const own = await other.send(new DescribeDBClustersCommand({ DBClusterIdentifier: DBCluster!.DBClusterArn }));
    expect(own.DBClusters!.map((c) => c.DBClusterIdentifier)).toEqual(['accounted']);
  });

  it('an access key id that is not 12 digits maps to 000000000000', async () => {
    const named = rdsClient(emulator.url, { accessKeyId: 'AKIAEXAMPLE' });
    try {
      const { DBCluster } = await named.send(new CreateDBClusterCommand(baseCluster('default-account')));
      expect(DBCluster!.DBClusterArn).toBe('arn:aws:rds:us-east-1:000000000000:cluster:default-account');
      expect(await ids(us)).toContain('default-account');
    } finally {
      named.destroy();
    }
  });
});
