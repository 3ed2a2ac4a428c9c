import { fault, invalidParameterCombination, invalidParameterValue } from '../protocol/errors.js';
import { checkDatabaseName, checkIdentifier, checkMasterPassword, checkMasterUsername, checkRange } from '../control-plane/checks.js';
import { checkEngine, defaultParameterGroupName, engineInfo, resolveEngineVersion } from '../control-plane/engines.js';
import { availabilityZonesOf, clusterArn, clusterEndpointHost, newClusterResourceId, readerEndpointHost } from '../control-plane/naming.js';
import { presentCluster } from '../control-plane/presenters.js';
import { mergeTags } from '../control-plane/tags.js';
import type { ClusterRecord } from '../control-plane/records.js';
import { clusterSpec } from '../control-plane/transitions.js';
import type { OperationHandler } from '../control-plane/context.js';

export const CreateDBCluster: OperationHandler = async (input, ctx) => {
  const { partition, config } = ctx;
  const id = checkIdentifier('DBClusterIdentifier', input.DBClusterIdentifier);
  const engine = checkEngine(input.Engine);
  const engineVersion = resolveEngineVersion(engine, input.EngineVersion);
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
  const secondary = Boolean(input.GlobalClusterIdentifier || input.ReplicationSourceIdentifier);
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
  const zones: string[] = input.AvailabilityZones?.length ? input.AvailabilityZones : availabilityZonesOf(ctx.region);
  if (zones.length > 3) throw invalidParameterValue('Invalid value for AvailabilityZones. At most 3 Availability Zones can be specified.');
  for (const zone of zones) {
    if (!zone.startsWith(ctx.region) || !/^[a-z]$/.test(zone.slice(ctx.region.length))) {
      throw invalidParameterValue(`Availability zone '${zone}' is unavailable in this region, please choose another zone set.`);
    }
  }

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
    masterUsername: input.MasterUsername,
    masterUserPassword: input.MasterUserPassword,
    databaseName: input.DatabaseName,
    characterSetName: input.CharacterSetName,
    createdAt: now,
    availabilityZones: [...zones].sort(),
    backupRetentionPeriod: input.BackupRetentionPeriod ?? 1,
    preferredBackupWindow: input.PreferredBackupWindow ?? '03:00-03:30',
    preferredMaintenanceWindow: input.PreferredMaintenanceWindow ?? 'sun:05:00-sun:05:30',
    vpcSecurityGroupIds: input.VpcSecurityGroupIds?.length ? input.VpcSecurityGroupIds : [`sg-${ctx.account.slice(-8).padStart(8, '0')}`],
    dbSubnetGroupName: input.DBSubnetGroupName ?? 'default',
    dbClusterParameterGroupName: input.DBClusterParameterGroupName ?? defaultParameterGroupName(engine, engineVersion),
    storageEncrypted: input.StorageEncrypted ?? false,
    kmsKeyId: input.StorageEncrypted ? input.KmsKeyId ?? `arn:aws:kms:${ctx.region}:${ctx.account}:key/aurora-local-default` : undefined,
    deletionProtection: input.DeletionProtection ?? false,
    copyTagsToSnapshot: input.CopyTagsToSnapshot ?? false,
    iamDatabaseAuthenticationEnabled: input.EnableIAMDatabaseAuthentication ?? false,
    backtrackWindow: input.BacktrackWindow,
    enabledCloudwatchLogsExports: input.EnableCloudwatchLogsExports ?? [],
    storageType: input.StorageType ?? 'aurora',
    serverlessV2: input.ServerlessV2ScalingConfiguration,
    networkType: input.NetworkType ?? 'IPV4',
    autoMinorVersionUpgrade: input.AutoMinorVersionUpgrade ?? true,
    publiclyAccessible: input.PubliclyAccessible,
    globalClusterIdentifier: input.GlobalClusterIdentifier,
    tags: mergeTags([], input.Tags, config.quotas.tagsPerResource),
    pending: {},
    endpoint: clusterEndpointHost(id, ctx.account, ctx.region),
    readerEndpoint: readerEndpointHost(id, ctx.account, ctx.region),
  };
  // The data plane opens the endpoints and may replace the host names and port (loopback
  // addresses that really answer; another port when the one asked for is taken).
  const endpoints = await ctx.dataPlane.attachCluster(clusterSpec(partition, cluster), {
    writerHost: cluster.endpoint,
    readerHost: cluster.readerEndpoint,
    port: cluster.port,
  });
  cluster.endpoint = endpoints.writerHost;
  cluster.readerEndpoint = endpoints.readerHost;
  cluster.port = endpoints.port;
  partition.clusters[id] = cluster;
  ctx.lifecycle.schedule(partition, 'cluster-available', id, config.delays.createClusterMs);
  return { DBCluster: presentCluster(partition, cluster) };
};
