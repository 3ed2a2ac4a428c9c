import { fault, invalidParameterCombination, invalidParameterValue } from '../protocol/errors.js';
import { checkDatabaseName, checkIdentifier, checkMasterPassword, checkMasterUsername, checkOneOf, checkRange, NETWORK_TYPES } from '../control-plane/checks.js';
import { checkWindows } from '../control-plane/windows.js';
import { checkEngine, defaultParameterGroupName, engineInfo, resolveEngineVersion } from '../control-plane/engines.js';
import { clusterArn, clusterEndpointHost, newClusterResourceId, readerEndpointHost } from '../control-plane/naming.js';
import { presentCluster } from '../control-plane/presenters.js';
import { mergeTags } from '../control-plane/tags.js';
import type { ClusterRecord } from '../control-plane/records.js';
import { openClusterEndpoints } from '../control-plane/transitions.js';
import { globalMembershipFor } from '../control-plane/globalClusters.js';
import { serverlessV2Configuration } from '../control-plane/serverlessV2.js';
import { requireGroupFor } from '../control-plane/parameterGroups.js';
import { requireSubnetGroup, subnetGroupZones } from '../control-plane/subnetGroups.js';
import type { OperationHandler } from '../control-plane/context.js';

export const CreateDBCluster: OperationHandler = async (input, ctx) => {
  const { partition, config } = ctx;
  const id = checkIdentifier('DBClusterIdentifier', input.DBClusterIdentifier);
  const engine = checkEngine(input.Engine);
  // A member of a global database joins as its primary (the first) or as a secondary.
  const global = input.GlobalClusterIdentifier !== undefined ? globalMembershipFor(ctx, input, engine, (v) => resolveEngineVersion(engine, v)) : undefined;
  const engineVersion = global?.engineVersion ?? resolveEngineVersion(engine, input.EngineVersion);
  const info = engineInfo(engine);

  if (input.BacktrackWindow !== undefined) {
    if (engine !== 'aurora-mysql') throw invalidParameterValue(`Backtrack is not enabled for the ${engine} engine.`);
    if (input.BacktrackWindow < 0 || input.BacktrackWindow > 259200) {
      throw invalidParameterValue(`The specified value (${input.BacktrackWindow}) is not a valid Backtrack Window. Allowed values are within the range of 0 to 259200`);
    }
  }
  checkRange('Port', input.Port, 1150, 65535);
  checkRange('BackupRetentionPeriod', input.BackupRetentionPeriod, 1, 35);
  const managed = input.ManageMasterUserPassword === true;
  const secondary = Boolean(global?.role === 'secondary' || input.ReplicationSourceIdentifier);
  // Aurora global databases don't support Backtrack (Aurora User Guide); the wording is ours.
  if (global && (input.BacktrackWindow ?? 0) > 0) throw invalidParameterCombination('Backtrack is not supported for DB clusters in an Aurora global database.');
  if (!secondary) {
    if (!input.MasterUsername) throw invalidParameterValue('The parameter MasterUsername must be provided and must not be blank.');
    if (!managed && !input.MasterUserPassword) throw invalidParameterValue('The parameter MasterUserPassword must be provided and must not be blank.');
  }
  if (managed && input.MasterUserPassword) {
    throw invalidParameterCombination('Specify either ManageMasterUserPassword or MasterUserPassword, not both.');
  }
  checkMasterUsername(input.MasterUsername, engine === 'aurora-mysql' ? 16 : 63);
  checkMasterPassword(input.MasterUserPassword);
  checkDatabaseName(input.DatabaseName, engine === 'aurora-mysql' ? 64 : 63);
  if (input.StorageType !== undefined && !['aurora', 'aurora-iopt1'].includes(input.StorageType)) {
    throw fault('StorageTypeNotSupportedFault', `Invalid storage type for DB engine ${engine}: ${input.StorageType}`);
  }
  // The groups named must exist; the cluster parameter group must be of the version's family.
  const subnetGroup = requireSubnetGroup(partition, input.DBSubnetGroupName ?? 'default');
  const parameterGroup =
    input.DBClusterParameterGroupName !== undefined
      ? requireGroupFor(partition, 'cluster', input.DBClusterParameterGroupName, engine, engineVersion, 'DBClusterParameterGroupNotFoundFault')
      : undefined;
  const zones: string[] = input.AvailabilityZones?.length ? input.AvailabilityZones : subnetGroupZones(partition, subnetGroup).slice(0, 3);
  if (zones.length > 3) throw invalidParameterValue('Invalid value for AvailabilityZones. At most 3 Availability Zones can be specified.');
  for (const zone of zones) {
    if (!zone.startsWith(ctx.region) || !/^[a-z]$/.test(zone.slice(ctx.region.length))) {
      throw invalidParameterValue(`Availability zone '${zone}' is unavailable in this region, please choose another zone set.`);
    }
  }

  const windows = checkWindows(
    { backup: input.PreferredBackupWindow, maintenance: input.PreferredMaintenanceWindow },
    { backup: '03:00-03:30', maintenance: 'sun:05:00-sun:05:30' },
  );
  checkOneOf('NetworkType', input.NetworkType, NETWORK_TYPES);
  checkOneOf('EngineMode', input.EngineMode, ['provisioned', 'serverless', 'parallelquery', 'global', 'multimaster']);

  if (partition.clusters[id]) throw fault('DBClusterAlreadyExistsFault', 'DB Cluster already exists');
  if (Object.keys(partition.clusters).length >= config.quotas.clustersPerRegion) {
    throw fault('DBClusterQuotaExceededFault', `Cannot create more than ${config.quotas.clustersPerRegion} DB clusters in this region.`);
  }

  const now = new Date().toISOString();
  const cluster: ClusterRecord = {
    id,
    arn: clusterArn(ctx.region, ctx.account, id),
    resourceId: newClusterResourceId(),
    engine,
    engineVersion,
    engineMode: input.EngineMode ?? 'provisioned',
    status: 'creating',
    port: input.Port ?? info.defaultPort,
    masterUsername: input.MasterUsername ?? global?.masterUsername,
    masterUserPassword: input.MasterUserPassword ?? global?.masterUserPassword,
    databaseName: input.DatabaseName ?? global?.databaseName,
    characterSetName: input.CharacterSetName,
    createdAt: now,
    availabilityZones: [...zones].sort(),
    backupRetentionPeriod: input.BackupRetentionPeriod ?? 1,
    preferredBackupWindow: windows.backup,
    preferredMaintenanceWindow: windows.maintenance,
    vpcSecurityGroupIds: input.VpcSecurityGroupIds?.length ? input.VpcSecurityGroupIds : [`sg-${ctx.account.slice(-8).padStart(8, '0')}`],
    dbSubnetGroupName: subnetGroup.name,
    dbClusterParameterGroupName: parameterGroup?.name ?? defaultParameterGroupName(engine, engineVersion),
    storageEncrypted: input.StorageEncrypted ?? false,
    kmsKeyId: input.StorageEncrypted ? input.KmsKeyId ?? `arn:aws:kms:${ctx.region}:${ctx.account}:key/aurora-local-default` : undefined,
    deletionProtection: input.DeletionProtection ?? false,
    copyTagsToSnapshot: input.CopyTagsToSnapshot ?? false,
    iamDatabaseAuthenticationEnabled: input.EnableIAMDatabaseAuthentication ?? false,
    backtrackWindow: input.BacktrackWindow,
    backtrackSupported: (input.BacktrackWindow ?? 0) > 0,
    enabledCloudwatchLogsExports: input.EnableCloudwatchLogsExports ?? [],
    storageType: input.StorageType ?? 'aurora',
    serverlessV2: input.ServerlessV2ScalingConfiguration && serverlessV2Configuration(engine, engineVersion, input.ServerlessV2ScalingConfiguration),
    networkType: input.NetworkType ?? 'IPV4',
    autoMinorVersionUpgrade: input.AutoMinorVersionUpgrade ?? true,
    publiclyAccessible: input.PubliclyAccessible,
    globalClusterIdentifier: global?.globalClusterIdentifier,
    globalRole: global?.role,
    globalWriteForwarding: global && input.EnableGlobalWriteForwarding,
    tags: mergeTags([], input.Tags, config.quotas.tagsPerResource),
    pending: {},
    endpoint: clusterEndpointHost(id, ctx.account, ctx.region),
    readerEndpoint: readerEndpointHost(id, ctx.account, ctx.region),
  };
  // The data plane opens the endpoints and may replace the host names and port (loopback
  // addresses that really answer; another port when the one asked for is taken). The record is
  // in place first: a second CreateDBCluster of the same name arriving meanwhile is refused,
  // instead of both passing the check above and the second overwriting the first.
  partition.clusters[id] = cluster;
  try {
    await openClusterEndpoints(ctx.dataPlane, partition, cluster);
  } catch (error) {
    delete partition.clusters[id];
    throw error;
  }
  ctx.lifecycle.schedule(partition, 'cluster-available', id, config.delays.createClusterMs);
  return { DBCluster: presentCluster(partition, cluster) };
};
