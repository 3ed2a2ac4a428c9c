// Timed steps of Backtrack, global database switchover/failover and RebootDBCluster. Each step
// touches only the partition it runs in: a global switchover schedules one step in each region
// involved and one in the account's region-less partition (see globalClusters.ts).
import type { ClusterSpec, DataPlane } from '../data-plane/index.js';
import { recordGlobalEvent } from './globalClusters.js';
import type { TransitionHandler } from './lifecycle.js';
import { clusterMembers } from './presenters.js';
import { choosePromotionTarget } from './promotion.js';
import type { ClusterRecord, Partition } from './records.js';
import { clusterEvent, clusterSpec } from './transitions.js';

/**
 * The cluster's data goes back to `to` where the data plane can rewind it (aurora-mysql on real
 * servers: binary-log flashback, which drops client connections itself); the change records it
 * reverted are added to the cluster's BacktrackConsumedChangeRecords. Elsewhere (`none`) only
 * the records change.
 */
async function rewindClusterData(dataPlane: DataPlane, cluster: ClusterSpec, to: Date, record: ClusterRecord): Promise<void> {
  const result = await dataPlane.backtrack?.(cluster, to);
  if (result) record.backtrackConsumedChangeRecords = (record.backtrackConsumedChangeRecords ?? 0) + result.changeRecords;
}

const inProgress = (cluster: ClusterRecord) => cluster.backtracks?.find((b) => b.status === 'pending' || b.status === 'applying');

function backtrackTransitions(dataPlane: DataPlane): Record<string, TransitionHandler> {
  return {
    'backtrack-applying': (partition, t) => {
      const backtrack = partition.clusters[t.resourceId] && inProgress(partition.clusters[t.resourceId]);
      if (backtrack?.status === 'pending') backtrack.status = 'applying';
    },

    'backtrack-completed': async (partition, t) => {
      const cluster = partition.clusters[t.resourceId];
      const backtrack = cluster && inProgress(cluster);
      if (!cluster || !backtrack) return;
      try {
        await rewindClusterData(dataPlane, clusterSpec(partition, cluster), new Date(backtrack.backtrackTo), cluster);
        backtrack.status = 'completed';
      } catch (error) {
        backtrack.status = 'failed';
        clusterEvent(partition, cluster, `Backtrack to ${backtrack.backtrackTo} failed: ${(error as Error).message ?? error}`, ['failure']);
      }
      if (cluster.status === 'backtracking') cluster.status = 'available';
    },
  };
}

/** The old primary of a global database becomes a secondary: no writer any more. */
function demote(partition: Partition, clusterId: string): ClusterRecord | undefined {
  const cluster = partition.clusters[clusterId];
  if (!cluster?.globalClusterIdentifier) return undefined;
  cluster.globalRole = 'secondary';
  for (const member of clusterMembers(partition, cluster.id)) member.isWriter = false;
  return cluster;
}

/**
 * The target secondary becomes the primary: its best instance (tier, then size) becomes the
 * writer. The data plane has no cross-region replication: the roles change in the records.
 */
function promote(partition: Partition, clusterId: string): ClusterRecord | undefined {
  const cluster = partition.clusters[clusterId];
  if (!cluster?.globalClusterIdentifier) return undefined;
  cluster.globalRole = 'primary';
  const members = clusterMembers(partition, cluster.id).filter((m) => m.status !== 'deleting');
  const writer = choosePromotionTarget(members.filter((m) => m.status === 'available')) ?? choosePromotionTarget(members);
  if (writer) writer.isWriter = true;
  return cluster;
}

// Event texts from the Aurora User Guide (RDS event categories and event messages for Aurora).
function globalTransitions(): Record<string, TransitionHandler> {
  return {
    'global-cluster-failover-progress': (partition, t) => {
      const failover = partition.globalClusters[t.resourceId]?.failover;
      if (failover?.status === 'pending') failover.status = failover.dataLossAllowed ? 'failing-over' : 'switching-over';
    },

    'global-switchover-demote': (partition, t) => {
      const cluster = demote(partition, t.resourceId);
      if (cluster) recordGlobalEvent(partition, cluster, `Old primary DB cluster ${cluster.id} in Region ${partition.region} successfully shut down.`, 'RDS-EVENT-0182');
    },

    'global-switchover-promote': (partition, t) => {
      const cluster = promote(partition, t.resourceId);
      if (!cluster) return;
      recordGlobalEvent(partition, cluster, `New primary DB cluster ${cluster.id} in Region ${partition.region} was successfully promoted.`, 'RDS-EVENT-0184');
      recordGlobalEvent(partition, cluster, `Global switchover to DB cluster ${cluster.id} in Region ${partition.region} finished.`, 'RDS-EVENT-0185');
    },

    // After a failover with data loss, the old primary rejoins as a secondary and is resynchronized.
    'global-failover-demote': (partition, t) => {
      const cluster = demote(partition, t.resourceId);
      if (!cluster) return;
      recordGlobalEvent(partition, cluster, `Started resynchronizing members of DB cluster ${cluster.id} in Region ${partition.region} after global failover.`, 'RDS-EVENT-0240');
      recordGlobalEvent(partition, cluster, `Finished resynchronizing members of DB cluster ${cluster.id} in Region ${partition.region} after global failover.`, 'RDS-EVENT-0241');
    },

    'global-failover-promote': (partition, t) => {
      const cluster = promote(partition, t.resourceId);
      if (cluster) recordGlobalEvent(partition, cluster, `Global failover to DB cluster ${cluster.id} in Region ${partition.region} completed.`, 'RDS-EVENT-0238');
    },

    // ModifyGlobalCluster EngineVersion: the members carry the new version already.
    'global-cluster-upgraded': (partition, t) => {
      const global = partition.globalClusters[t.resourceId];
      if (global?.status === 'upgrading') global.status = 'available';
    },

    'global-cluster-failover-completed': (partition, t) => {
      const global = partition.globalClusters[t.resourceId];
      if (!global || !['failing-over', 'switching-over'].includes(global.status)) return;
      global.status = 'available';
      delete global.failover;
    },
  };
}

export function clusterFeatureTransitions(dataPlane: DataPlane): Record<string, TransitionHandler> {
  return {
    ...backtrackTransitions(dataPlane),
    ...globalTransitions(),
    // RebootDBCluster: the cluster is available again once its instances have restarted
    // (their own `instance-rebooted` steps, due at the same moment, run first).
    'cluster-rebooted': (partition, t) => {
      const cluster = partition.clusters[t.resourceId];
      if (cluster?.status === 'rebooting') cluster.status = 'available';
    },
  };
}
