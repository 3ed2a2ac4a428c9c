import { fault, invalidParameterValue } from '../protocol/errors.js';
import { checkMemberLists, customEndpointSpec, membersOf, presentCustomEndpoint, requireCustomEndpoint } from '../control-plane/customEndpoints.js';
import { clusterSpec } from '../control-plane/transitions.js';
import type { OperationHandler } from '../control-plane/context.js';

export const ModifyDBClusterEndpoint: OperationHandler = async (input, ctx) => {
  const { partition } = ctx;
  const endpoint = requireCustomEndpoint(partition, input.DBClusterEndpointIdentifier);
  if (endpoint.status !== 'available') {
    throw fault('InvalidDBClusterEndpointStateFault', `DB Cluster Endpoint ${endpoint.id} is in ${endpoint.status} state but expected it to be one of available.`);
  }
  const cluster = partition.clusters[endpoint.clusterId];
  if (input.EndpointType !== undefined) {
    const type = String(input.EndpointType).toUpperCase();
    if (!['READER', 'ANY'].includes(type)) throw invalidParameterValue(`Invalid value ${input.EndpointType} for EndpointType. Must be READER or ANY`);
    endpoint.customType = type as 'READER' | 'ANY';
  }
  checkMemberLists(input.StaticMembers, input.ExcludedMembers);
  // A new list replaces the other kind, as membership is either static or by exclusion.
  if (input.StaticMembers !== undefined) {
    endpoint.staticMembers = membersOf(ctx, cluster, input.StaticMembers);
    if (input.StaticMembers.length) endpoint.excludedMembers = [];
  }
  if (input.ExcludedMembers !== undefined) {
    endpoint.excludedMembers = membersOf(ctx, cluster, input.ExcludedMembers);
    if (input.ExcludedMembers.length) endpoint.staticMembers = [];
  }
  endpoint.host = await ctx.dataPlane.attachCustomEndpoint(clusterSpec(partition, cluster), customEndpointSpec(endpoint), endpoint.host);
  endpoint.status = 'modifying';
  ctx.lifecycle.schedule(partition, 'cluster-endpoint-available', endpoint.id, ctx.config.delays.modifyClusterMs);
  return presentCustomEndpoint(partition, endpoint);
};
