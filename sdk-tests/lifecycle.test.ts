// Clusters and instances through their whole life, driven by @aws-sdk/client-rds and its waiters.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CreateDBClusterCommand,
  CreateDBInstanceCommand,
  DBClusterNotFoundFault,
  DBInstanceNotFoundFault,
  DeleteDBClusterCommand,
  DeleteDBInstanceCommand,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  InvalidDBClusterStateFault,
  InvalidDBInstanceStateFault,
  ModifyDBClusterCommand,
  ModifyDBInstanceCommand,
  RebootDBInstanceCommand,
  waitUntilDBClusterAvailable,
  waitUntilDBClusterDeleted,
  waitUntilDBInstanceAvailable,
  waitUntilDBInstanceDeleted,
  type RDSClient,
} from '@aws-sdk/client-rds';
import { baseCluster, baseInstance, caught, expectedHost, pollCount, rdsClient, startTestEmulator, testDataPlane, waitOptions, type TestEmulator } from './helpers.js';

let emulator: TestEmulator;
let rds: RDSClient;

beforeAll(async () => {
  emulator = await startTestEmulator();
  rds = rdsClient(emulator.url);
});

afterAll(async () => {
  rds?.destroy();
  await emulator?.close();
  expect(emulator?.logs.filter((line) => /failed/i.test(line)) ?? []).toEqual([]);
});

const describeCluster = async (id: string) => (await rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: id }))).DBClusters![0];
const describeInstance = async (id: string) => (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }))).DBInstances![0];
const clusterAvailable = (id: string) => waitUntilDBClusterAvailable({ client: rds, ...waitOptions }, { DBClusterIdentifier: id });
const instanceAvailable = (id: string) => waitUntilDBInstanceAvailable({ client: rds, ...waitOptions }, { DBInstanceIdentifier: id });
const instanceDeleted = (id: string) => waitUntilDBInstanceDeleted({ client: rds, ...waitOptions }, { DBInstanceIdentifier: id });

/** A cluster with a writer and, optionally, replicas, all available. */
async function clusterWithInstances(clusterId: string, instances: { id: string; tier?: number; cls?: string }[]) {
  await rds.send(new CreateDBClusterCommand(baseCluster(clusterId)));
  for (const { id, tier, cls } of instances) {
    await rds.send(new CreateDBInstanceCommand({ ...baseInstance(id, clusterId), PromotionTier: tier, DBInstanceClass: cls ?? 'db.r6g.large' }));
  }
  await Promise.all([clusterAvailable(clusterId), ...instances.map((i) => instanceAvailable(i.id))]);
}

