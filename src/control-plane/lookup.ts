// Finding records by identifier (case-insensitive, as AWS stores them lowercase) or by ARN,
// and AWS's not-found errors when they are absent.
import { fault, invalidParameterValue } from '../protocol/errors.js';
import { parseArn } from './naming.js';
import { requireParameterGroup } from './parameterGroups.js';
import { requireSubnetGroup } from './subnetGroups.js';
import type { ClusterRecord, InstanceRecord, Partition } from './records.js';
import type { Filter } from './filters.js';

function idFromIdOrArn(partition: Partition, value: string, resourceType: string): string | undefined {
  if (!value.startsWith('arn:')) return value.toLowerCase();
  const arn = parseArn(value);
  if (!arn || arn.resourceType !== resourceType || arn.region !== partition.region || arn.account !== partition.account) return undefined;
  return arn.resourceId.toLowerCase();
}

export function findCluster(partition: Partition, idOrArn: string): ClusterRecord | undefined {
  const id = idFromIdOrArn(partition, idOrArn, 'cluster');
  return id === undefined ? undefined : partition.clusters[id];
}

export function requireCluster(partition: Partition, idOrArn: string): ClusterRecord {
  const cluster = findCluster(partition, idOrArn);
  if (!cluster) throw fault('DBClusterNotFoundFault', `DBCluster ${idOrArn} not found.`);
  return cluster;
}

export function findInstance(partition: Partition, idOrArn: string): InstanceRecord | undefined {
  const id = idFromIdOrArn(partition, idOrArn, 'db');
  return id === undefined ? undefined : partition.instances[id];
}

export function requireInstance(partition: Partition, idOrArn: string): InstanceRecord {
  const instance = findInstance(partition, idOrArn);
  if (!instance) throw fault('DBInstanceNotFoundFault', `DBInstance ${idOrArn} not found.`);
  return instance;
}

/**
 * Filter values that name records (an identifier in any case, or an ARN) as the stored,
 * lowercase identifiers that the filter definitions compare with.
 */
export function storedIdsInFilter(filters: Filter[] | undefined, name: string, find: (value: string) => { id: string } | undefined): Filter[] | undefined {
  return filters?.map((f) => (f.Name === name ? { ...f, Values: f.Values.map((v) => find(v)?.id ?? v.toLowerCase()) } : f));
}

/** The taggable record an ARN names (AddTagsToResource, ListTagsForResource, …). */
export function requireTaggable(partition: Partition, resourceName: string): { tags: { Key: string; Value?: string }[] } {
  const arn = parseArn(resourceName);
  // Two spaces after the colon, as in AWS's own message.
  if (!arn) throw invalidParameterValue(`Invalid resource name:  ${resourceName}`);
  const foreign = arn.region !== partition.region || arn.account !== partition.account;
  switch (arn.resourceType) {
    case 'cluster': {
      const cluster = foreign ? undefined : partition.clusters[arn.resourceId.toLowerCase()];
      if (!cluster) throw fault('DBClusterNotFoundFault', `DBCluster ${arn.resourceId} not found.`);
      return cluster;
    }
    case 'db': {
      const instance = foreign ? undefined : partition.instances[arn.resourceId.toLowerCase()];
      if (!instance) throw fault('DBInstanceNotFoundFault', `DBInstance ${arn.resourceId} not found.`);
      return instance;
    }
    case 'cluster-snapshot': {
      const snapshot = foreign ? undefined : partition.clusterSnapshots[arn.resourceId.toLowerCase()];
      if (!snapshot) throw fault('DBClusterSnapshotNotFoundFault', `DBClusterSnapshot not found: ${arn.resourceId}`);
      return snapshot;
    }
    case 'pg':
    case 'cluster-pg':
      return requireParameterGroup(partition, arn.resourceType === 'pg' ? 'instance' : 'cluster', resourceName); // takes this region's ARNs only
    case 'subgrp':
      return requireSubnetGroup(partition, foreign ? resourceName : arn.resourceId);
    default:
      throw invalidParameterValue(`Invalid resource name:  ${resourceName}`);
  }
}
