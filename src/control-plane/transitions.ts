// What happens when a scheduled lifecycle step comes due. Steps that need the data plane
// (starting, rebooting, deleting servers) await it; a data-plane failure marks the instance
// `failed` with an event saying why, and never crashes the emulator.
import type { DataPlane, ClusterSpec, InstanceSpec } from '../data-plane/index.js';
import { recordEvent } from './events.js';
import { snapshotTransitions } from './snapshots.js';
import { customEndpointTransitions } from './customEndpoints.js';
import { clusterFeatureTransitions } from './clusterFeatureTransitions.js';
import type { TransitionHandler } from './lifecycle.js';
import { clusterMembers } from './presenters.js';
import { choosePromotionTarget } from './promotion.js';
import type { ClusterRecord, InstanceRecord, Partition } from './records.js';

export const clusterSpec = (partition: Partition, cluster: ClusterRecord): ClusterSpec => ({
  account: partition.account,
  region: partition.region,
  clusterId: cluster.id,
  resourceId: cluster.resourceId,
  engine: cluster.engine,
  port: cluster.port,
  masterUsername: cluster.masterUsername,
  masterUserPassword: cluster.masterUserPassword,
  databaseName: cluster.databaseName,
  restoreFromSnapshot: cluster.restoreFromSnapshot,
  globalSecondary: cluster.globalRole === 'secondary',
});

/**
 * Asks the data plane to open the cluster's endpoints and records where they really are: it may
 * replace the host names (loopback addresses that answer) and the port (when the one on record
 * is taken). `hosts` are the names to ask for, by default those on record.
 */
export async function openClusterEndpoints(
  dataPlane: DataPlane,
  partition: Partition,
  cluster: ClusterRecord,
  hosts = { writerHost: cluster.endpoint, readerHost: cluster.readerEndpoint },
): Promise<void> {
  const endpoints = await dataPlane.attachCluster(clusterSpec(partition, cluster), { ...hosts, port: cluster.port });
  cluster.endpoint = endpoints.writerHost;
  cluster.readerEndpoint = endpoints.readerHost;
  cluster.port = endpoints.port;
}

export const instanceSpec = (partition: Partition, instance: InstanceRecord): InstanceSpec => ({
  cluster: clusterSpec(partition, partition.clusters[instance.clusterId]),
  instanceId: instance.id,
  resourceId: instance.resourceId,
  isWriter: instance.isWriter,
  host: instance.endpointAddress,
  port: instance.port,
});

export function clusterEvent(partition: Partition, cluster: ClusterRecord, message: string, categories: string[], eventId?: string) {
  recordEvent(partition, { sourceIdentifier: cluster.id, sourceType: 'db-cluster', sourceArn: cluster.arn, message, categories, eventId });
}

export function instanceEvent(partition: Partition, instance: InstanceRecord, message: string, categories: string[], eventId?: string) {
  recordEvent(partition, { sourceIdentifier: instance.id, sourceType: 'db-instance', sourceArn: instance.arn, message, categories, eventId });
}

function markFailed(partition: Partition, instance: InstanceRecord, error: unknown) {
  instance.status = 'failed';
  instance.failureReason = error instanceof Error ? error.message : String(error);
  instanceEvent(partition, instance, `DB instance failed: ${instance.failureReason}`, ['failure'], 'RDS-EVENT-0031');
}


/** Schedules another lifecycle step (the Lifecycle's schedule, bound late). */
export type Schedule = (partition: Partition, kind: string, resourceId: string, delayMs: number) => void;