describe('CreateDBCluster', () => {
  it('creates an aurora-postgresql cluster with AWS defaults, creating until the waiter sees it available', async () => {
    const { DBCluster: created } = await rds.send(
      new CreateDBClusterCommand({ ...baseCluster('pg-one'), Tags: [{ Key: 'env', Value: 'test' }] }),
    );
    expect(created).toMatchObject({
      DBClusterIdentifier: 'pg-one',
      Engine: 'aurora-postgresql',
      Port: 5432,
      AllocatedStorage: 1,
      Status: 'creating',
      DBClusterMembers: [],
      MasterUsername: 'postgres',
      DBClusterArn: 'arn:aws:rds:us-east-1:000000000000:cluster:pg-one',
      TagList: [{ Key: 'env', Value: 'test' }],
      DeletionProtection: false,
    });
    expect(created!.DbClusterResourceId).toMatch(/^cluster-[A-Z0-9]{26}$/);
    expect(created!.Endpoint).toMatch(expectedHost(/^pg-one\.cluster-[a-z0-9]{12}\.us-east-1\.rds\.amazonaws\.com$/));
    expect(created!.ReaderEndpoint).toMatch(expectedHost(/^pg-one\.cluster-ro-[a-z0-9]{12}\.us-east-1\.rds\.amazonaws\.com$/));
    if (testDataPlane === 'none') expect(created!.ReaderEndpoint!.split('.cluster-ro-')[1]).toBe(created!.Endpoint!.split('.cluster-')[1]);
    expect(created!.ClusterCreateTime).toBeInstanceOf(Date);
    expect(created!.EngineVersion).toMatch(/^\d+\.\d+$/);
    expect(created!).not.toHaveProperty('MasterUserPassword');

    const result = await clusterAvailable('pg-one');
    expect(result.state).toBe('SUCCESS');
    expect(pollCount(result)).toBeGreaterThanOrEqual(2); // the first poll saw `creating`
    const described = await describeCluster('pg-one');
    expect(described).toMatchObject({ Status: 'available', DbClusterResourceId: created!.DbClusterResourceId, Endpoint: created!.Endpoint });
  });

  it('creates an aurora-mysql cluster on port 3306 and stores the identifier in lower case', async () => {
    const { DBCluster: created } = await rds.send(new CreateDBClusterCommand(baseCluster('My-MySQL-Cluster', 'aurora-mysql')));
    expect(created).toMatchObject({
      DBClusterIdentifier: 'my-mysql-cluster',
      Engine: 'aurora-mysql',
      Port: 3306,
      AllocatedStorage: 1,
      Status: 'creating',
      DBClusterMembers: [],
      DBClusterArn: 'arn:aws:rds:us-east-1:000000000000:cluster:my-mysql-cluster',
    });
    expect(created!.EngineVersion).toMatch(/mysql_aurora/);
    expect(created!.DbClusterResourceId).toMatch(/^cluster-/);
    expect(created!.Endpoint).toMatch(expectedHost(/^my-mysql-cluster\.cluster-/, 'aurora-mysql'));
    expect((await clusterAvailable('MY-MYSQL-CLUSTER')).state).toBe('SUCCESS');
    expect((await describeCluster('my-mysql-cluster')).Status).toBe('available');
  });

  it('honours an explicit port, engine version and BacktrackWindow on aurora-mysql', async () => {
    const { DBCluster: created } = await rds.send(
      new CreateDBClusterCommand({ ...baseCluster('mysql-custom', 'aurora-mysql'), Port: 3307, EngineVersion: '8.0.mysql_aurora.3.06.1', BacktrackWindow: 3600 }),
    );
    expect(created).toMatchObject({ Port: 3307, EngineVersion: '8.0.mysql_aurora.3.06.1', BacktrackWindow: 3600 });
  });
});

describe('CreateDBInstance', () => {
  it('adds a writer then a replica; Endpoint appears once each is available', async () => {
    await rds.send(new CreateDBClusterCommand(baseCluster('inst-cluster')));
    const { DBInstance: writer } = await rds.send(new CreateDBInstanceCommand(baseInstance('inst-writer', 'inst-cluster')));
    expect(writer).toMatchObject({
      DBInstanceIdentifier: 'inst-writer',
      DBClusterIdentifier: 'inst-cluster',
      DBInstanceStatus: 'creating',
      Engine: 'aurora-postgresql',
      DBInstanceClass: 'db.r6g.large',
      PromotionTier: 1,
      DBInstanceArn: 'arn:aws:rds:us-east-1:000000000000:db:inst-writer',
    });
    expect(writer!.DbiResourceId).toMatch(/^db-[A-Z0-9]{26}$/);
    expect(writer!.Endpoint).toBeUndefined();

    const { DBInstance: replica } = await rds.send(new CreateDBInstanceCommand(baseInstance('inst-replica', 'inst-cluster')));
    expect(replica).toMatchObject({ DBInstanceStatus: 'creating', PromotionTier: 1 });
    expect(replica!.Endpoint).toBeUndefined();
    expect((await describeInstance('inst-replica')).Endpoint).toBeUndefined();

    let members = (await describeCluster('inst-cluster')).DBClusterMembers!;
    expect(members).toHaveLength(2);
    expect(members.find((m) => m.DBInstanceIdentifier === 'inst-writer')).toMatchObject({ IsClusterWriter: true, PromotionTier: 1 });
    expect(members.find((m) => m.DBInstanceIdentifier === 'inst-replica')).toMatchObject({ IsClusterWriter: false, PromotionTier: 1 });

    const results = await Promise.all([clusterAvailable('inst-cluster'), instanceAvailable('inst-writer'), instanceAvailable('inst-replica')]);
    expect(results.map((r) => r.state)).toEqual(['SUCCESS', 'SUCCESS', 'SUCCESS']);
    expect(pollCount(results[1])).toBeGreaterThanOrEqual(2);

    for (const id of ['inst-writer', 'inst-replica']) {
      const instance = await describeInstance(id);
      expect(instance.DBInstanceStatus).toBe('available');
      expect(instance.Endpoint).toMatchObject({ Port: 5432 });
      expect(instance.Endpoint!.Address).toMatch(expectedHost(new RegExp(`^${id}\\.[a-z0-9]{12}\\.us-east-1\\.rds\\.amazonaws\\.com$`)));
      expect(instance.InstanceCreateTime).toBeInstanceOf(Date);
    }
    members = (await describeCluster('inst-cluster')).DBClusterMembers!;
    expect(members.filter((m) => m.IsClusterWriter).map((m) => m.DBInstanceIdentifier)).toEqual(['inst-writer']);
  });
});

