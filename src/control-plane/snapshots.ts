// Cluster snapshots: a record for the API and a real, consistent copy of the data in the data
// plane, taken when the snapshot is requested (so it holds the rows as of that moment). The
// record shows `creating` for a while, then `available`, as on AWS.
import { randomUUID } from 'node:crypto';
import { fault } from '../protocol/errors.js';
import type { DataPlane } from '../data-plane/index.js';
import type { OperationContext } from './context.js';
import { recordEvent } from './events.js';
import { engineInfo } from './engines.js';
import { clusterSnapshotArn } from './naming.js';
import { defaultSubnetGroup } from './presenters.js';
import type { ClusterRecord, ClusterSnapshotRecord, Partition, Tag } from './records.js';
import { clusterSpec } from './transitions.js';
import type { TransitionHandler } from './lifecycle.js';
import type { Schedule } from './transitions.js';

export const newSnapshotDataKey = () => `snap-${randomUUID()}`;

export function snapshotEvent(partition: Partition, snapshot: ClusterSnapshotRecord, message: string, eventId: string) {
  recordEvent(partition, { sourceIdentifier: snapshot.id, sourceType: 'db-cluster-snapshot', sourceArn: snapshot.arn, message, categories: ['backup'], eventId });
}

export function checkSnapshotQuota(ctx: OperationContext): void {
  const manual = Object.values(ctx.partition.clusterSnapshots).filter((s) => s.snapshotType === 'manual').length;
  const limit = ctx.config.quotas.manualClusterSnapshots;
  if (manual >= limit) throw fault('SnapshotQuotaExceededFault', `Cannot create more than ${limit} manual DB cluster snapshots.`);
}

function newSnapshotRecord(partition: Partition, cluster: ClusterRecord, id: string, snapshotType: 'manual' | 'automated', tags: Tag[]): ClusterSnapshotRecord {
  return {
    id,
    arn: clusterSnapshotArn(partition.region, partition.account, id),
    clusterId: cluster.id,
    engine: cluster.engine,
    engineVersion: cluster.engineVersion,
    snapshotType,
    status: 'creating',
    createdAt: new Date().toISOString(),
    clusterCreatedAt: cluster.createdAt,
    port: cluster.port,
    masterUsername: cluster.masterUsername,
    masterUserPassword: cluster.masterUserPassword,
    databaseName: cluster.databaseName,
    availabilityZones: cluster.availabilityZones,
    storageEncrypted: cluster.storageEncrypted,
    kmsKeyId: cluster.kmsKeyId,
    resourceId: cluster.resourceId,
    engineMode: cluster.engineMode,
    storageType: cluster.storageType,
    iamDatabaseAuthenticationEnabled: cluster.iamDatabaseAuthenticationEnabled,
    tags,
    dataKey: newSnapshotDataKey(),
    restoreAccounts: [],
  };
}

/** Takes a manual snapshot of `cluster` named `id` (lowercase, validated by the caller). */
export async function takeClusterSnapshot(ctx: OperationContext, cluster: ClusterRecord, id: string, snapshotType: 'manual', tags: Tag[]): Promise<ClusterSnapshotRecord> {
  const { partition } = ctx;
  if (partition.clusterSnapshots[id]) {
    throw fault('DBClusterSnapshotAlreadyExistsFault', `Cannot create the cluster snapshot because one with the identifier ${id} already exists.`);
  }
  const snapshot = newSnapshotRecord(partition, cluster, id, snapshotType, tags);
  // The copy is taken now, before the request is answered: the snapshot is this moment's data.
  await ctx.dataPlane.snapshotCluster(clusterSpec(partition, cluster), snapshot.dataKey);
  partition.clusterSnapshots[id] = snapshot;
  snapshotEvent(partition, snapshot, 'Creating manual cluster snapshot', 'RDS-EVENT-0074');
  ctx.lifecycle.schedule(partition, 'cluster-snapshot-available', id, ctx.config.delays.createClusterMs);
  return snapshot;
}

const dayMs = 24 * 3600 * 1000;
const automatedName = (clusterId: string, at: Date) => `rds:${clusterId}-${at.toISOString().slice(0, 16).replace(/[T:]/g, '-')}`;