export function transitionHandlers(dataPlane: DataPlane, schedule: Schedule): Record<string, TransitionHandler> {
  const handlers: Record<string, TransitionHandler> = {
    ...snapshotTransitions(dataPlane, schedule),
    ...customEndpointTransitions,
    ...clusterFeatureTransitions(dataPlane),
    'cluster-available': (partition, t) => {
      const cluster = partition.clusters[t.resourceId];
      if (!cluster || cluster.status !== 'creating') return;
      cluster.status = 'available';
      clusterEvent(partition, cluster, 'DB cluster created', ['creation'], 'RDS-EVENT-0170');
      schedule(partition, 'cluster-automated-backup', cluster.id, 0);
    },

    'cluster-modified': (partition, t) => {
      const cluster = partition.clusters[t.resourceId];
      if (!cluster || !['modifying', 'resetting-master-credentials', 'renaming'].includes(cluster.status)) return;
      cluster.status = 'available';
      delete cluster.pending.MasterUserPassword;
    },

    'instance-available': async (partition, t) => {
      const instance = partition.instances[t.resourceId];
      if (!instance || instance.status !== 'creating') return;
      try {
        await dataPlane.startInstance(instanceSpec(partition, instance));
      } catch (error) {
        return markFailed(partition, instance, error);
      }
      // The record may have moved on while the data plane worked (deleted, say).
      if (partition.instances[t.resourceId] !== instance || instance.status !== 'creating') return;
      instance.status = 'available';
      instance.endpointReady = true;
      instance.createdAt ??= new Date().toISOString();
      instanceEvent(partition, instance, 'DB instance created', ['creation'], 'RDS-EVENT-0005');
    },

    'instance-modified': (partition, t) => {
      const instance = partition.instances[t.resourceId];
      if (!instance || !['modifying', 'renaming'].includes(instance.status)) return;
      instance.status = 'available';
    },

    'instance-rebooted': async (partition, t) => {
      const instance = partition.instances[t.resourceId];
      if (!instance || instance.status !== 'rebooting') return;
      try {
        await dataPlane.rebootInstance(instanceSpec(partition, instance));
      } catch (error) {
        return markFailed(partition, instance, error);
      }
      instance.status = 'available';
      instanceEvent(partition, instance, 'DB instance restarted', ['availability'], 'RDS-EVENT-0006');
    },

    'instance-deleted': async (partition, t) => {
      const instance = partition.instances[t.resourceId];
      if (!instance || instance.status !== 'deleting') return;
      try {
        await dataPlane.deleteInstance(instanceSpec(partition, instance));
      } catch (error) {
        // The record goes regardless: AWS never leaves a deleted instance behind.
        instanceEvent(partition, instance, `Removing the DB instance's data failed: ${error}`, ['deletion']);
      }
      delete partition.instances[instance.id];
      instanceEvent(partition, instance, 'DB instance deleted', ['deletion'], 'RDS-EVENT-0003');
      if (instance.isWriter) {
        // The cluster keeps a writer while it has members: the best replica is promoted.
        const next = choosePromotionTarget(clusterMembers(partition, instance.clusterId).filter((m) => m.status !== 'deleting'));
        const cluster = partition.clusters[instance.clusterId];
        if (next && cluster) {
          next.isWriter = true;
          try {
            await dataPlane.failover(clusterSpec(partition, cluster), instanceSpec(partition, next));
            clusterEvent(partition, cluster, `Completed failover to DB instance: ${next.id}.`, ['failover'], 'RDS-EVENT-0071');
          } catch (error) {
            markFailed(partition, next, error);
          }
        }
      }
    },

    'cluster-failover': async (partition, t) => {
      const cluster = partition.clusters[t.resourceId];
      if (!cluster || cluster.status !== 'failing-over') return;
      const members = clusterMembers(partition, cluster.id);
      const target = members.find((m) => m.id === cluster.failoverTarget);
      const oldWriter = members.find((m) => m.isWriter);
      delete cluster.failoverTarget;
      if (!target || target.status !== 'available') {
        cluster.status = 'available';
        clusterEvent(partition, cluster, 'Cluster failover failed, check the health of your cluster instances and try again.', ['failover'], 'RDS-EVENT-0069');
        return;
      }
      try {
        await dataPlane.failover(clusterSpec(partition, cluster), instanceSpec(partition, target), oldWriter && instanceSpec(partition, oldWriter));
      } catch (error) {
        cluster.status = 'available';
        clusterEvent(partition, cluster, `Cluster failover failed: ${(error as Error).message ?? error}`, ['failover'], 'RDS-EVENT-0069');
        if (oldWriter?.status === 'rebooting') await handlers['instance-rebooted'](partition, { ...t, resourceId: oldWriter.id });
        return;
      }
      if (oldWriter) {
        oldWriter.isWriter = false;
        // A writer that crashed is back, as a replica of the new writer.
        if (oldWriter.status === 'rebooting') oldWriter.status = 'available';
      }
      target.isWriter = true;
      cluster.status = 'available';
      clusterEvent(partition, cluster, `Completed failover to DB instance: ${target.id}.`, ['failover'], 'RDS-EVENT-0071');
    },

    'cluster-stopped': async (partition, t) => {
      const cluster = partition.clusters[t.resourceId];
      if (!cluster || cluster.status !== 'stopping') return;
      const members = clusterMembers(partition, cluster.id);
      await dataPlane.stopCluster(clusterSpec(partition, cluster), members.map((m) => instanceSpec(partition, m)));
      cluster.status = 'stopped';
      cluster.stoppedAt = new Date().toISOString();
      for (const member of members) {
        member.status = 'stopped';
        instanceEvent(partition, member, 'DB instance stopped', ['notification'], 'RDS-EVENT-0087');
      }
      clusterEvent(partition, cluster, 'DB cluster stopped', ['notification'], 'RDS-EVENT-0150');
    },

    'cluster-started': async (partition, t) => {
      const cluster = partition.clusters[t.resourceId];
      if (!cluster || cluster.status !== 'starting') return;
      const members = clusterMembers(partition, cluster.id);
      try {
        await dataPlane.startCluster(clusterSpec(partition, cluster), members.map((m) => instanceSpec(partition, m)));
      } catch (error) {
        for (const member of members) markFailed(partition, member, error);
        cluster.status = 'available';
        return;
      }
      cluster.status = 'available';
      delete cluster.stoppedAt;
      for (const member of members) {
        member.status = 'available';
        instanceEvent(partition, member, 'DB instance started', ['notification'], 'RDS-EVENT-0088');
      }
      clusterEvent(partition, cluster, 'DB cluster started', ['notification'], 'RDS-EVENT-0151');
    },

    // AWS starts a cluster that has been stopped for seven days.
    'cluster-auto-start': (partition, t) => {
      const cluster = partition.clusters[t.resourceId];
      if (!cluster || cluster.status !== 'stopped') return;
      clusterEvent(partition, cluster, 'DB cluster is being started due to it exceeding the maximum allowed time being stopped.', ['notification'], 'RDS-EVENT-0153');
      cluster.status = 'starting';
      for (const member of clusterMembers(partition, cluster.id)) member.status = 'starting';
      return handlers['cluster-started'](partition, t);
    },

    'cluster-deleted': async (partition, t) => {
      const cluster = partition.clusters[t.resourceId];
      if (!cluster || cluster.status !== 'deleting') return;
      // As on AWS, the cluster stays `deleting` until the last of its instances is gone.
      if (clusterMembers(partition, cluster.id).length) return schedule(partition, 'cluster-deleted', cluster.id, 200);
      try {
        await dataPlane.deleteCluster(clusterSpec(partition, cluster));
      } catch (error) {
        clusterEvent(partition, cluster, `Removing the DB cluster's data failed: ${error}`, ['deletion']);
      }
      // A point-in-time copy that seeded this cluster is no one else's.
      if (cluster.restoreFromSnapshot?.startsWith('pitr-')) await dataPlane.deleteSnapshot(cluster.restoreFromSnapshot).catch(() => {});
      delete partition.clusters[cluster.id];
      for (const endpoint of Object.values(partition.clusterEndpoints)) if (endpoint.clusterId === cluster.id) delete partition.clusterEndpoints[endpoint.id];
      clusterEvent(partition, cluster, 'DB cluster deleted', ['deletion'], 'RDS-EVENT-0171');
    },
  };
  return handlers;
}
