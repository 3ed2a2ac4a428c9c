// FailoverDBCluster and RebootDBInstance ForceFailover through the SDK: the target choice
// (promotion tier, then instance size), statuses and events, and the model's faults.
// (The data plane's real promotion is tested in data-plane-postgres.)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CreateDBClusterCommand,
  CreateDBInstanceCommand,
  DBClusterNotFoundFault,
  DescribeDBClustersCommand,
  DescribeEventsCommand,
  FailoverDBClusterCommand,
  InvalidDBClusterStateFault,
  InvalidDBInstanceStateFault,
  RebootDBInstanceCommand,
  waitUntilDBClusterAvailable,
  waitUntilDBInstanceAvailable,
  type RDSClient,
} from '@aws-sdk/client-rds';
import { baseCluster, baseInstance, caught, eventually, rdsClient, startTestEmulator, waitOptions, type TestEmulator } from './helpers.js';

let emulator: TestEmulator;
let rds: RDSClient;

async function clusterWith(id: string, members: { id: string; tier?: number; cls?: string; zone?: string }[]) {
  await rds.send(new CreateDBClusterCommand(baseCluster(id)));
  for (const m of members) {
    await rds.send(new CreateDBInstanceCommand({ ...baseInstance(m.id, id), PromotionTier: m.tier, DBInstanceClass: m.cls ?? 'db.r6g.large', AvailabilityZone: m.zone }));
  }
  await waitUntilDBClusterAvailable({ client: rds, ...waitOptions }, { DBClusterIdentifier: id });
  for (const m of members) await waitUntilDBInstanceAvailable({ client: rds, ...waitOptions }, { DBInstanceIdentifier: m.id });
}
const writer = async (id: string) =>
  (await rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: id }))).DBClusters![0].DBClusterMembers!.find((m) => m.IsClusterWriter)!.DBInstanceIdentifier;
const status = async (id: string) => (await rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: id }))).DBClusters![0].Status;

beforeAll(async () => {
  emulator = await startTestEmulator();
  rds = rdsClient(emulator.url);
});
afterAll(async () => {
  await emulator?.close();
});

describe('FailoverDBCluster', () => {
  it('without a target promotes the lowest tier, then the largest class; failing-over, then available, with events', async () => {
    await clusterWith('tiers', [
      { id: 'tiers-w', zone: 'us-east-1a' },
      { id: 'tiers-big', tier: 2, cls: 'db.r6g.8xlarge', zone: 'us-east-1b' },
      { id: 'tiers-small', tier: 1, cls: 'db.r6g.large', zone: 'us-east-1a' },
      { id: 'tiers-mid', tier: 1, cls: 'db.r6g.2xlarge', zone: 'us-east-1c' },
    ]);
    const { DBCluster } = await rds.send(new FailoverDBClusterCommand({ DBClusterIdentifier: 'tiers' }));
    expect(DBCluster!.Status).toBe('failing-over');
    await eventually(async () => (await status('tiers')) === 'available');
    expect(await writer('tiers')).toBe('tiers-mid'); // tier 1 beats tier 2; the larger of the tier-1 pair
    const members = (await rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: 'tiers' }))).DBClusters![0].DBClusterMembers!;
    expect(members.find((m) => m.DBInstanceIdentifier === 'tiers-w')!.IsClusterWriter).toBe(false);
    const messages = (await rds.send(new DescribeEventsCommand({ SourceType: 'db-cluster', SourceIdentifier: 'tiers' }))).Events!.map((e) => e.Message);
    expect(messages).toContain('Started cross AZ failover to DB instance: tiers-mid.');
    expect(messages).toContain('Completed failover to DB instance: tiers-mid.');
  });

  it('with a target in the same AZ says so (RDS-EVENT-0072), and fails back', async () => {
    await rds.send(new FailoverDBClusterCommand({ DBClusterIdentifier: 'tiers', TargetDBInstanceIdentifier: 'tiers-w' }));
    await eventually(async () => (await status('tiers')) === 'available');
    expect(await writer('tiers')).toBe('tiers-w');
    await rds.send(new FailoverDBClusterCommand({ DBClusterIdentifier: 'tiers', TargetDBInstanceIdentifier: 'tiers-small' }));
    await eventually(async () => (await status('tiers')) === 'available');
    const messages = (await rds.send(new DescribeEventsCommand({ SourceType: 'db-cluster', SourceIdentifier: 'tiers' }))).Events!.map((e) => e.Message);
    expect(messages).toContain('Started same AZ failover to DB instance: tiers-small.');
  });

  it('answers the model faults: unknown cluster, a target that is not a member, a cluster that is not available, no replica', async () => {
    const unknown = await caught(rds.send(new FailoverDBClusterCommand({ DBClusterIdentifier: 'ghost' })));
    expect(unknown).toBeInstanceOf(DBClusterNotFoundFault);
    expect(unknown.$metadata.httpStatusCode).toBe(404);
    await clusterWith('other', [{ id: 'other-1' }]);
    const stranger = await caught(rds.send(new FailoverDBClusterCommand({ DBClusterIdentifier: 'tiers', TargetDBInstanceIdentifier: 'other-1' })));
    expect(stranger).toBeInstanceOf(InvalidDBInstanceStateFault);
    expect(stranger.Code).toBe('InvalidDBInstanceState');
    expect(stranger.$metadata.httpStatusCode).toBe(400);
    const alone = await caught(rds.send(new FailoverDBClusterCommand({ DBClusterIdentifier: 'other' })));
    expect(alone).toBeInstanceOf(InvalidDBClusterStateFault);
    await rds.send(new FailoverDBClusterCommand({ DBClusterIdentifier: 'tiers' }));
    const busy = await caught(rds.send(new FailoverDBClusterCommand({ DBClusterIdentifier: 'tiers' })));
    expect(busy).toBeInstanceOf(InvalidDBClusterStateFault);
    expect(busy.message).toMatch(/failing-over/);
    await eventually(async () => (await status('tiers')) === 'available');
  });

  it('RebootDBInstance with ForceFailover on the writer fails over to the best replica', async () => {
    const before = await writer('tiers');
    const { DBInstance } = await rds.send(new RebootDBInstanceCommand({ DBInstanceIdentifier: before, ForceFailover: true }));
    expect(DBInstance!.DBInstanceStatus).toBe('rebooting');
    await eventually(async () => (await status('tiers')) === 'available' && (await writer('tiers')) !== before);
    await waitUntilDBInstanceAvailable({ client: rds, ...waitOptions }, { DBInstanceIdentifier: before });
  });
});
