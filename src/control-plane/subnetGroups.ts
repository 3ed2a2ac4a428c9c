// DB subnet groups. Each account and region has a VPC and the `default` group (one subnet per
// Availability Zone, the ids presenters.defaultSubnetGroup shows). Other subnet ids are taken
// as existing subnets of that VPC: a subnet gets its zone the first time it is named, the zone
// least used among the subnets named with it, and keeps it after.
import { fault, invalidParameterValue } from '../protocol/errors.js';
import { availabilityZonesOf } from './naming.js';
import type { Partition, SubnetGroupRecord } from './records.js';

/** AWS's limit of subnets in one DB subnet group (SubnetsPerDBSubnetGroup). */
export const subnetsPerGroup = 20;

export const vpcIdOf = (partition: Partition) => `vpc-${partition.account.slice(-8).padStart(8, '0')}`;
export const subnetGroupArn = (partition: Partition, name: string) => `arn:aws:rds:${partition.region}:${partition.account}:subgrp:${name}`;

function defaultSubnetIds(partition: Partition): string[] {
  return availabilityZonesOf(partition.region).map((_, index) => `subnet-${partition.account.slice(-7).padStart(7, '0')}${index}`);
}

/** The groups, `default` included (added on first use, so old state files get it too). */
export function subnetGroups(partition: Partition): Record<string, SubnetGroupRecord> {
  const groups = (partition.subnetGroups ??= {});
  partition.subnets ??= {};
  if (!groups.default) {
    const ids = defaultSubnetIds(partition);
    availabilityZonesOf(partition.region).forEach((zone, index) => (partition.subnets[ids[index]] ??= zone));
    groups.default = { name: 'default', arn: subnetGroupArn(partition, 'default'), description: 'default', vpcId: vpcIdOf(partition), subnetIds: ids, tags: [] };
  }
  return groups;
}

export function findSubnetGroup(partition: Partition, name: string): SubnetGroupRecord | undefined {
  return subnetGroups(partition)[name.toLowerCase()];
}

export function requireSubnetGroup(partition: Partition, name: string): SubnetGroupRecord {
  const group = findSubnetGroup(partition, name);
  // Wording inferred, in the form of the parameter groups' `DBParameterGroup not found: <name>`.
  if (!group) throw fault('DBSubnetGroupNotFoundFault', `DBSubnetGroup not found: ${name}`);
  return group;
}

/** Names: up to 255 letters, digits, periods, underscores, spaces or hyphens (API reference). Stored lowercase. */
export function checkSubnetGroupName(value: string): string {
  if (value === '') throw invalidParameterValue('The parameter DBSubnetGroupName must be provided and must not be blank.');
  if (value.length > 255 || !/^[A-Za-z0-9._ -]+$/.test(value)) {
    // Wording inferred from the documented constraint.
    throw invalidParameterValue('The parameter DBSubnetGroupName is not a valid name. It must contain no more than 255 letters, numbers, periods, underscores, spaces, or hyphens.');
  }
  return value.toLowerCase();
}

/**
 * Checks the subnets of a new or modified group and gives each its zone (not stored: call
 * `rememberZones` once the request succeeds). AWS's checks: some subnets, at most 20, known ids,
 * at least two Availability Zones.
 */
export function placeSubnets(partition: Partition, subnetIds: string[]): Map<string, string> {
  subnetGroups(partition);
  const ids = [...new Set(subnetIds)];
  // AWS's wording (Terraform transcript, 400 InvalidSubnet).
  if (!ids.length) throw fault('InvalidSubnet', 'Subnet IDs are required.');
  // The fault's own description in the RDS model.
  if (ids.length > subnetsPerGroup) throw fault('DBSubnetQuotaExceededFault', 'The request would result in the user exceeding the allowed number of subnets in a DB subnet groups.');
  const malformed = ids.filter((id) => !/^subnet-([0-9a-f]{8}|[0-9a-f]{17})$/.test(id));
  // Wording recalled from AWS responses, not verified in the references.
  if (malformed.length) throw fault('InvalidSubnet', `Some input subnets in :[${malformed.join(', ')}] are invalid.`);
  const zones = availabilityZonesOf(partition.region);
  const placed = new Map<string, string>();
  for (const id of ids) if (partition.subnets[id]) placed.set(id, partition.subnets[id]);
  for (const id of ids) {
    if (placed.has(id)) continue;
    const used = (zone: string) => [...placed.values()].filter((z) => z === zone).length;
    placed.set(id, zones.reduce((best, zone) => (used(zone) < used(best) ? zone : best)));
  }
  const covered = [...new Set(placed.values())].sort();
  if (covered.length < 2) {
    // AWS's wording (Terraform transcripts, 400).
    throw fault(
      'DBSubnetGroupDoesNotCoverEnoughAZs',
      `The DB subnet group doesn't meet Availability Zone (AZ) coverage requirement. Current AZ coverage: ${covered.join(', ')}. Add subnets to cover at least 2 AZs.`,
    );
  }
  return new Map(ids.map((id) => [id, placed.get(id)!]));
}

export function rememberZones(partition: Partition, placed: Map<string, string>): void {
  for (const [id, zone] of placed) partition.subnets[id] ??= zone;
}

/** The zones a group covers, sorted. */
export function subnetGroupZones(partition: Partition, group: SubnetGroupRecord): string[] {
  subnetGroups(partition);
  return [...new Set(group.subnetIds.map((id) => partition.subnets[id]).filter(Boolean))].sort();
}

/** The DBSubnetGroup shape; inside DBInstance, AWS leaves the ARN out. */
export function presentSubnetGroup(partition: Partition, group: SubnetGroupRecord, { arn = true } = {}) {
  subnetGroups(partition);
  return {
    DBSubnetGroupName: group.name,
    DBSubnetGroupDescription: group.description,
    VpcId: group.vpcId,
    SubnetGroupStatus: 'Complete',
    Subnets: group.subnetIds.map((id) => ({
      SubnetIdentifier: id,
      SubnetAvailabilityZone: { Name: partition.subnets[id] },
      SubnetOutpost: {},
      SubnetStatus: 'Active',
    })),
    DBSubnetGroupArn: arn ? group.arn : undefined,
    SupportedNetworkTypes: ['IPV4'],
  };
}

/** What DescribeDBInstances shows for an instance of a cluster in this group. */
export function instanceSubnetGroup(partition: Partition, name: string | undefined) {
  const group = findSubnetGroup(partition, name ?? 'default') ?? subnetGroups(partition).default;
  return presentSubnetGroup(partition, group, { arn: false });
}