describe('ModifyDBCluster', () => {
  it('renames at once with ApplyImmediately; the members follow', async () => {
    await clusterWithInstances('rename-me', [{ id: 'rename-w' }, { id: 'rename-r' }]);
    const { DBCluster: renamed } = await rds.send(
      new ModifyDBClusterCommand({ DBClusterIdentifier: 'rename-me', NewDBClusterIdentifier: 'Renamed-Cluster', ApplyImmediately: true }),
    );
    expect(renamed).toMatchObject({
      DBClusterIdentifier: 'renamed-cluster',
      DBClusterArn: 'arn:aws:rds:us-east-1:000000000000:cluster:renamed-cluster',
    });
    // Host names follow the new name; loopback addresses (postgres data plane) stay as they are.
    expect(renamed!.Endpoint).toMatch(expectedHost(/^renamed-cluster\.cluster-/));
    expect(renamed!.ReaderEndpoint).toMatch(expectedHost(/^renamed-cluster\.cluster-ro-/));
    expect(renamed!.Status).not.toBe('available');

    const gone = await caught(describeCluster('rename-me'));
    expect(gone).toBeInstanceOf(DBClusterNotFoundFault);

    expect((await clusterAvailable('renamed-cluster')).state).toBe('SUCCESS');
    const cluster = await describeCluster('renamed-cluster');
    expect(cluster.DBClusterMembers!.map((m) => m.DBInstanceIdentifier).sort()).toEqual(['rename-r', 'rename-w']);
    expect(cluster.PendingModifiedValues?.DBClusterIdentifier).toBeUndefined();
    for (const id of ['rename-w', 'rename-r']) expect((await describeInstance(id)).DBClusterIdentifier).toBe('renamed-cluster');
    const { DBInstances } = await rds.send(new DescribeDBInstancesCommand({ Filters: [{ Name: 'db-cluster-id', Values: ['renamed-cluster'] }] }));
    expect(DBInstances!.map((i) => i.DBInstanceIdentifier).sort()).toEqual(['rename-r', 'rename-w']);
  });

  it('keeps a rename without ApplyImmediately in PendingModifiedValues', async () => {
    await rds.send(new CreateDBClusterCommand(baseCluster('rename-later')));
    await clusterAvailable('rename-later');
    const { DBCluster } = await rds.send(new ModifyDBClusterCommand({ DBClusterIdentifier: 'rename-later', NewDBClusterIdentifier: 'renamed-later' }));
    expect(DBCluster).toMatchObject({ DBClusterIdentifier: 'rename-later', Status: 'available', PendingModifiedValues: { DBClusterIdentifier: 'renamed-later' } });
    expect((await describeCluster('rename-later')).PendingModifiedValues).toMatchObject({ DBClusterIdentifier: 'renamed-later' });
    expect(await caught(describeCluster('renamed-later'))).toBeInstanceOf(DBClusterNotFoundFault);

    // Applying a rename immediately supersedes the queued one.
    const { DBCluster: now } = await rds.send(
      new ModifyDBClusterCommand({ DBClusterIdentifier: 'rename-later', NewDBClusterIdentifier: 'renamed-now', ApplyImmediately: true }),
    );
    expect(now!.DBClusterIdentifier).toBe('renamed-now');
    expect(now!.PendingModifiedValues?.DBClusterIdentifier).toBeUndefined();
    await clusterAvailable('renamed-now');
    expect((await describeCluster('renamed-now')).PendingModifiedValues?.DBClusterIdentifier).toBeUndefined();
  });

  it('resets the master password: resetting-master-credentials, then available', async () => {
    await rds.send(new CreateDBClusterCommand(baseCluster('reset-pass')));
    await clusterAvailable('reset-pass');
    const { DBCluster } = await rds.send(new ModifyDBClusterCommand({ DBClusterIdentifier: 'reset-pass', MasterUserPassword: 'another-pass-2' }));
    expect(DBCluster!.Status).toBe('resetting-master-credentials');
    expect((await describeCluster('reset-pass')).Status).toBe('resetting-master-credentials');
    const result = await clusterAvailable('reset-pass');
    expect(result.state).toBe('SUCCESS');
    expect(pollCount(result)).toBeGreaterThanOrEqual(2);
    const after = await describeCluster('reset-pass');
    expect(after.Status).toBe('available');
    expect(after.PendingModifiedValues?.MasterUserPassword).toBeUndefined();
  });

  it('refuses to delete a cluster with DeletionProtection until it is turned off', async () => {
    await rds.send(new CreateDBClusterCommand(baseCluster('protected')));
    await clusterAvailable('protected');
    const { DBCluster } = await rds.send(new ModifyDBClusterCommand({ DBClusterIdentifier: 'protected', DeletionProtection: true }));
    expect(DBCluster!.DeletionProtection).toBe(true);

    const error = await caught(rds.send(new DeleteDBClusterCommand({ DBClusterIdentifier: 'protected', SkipFinalSnapshot: true })));
    expect(error.name).toBe('InvalidParameterCombination');
    expect(error.Code).toBe('InvalidParameterCombination');
    expect(error.$metadata.httpStatusCode).toBe(400);
    expect(error.message).toBe('Cannot delete protected Cluster, please disable deletion protection and try again.');
    expect((await describeCluster('protected')).Status).toBe('available');

    await rds.send(new ModifyDBClusterCommand({ DBClusterIdentifier: 'protected', DeletionProtection: false }));
    const { DBCluster: deleting } = await rds.send(new DeleteDBClusterCommand({ DBClusterIdentifier: 'protected', SkipFinalSnapshot: true }));
    expect(deleting!.Status).toBe('deleting');
  });
});

