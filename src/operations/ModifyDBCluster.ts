import { fault, invalidParameterCombination } from '../protocol/errors.js';
import { checkIdentifier, checkMasterPassword, checkOneOf, checkRange, NETWORK_TYPES } from '../control-plane/checks.js';
import { checkWindows } from '../control-plane/windows.js';
import { resolveEngineVersion } from '../control-plane/engines.js';
import { requireCluster } from '../control-plane/lookup.js';
import { clusterArn, clusterEndpointHost, readerEndpointHost } from '../control-plane/naming.js';
import { clusterMembers, presentCluster } from '../control-plane/presenters.js';
import { clusterEvent, clusterSpec, openClusterEndpoints } from '../control-plane/transitions.js';
import { checkBacktrackWindowChange, setBacktrackWindow } from '../control-plane/backtrack.js';
import { serverlessV2Configuration } from '../control-plane/serverlessV2.js';
import { checkStorageTypeChange, setStorageType } from '../control-plane/storageType.js';
import { markPendingReboot, requireGroupFor } from '../control-plane/parameterGroups.js';
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
  checkOneOf('NetworkType', input.NetworkType, NETWORK_TYPES);
  const windows =
    input.PreferredBackupWindow !== undefined || input.PreferredMaintenanceWindow !== undefined
      ? checkWindows(
          { backup: input.PreferredBackupWindow, maintenance: input.PreferredMaintenanceWindow },
          { backup: cluster.preferredBackupWindow, maintenance: cluster.preferredMaintenanceWindow },
        )
      : undefined;
  if (input.BacktrackWindow !== undefined) checkBacktrackWindowChange(cluster, input.BacktrackWindow);
  if (input.StorageType !== undefined) checkStorageTypeChange(cluster, input.StorageType);
  const serverlessV2 =
    input.ServerlessV2ScalingConfiguration &&
    serverlessV2Configuration(cluster.engine, cluster.engineVersion, input.ServerlessV2ScalingConfiguration, cluster.serverlessV2);
  if (input.EnableGlobalWriteForwarding !== undefined && !cluster.globalClusterIdentifier) {
    // "You can set this value only on Aurora DB clusters that are members of an Aurora global database" (API reference); wording ours.
    throw invalidParameterCombination(`DB cluster ${cluster.id} is not a member of an Aurora global database: EnableGlobalWriteForwarding doesn't apply.`);
  }
  const newId = input.NewDBClusterIdentifier !== undefined ? checkIdentifier('NewDBClusterIdentifier', input.NewDBClusterIdentifier) : undefined;
  if (newId !== undefined && newId !== cluster.id && partition.clusters[newId]) throw fault('DBClusterAlreadyExistsFault', 'DB Cluster already exists');
  const engineVersion = input.EngineVersion !== undefined ? resolveEngineVersion(cluster.engine, input.EngineVersion) : undefined;
  const parameterGroup =
    input.DBClusterParameterGroupName !== undefined
      ? requireGroupFor(partition, 'cluster', input.DBClusterParameterGroupName, cluster.engine, engineVersion ?? cluster.engineVersion, 'DBClusterParameterGroupNotFoundFault')
      : undefined;

  let busy = false; // whether the cluster shows `modifying` for a while
  // Settings that apply at once whatever ApplyImmediately says.
  if (input.BackupRetentionPeriod !== undefined) cluster.backupRetentionPeriod = input.BackupRetentionPeriod;
  if (windows) {
    cluster.preferredBackupWindow = windows.backup;
    cluster.preferredMaintenanceWindow = windows.maintenance;
  }
  if (input.DeletionProtection !== undefined) cluster.deletionProtection = input.DeletionProtection;
  if (input.CopyTagsToSnapshot !== undefined) cluster.copyTagsToSnapshot = input.CopyTagsToSnapshot;
  if (input.VpcSecurityGroupIds?.length) cluster.vpcSecurityGroupIds = input.VpcSecurityGroupIds;
  if (input.BacktrackWindow !== undefined) setBacktrackWindow(cluster, input.BacktrackWindow);
  // A new capacity range applies at once, without a `modifying` status (Aurora User Guide transcript).
  if (serverlessV2) cluster.serverlessV2 = serverlessV2;
  if (input.EnableGlobalWriteForwarding !== undefined) cluster.globalWriteForwarding = input.EnableGlobalWriteForwarding;
  if (input.AutoMinorVersionUpgrade !== undefined) cluster.autoMinorVersionUpgrade = input.AutoMinorVersionUpgrade;
  // Another cluster parameter group applies when the members reboot (they show pending-reboot).
  if (parameterGroup && parameterGroup.name !== cluster.dbClusterParameterGroupName) {
    cluster.dbClusterParameterGroupName = parameterGroup.name;
    markPendingReboot(clusterMembers(partition, cluster.id), 'cluster');
  }
  if (input.CloudwatchLogsExportConfiguration) {
    const { EnableLogTypes = [], DisableLogTypes = [] } = input.CloudwatchLogsExportConfiguration;
    cluster.enabledCloudwatchLogsExports = [...new Set([...cluster.enabledCloudwatchLogsExports, ...EnableLogTypes])].filter((t) => !DisableLogTypes.includes(t));
  }
  if (input.Port !== undefined && input.Port !== cluster.port) {
    cluster.port = input.Port;
    for (const member of clusterMembers(partition, cluster.id)) member.port = input.Port;
    busy = true;
  }
  if (input.StorageType !== undefined) busy = setStorageType(cluster, input.StorageType) || busy;
  // ApplyImmediately governs IAM database authentication, the identifier and the engine version;
  // the other changes apply at once (RDS API reference, ModifyDBCluster ApplyImmediately).
  if (input.EnableIAMDatabaseAuthentication !== undefined && input.EnableIAMDatabaseAuthentication !== cluster.iamDatabaseAuthenticationEnabled) {
    if (applyNow) {
      cluster.iamDatabaseAuthenticationEnabled = input.EnableIAMDatabaseAuthentication;
      delete cluster.pending.IAMDatabaseAuthenticationEnabled;
    } else cluster.pending.IAMDatabaseAuthenticationEnabled = input.EnableIAMDatabaseAuthentication;
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
      await openClusterEndpoints(ctx.dataPlane, partition, cluster, {
        writerHost: clusterEndpointHost(newId, ctx.account, ctx.region),
        readerHost: readerEndpointHost(newId, ctx.account, ctx.region),
      });
      partition.clusters[newId] = cluster;
      for (const member of Object.values(partition.instances)) if (member.clusterId === oldId) member.clusterId = newId;
      for (const endpoint of Object.values(partition.clusterEndpoints)) if (endpoint.clusterId === oldId) endpoint.clusterId = newId;
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
