import { fault, invalidParameterCombination, invalidParameterValue } from '../protocol/errors.js';
import { checkIdentifier, checkMonitoring, checkRange } from '../control-plane/checks.js';
import { parseMaintenanceWindow } from '../control-plane/windows.js';
import { checkEngine, checkInstanceClass, defaultParameterGroupName } from '../control-plane/engines.js';
import { requireCluster } from '../control-plane/lookup.js';
import { instanceArn, instanceEndpointHost, newInstanceResourceId } from '../control-plane/naming.js';
import { clusterMembers, presentInstance } from '../control-plane/presenters.js';
import { mergeTags } from '../control-plane/tags.js';
import type { InstanceRecord } from '../control-plane/records.js';
import { clusterSpec } from '../control-plane/transitions.js';
import { checkServerlessInstanceClass } from '../control-plane/serverlessV2.js';
import { requireGroupFor } from '../control-plane/parameterGroups.js';
import type { OperationHandler } from '../control-plane/context.js';

// Settings that belong to the cluster: AWS refuses them on a cluster member, naming the cluster.
const clusterLevelSettings: [string, string][] = [
  ['MasterUsername', 'Set master user name for the DB Cluster.'],
  ['MasterUserPassword', 'Set master user password for the DB Cluster.'],
  ['DBName', 'Set database name for the DB Cluster.'],
  ['AllocatedStorage', 'Set allocated storage for the DB Cluster.'],
  ['BackupRetentionPeriod', 'Set backup retention period for the DB Cluster.'],
];

export const CreateDBInstance: OperationHandler = async (input, ctx) => {
  const { partition, config } = ctx;
  const id = checkIdentifier('DBInstanceIdentifier', input.DBInstanceIdentifier);
  const engine = checkEngine(input.Engine);
  if (input.DBClusterIdentifier === undefined) {
    // aurora-local emulates Aurora: every instance belongs to a cluster, as Aurora's do.
    throw invalidParameterValue(`The parameter DBClusterIdentifier must be provided: ${engine} DB instances are members of a DB cluster.`);
  }
  const cluster = requireCluster(ctx.partition, input.DBClusterIdentifier);
  for (const [setting, advice] of clusterLevelSettings) {
    if (input[setting] !== undefined) throw invalidParameterCombination(`The requested DB Instance will be a member of a DB Cluster. ${advice}`);
  }
  if (engine !== cluster.engine) {
    // Inferred wording: AWS refuses an instance whose engine differs from its cluster's.
    throw invalidParameterCombination(`The engine name requested for your DB instance (${engine}) doesn't match the engine name of your DB cluster (${cluster.engine}).`);
  }
  if (input.EngineVersion !== undefined && input.EngineVersion !== cluster.engineVersion) {
    throw invalidParameterCombination(
      `The engine version that you requested for your DB instance (${input.EngineVersion}) does not match the engine version of your DB cluster (${cluster.engineVersion}).`,
    );
  }
  checkInstanceClass(engine, cluster.engineVersion, input.DBInstanceClass);
  const parameterGroup =
    input.DBParameterGroupName !== undefined
      ? requireGroupFor(partition, 'instance', input.DBParameterGroupName, engine, cluster.engineVersion, 'DBParameterGroupNotFoundFault')
      : undefined;
  checkServerlessInstanceClass(cluster, input.DBInstanceClass);
  checkRange('PromotionTier', input.PromotionTier, 0, 15);
  checkMonitoring(input.MonitoringInterval, input.MonitoringRoleArn);
  if (input.PreferredMaintenanceWindow !== undefined) parseMaintenanceWindow(input.PreferredMaintenanceWindow);
  if (input.AvailabilityZone !== undefined && !input.AvailabilityZone.startsWith(ctx.region)) {
    throw invalidParameterValue(`Availability zone '${input.AvailabilityZone}' is unavailable in this region, please choose another zone set.`);
  }
  if (!['creating', 'available', 'modifying', 'backing-up', 'resetting-master-credentials'].includes(cluster.status)) {
    throw fault('InvalidDBClusterStateFault', `DB Cluster ${cluster.id} is in ${cluster.status} state but expected it to be one of available.`);
  }
  if (partition.instances[id]) throw fault('DBInstanceAlreadyExistsFault', 'DB instance already exists');
  if (Object.keys(partition.instances).length >= config.quotas.instancesPerRegion) {
    throw fault('InstanceQuotaExceededFault', `Cannot create more than ${config.quotas.instancesPerRegion} DB instances in this region.`);
  }
  const members = clusterMembers(partition, cluster.id).filter((m) => m.status !== 'deleting');
  if (members.length >= config.quotas.replicasPerCluster + 1) {
    throw fault('InstanceQuotaExceededFault', `A DB cluster can have at most ${config.quotas.replicasPerCluster} Aurora Replicas.`);
  }
  const hasWriter = members.some((m) => m.isWriter);
  // Spread members over the cluster's zones, the writer in the first.
  const zone = input.AvailabilityZone ?? cluster.availabilityZones[members.length % cluster.availabilityZones.length];

  const instance: InstanceRecord = {
    id,
    arn: instanceArn(ctx.region, ctx.account, id),
    resourceId: newInstanceResourceId(),
    clusterId: cluster.id,
    engine,
    engineVersion: cluster.engineVersion,
    instanceClass: input.DBInstanceClass,
    status: 'creating',
    availabilityZone: zone,
    promotionTier: input.PromotionTier ?? 1,
    // A global database's secondary cluster has no writer: all its instances are readers.
    isWriter: !hasWriter && cluster.globalRole !== 'secondary',
    endpointAddress: instanceEndpointHost(id, ctx.account, ctx.region),
    endpointReady: false,
    port: cluster.port,
    autoMinorVersionUpgrade: input.AutoMinorVersionUpgrade ?? true,
    publiclyAccessible: input.PubliclyAccessible ?? false,
    deletionProtection: input.DeletionProtection ?? false,
    copyTagsToSnapshot: input.CopyTagsToSnapshot ?? false,
    monitoringInterval: input.MonitoringInterval ?? 0,
    monitoringRoleArn: input.MonitoringRoleArn,
    performanceInsightsEnabled: input.EnablePerformanceInsights ?? false,
    preferredMaintenanceWindow: input.PreferredMaintenanceWindow ?? cluster.preferredMaintenanceWindow,
    caCertificateIdentifier: input.CACertificateIdentifier ?? 'rds-ca-rsa2048-g1',
    dbParameterGroupName: parameterGroup?.name ?? defaultParameterGroupName(engine, cluster.engineVersion),
    tags: mergeTags([], input.Tags, config.quotas.tagsPerResource),
    pending: {},
  };
  // In place before the data plane is asked (see CreateDBCluster): a concurrent create of the
  // same name is refused, and a second instance of an empty cluster does not also become its writer.
  partition.instances[id] = instance;
  try {
    const placement = await ctx.dataPlane.placeInstance(
      { cluster: clusterSpec(partition, cluster), instanceId: id, resourceId: instance.resourceId, isWriter: instance.isWriter },
      { host: instance.endpointAddress, port: instance.port },
    );
    instance.endpointAddress = placement.host;
    instance.port = placement.port;
  } catch (error) {
    delete partition.instances[id];
    throw error;
  }
  ctx.lifecycle.schedule(partition, 'instance-available', id, config.delays.createInstanceMs);
  return { DBInstance: presentInstance(partition, instance) };
};
