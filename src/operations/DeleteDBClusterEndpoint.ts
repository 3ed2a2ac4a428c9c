import { fault } from '../protocol/errors.js';
import { presentCustomEndpoint, requireCustomEndpoint } from '../control-plane/customEndpoints.js';
import { clusterSpec } from '../control-plane/transitions.js';
import type { OperationHandler } from '../control-plane/context.js';

export const DeleteDBClusterEndpoint: OperationHandler = async (input, ctx) => {
  const { partition } = ctx;
  const endpoint = requireCustomEndpoint(partition, input.DBClusterEndpointIdentifier);
  if (endpoint.status === 'deleting') {
    throw fault('InvalidDBClusterEndpointStateFault', `DB Cluster Endpoint ${endpoint.id} is already being deleted.`);
  }
  await ctx.dataPlane.detachCustomEndpoint(clusterSpec(partition, partition.clusters[endpoint.clusterId]), endpoint.resourceId);
  endpoint.status = 'deleting';
  ctx.lifecycle.schedule(partition, 'cluster-endpoint-deleted', endpoint.id, ctx.config.delays.modifyClusterMs);
  return presentCustomEndpoint(partition, endpoint);
};
