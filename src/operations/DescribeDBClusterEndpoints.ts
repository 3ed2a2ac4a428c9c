import { applyFilters, type Filter } from '../control-plane/filters.js';
import { presentCustomEndpoint } from '../control-plane/customEndpoints.js';
import { findCluster, requireCluster } from '../control-plane/lookup.js';
import { paginate } from '../control-plane/pagination.js';
import type { ClusterRecord } from '../control-plane/records.js';
import type { OperationHandler } from '../control-plane/context.js';

type EndpointView = Record<string, any> & { Status: string; EndpointType: string };

// The built-in WRITER and READER endpoints of each cluster come first, then its custom ones.
export const DescribeDBClusterEndpoints: OperationHandler = (input, { partition }) => {
  let clusters: ClusterRecord[] = input.DBClusterIdentifier !== undefined
    ? [requireCluster(partition, input.DBClusterIdentifier)]
    : Object.values(partition.clusters).sort((a, b) => a.id.localeCompare(b.id));
  clusters = clusters.filter((c) => c.status !== 'deleting' || input.DBClusterIdentifier !== undefined);
  const views: { key: string; view: EndpointView }[] = [];
  for (const cluster of clusters) {
    // Built-in endpoints stay `creating` until the cluster is available.
    const status = cluster.status === 'creating' ? 'creating' : 'available';
    views.push({ key: `${cluster.id}/0`, view: { DBClusterIdentifier: cluster.id, Endpoint: cluster.endpoint, Status: status, EndpointType: 'WRITER' } });
    views.push({ key: `${cluster.id}/1`, view: { DBClusterIdentifier: cluster.id, Endpoint: cluster.readerEndpoint, Status: status, EndpointType: 'READER' } });
    const custom = Object.values(partition.clusterEndpoints).filter((e) => e.clusterId === cluster.id).sort((a, b) => a.id.localeCompare(b.id));
    for (const endpoint of custom) views.push({ key: `${cluster.id}/2/${endpoint.id}`, view: presentCustomEndpoint(partition, endpoint) });
  }
  let selected = views;
  if (input.DBClusterEndpointIdentifier !== undefined) {
    selected = selected.filter(({ view }) => view.DBClusterEndpointIdentifier === input.DBClusterEndpointIdentifier.toLowerCase());
  }
  const filters = (input.Filters as Filter[] | undefined)?.map((f) =>
    f.Name === 'db-cluster-endpoint-type' || f.Name === 'db-cluster-endpoint-custom-type' ? { ...f, Values: f.Values.map((v) => v.toUpperCase()) } : f,
  );
  selected = applyFilters(selected, filters, {
    'db-cluster-endpoint-type': ({ view }) => [view.EndpointType],
    'db-cluster-endpoint-custom-type': ({ view }) => [view.CustomEndpointType],
    'db-cluster-endpoint-id': ({ view }) => [view.DBClusterEndpointIdentifier],
    'db-cluster-endpoint-status': ({ view }) => [view.Status],
    'db-cluster-id': ({ view }) => [view.DBClusterIdentifier, findCluster(partition, view.DBClusterIdentifier)?.arn],
  });
  const page = paginate(selected, ({ key }) => key, input);
  return { Marker: page.marker, DBClusterEndpoints: page.items.map(({ view }) => view) };
};