describe('ModifyDBInstance and RebootDBInstance', () => {
  beforeAll(() => clusterWithInstances('mod-cluster', [{ id: 'mod-w' }, { id: 'mod-r' }]));

  it('changes PromotionTier at once, on the instance and in the cluster members', async () => {
    const { DBInstance } = await rds.send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: 'mod-r', PromotionTier: 7 }));
    expect(DBInstance!.PromotionTier).toBe(7);
    expect((await describeInstance('mod-r')).PromotionTier).toBe(7);
    const member = (await describeCluster('mod-cluster')).DBClusterMembers!.find((m) => m.DBInstanceIdentifier === 'mod-r');
    expect(member).toMatchObject({ PromotionTier: 7, IsClusterWriter: false });
  });

  it('keeps a DBInstanceClass change pending without ApplyImmediately, applies it with', async () => {
    const { DBInstance: pending } = await rds.send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: 'mod-r', DBInstanceClass: 'db.r6g.xlarge' }));
    expect(pending).toMatchObject({ DBInstanceClass: 'db.r6g.large', DBInstanceStatus: 'available', PendingModifiedValues: { DBInstanceClass: 'db.r6g.xlarge' } });
    expect((await describeInstance('mod-r')).PendingModifiedValues).toMatchObject({ DBInstanceClass: 'db.r6g.xlarge' });

    const { DBInstance: now } = await rds.send(
      new ModifyDBInstanceCommand({ DBInstanceIdentifier: 'mod-r', DBInstanceClass: 'db.r6g.2xlarge', ApplyImmediately: true }),
    );
    expect(now).toMatchObject({ DBInstanceClass: 'db.r6g.2xlarge', DBInstanceStatus: 'modifying' });
    expect((await instanceAvailable('mod-r')).state).toBe('SUCCESS');
    const after = await describeInstance('mod-r');
    expect(after).toMatchObject({ DBInstanceClass: 'db.r6g.2xlarge', DBInstanceStatus: 'available' });
    // The immediate change supersedes the queued one for the same setting.
    expect(after.PendingModifiedValues?.DBInstanceClass).toBeUndefined();
  });

  it('applies a DBInstanceClass change at once with ApplyImmediately', async () => {
    const { DBInstance } = await rds.send(
      new ModifyDBInstanceCommand({ DBInstanceIdentifier: 'mod-w', DBInstanceClass: 'db.r7g.large', ApplyImmediately: true }),
    );
    expect(DBInstance).toMatchObject({ DBInstanceClass: 'db.r7g.large', DBInstanceStatus: 'modifying' });
    expect(DBInstance!.PendingModifiedValues?.DBInstanceClass).toBeUndefined();
    expect((await instanceAvailable('mod-w')).state).toBe('SUCCESS');
    expect(await describeInstance('mod-w')).toMatchObject({ DBInstanceClass: 'db.r7g.large', DBInstanceStatus: 'available' });
  });

  it('reboots: rebooting, then available; a second reboot meanwhile is refused', async () => {
    const { DBInstance } = await rds.send(new RebootDBInstanceCommand({ DBInstanceIdentifier: 'mod-w' }));
    expect(DBInstance!.DBInstanceStatus).toBe('rebooting');
    expect((await describeInstance('mod-w')).DBInstanceStatus).toBe('rebooting');

    const busy = await caught(rds.send(new RebootDBInstanceCommand({ DBInstanceIdentifier: 'mod-w' })));
    expect(busy).toBeInstanceOf(InvalidDBInstanceStateFault);
    expect(busy.Code).toBe('InvalidDBInstanceState');
    expect(busy.$metadata.httpStatusCode).toBe(400);

    const result = await instanceAvailable('mod-w');
    expect(result.state).toBe('SUCCESS');
    expect(pollCount(result)).toBeGreaterThanOrEqual(2);
    expect((await describeInstance('mod-w')).DBInstanceStatus).toBe('available');
  });
});

