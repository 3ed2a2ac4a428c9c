// Subnet groups as pure logic: the default group, how subnets get their zones (once, for good),
// and the checks on a list of subnets.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { placeSubnets, rememberZones, subnetGroupZones, subnetGroups } from '../../src/control-plane/subnetGroups.js';
import { AwsError } from '../../src/protocol/errors.js';
import { controlPlane, type ControlPlane } from './helpers/context.js';

function thrown(f: () => unknown): AwsError {
  try {
    f();
  } catch (error) {
    if (error instanceof AwsError) return error;
    throw error;
  }
  throw new Error('expected an AwsError');
}

let cp: ControlPlane;
beforeEach(async () => {
  cp = await controlPlane();
});
afterEach(() => cp.close());

describe('subnet groups', () => {
  it('the default group has one subnet in each zone of the region, in the account VPC', () => {
    const group = subnetGroups(cp.partition).default;
    expect(group).toMatchObject({ name: 'default', vpcId: 'vpc-00000000', subnetIds: ['subnet-00000000', 'subnet-00000001', 'subnet-00000002'] });
    expect(subnetGroupZones(cp.partition, group)).toEqual(['us-east-1a', 'us-east-1b', 'us-east-1c']);
  });

  it('spreads new subnets over the least used zones, and a subnet keeps its zone afterwards', () => {
    const first = placeSubnets(cp.partition, ['subnet-0000000a', 'subnet-0000000b', 'subnet-0000000c', 'subnet-0000000d']);
    expect([...first.values()]).toEqual(['us-east-1a', 'us-east-1b', 'us-east-1c', 'us-east-1a']);
    rememberZones(cp.partition, first);
    // In another group, in another order, the subnets keep their zones; a new one takes the free zone.
    const second = placeSubnets(cp.partition, ['subnet-0000000c', 'subnet-0000000e', 'subnet-0000000a']);
    expect(Object.fromEntries(second)).toEqual({ 'subnet-0000000c': 'us-east-1c', 'subnet-0000000e': 'us-east-1b', 'subnet-0000000a': 'us-east-1a' });
    // A subnet of the default group is in its zone.
    expect(placeSubnets(cp.partition, ['subnet-00000002', 'subnet-0000000f']).get('subnet-00000002')).toBe('us-east-1c');
  });

  it('nothing is remembered for a request that fails', () => {
    expect(thrown(() => placeSubnets(cp.partition, ['subnet-0000abcd']))).toMatchObject({
      code: 'DBSubnetGroupDoesNotCoverEnoughAZs',
      httpStatus: 400,
      message: "The DB subnet group doesn't meet Availability Zone (AZ) coverage requirement. Current AZ coverage: us-east-1a. Add subnets to cover at least 2 AZs.",
    });
    expect(cp.partition.subnets['subnet-0000abcd']).toBeUndefined();
  });

  it('refuses no subnets, malformed ids and more than 20 subnets', () => {
    expect(thrown(() => placeSubnets(cp.partition, []))).toMatchObject({ code: 'InvalidSubnet', httpStatus: 400, message: 'Subnet IDs are required.' });
    expect(thrown(() => placeSubnets(cp.partition, ['subnet-0000000a', 'sn-1']))).toMatchObject({ code: 'InvalidSubnet', message: 'Some input subnets in :[sn-1] are invalid.' });
    const many = Array.from({ length: 21 }, (_, i) => `subnet-${String(i).padStart(8, '0')}`);
    expect(thrown(() => placeSubnets(cp.partition, many))).toMatchObject({ code: 'DBSubnetQuotaExceededFault', httpStatus: 400 });
    expect(placeSubnets(cp.partition, many.slice(0, 20)).size).toBe(20);
    // Duplicates count once.
    expect(placeSubnets(cp.partition, ['subnet-0000000a', 'subnet-0000000a', 'subnet-0000000b']).size).toBe(2);
  });

  it('a cluster in a group gets the zones of its subnets', async () => {
    await cp.call('CreateDBSubnetGroup', { DBSubnetGroupName: 'two', DBSubnetGroupDescription: 'd', SubnetIds: ['subnet-0000000a', 'subnet-0000000b'] });
    const cluster = (await cp.call('CreateDBCluster', { DBClusterIdentifier: 'c', Engine: 'aurora-postgresql', MasterUsername: 'postgres', MasterUserPassword: 'secret-pass', DBSubnetGroupName: 'Two' })).DBCluster;
    expect(cluster.DBSubnetGroup).toBe('two');
    expect(cluster.AvailabilityZones).toEqual(['us-east-1a', 'us-east-1b']);
  });
});
