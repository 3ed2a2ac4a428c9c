// AddTagsToResource / ListTagsForResource / RemoveTagsFromResource on cluster and instance ARNs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AddTagsToResourceCommand,
  CreateDBClusterCommand,
  CreateDBInstanceCommand,
  DBClusterNotFoundFault,
  DBInstanceNotFoundFault,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  ListTagsForResourceCommand,
  RemoveTagsFromResourceCommand,
  type RDSClient,
} from '@aws-sdk/client-rds';
import { baseCluster, baseInstance, caught, rdsClient, startTestEmulator, type TestEmulator } from './helpers.js';

let emulator: TestEmulator;
let rds: RDSClient;
let clusterArn: string;
let instanceArn: string;

const byKey = (tags: { Key?: string; Value?: string }[] | undefined) => [...(tags ?? [])].sort((a, b) => a.Key!.localeCompare(b.Key!));
const listTags = async (arn: string) => byKey((await rds.send(new ListTagsForResourceCommand({ ResourceName: arn }))).TagList);

beforeAll(async () => {
  emulator = await startTestEmulator();
  rds = rdsClient(emulator.url);
  const { DBCluster } = await rds.send(
    new CreateDBClusterCommand({
      ...baseCluster('tagged'),
      Tags: [
        { Key: 'env', Value: 'dev' },
        { Key: 'team', Value: 'db ops' },
      ],
    }),
  );
  clusterArn = DBCluster!.DBClusterArn!;
  const { DBInstance } = await rds.send(new CreateDBInstanceCommand({ ...baseInstance('tagged-1', 'tagged'), Tags: [{ Key: 'role', Value: 'writer' }] }));
  instanceArn = DBInstance!.DBInstanceArn!;
});

afterAll(async () => {
  rds?.destroy();
  await emulator?.close();
  expect(emulator?.logs.filter((line) => /failed/i.test(line)) ?? []).toEqual([]);
});

describe('tags', () => {
  it('tags given at creation appear in TagList and ListTagsForResource', async () => {
    expect(clusterArn).toBe('arn:aws:rds:us-east-1:000000000000:cluster:tagged');
    expect(instanceArn).toBe('arn:aws:rds:us-east-1:000000000000:db:tagged-1');
    const cluster = (await rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: 'tagged' }))).DBClusters![0];
    expect(byKey(cluster.TagList)).toEqual([
      { Key: 'env', Value: 'dev' },
      { Key: 'team', Value: 'db ops' },
    ]);
    const instance = (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'tagged-1' }))).DBInstances![0];
    expect(instance.TagList).toEqual([{ Key: 'role', Value: 'writer' }]);
    expect(await listTags(clusterArn)).toEqual(byKey(cluster.TagList));
    expect(await listTags(instanceArn)).toEqual([{ Key: 'role', Value: 'writer' }]);
  });

  it('adds, overwrites and removes tags on a cluster', async () => {
    await rds.send(
      new AddTagsToResourceCommand({
        ResourceName: clusterArn,
        Tags: [
          { Key: 'env', Value: 'prod' },
          { Key: 'cost-centre', Value: '42' },
        ],
      }),
    );
    expect(await listTags(clusterArn)).toEqual([
      { Key: 'cost-centre', Value: '42' },
      { Key: 'env', Value: 'prod' },
      { Key: 'team', Value: 'db ops' },
    ]);
    await rds.send(new RemoveTagsFromResourceCommand({ ResourceName: clusterArn, TagKeys: ['team', 'not-there'] }));
    expect(await listTags(clusterArn)).toEqual([
      { Key: 'cost-centre', Value: '42' },
      { Key: 'env', Value: 'prod' },
    ]);
    const cluster = (await rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: 'tagged' }))).DBClusters![0];
    expect(byKey(cluster.TagList)).toEqual(await listTags(clusterArn));
  });

  it('adds and removes tags on an instance, without touching its cluster', async () => {
    const before = await listTags(clusterArn);
    await rds.send(new AddTagsToResourceCommand({ ResourceName: instanceArn, Tags: [{ Key: 'tier', Value: 'gold' }] }));
    expect(await listTags(instanceArn)).toEqual([
      { Key: 'role', Value: 'writer' },
      { Key: 'tier', Value: 'gold' },
    ]);
    await rds.send(new RemoveTagsFromResourceCommand({ ResourceName: instanceArn, TagKeys: ['role'] }));
    expect(await listTags(instanceArn)).toEqual([{ Key: 'tier', Value: 'gold' }]);
    const instance = (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'tagged-1' }))).DBInstances![0];
    expect(instance.TagList).toEqual([{ Key: 'tier', Value: 'gold' }]);
    expect(await listTags(clusterArn)).toEqual(before);
  });

  it('a resource name that is not an ARN is InvalidParameterValue', async () => {
    for (const send of [
      () => rds.send(new ListTagsForResourceCommand({ ResourceName: 'tagged' })),
      () => rds.send(new AddTagsToResourceCommand({ ResourceName: 'tagged', Tags: [{ Key: 'a', Value: 'b' }] })),
      () => rds.send(new RemoveTagsFromResourceCommand({ ResourceName: 'tagged', TagKeys: ['a'] })),
    ]) {
      const error = await caught(send());
      expect(error.name).toBe('InvalidParameterValue');
      expect(error.$metadata.httpStatusCode).toBe(400);
      expect(error.message).toBe('Invalid resource name:  tagged'); // two spaces, as AWS writes it
    }
    const badArn = 'arn:aws:rds:us-east-1:000000000000:cluster/tagged';
    const error = await caught(rds.send(new ListTagsForResourceCommand({ ResourceName: badArn })));
    expect(error.name).toBe('InvalidParameterValue');
    expect(error.message).toBe(`Invalid resource name:  ${badArn}`);
  });

  it('an ARN of a missing resource is the matching not-found fault', async () => {
    const cluster = await caught(rds.send(new ListTagsForResourceCommand({ ResourceName: 'arn:aws:rds:us-east-1:000000000000:cluster:absent' })));
    expect(cluster).toBeInstanceOf(DBClusterNotFoundFault);
    const instance = await caught(
      rds.send(new AddTagsToResourceCommand({ ResourceName: 'arn:aws:rds:us-east-1:000000000000:db:absent', Tags: [{ Key: 'a', Value: 'b' }] })),
    );
    expect(instance).toBeInstanceOf(DBInstanceNotFoundFault);
    expect(instance.Code).toBe('DBInstanceNotFound');
    // The right name in another region is another resource.
    const elsewhere = await caught(rds.send(new ListTagsForResourceCommand({ ResourceName: 'arn:aws:rds:eu-west-1:000000000000:cluster:tagged' })));
    expect(elsewhere).toBeInstanceOf(DBClusterNotFoundFault);
  });
});
