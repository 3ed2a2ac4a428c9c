import { randomUUID } from 'node:crypto';
import { fault, invalidParameterCombination } from '../protocol/errors.js';
import { requireCluster } from '../control-plane/lookup.js';
import { restorableWindow } from '../control-plane/presenters.js';
import { restoreCluster, restoredClusterOutput } from '../control-plane/restore.js';
import { clusterSpec } from '../control-plane/transitions.js';
import type { ClusterRecord } from '../control-plane/records.js';
import type { OperationHandler } from '../control-plane/context.js';

// The data of a point-in-time restore: for the latest restorable time, a copy of the source
// taken now; for an earlier time, the newest snapshot (automated or manual) taken at or before
// it, or an empty database before the first one. Restoring to an exact second needs the
// storage volume's retained WAL.
export const RestoreDBClusterToPointInTime: OperationHandler = async (input, ctx) => {
  const { partition } = ctx;
  let source: ClusterRecord | undefined;
  if (input.SourceDBClusterIdentifier !== undefined) source = requireCluster(partition, input.SourceDBClusterIdentifier);
  else if (input.SourceDbClusterResourceId !== undefined) {
    source = Object.values(partition.clusters).find((c) => c.resourceId === input.SourceDbClusterResourceId);
    if (!source) throw fault('DBClusterNotFoundFault', `DBCluster ${input.SourceDbClusterResourceId} not found.`);
  } else throw invalidParameterCombination('Either SourceDBClusterIdentifier or SourceDbClusterResourceId must be specified.');
  if (input.RestoreToTime !== undefined && input.UseLatestRestorableTime === true) {
    throw invalidParameterCombination('RestoreToTime and UseLatestRestorableTime cannot be used together.');
  }
  if (input.RestoreToTime === undefined && input.UseLatestRestorableTime !== true) {
    throw invalidParameterCombination('Either RestoreToTime or UseLatestRestorableTime must be specified.');
  }
  if (!['available', 'stopped'].includes(source.status)) {
    throw fault('InvalidDBClusterStateFault', `DBCluster ${source.id} is in ${source.status} state but expected it to be one of available,stopped.`);
  }
  const restoreType = input.RestoreType ?? 'full-copy';
  if (!['full-copy', 'copy-on-write'].includes(restoreType)) {
    throw invalidParameterCombination(`Invalid RestoreType ${restoreType}: must be full-copy or copy-on-write.`);
  }
  if (restoreType === 'copy-on-write' && input.RestoreToTime !== undefined) {
    // Clones are of the source as it is now (Aurora cloning).
    throw invalidParameterCombination('RestoreToTime cannot be used with RestoreType copy-on-write; use UseLatestRestorableTime.');
  }
  const { earliest, latest } = restorableWindow(partition, source);
  const at: Date | undefined = input.RestoreToTime;
  if (at && (at < earliest || at > latest)) {
    throw fault(
      'InvalidRestoreFault',
      `The requested point in time ${at.toISOString()} is outside the restorable window ${earliest.toISOString()} to ${latest.toISOString()} of DB cluster ${source.id}.`,
    );
  }

  let dataKey: string | undefined;
  let copied: string | undefined; // a copy made for this restore alone, removed if the restore fails
  if (!at) {
    dataKey = copied = `pitr-${randomUUID()}`;
    await ctx.dataPlane.snapshotCluster(clusterSpec(partition, source), dataKey);
  } else {
    const earlier = Object.values(partition.clusterSnapshots)
      .filter((s) => s.resourceId === source!.resourceId && s.status === 'available' && Date.parse(s.createdAt) <= at.getTime())
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt))[0];
    dataKey = earlier?.dataKey;
    // A base image replayed to the requested second from the volume's retained log.
    if (ctx.dataPlane.pointInTimeImage) {
      const exact = `pitr-${randomUUID()}`;
      // When the log cannot serve it (it does not reach the base image's consistency point),
      // the restore falls back to the base image itself, and says so in the log.
      const image = await ctx.dataPlane
        .pointInTimeImage(clusterSpec(partition, source), earlier && { key: earlier.dataKey, takenAt: new Date(earlier.createdAt) }, at, exact).catch((error: Error) => {
        ctx.config.log(`RestoreDBClusterToPointInTime: ${source!.id} at ${at.toISOString()}: ${error.message}; restoring the snapshot taken before it`);
        return undefined;
      });
      if (image) dataKey = copied = exact;
    }
  }
  // CreateDBCluster's checks (identifier taken, quotas, tags …) come after the copy, which needs
  // the source as it is now: a refused restore must not leave its copy behind.
  const cluster = await restoreCluster(ctx, input, {
    engine: source.engine,
    engineVersion: source.engineVersion,
    masterUsername: source.masterUsername,
    masterUserPassword: source.masterUserPassword,
    databaseName: source.databaseName,
    storageEncrypted: source.storageEncrypted,
    dataKey,
  }).catch(async (error: unknown) => {
    if (copied) await ctx.dataPlane.deleteSnapshot(copied).catch(() => {});
    throw error;
  });
  if (restoreType === 'copy-on-write') {
    source.cloneGroupId ??= randomUUID();
    cluster.cloneGroupId = source.cloneGroupId;
  }
  return restoredClusterOutput(ctx, cluster);
};
