import { parameterGroups, isDefaultGroup } from '../control-plane/parameterGroups.js';
import { presentCluster } from '../control-plane/presenters.js';
import { subnetGroups, subnetsPerGroup } from '../control-plane/subnetGroups.js';
import type { OperationHandler } from '../control-plane/context.js';

// The account's quotas in this region, with what is used (AWS's AccountQuotaName values, in
// AWS's order). Only the quotas the emulator enforces are listed.
export const DescribeAccountAttributes: OperationHandler = (_input, { partition, config }) => {
  const { quotas } = config;
  const clusters = Object.values(partition.clusters);
  const userGroups = (kind: 'cluster' | 'instance') => Object.values(parameterGroups(partition, kind)).filter((g) => !isDefaultGroup(g)).length;
  const userSubnetGroups = Object.values(subnetGroups(partition)).filter((g) => g.name !== 'default');
  const quota = (AccountQuotaName: string, Used: number, Max: number) => ({ AccountQuotaName, Used, Max });
  return {
    AccountQuotas: [
      quota('DBInstances', Object.keys(partition.instances).length, quotas.instancesPerRegion),
      quota('DBParameterGroups', userGroups('instance'), quotas.parameterGroups),
      quota('DBSubnetGroups', userSubnetGroups.length, quotas.subnetGroups),
      quota('SubnetsPerDBSubnetGroup', Math.max(0, ...userSubnetGroups.map((g) => g.subnetIds.length)), subnetsPerGroup),
      quota('DBClusters', clusters.length, quotas.clustersPerRegion),
      quota('DBClusterParameterGroups', userGroups('cluster'), quotas.parameterGroups),
      quota('ManualClusterSnapshots', Object.values(partition.clusterSnapshots).filter((s) => s.snapshotType === 'manual').length, quotas.manualClusterSnapshots),
      // Used: the most custom endpoints any one cluster has.
      quota('CustomEndpointsPerDBCluster', Math.max(0, ...clusters.map((c) => presentCluster(partition, c).CustomEndpoints.length)), quotas.customEndpointsPerCluster),
    ],
  };
};