describe('DeleteDBInstance', () => {
  it('deletes an instance; waitUntilDBInstanceDeleted ends on DBInstanceNotFound', async () => {
    await clusterWithInstances('del-inst', [{ id: 'del-inst-w' }]);
    const { DBInstance } = await rds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: 'del-inst-w' }));
    expect(DBInstance!.DBInstanceStatus).toBe('deleting');
    expect((await describeInstance('del-inst-w')).DBInstanceStatus).toBe('deleting');

    const result = await instanceDeleted('del-inst-w');
    expect(result.state).toBe('SUCCESS');
    expect(pollCount(result)).toBeGreaterThanOrEqual(2);
    expect((result.reason as Error).name).toBe('DBInstanceNotFoundFault'); // the not-found path, not an empty list

    const error = await caught(describeInstance('del-inst-w'));
    expect(error).toBeInstanceOf(DBInstanceNotFoundFault);
    expect(error.Code).toBe('DBInstanceNotFound');
    // Deleting the last (writer) instance leaves the cluster in place, without members.
    expect(await describeCluster('del-inst')).toMatchObject({ Status: 'available', DBClusterMembers: [] });
  });

  it('deleting the writer promotes the replica with the best tier (then the largest class)', async () => {
    await clusterWithInstances('promo', [
      { id: 'promo-w', tier: 0 },
      { id: 'promo-a', tier: 2, cls: 'db.r6g.4xlarge' },
      { id: 'promo-b', tier: 1, cls: 'db.r6g.large' },
      { id: 'promo-c', tier: 1, cls: 'db.r6g.2xlarge' },
    ]);
    let members = (await describeCluster('promo')).DBClusterMembers!;
    expect(members.filter((m) => m.IsClusterWriter).map((m) => m.DBInstanceIdentifier)).toEqual(['promo-w']);

    await rds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: 'promo-w' }));
    expect((await instanceDeleted('promo-w')).state).toBe('SUCCESS');
    members = (await describeCluster('promo')).DBClusterMembers!;
    expect(members.map((m) => m.DBInstanceIdentifier).sort()).toEqual(['promo-a', 'promo-b', 'promo-c']);
    expect(members.filter((m) => m.IsClusterWriter).map((m) => m.DBInstanceIdentifier)).toEqual(['promo-c']);
  });
});

