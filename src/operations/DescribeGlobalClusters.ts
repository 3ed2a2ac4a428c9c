import { applyFilters, type Filter } from '../control-plane/filters.js';
import { globalMembers, globalPartition, presentGlobalCluster, requireGlobalCluster } from '../control-plane/globalClusters.js';
import { paginate } from '../control-plane/pagination.js';
import type { GlobalClusterRecord } from '../control-plane/records.js';
import type { OperationHandler } from '../control-plane/context.js';

// Every region of the account sees the same global clusters.
export const DescribeGlobalClusters: OperationHandler = (input, { store, account }) => {
  let globals: GlobalClusterRecord[];
  if (input.GlobalClusterIdentifier !== undefined) {
    globals = [requireGlobalCluster(store, account, input.GlobalClusterIdentifier)];
  } else {
    globals = Object.values(globalPartition(store, account).globalClusters).sort((a, b) => (a.id < b.id ? -1 : 1));
  }
  // "Currently, the only supported filter is region": global clusters with a member there.
  globals = applyFilters(globals, input.Filters as Filter[] | undefined, {
    region: (g) => globalMembers(store, account, g.id).map((m) => m.partition.region),
  });
  const page = paginate(globals, (g) => g.id, input);
  return { Marker: page.marker, GlobalClusters: page.items.map((g) => presentGlobalCluster(store, account, g)) };
};
