import { fault, invalidParameterValue } from '../protocol/errors.js';
import { checkIdentifier, checkMasterPassword, checkRange } from '../control-plane/checks.js';
import { resolveEngineVersion } from '../control-plane/engines.js';
import { requireCluster } from '../control-plane/lookup.js';
import { clusterArn, clusterEndpointHost, readerEndpointHost } from '../control-plane/naming.js';
import { clusterMembers, presentCluster } from '../control-plane/presenters.js';
import { clusterEvent, clusterSpec } from '../control-plane/transitions.js';
import type { OperationHandler } from '../control-plane/context.js';

export const ModifyDBCluster: OperationHandler = async (input, ctx) => {
  const { partition, config } = ctx;
  const cluster = requireCluster(partition, input.DBClusterIdentifier);
  if (cluster.status !== 'available') {
    // AWS's own wording, typo included.
    throw fault('InvalidDBClusterStateFault', `Db Cluster is not available for modifcation with status ${cluster.status}`);
  }
  const applyNow = input.ApplyImmediately === true;
  checkRange('BackupRetentionPeriod', input.BackupRetentionPeriod, 1, 35);
  checkRange('Port', input.Port, 1150, 65535);
  checkMasterPassword(input.MasterUserPassword);
  if (input.BacktrackWindow !== undefined) {
    if (cluster.engine !== 'aurora-mysql') throw invalidParameterValue(`Backtrack is not enabled for the ${cluster.engine} engine.`);
    if (input.BacktrackWindow < 0 || input.BacktrackWindow > 259200) {
      throw invalidParameterValue(`The specified value (${input.BacktrackWindow}) is not a valid Backtrack Window. Allowed values are within the range of 0 to 259200`);
    }
  }
  const newId = input.NewDBClusterIdentifier !== undefined ? checkIdentifier('NewDBClusterIdentifier', input.NewDBClusterIdentifier) : undefined;
  if (newId !== undefined && newId !== cluster.id && partition.clusters[newId]) throw fault('DBClusterAlreadyExistsFault', 'DB Cluster already exists');
  const engineVersion = input.EngineVersion !== undefined ? resolveEngineVersion(cluster.engine, input.EngineVersion) : undefined;

  let busy = false; // whether the cluster shows `modifying` for a while
  // Settings that apply at once whatever ApplyImmediately says.
  if (input.BackupRetentionPeriod !== undefined) cluster.backupRetentionPeriod = input.BackupRetentionPeriod;
  if (input.PreferredBackupWindow !== undefined) cluster.preferredBackupWindow = input.PreferredBackupWindow;
  if (input.PreferredMaintenanceWindow !== undefined) cluster.preferredMaintenanceWindow = input.PreferredMaintenanceWindow;
  if (input.DeletionProtection !== undefined) cluster.deletionProtection = input.DeletionProtection;
  if (input.CopyTagsToSnapshot !== undefined) cluster.copyTagsToSnapshot = input.CopyTagsToSnapshot;
  if (input.VpcSecurityGroupIds?.length) cluster.vpcSecurityGroupIds = input.VpcSecurityGroupIds;
  if (input.EnableIAMDatabaseAuthentication !== undefined) cluster.iamDatabaseAuthenticationEnabled = input.EnableIAMDatabaseAuthentication;
  if (input.BacktrackWindow !== undefined) cluster.backtrackWindow = input.BacktrackWindow;
  if (input.ServerlessV2ScalingConfiguration) cluster.serverlessV2 = { ...cluster.serverlessV2, ...input.ServerlessV2ScalingConfiguration };
  if (input.AutoMinorVersionUpgrade !== undefined) cluster.autoMinorVersionUpgrade = input.AutoMinorVersionUpgrade;
  if (input.CloudwatchLogsExportConfiguration) {
    const { EnableLogTypes = [], DisableLogTypes = [] } = input.CloudwatchLogsExportConfiguration;
    cluster.enabledCloudwatchLogsExports = [...new Set([...cluster.enabledCloudwatchLogsExports, ...EnableLogTypes])].filter((t) => !DisableLogTypes.includes(t));
  }
  if (input.Port !== undefined && input.Port !== cluster.port) {
    cluster.port = input.Port;
    for (const member of clusterMembers(partition, cluster.id)) member.port = input.Port;
    busy = true;
  }
  if (input.StorageType !== undefined) {
    if (!['aurora', 'aurora-iopt1'].includes(input.StorageType)) throw fault('StorageTypeNotSupportedFault', `Invalid storage type: ${input.StorageType}`);
    busy ||= input.StorageType !== cluster.storageType;
    cluster.storageType = input.StorageType;
  }
  // The master password is reset as soon as possible, regardless of ApplyImmediately (RDS API reference).
  if (input.MasterUserPassword !== undefined) {
    await ctx.dataPlane.setMasterPassword(clusterSpec(partition, cluster), input.MasterUserPassword);
    cluster.masterUserPassword = input.MasterUserPassword;
    cluster.pending.MasterUserPassword = '****';
    cluster.status = 'resetting-master-credentials';
    ctx.lifecycle.schedule(partition, 'cluster-modified', cluster.id, config.delays.modifyClusterMs);
  }
  // Engine upgrades and renames wait for the maintenance window unless applied immediately.
  if (engineVersion !== undefined && engineVersion !== cluster.engineVersion) {
    if (applyNow) {
      cluster.engineVersion = engineVersion;
      delete cluster.pending.EngineVersion; // an immediate change supersedes a queued one
      for (const member of clusterMembers(partition, cluster.id)) member.engineVersion = engineVersion;
      busy = true;
    } else cluster.pending.EngineVersion = engineVersion;
  }
  if (newId !== undefined && newId !== cluster.id) {
    if (applyNow) {
      delete cluster.pending.DBClusterIdentifier;
      const oldId = cluster.id;
      delete partition.clusters[oldId];
      cluster.id = newId;
      cluster.arn = clusterArn(ctx.region, ctx.account, newId);
      // Host names follow the new name; a data plane that serves loopback addresses keeps its own.
      const endpoints = await ctx.dataPlane.attachCluster(clusterSpec(partition, cluster), {
        writerHost: clusterEndpointHost(newId, ctx.account, ctx.region),
        readerHost: readerEndpointHost(newId, ctx.account, ctx.region),
        port: cluster.port,
      });
      cluster.endpoint = endpoints.writerHost;
      cluster.readerEndpoint = endpoints.readerHost;
      partition.clusters[newId] = cluster;
      for (const member of Object.values(partition.instances)) if (member.clusterId === oldId) member.clusterId = newId;
      for (const transition of partition.transitions) if (transition.resourceId === oldId) transition.resourceId = newId;
      clusterEvent(partition, cluster, `DB cluster renamed from ${oldId} to ${newId}`, ['notification'], 'RDS-EVENT-0172');
      busy = true;
    } else cluster.pending.DBClusterIdentifier = newId;
  }
  if (busy && cluster.status === 'available') {
    cluster.status = 'modifying';
    ctx.lifecycle.schedule(partition, 'cluster-modified', cluster.id, config.delays.modifyClusterMs);
  }
  return { DBCluster: presentCluster(partition, cluster) };
};
