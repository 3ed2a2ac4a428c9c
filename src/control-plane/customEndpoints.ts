// Custom endpoints: a cluster's own groups of instances, each behind an endpoint on the
// cluster's port. The data plane routes them; here are their records, checks and shapes.
import { fault, invalidParameterCombination } from '../protocol/errors.js';
import type { CustomEndpointSpec } from '../data-plane/index.js';
import type { OperationContext } from './context.js';
import { findInstance } from './lookup.js';
import type { ClusterRecord, CustomEndpointRecord, Partition } from './records.js';
import type { TransitionHandler } from './lifecycle.js';

export const customEndpointSpec = (endpoint: CustomEndpointRecord): CustomEndpointSpec => ({
  key: endpoint.resourceId,
  type: endpoint.customType,
  staticMembers: endpoint.staticMembers,
  excludedMembers: endpoint.excludedMembers,
});

/** Instance identifiers → resource ids; each must be a member of the cluster. */
export function membersOf(ctx: OperationContext, cluster: ClusterRecord, identifiers: string[] | undefined): string[] {
  return (identifiers ?? []).map((identifier) => {
    const instance = findInstance(ctx.partition, identifier);
    if (!instance) throw fault('DBInstanceNotFoundFault', `DBInstance ${identifier} not found.`);
    if (instance.clusterId !== cluster.id) {
      throw invalidParameterCombination(`DB instance ${identifier} is not a member of DB cluster ${cluster.id}.`);
    }
    return instance.resourceId;
  });
}

export function checkMemberLists(staticMembers: string[] | undefined, excludedMembers: string[] | undefined): void {
  if (staticMembers?.length && excludedMembers?.length) {
    // AWS documents ExcludedMembers as relevant only without static members; refusing both is clearer.
    throw invalidParameterCombination('Specify either StaticMembers or ExcludedMembers, not both.');
  }
}

export function requireCustomEndpoint(partition: Partition, identifier: string): CustomEndpointRecord {
  const endpoint = partition.clusterEndpoints[identifier.toLowerCase()];
  if (!endpoint) throw fault('DBClusterEndpointNotFoundFault', `DBClusterEndpoint ${identifier} not found.`);
  return endpoint;
}

function identifiersOf(partition: Partition, resourceIds: string[]): string[] {
  const byResource = new Map(Object.values(partition.instances).map((i) => [i.resourceId, i.id]));
  return resourceIds.map((r) => byResource.get(r)).filter((id): id is string => Boolean(id));
}

export function presentCustomEndpoint(partition: Partition, endpoint: CustomEndpointRecord) {
  return {
    DBClusterEndpointIdentifier: endpoint.id,
    DBClusterIdentifier: endpoint.clusterId,
    DBClusterEndpointResourceIdentifier: endpoint.resourceId,
    Endpoint: endpoint.host,
    Status: endpoint.status,
    EndpointType: 'CUSTOM',
    CustomEndpointType: endpoint.customType,
    StaticMembers: identifiersOf(partition, endpoint.staticMembers),
    ExcludedMembers: identifiersOf(partition, endpoint.excludedMembers),
    DBClusterEndpointArn: endpoint.arn,
  };
}

export const customEndpointTransitions: Record<string, TransitionHandler> = {
  'cluster-endpoint-available': (partition, t) => {
    const endpoint = partition.clusterEndpoints[t.resourceId];
    if (endpoint && ['creating', 'modifying'].includes(endpoint.status)) endpoint.status = 'available';
  },
  'cluster-endpoint-deleted': (partition, t) => {
    const endpoint = partition.clusterEndpoints[t.resourceId];
    if (endpoint?.status === 'deleting') delete partition.clusterEndpoints[t.resourceId];
  },
};