export function snapshotTransitions(dataPlane: DataPlane, schedule: Schedule): Record<string, TransitionHandler> {
  return {
    // Automated backups: one when the cluster becomes available, then daily; each kept for
    // BackupRetentionPeriod days. They set the start of the point-in-time restore window.
    'cluster-automated-backup': async (partition, t) => {
      const cluster = partition.clusters[t.resourceId];
      if (!cluster || ['deleting', 'creating'].includes(cluster.status)) return;
      const now = new Date();
      const id = automatedName(cluster.id, now);
      if (!partition.clusterSnapshots[id]) {
        const snapshot = newSnapshotRecord(partition, cluster, id, 'automated', cluster.copyTagsToSnapshot ? [...cluster.tags] : []);
        await dataPlane.snapshotCluster(clusterSpec(partition, cluster), snapshot.dataKey);
        snapshot.status = 'available';
        partition.clusterSnapshots[id] = snapshot;
        snapshotEvent(partition, snapshot, 'Automated cluster snapshot created', 'RDS-EVENT-0169');
      }
      for (const old of Object.values(partition.clusterSnapshots)) {
        const expired = Date.parse(old.createdAt) < now.getTime() - cluster.backupRetentionPeriod * dayMs;
        if (old.snapshotType === 'automated' && old.resourceId === cluster.resourceId && old.status === 'available' && expired) {
          old.status = 'deleting';
          schedule(partition, 'cluster-snapshot-deleted', old.id, 0);
        }
      }
      schedule(partition, 'cluster-automated-backup', cluster.id, dayMs);
    },

    'cluster-snapshot-available': (partition, t) => {
      const snapshot = partition.clusterSnapshots[t.resourceId];
      if (!snapshot || snapshot.status !== 'creating') return;
      snapshot.status = 'available';
      const automated = snapshot.snapshotType === 'automated';
      snapshotEvent(partition, snapshot, automated ? 'Automated cluster snapshot created' : 'Manual cluster snapshot created', automated ? 'RDS-EVENT-0169' : 'RDS-EVENT-0075');
    },
    'cluster-snapshot-deleted': async (partition, t) => {
      const snapshot = partition.clusterSnapshots[t.resourceId];
      if (!snapshot || snapshot.status !== 'deleting') return;
      await dataPlane.deleteSnapshot(snapshot.dataKey).catch(() => {});
      delete partition.clusterSnapshots[snapshot.id];
    },
  };
}

export function presentClusterSnapshot(partition: Partition, snapshot: ClusterSnapshotRecord) {
  return {
    AvailabilityZones: snapshot.availabilityZones,
    DBClusterSnapshotIdentifier: snapshot.id,
    DBClusterIdentifier: snapshot.clusterId,
    SnapshotCreateTime: new Date(snapshot.createdAt),
    Engine: snapshot.engine,
    EngineMode: snapshot.engineMode,
    AllocatedStorage: 0, // what AWS reports for Aurora cluster snapshots
    Status: snapshot.status,
    Port: snapshot.port,
    VpcId: defaultSubnetGroup(partition).VpcId,
    ClusterCreateTime: new Date(snapshot.clusterCreatedAt),
    MasterUsername: snapshot.masterUsername,
    EngineVersion: snapshot.engineVersion,
    LicenseModel: engineInfo(snapshot.engine).licenseModel,
    SnapshotType: snapshot.snapshotType,
    PercentProgress: snapshot.status === 'creating' ? 0 : 100,
    StorageEncrypted: snapshot.storageEncrypted,
    KmsKeyId: snapshot.kmsKeyId,
    DBClusterSnapshotArn: snapshot.arn,
    SourceDBClusterSnapshotArn: snapshot.sourceSnapshotArn,
    IAMDatabaseAuthenticationEnabled: snapshot.iamDatabaseAuthenticationEnabled,
    TagList: snapshot.tags,
    StorageType: snapshot.storageType === 'aurora' ? undefined : snapshot.storageType,
    DbClusterResourceId: snapshot.resourceId,
  };
}

export function requireClusterSnapshot(partition: Partition, idOrArn: string): ClusterSnapshotRecord {
  const id = idOrArn.startsWith('arn:') ? idOrArn.split(':').pop()! : idOrArn;
  const snapshot = partition.clusterSnapshots[id.toLowerCase()];
  // AWS's wording differs from the cluster and instance messages (aws-errors.md #11).
  if (!snapshot) throw fault('DBClusterSnapshotNotFoundFault', `DBClusterSnapshot not found: ${idOrArn}`);
  return snapshot;
}
