// Runs the real operation handlers in-process (no HTTP) through a small but rich scenario and
// keeps each operation's output: these are the DBCluster / DBInstance shapes the presenters
// actually produce (members, tags, pending values, timestamps, longs, Marker, …), which the
// round-trip tests render and hand to the SDK's deserializer.
import { delayOptionNames, resolveConfig, type Delays } from '../../../src/config.js';
import type { OperationContext } from '../../../src/control-plane/context.js';
import { Lifecycle } from '../../../src/control-plane/lifecycle.js';
import { Store } from '../../../src/control-plane/store.js';
import type { Partition } from '../../../src/control-plane/records.js';
import { transitionHandlers } from '../../../src/control-plane/transitions.js';
import { NoDataPlane } from '../../../src/data-plane/index.js';
import { operations } from '../../../src/operations/index.js';

export const scenarioAccount = '123456789012';
export const scenarioRegion = 'us-east-1';

export interface Scenario {
  /** Output of one representative call per operation (undefined for operations without output). */
  outputs: Map<string, Record<string, unknown> | undefined>;
  partition: Partition;
  close(): void;
}

export async function runScenario(): Promise<Scenario> {
  const store = await Store.open();
  const dataPlane = new NoDataPlane();
  const lifecycle: Lifecycle = new Lifecycle(store, transitionHandlers(dataPlane, (...args) => lifecycle.schedule(...args)), () => {});
  const config = resolveConfig(
    // Every lifecycle step is due at once; settle() runs the due ones.
    { delays: Object.fromEntries(delayOptionNames.map((name) => [name, 0])) as Partial<Delays>, log: () => {} },
    {},
  );
  const partition = store.partition(scenarioAccount, scenarioRegion);
  let n = 0;
  const ctx = (): OperationContext => ({
    requestId: `scenario-${++n}`,
    account: scenarioAccount,
    region: scenarioRegion,
    partition,
    store,
    lifecycle,
    config,
    dataPlane,
  });
  const outputs = new Map<string, Record<string, unknown> | undefined>();
  const call = async (operation: string, input: Record<string, unknown>, keep = true) => {
    const handler = operations[operation];
    if (!handler) throw new Error(`scenario: ${operation} is not in the operation table`);
    const output = (await handler(input, ctx())) ?? undefined;
    if (keep) outputs.set(operation, output);
    return output;
  };
  const settle = async () => {
    // runDue() returns at once when a timer-started run is in progress: wait for that too.
    for (let attempt = 0; attempt < 100; attempt++) {
      await lifecycle.runDue();
      if (!partition.transitions.some((t) => t.dueAt <= Date.now())) return;
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    throw new Error('scenario: lifecycle transitions did not settle');
  };

  // A MySQL cluster: backtrack (long) fields, logs exports, Serverless v2 doubles, encryption, tags.
  await call('CreateDBCluster', {
    DBClusterIdentifier: 'Aurora-Demo',
    Engine: 'aurora-mysql',
    MasterUsername: 'admin',
    MasterUserPassword: 'p4ss-w0rd&=+',
    DatabaseName: 'appdb',
    Port: 3307,
    BacktrackWindow: 3600,
    StorageEncrypted: true,
    StorageType: 'aurora-iopt1',
    EnableCloudwatchLogsExports: ['audit', 'error'],
    ServerlessV2ScalingConfiguration: { MinCapacity: 0.5, MaxCapacity: 16 },
    VpcSecurityGroupIds: ['sg-111', 'sg-222'],
    PubliclyAccessible: false,
    Tags: [
      { Key: 'env', Value: 'dev' },
      { Key: 'team', Value: 'db ops: friends + co' },
    ],
  });
  await settle();
  // Twenty more clusters, so that DescribeDBClusters with MaxRecords 20 returns a Marker.
  for (let i = 0; i < 20; i++) {
    await call('CreateDBCluster', { DBClusterIdentifier: `pg-${String(i).padStart(2, '0')}`, Engine: 'aurora-postgresql', MasterUsername: 'postgres', MasterUserPassword: 'secret-password' }, false);
  }
  await settle();

  // Members: a writer and replicas in several zones (DBClusterMembers, MultiAZ, promotion tiers).
  await call('CreateDBInstance', { DBInstanceIdentifier: 'aurora-demo-1', DBClusterIdentifier: 'aurora-demo', Engine: 'aurora-mysql', DBInstanceClass: 'db.r6g.large', PromotionTier: 0 }, false);
  await call('CreateDBInstance', {
    DBInstanceIdentifier: 'aurora-demo-2',
    DBClusterIdentifier: 'aurora-demo',
    Engine: 'aurora-mysql',
    DBInstanceClass: 'db.r6g.xlarge',
    PromotionTier: 2,
    Tags: [{ Key: 'role', Value: 'reader' }],
  });
  for (let i = 3; i <= 16; i++) {
    await call('CreateDBInstance', { DBInstanceIdentifier: `aurora-demo-${i}`, DBClusterIdentifier: 'aurora-demo', Engine: 'aurora-mysql', DBInstanceClass: 'db.r6g.large' }, false);
  }
  // db.serverless instances need a capacity range on their cluster.
  await call('ModifyDBCluster', { DBClusterIdentifier: 'pg-00', ServerlessV2ScalingConfiguration: { MinCapacity: 0.5, MaxCapacity: 8 } }, false);
  for (let i = 1; i <= 6; i++) {
    await call('CreateDBInstance', { DBInstanceIdentifier: `pg-00-${i}`, DBClusterIdentifier: 'pg-00', Engine: 'aurora-postgresql', DBInstanceClass: 'db.serverless' }, false);
  }
  await settle(); // instances available: Endpoint, InstanceCreateTime

  await call('ModifyDBCluster', { DBClusterIdentifier: 'aurora-demo', EngineVersion: '8.0.mysql_aurora.3.09.0', ApplyImmediately: false, DeletionProtection: false });
  await call('ModifyDBInstance', { DBInstanceIdentifier: 'aurora-demo-2', DBInstanceClass: 'db.r6g.2xlarge', PromotionTier: 1 });
  await call('RebootDBInstance', { DBInstanceIdentifier: 'aurora-demo-3' });
  await call('AddTagsToResource', { ResourceName: `arn:aws:rds:${scenarioRegion}:${scenarioAccount}:cluster:aurora-demo`, Tags: [{ Key: 'cost-centre', Value: '42' }] });
  await call('RemoveTagsFromResource', { ResourceName: `arn:aws:rds:${scenarioRegion}:${scenarioAccount}:db:aurora-demo-2`, TagKeys: ['nothing-here'] });
  await call('ListTagsForResource', { ResourceName: `arn:aws:rds:${scenarioRegion}:${scenarioAccount}:cluster:aurora-demo` });
  await call('DescribeDBClusters', { MaxRecords: 20 });
  await call('DescribeDBInstances', { MaxRecords: 20 });
  await call('DescribeEvents', { SourceType: 'db-instance', Duration: 60 });
  await call('CreateDBClusterEndpoint', { DBClusterIdentifier: 'pg-00', DBClusterEndpointIdentifier: 'reports', EndpointType: 'READER', StaticMembers: ['pg-00-2', 'pg-00-3'] });
  await call('CreateDBClusterEndpoint', { DBClusterIdentifier: 'pg-00', DBClusterEndpointIdentifier: 'spare', EndpointType: 'ANY' }, false);
  await settle();
  await call('ModifyDBClusterEndpoint', { DBClusterEndpointIdentifier: 'reports', ExcludedMembers: ['pg-00-1'] });
  await call('DescribeDBClusterEndpoints', { DBClusterIdentifier: 'pg-00' });
  await call('DeleteDBClusterEndpoint', { DBClusterEndpointIdentifier: 'spare' });
  await call('CreateDBClusterSnapshot', { DBClusterIdentifier: 'aurora-demo', DBClusterSnapshotIdentifier: 'snap-1', Tags: [{ Key: 'kind', Value: 'manual' }] });
  await settle();
  await call('CopyDBClusterSnapshot', { SourceDBClusterSnapshotIdentifier: 'snap-1', TargetDBClusterSnapshotIdentifier: 'snap-1-copy', CopyTags: true }, false);
  await settle();
  await call('CopyDBClusterSnapshot', { SourceDBClusterSnapshotIdentifier: 'snap-1', TargetDBClusterSnapshotIdentifier: 'snap-2-copy', CopyTags: true });
  await call('ModifyDBClusterSnapshotAttribute', { DBClusterSnapshotIdentifier: 'snap-1', AttributeName: 'restore', ValuesToAdd: ['210987654321'] });
  await call('DescribeDBClusterSnapshotAttributes', { DBClusterSnapshotIdentifier: 'snap-1' });
  await call('DescribeDBClusterSnapshots', { DBClusterIdentifier: 'aurora-demo' });
  await call('RestoreDBClusterFromSnapshot', { DBClusterIdentifier: 'restored', SnapshotIdentifier: 'snap-1', Engine: 'aurora-mysql', Tags: [{ Key: 'from', Value: 'snapshot' }] });
  await call('RestoreDBClusterToPointInTime', { DBClusterIdentifier: 'pitr', SourceDBClusterIdentifier: 'aurora-demo', UseLatestRestorableTime: true, RestoreType: 'copy-on-write' });
  await call('DeleteDBClusterSnapshot', { DBClusterSnapshotIdentifier: 'snap-1-copy' });
  // Backtrack (aurora-demo has a BacktrackWindow), IAM roles, a cluster reboot.
  await call('BacktrackDBCluster', { DBClusterIdentifier: 'aurora-demo', BacktrackTo: new Date(Date.now() - 1000), UseEarliestTimeOnPointInTimeUnavailable: true });
  await settle();
  await call('DescribeDBClusterBacktracks', { DBClusterIdentifier: 'aurora-demo', MaxRecords: 20 });
  await call('AddRoleToDBCluster', { DBClusterIdentifier: 'pg-03', RoleArn: `arn:aws:iam::${scenarioAccount}:role/s3-import`, FeatureName: 's3Import' });
  await call('AddRoleToDBCluster', { DBClusterIdentifier: 'pg-03', RoleArn: `arn:aws:iam::${scenarioAccount}:role/lambda` }, false);
  await call('RemoveRoleFromDBCluster', { DBClusterIdentifier: 'pg-03', RoleArn: `arn:aws:iam::${scenarioAccount}:role/lambda` });
  await call('RebootDBCluster', { DBClusterIdentifier: 'pg-03' });
  // A global database: pg-04 its primary, a secondary in eu-west-1; a switchover, a failover back.
  const callIn = (region: string, operation: string, input: Record<string, unknown>) =>
    operations[operation](input, { ...ctx(), region, partition: store.partition(scenarioAccount, region) });
  const pg04 = `arn:aws:rds:${scenarioRegion}:${scenarioAccount}:cluster:pg-04`;
  const secondaryArn = `arn:aws:rds:eu-west-1:${scenarioAccount}:cluster:pg-04-eu`;
  await call('CreateDBInstance', { DBInstanceIdentifier: 'pg-04-1', DBClusterIdentifier: 'pg-04', Engine: 'aurora-postgresql', DBInstanceClass: 'db.r6g.large' }, false);
  await call('CreateGlobalCluster', { GlobalClusterIdentifier: 'global-demo', SourceDBClusterIdentifier: pg04, Tags: [{ Key: 'scope', Value: 'global' }] });
  await callIn('eu-west-1', 'CreateDBCluster', { DBClusterIdentifier: 'pg-04-eu', Engine: 'aurora-postgresql', GlobalClusterIdentifier: 'global-demo' });
  await callIn('eu-west-1', 'CreateDBInstance', { DBInstanceIdentifier: 'pg-04-eu-1', DBClusterIdentifier: 'pg-04-eu', Engine: 'aurora-postgresql', DBInstanceClass: 'db.r6g.large' });
  await settle();
  await call('ModifyGlobalCluster', { GlobalClusterIdentifier: 'global-demo', DeletionProtection: false });
  await call('SwitchoverGlobalCluster', { GlobalClusterIdentifier: 'global-demo', TargetDbClusterIdentifier: secondaryArn });
  await call('DescribeGlobalClusters', { GlobalClusterIdentifier: 'global-demo' }); // FailoverState, Readers
  await settle();
  await call('FailoverGlobalCluster', { GlobalClusterIdentifier: 'global-demo', TargetDbClusterIdentifier: pg04, AllowDataLoss: true });
  await settle();
  await call('RemoveFromGlobalCluster', { GlobalClusterIdentifier: 'global-demo', DbClusterIdentifier: secondaryArn });
  await call('CreateGlobalCluster', { GlobalClusterIdentifier: 'global-empty', Engine: 'aurora-mysql' }, false);
  await call('DeleteGlobalCluster', { GlobalClusterIdentifier: 'global-empty' });
  await call('FailoverDBCluster', { DBClusterIdentifier: 'aurora-demo', TargetDBInstanceIdentifier: 'aurora-demo-2' });
  await call('StopDBCluster', { DBClusterIdentifier: 'pg-01' });
  await settle();
  await call('StartDBCluster', { DBClusterIdentifier: 'pg-01' });
  await call('DeleteDBInstance', { DBInstanceIdentifier: 'aurora-demo-16' });
  await call('DeleteDBCluster', { DBClusterIdentifier: 'pg-19', SkipFinalSnapshot: true });

  // Parameter groups (a cluster and an instance on custom groups, a static change waiting for a
  // reboot), subnet groups, the engine catalogues, quotas and event categories.
  await call('CreateDBClusterParameterGroup', { DBClusterParameterGroupName: 'mysql-tuned', DBParameterGroupFamily: 'aurora-mysql8.0', Description: 'tuned <mysql> & co', Tags: [{ Key: 'team', Value: 'db' }] });
  await call('CreateDBParameterGroup', { DBParameterGroupName: 'mysql-instance', DBParameterGroupFamily: 'aurora-mysql8.0', Description: 'instance "tuned"' });
  await call('CreateDBSubnetGroup', { DBSubnetGroupName: 'App Subnets', DBSubnetGroupDescription: 'private & isolated', SubnetIds: ['subnet-0a1b2c3d', 'subnet-4e5f6a7b'], Tags: [{ Key: 'tier', Value: 'data' }] });
  await call('ModifyDBSubnetGroup', { DBSubnetGroupName: 'app subnets', DBSubnetGroupDescription: 'three zones', SubnetIds: ['subnet-0a1b2c3d', 'subnet-4e5f6a7b', 'subnet-8c9d0e1f'] });
  await call('CreateDBCluster', { DBClusterIdentifier: 'params-demo', Engine: 'aurora-mysql', MasterUsername: 'admin', MasterUserPassword: 'secret-password', DBClusterParameterGroupName: 'mysql-tuned', DBSubnetGroupName: 'app subnets' }, false);
  await settle();
  await call('CreateDBInstance', { DBInstanceIdentifier: 'params-demo-1', DBClusterIdentifier: 'params-demo', Engine: 'aurora-mysql', DBInstanceClass: 'db.r6g.large', DBParameterGroupName: 'mysql-instance' }, false);
  await settle();
  await call('ModifyDBClusterParameterGroup', { DBClusterParameterGroupName: 'mysql-tuned', Parameters: [{ ParameterName: 'binlog_format', ParameterValue: 'ROW', ApplyMethod: 'pending-reboot' }, { ParameterName: 'time_zone', ParameterValue: 'Europe/Paris', ApplyMethod: 'immediate' }] });
  await call('ModifyDBParameterGroup', { DBParameterGroupName: 'mysql-instance', Parameters: [{ ParameterName: 'max_connections', ParameterValue: '500', ApplyMethod: 'pending-reboot' }, { ParameterName: 'long_query_time', ParameterValue: '2.5', ApplyMethod: 'immediate' }] });
  await call('ResetDBClusterParameterGroup', { DBClusterParameterGroupName: 'mysql-tuned', Parameters: [{ ParameterName: 'time_zone', ApplyMethod: 'immediate' }] });
  await call('ResetDBParameterGroup', { DBParameterGroupName: 'mysql-instance', Parameters: [{ ParameterName: 'long_query_time', ApplyMethod: 'immediate' }] });
  await call('CopyDBClusterParameterGroup', { SourceDBClusterParameterGroupIdentifier: 'mysql-tuned', TargetDBClusterParameterGroupIdentifier: 'mysql-tuned-copy', TargetDBClusterParameterGroupDescription: 'copy' });
  await call('CopyDBParameterGroup', { SourceDBParameterGroupIdentifier: 'default.aurora-postgresql16', TargetDBParameterGroupIdentifier: 'pg16-copy', TargetDBParameterGroupDescription: 'copy of the default', Tags: [{ Key: 'copied', Value: 'yes' }] });
  await call('DescribeDBClusterParameterGroups', { MaxRecords: 20 });
  await call('DescribeDBParameterGroups', { MaxRecords: 20 });
  await call('DescribeDBClusterParameters', { DBClusterParameterGroupName: 'mysql-tuned', MaxRecords: 20 });
  await call('DescribeDBParameters', { DBParameterGroupName: 'mysql-instance', MaxRecords: 20 });
  await call('DescribeEngineDefaultClusterParameters', { DBParameterGroupFamily: 'aurora-postgresql16', MaxRecords: 20 });
  await call('DescribeEngineDefaultParameters', { DBParameterGroupFamily: 'aurora-mysql8.0', MaxRecords: 20 });
  await call('DeleteDBClusterParameterGroup', { DBClusterParameterGroupName: 'mysql-tuned-copy' });
  await call('DeleteDBParameterGroup', { DBParameterGroupName: 'pg16-copy' });
  await call('CreateDBSubnetGroup', { DBSubnetGroupName: 'short-lived', DBSubnetGroupDescription: 'to delete', SubnetIds: ['subnet-0a1b2c3d', 'subnet-4e5f6a7b'] }, false);
  await call('DeleteDBSubnetGroup', { DBSubnetGroupName: 'short-lived' });
  await call('DescribeDBSubnetGroups', {});
  await call('DescribeDBEngineVersions', { Engine: 'aurora-postgresql', ListSupportedCharacterSets: true, MaxRecords: 20 });
  await call('DescribeOrderableDBInstanceOptions', { Engine: 'aurora-postgresql', EngineVersion: '16.6', MaxRecords: 20 });
  await call('DescribeAccountAttributes', {});
  await call('DescribeEventCategories', {});

  return { outputs, partition, close: () => lifecycle.stop() };
}
