import { fault, invalidParameterValue } from '../protocol/errors.js';
import { checkIdentifier } from '../control-plane/checks.js';
import { checkMemberLists, customEndpointSpec, membersOf, presentCustomEndpoint } from '../control-plane/customEndpoints.js';
import { requireCluster } from '../control-plane/lookup.js';
import { clusterEndpointArn, customEndpointHost, newClusterEndpointResourceId } from '../control-plane/naming.js';
import { mergeTags } from '../control-plane/tags.js';
import { clusterSpec } from '../control-plane/transitions.js';
import type { CustomEndpointRecord } from '../control-plane/records.js';
import type { OperationHandler } from '../control-plane/context.js';

export const CreateDBClusterEndpoint: OperationHandler = async (input, ctx) => {
  const { partition, config } = ctx;
  const cluster = requireCluster(partition, input.DBClusterIdentifier);
  const id = checkIdentifier('DBClusterEndpointIdentifier', input.DBClusterEndpointIdentifier);
  const type = String(input.EndpointType).toUpperCase();
  // The writer endpoint is built in; custom endpoints are READER or ANY.
  if (!['READER', 'ANY'].includes(type)) throw invalidParameterValue(`Invalid value ${input.EndpointType} for EndpointType. Must be READER or ANY`);
  checkMemberLists(input.StaticMembers, input.ExcludedMembers);
  if (cluster.status !== 'available') {
    throw fault('InvalidDBClusterStateFault', `DB Cluster ${cluster.id} is in ${cluster.status} state but expected it to be one of available.`);
  }
  if (partition.clusterEndpoints[id]) throw fault('DBClusterEndpointAlreadyExistsFault', `DB Cluster Endpoint ${id} already exists.`);
  const limit = config.quotas.customEndpointsPerCluster;
  if (Object.values(partition.clusterEndpoints).filter((e) => e.clusterId === cluster.id).length >= limit) {
    throw fault('DBClusterEndpointQuotaExceededFault', `Cannot create more than ${limit} custom endpoints for DB cluster ${cluster.id}.`);
  }
  const endpoint: CustomEndpointRecord = {
    id,
    arn: clusterEndpointArn(ctx.region, ctx.account, id),
    resourceId: newClusterEndpointResourceId(),
    clusterId: cluster.id,
    customType: type as 'READER' | 'ANY',
    staticMembers: membersOf(ctx, cluster, input.StaticMembers),
    excludedMembers: membersOf(ctx, cluster, input.ExcludedMembers),
    status: 'creating',
    host: customEndpointHost(id, ctx.account, ctx.region),
    tags: mergeTags([], input.Tags, config.quotas.tagsPerResource),
  };
  endpoint.host = await ctx.dataPlane.attachCustomEndpoint(clusterSpec(partition, cluster), customEndpointSpec(endpoint), endpoint.host);
  partition.clusterEndpoints[id] = endpoint;
  ctx.lifecycle.schedule(partition, 'cluster-endpoint-available', id, config.delays.modifyClusterMs);
  return presentCustomEndpoint(partition, endpoint);
};