describe('DeleteDBCluster', () => {
  it('enforces the final-snapshot and member rules, then deletes; waitUntilDBClusterDeleted ends on DBClusterNotFoundFault', async () => {
    await clusterWithInstances('del-cluster', [{ id: 'del-cluster-w' }]);

    const busy = await caught(rds.send(new DeleteDBClusterCommand({ DBClusterIdentifier: 'del-cluster', SkipFinalSnapshot: true })));
    expect(busy).toBeInstanceOf(InvalidDBClusterStateFault);
    expect(busy.Code).toBe('InvalidDBClusterStateFault');
    expect(busy.$metadata.httpStatusCode).toBe(400);
    expect(busy.message).toBe('Cluster cannot be deleted, it still contains DB instances in non-deleting state.');

    await rds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: 'del-cluster-w' }));
    await instanceDeleted('del-cluster-w');

    const neither = await caught(rds.send(new DeleteDBClusterCommand({ DBClusterIdentifier: 'del-cluster' })));
    expect(neither.name).toBe('InvalidParameterCombination');
    expect(neither.$metadata.httpStatusCode).toBe(400);
    expect(neither.message).toBe('FinalDBSnapshotIdentifier is required unless SkipFinalSnapshot is specified.');

    const both = await caught(
      rds.send(new DeleteDBClusterCommand({ DBClusterIdentifier: 'del-cluster', SkipFinalSnapshot: true, FinalDBSnapshotIdentifier: 'final-snap' })),
    );
    expect(both.name).toBe('InvalidParameterCombination');
    expect(both.message).toBe('You cannot specify both FinalDBSnapshotIdentifier and SkipFinalSnapshot');
    expect((await describeCluster('del-cluster')).Status).toBe('available');

    const { DBCluster } = await rds.send(new DeleteDBClusterCommand({ DBClusterIdentifier: 'del-cluster', SkipFinalSnapshot: true }));
    expect(DBCluster).toMatchObject({ DBClusterIdentifier: 'del-cluster', Status: 'deleting' });
    const result = await waitUntilDBClusterDeleted({ client: rds, ...waitOptions }, { DBClusterIdentifier: 'del-cluster' });
    expect(result.state).toBe('SUCCESS');
    expect(pollCount(result)).toBeGreaterThanOrEqual(2);
    expect((result.reason as Error).name).toBe('DBClusterNotFoundFault');
    expect(await caught(describeCluster('del-cluster'))).toBeInstanceOf(DBClusterNotFoundFault);
    const { DBClusters } = await rds.send(new DescribeDBClustersCommand({}));
    expect(DBClusters!.map((c) => c.DBClusterIdentifier)).not.toContain('del-cluster');
  });

});
