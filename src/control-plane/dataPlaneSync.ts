// Keeping the data plane in step with the control plane's records:
// - after a restart of the emulator, every cluster's endpoints and servers come back as the
//   records say (writer first), with their data;
// - when a server stops without being asked to (a crash, kill -9), Aurora's answer: the writer
//   fails over to the best available replica, or restarts in place when there is none; a
//   replica restarts in place.
import type { DataPlane, InstanceExitListener, StorageEventListener } from '../data-plane/index.js';
import type { EmulatorConfig } from '../config.js';
import type { OperationContext } from './context.js';
import { startFailover } from './failover.js';
import { customEndpointSpec } from './customEndpoints.js';
import type { Lifecycle } from './lifecycle.js';
import { clusterMembers } from './presenters.js';
import type { Store } from './store.js';
import { clusterEvent, clusterSpec, instanceEvent, instanceSpec, openClusterEndpoints } from './transitions.js';

const runningStatuses = new Set(['available', 'rebooting', 'modifying', 'renaming', 'failed', 'backing-up', 'resetting-master-credentials']);

export async function restoreDataPlane(store: Store, dataPlane: DataPlane, log: (line: string) => void): Promise<void> {
  for (const partition of store.allPartitions()) {
    for (const cluster of Object.values(partition.clusters)) {
      if (cluster.status === 'deleting') continue;
      try {
        await openClusterEndpoints(dataPlane, partition, cluster);
      } catch (error) {
        log(`restore: cannot open the endpoints of cluster ${cluster.id}: ${(error as Error).message}`);
        continue;
      }
      const members = clusterMembers(partition, cluster.id); // writer first
      for (const member of members) {
        const placement = await dataPlane.placeInstance(
          { cluster: clusterSpec(partition, cluster), instanceId: member.id, resourceId: member.resourceId, isWriter: member.isWriter },
          { host: member.endpointAddress, port: member.port },
        );
        member.endpointAddress = placement.host;
        member.port = placement.port;
      }
      for (const endpoint of Object.values(partition.clusterEndpoints)) {
        if (endpoint.clusterId !== cluster.id || endpoint.status === 'deleting') continue;
        endpoint.host = await dataPlane.attachCustomEndpoint(clusterSpec(partition, cluster), customEndpointSpec(endpoint), endpoint.host);
      }
      if (!['available', 'modifying', 'backing-up', 'failing-over', 'resetting-master-credentials', 'renaming'].includes(cluster.status)) continue;
      for (const member of members) {
        if (!runningStatuses.has(member.status)) continue;
        try {
          await dataPlane.startInstance(instanceSpec(partition, member));
          if (member.status === 'failed') {
            member.status = 'available';
            delete member.failureReason;
          }
        } catch (error) {
          member.status = 'failed';
          member.failureReason = (error as Error).message;
          instanceEvent(partition, member, `DB instance failed to start: ${member.failureReason}`, ['failure'], 'RDS-EVENT-0031');
        }
      }
    }
  }
  await store.persist();
}

export function instanceExitHandler(store: Store, lifecycle: Lifecycle, dataPlane: DataPlane, config: EmulatorConfig): InstanceExitListener {
  return (clusterInfo, instanceResourceId, reason) => {
    const partition = store.partition(clusterInfo.account, clusterInfo.region);
    const instance = Object.values(partition.instances).find((i) => i.resourceId === instanceResourceId);
    const cluster = instance && partition.clusters[instance.clusterId];
    if (!instance || !cluster || instance.status !== 'available') return;
    instanceEvent(partition, instance, `DB instance stopped unexpectedly: ${reason}`, ['failure'], 'RDS-EVENT-0004');
    const context: OperationContext = { requestId: 'internal', account: partition.account, region: partition.region, partition, store, lifecycle, config, dataPlane };
    const replicas = clusterMembers(partition, cluster.id).filter((m) => !m.isWriter && m.status === 'available');
    if (instance.isWriter && cluster.status === 'available' && replicas.length) {
      startFailover(context, cluster);
      instance.status = 'rebooting'; // it comes back as a replica once the failover completes
    } else {
      // No replica to take over (or a replica died): Aurora restarts the instance in place.
      instance.status = 'rebooting';
      lifecycle.schedule(partition, 'instance-rebooted', instance.id, 0);
    }
    void store.persist();
  };
}

/**
 * What the storage volume reports becomes the cluster's events and statuses: repairs and
 * quorum changes as events; a full volume makes its instances `storage-full` (RDS-EVENT-0007)
 * until data is dropped; when a volume can recover again, instances that failed for want of
 * its read quorum are restarted.
 */
export function storageEventHandler(store: Store, lifecycle: Lifecycle): StorageEventListener {
  return (event) => {
    const partition = store.partition(event.cluster.account, event.cluster.region);
    const cluster = Object.values(partition.clusters).find((c) => c.resourceId === event.cluster.resourceId);
    if (!cluster) return;
    const members = clusterMembers(partition, cluster.id);
    const categories = event.kind === 'repair' || event.kind === 'corruption-detected' ? ['notification'] : ['availability'];
    clusterEvent(partition, cluster, event.message, categories);
    if (event.kind === 'storage-full') {
      for (const member of members.filter((m) => m.status === 'available')) {
        member.status = 'storage-full';
        instanceEvent(partition, member, 'Allocated storage has been exhausted: the cluster volume reached its size limit.', ['low storage'], 'RDS-EVENT-0007');
      }
    }
    if (event.kind === 'storage-available') {
      for (const member of members.filter((m) => m.status === 'storage-full')) member.status = 'available';
    }
    if (event.kind === 'read-quorum-restored') {
      for (const member of members.filter((m) => m.status === 'failed' && /segments? (reachable|available)|needs the log of at least 3/.test(m.failureReason ?? ''))) {
        member.status = 'rebooting';
        delete member.failureReason;
        lifecycle.schedule(partition, 'instance-rebooted', member.id, 0);
      }
    }
    void store.persist();
  };
}
