// What happens when a scheduled lifecycle step comes due. Steps that need the data plane
// (starting, rebooting, deleting servers) await it; a data-plane failure marks the instance
// `failed` with an event saying why, and never crashes the emulator.
import type { DataPlane, ClusterSpec, InstanceSpec } from '../data-plane/index.js';
import { recordEvent } from './events.js';
import type { TransitionHandler } from './lifecycle.js';
import { clusterMembers } from './presenters.js';
import { choosePromotionTarget } from './promotion.js';
import type { ClusterRecord, InstanceRecord, Partition } from './records.js';

export const clusterSpec = (partition: Partition, cluster: ClusterRecord): ClusterSpec => ({
  account: partition.account,
  region: partition.region,
  clusterId: cluster.id,
  engine: cluster.engine,
  port: cluster.port,
  masterUsername: cluster.masterUsername,
  masterUserPassword: cluster.masterUserPassword,
  databaseName: cluster.databaseName,
});

export const instanceSpec = (partition: Partition, instance: InstanceRecord): InstanceSpec => ({
  cluster: clusterSpec(partition, partition.clusters[instance.clusterId]),
  instanceId: instance.id,
  isWriter: instance.isWriter,
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

export function transitionHandlers(dataPlane: DataPlane): Record<string, TransitionHandler> {
  return {
    'cluster-available': (partition, t) => {
      const cluster = partition.clusters[t.resourceId];
      if (!cluster || cluster.status !== 'creating') return;
      cluster.status = 'available';
      clusterEvent(partition, cluster, 'DB cluster created', ['creation'], 'RDS-EVENT-0170');
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
        if (next) next.isWriter = true;
      }
    },

    'cluster-deleted': async (partition, t) => {
      const cluster = partition.clusters[t.resourceId];
      if (!cluster || cluster.status !== 'deleting') return;
      try {
        await dataPlane.deleteCluster(clusterSpec(partition, cluster));
      } catch (error) {
        clusterEvent(partition, cluster, `Removing the DB cluster's data failed: ${error}`, ['deletion']);
      }
      delete partition.clusters[cluster.id];
      clusterEvent(partition, cluster, 'DB cluster deleted', ['deletion'], 'RDS-EVENT-0171');
    },
  };
}
