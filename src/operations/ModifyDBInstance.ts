import { fault, invalidParameterCombination } from '../protocol/errors.js';
import { checkIdentifier, checkMonitoring, checkRange } from '../control-plane/checks.js';
import { parseMaintenanceWindow } from '../control-plane/windows.js';
import { checkInstanceClass } from '../control-plane/engines.js';
import { requireInstance } from '../control-plane/lookup.js';
import { instanceArn, instanceEndpointHost } from '../control-plane/naming.js';
import { presentInstance } from '../control-plane/presenters.js';
import { clusterSpec } from '../control-plane/transitions.js';
import { checkServerlessInstanceClass } from '../control-plane/serverlessV2.js';
import { markPendingReboot, requireGroupFor } from '../control-plane/parameterGroups.js';
import type { OperationHandler } from '../control-plane/context.js';

// Settings of an Aurora instance that belong to its cluster (RDS answers with this advice).
const clusterLevelSettings: [string, string][] = [
  ['MasterUserPassword', 'master password'],
  ['BackupRetentionPeriod', 'backup retention'],
  ['PreferredBackupWindow', 'backup window'],
  ['AllocatedStorage', 'allocated storage'],
  ['EngineVersion', 'engine version'],
];

export const ModifyDBInstance: OperationHandler = async (input, ctx) => {
  const { partition, config } = ctx;
  const instance = requireInstance(partition, input.DBInstanceIdentifier);
  for (const [setting, what] of clusterLevelSettings) {
    if (input[setting] !== undefined) {
      throw invalidParameterCombination(`The specified DB Instance is a member of a cluster. Modify ${what} for the DB Cluster using the ModifyDbCluster API`);
    }
  }
  if (instance.status !== 'available') throw fault('InvalidDBInstanceStateFault', `Instance ${instance.id} is not in available state.`);
  checkRange('PromotionTier', input.PromotionTier, 0, 15);
  checkMonitoring(input.MonitoringInterval ?? instance.monitoringInterval, input.MonitoringRoleArn ?? instance.monitoringRoleArn);
  if (input.PreferredMaintenanceWindow !== undefined) parseMaintenanceWindow(input.PreferredMaintenanceWindow);
  if (input.DBInstanceClass !== undefined) checkInstanceClass(instance.engine, instance.engineVersion, input.DBInstanceClass);
  if (partition.clusters[instance.clusterId]) checkServerlessInstanceClass(partition.clusters[instance.clusterId], input.DBInstanceClass);
  const newId = input.NewDBInstanceIdentifier !== undefined ? checkIdentifier('NewDBInstanceIdentifier', input.NewDBInstanceIdentifier) : undefined;
  if (newId !== undefined && newId !== instance.id && partition.instances[newId]) throw fault('DBInstanceAlreadyExistsFault', 'DB instance already exists');
  const parameterGroup =
    input.DBParameterGroupName !== undefined
      ? requireGroupFor(partition, 'instance', input.DBParameterGroupName, instance.engine, instance.engineVersion, 'DBParameterGroupNotFoundFault')
      : undefined;
  const applyNow = input.ApplyImmediately === true;

  let busy = false;
  if (input.PromotionTier !== undefined) instance.promotionTier = input.PromotionTier;
  if (input.DeletionProtection !== undefined) instance.deletionProtection = input.DeletionProtection;
  if (input.AutoMinorVersionUpgrade !== undefined) instance.autoMinorVersionUpgrade = input.AutoMinorVersionUpgrade;
  if (input.PreferredMaintenanceWindow !== undefined) instance.preferredMaintenanceWindow = input.PreferredMaintenanceWindow;
  if (input.CopyTagsToSnapshot !== undefined) instance.copyTagsToSnapshot = input.CopyTagsToSnapshot;
  if (input.MonitoringInterval !== undefined) instance.monitoringInterval = input.MonitoringInterval;
  if (input.MonitoringRoleArn !== undefined) instance.monitoringRoleArn = input.MonitoringRoleArn;
  if (input.PubliclyAccessible !== undefined) instance.publiclyAccessible = input.PubliclyAccessible;
  if (input.EnablePerformanceInsights !== undefined) instance.performanceInsightsEnabled = input.EnablePerformanceInsights;
  // Another DB parameter group applies at the next reboot.
  if (parameterGroup && parameterGroup.name !== instance.dbParameterGroupName) {
    instance.dbParameterGroupName = parameterGroup.name;
    markPendingReboot([instance], 'instance');
  }
  if (input.CACertificateIdentifier !== undefined) instance.caCertificateIdentifier = input.CACertificateIdentifier;
  // A class change or a rename waits for the maintenance window unless applied immediately.
  if (input.DBInstanceClass !== undefined && input.DBInstanceClass !== instance.instanceClass) {
    if (applyNow) {
      instance.instanceClass = input.DBInstanceClass;
      delete instance.pending.DBInstanceClass; // an immediate change supersedes a queued one
      busy = true;
    } else instance.pending.DBInstanceClass = input.DBInstanceClass;
  }
  if (newId !== undefined && newId !== instance.id) {
    if (applyNow) {
      delete instance.pending.DBInstanceIdentifier;
      delete partition.instances[instance.id];
      for (const transition of partition.transitions) if (transition.resourceId === instance.id) transition.resourceId = newId;
      instance.id = newId;
      instance.arn = instanceArn(ctx.region, ctx.account, newId);
      const placement = await ctx.dataPlane.placeInstance(
        { cluster: clusterSpec(partition, partition.clusters[instance.clusterId]), instanceId: newId, resourceId: instance.resourceId, isWriter: instance.isWriter },
        { host: instanceEndpointHost(newId, ctx.account, ctx.region), port: instance.port },
      );
      instance.endpointAddress = placement.host;
      partition.instances[newId] = instance;
      busy = true;
    } else instance.pending.DBInstanceIdentifier = newId;
  }
  if (busy) {
    instance.status = 'modifying';
    ctx.lifecycle.schedule(partition, 'instance-modified', instance.id, config.delays.modifyInstanceMs);
  }
  return { DBInstance: presentInstance(partition, instance) };
};
