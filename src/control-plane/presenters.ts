// Records → API shapes (DBCluster, DBInstance, …), with the defaults AWS returns.
// Key names are the model's member names; the XML renderer takes it from here.
import type { ClusterRecord, InstanceRecord, Partition } from './records.js';
import { hostedZoneFor } from './naming.js';
import { defaultOptionGroupName, engineInfo } from './engines.js';
import { earliestBacktrackTime } from './backtrack.js';
import { parameterApplyStatus } from './parameterGroups.js';
import { instanceSubnetGroup } from './subnetGroups.js';

export function clusterMembers(partition: Partition, clusterId: string): InstanceRecord[] {
  return Object.values(partition.instances)
    .filter((i) => i.clusterId === clusterId)
    .sort((a, b) => Number(b.isWriter) - Number(a.isWriter) || (a.createdAt ?? '').localeCompare(b.createdAt ?? '') || a.id.localeCompare(b.id));
}

function pendingValues(pending: Record<string, unknown>): Record<string, unknown> | undefined {
  return Object.keys(pending).length ? pending : undefined;
}

export function defaultSubnetGroup(partition: Partition) {
  const vpcId = `vpc-${partition.account.slice(-8).padStart(8, '0')}`;
  return {
    DBSubnetGroupName: 'default',
    DBSubnetGroupDescription: 'default',
    VpcId: vpcId,
    SubnetGroupStatus: 'Complete',
    Subnets: ['a', 'b', 'c'].map((zone, index) => ({
      SubnetIdentifier: `subnet-${partition.account.slice(-7).padStart(7, '0')}${index}`,
      SubnetAvailabilityZone: { Name: `${partition.region}${zone}` },
      SubnetOutpost: {},
      SubnetStatus: 'Active',
    })),
    SupportedNetworkTypes: ['IPV4'],
  };
}

/**
 * Point-in-time restore window: from the oldest retained automated backup (the cluster's
 * creation when there is none) to about five minutes ago, as AWS reports it.
 */
export function restorableWindow(partition: Partition, cluster: ClusterRecord): { earliest: Date; latest: Date } {
  const created = Date.parse(cluster.createdAt);
  const backups = Object.values(partition.clusterSnapshots)
    .filter((s) => s.resourceId === cluster.resourceId && s.snapshotType === 'automated')
    .map((s) => Date.parse(s.createdAt));
  const earliest = backups.length ? Math.min(...backups) : created;
  // AWS's LatestRestorableTime trails by up to 5 minutes (log shipping to S3). Here the volume's
  // log is retained as it is written, so any second up to the last one can be restored.
  return { earliest: new Date(earliest), latest: new Date(Math.max(earliest, Date.now() - 1000)) };
}

export function presentCluster(partition: Partition, cluster: ClusterRecord) {
  // One scan of the snapshots for both ends of the window (DescribeDBClusters presents many clusters).
  const restoreWindow = cluster.status === 'creating' ? undefined : restorableWindow(partition, cluster);
  const members = clusterMembers(partition, cluster.id);
  const now = Date.now();
  const created = Date.parse(cluster.createdAt);
  return {
    AllocatedStorage: 1, // what AWS reports for Aurora clusters
    AvailabilityZones: cluster.availabilityZones,
    BackupRetentionPeriod: cluster.backupRetentionPeriod,
    CharacterSetName: cluster.characterSetName,
    DatabaseName: cluster.databaseName,
    DBClusterIdentifier: cluster.id,
    DBClusterParameterGroup: cluster.dbClusterParameterGroupName,
    DBSubnetGroup: cluster.dbSubnetGroupName,
    Status: cluster.status,
    EarliestRestorableTime: restoreWindow?.earliest,
    Endpoint: cluster.endpoint,
    ReaderEndpoint: cluster.readerEndpoint,
    CustomEndpoints: Object.values(partition.clusterEndpoints ?? {}).filter((e) => e.clusterId === cluster.id).map((e) => e.host),
    MultiAZ: members.length > 1 && new Set(members.map((m) => m.availabilityZone)).size > 1,
    Engine: cluster.engine,
    EngineVersion: cluster.engineVersion,
    LatestRestorableTime: restoreWindow?.latest,
    Port: cluster.port,
    MasterUsername: cluster.masterUsername,
    DBClusterOptionGroupMemberships: [],
    PreferredBackupWindow: cluster.preferredBackupWindow,
    PreferredMaintenanceWindow: cluster.preferredMaintenanceWindow,
    ReadReplicaIdentifiers: [],
    DBClusterMembers: members.map((m) => ({
      DBInstanceIdentifier: m.id,
      IsClusterWriter: m.isWriter,
      DBClusterParameterGroupStatus: parameterApplyStatus(m.clusterParameterApply, m.status),
      PromotionTier: m.promotionTier,
    })),
    VpcSecurityGroups: cluster.vpcSecurityGroupIds.map((id) => ({ VpcSecurityGroupId: id, Status: 'active' })),
    HostedZoneId: hostedZoneFor(partition.region),
    StorageEncrypted: cluster.storageEncrypted,
    KmsKeyId: cluster.kmsKeyId,
    DbClusterResourceId: cluster.resourceId,
    DBClusterArn: cluster.arn,
    AssociatedRoles: (cluster.associatedRoles ?? []).map((r) => ({ RoleArn: r.roleArn, Status: r.status, FeatureName: r.featureName })),
    IAMDatabaseAuthenticationEnabled: cluster.iamDatabaseAuthenticationEnabled,
    CloneGroupId: cluster.cloneGroupId,
    ClusterCreateTime: new Date(created),
    EarliestBacktrackTime: earliestBacktrackTime(cluster, now),
    BacktrackWindow: cluster.backtrackWindow,
    // The change records the data plane's rewinds reverted (0 without a data plane), while Backtrack is on.
    BacktrackConsumedChangeRecords: cluster.backtrackWindow ? (cluster.backtrackConsumedChangeRecords ?? 0) : undefined,
    EnabledCloudwatchLogsExports: cluster.enabledCloudwatchLogsExports.length ? cluster.enabledCloudwatchLogsExports : undefined,
    PendingModifiedValues: pendingValues(cluster.pending),
    EngineMode: cluster.engineMode,
    // "StorageType isn't returned when you set it to aurora" (RDS API reference).
    StorageType: cluster.storageType === 'aurora' ? undefined : cluster.storageType,
    IOOptimizedNextAllowedModificationTime: cluster.ioOptimizedNextAllowedAt ? new Date(cluster.ioOptimizedNextAllowedAt) : undefined,
    PubliclyAccessible: cluster.publiclyAccessible,
    AutoMinorVersionUpgrade: cluster.autoMinorVersionUpgrade,
    DeletionProtection: cluster.deletionProtection,
    HttpEndpointEnabled: false,
    ActivityStreamStatus: 'stopped',
    CopyTagsToSnapshot: cluster.copyTagsToSnapshot,
    CrossAccountClone: false,
    DomainMemberships: [],
    TagList: cluster.tags,
    GlobalClusterIdentifier: cluster.globalClusterIdentifier,
    GlobalWriteForwardingStatus: cluster.globalRole === 'secondary' ? (cluster.globalWriteForwarding ? 'enabled' : 'disabled') : undefined,
    GlobalWriteForwardingRequested: cluster.globalRole === 'secondary' ? cluster.globalWriteForwarding ?? false : undefined,
    NetworkType: cluster.networkType,
    ServerlessV2ScalingConfiguration: cluster.serverlessV2,
    PerformanceInsightsEnabled: false,
    EngineLifecycleSupport: 'open-source-rds-extended-support',
  };
}

export function presentInstance(partition: Partition, instance: InstanceRecord) {
  const cluster = partition.clusters[instance.clusterId];
  const info = engineInfo(instance.engine);
  return {
    DBInstanceIdentifier: instance.id,
    DBInstanceClass: instance.instanceClass,
    Engine: instance.engine,
    DBInstanceStatus: instance.status,
    MasterUsername: cluster?.masterUsername,
    DBName: cluster?.databaseName,
    Endpoint: instance.endpointReady
      ? { Address: instance.endpointAddress, Port: instance.port, HostedZoneId: hostedZoneFor(partition.region) }
      : undefined,
    AllocatedStorage: 1,
    InstanceCreateTime: instance.createdAt ? new Date(instance.createdAt) : undefined,
    PreferredBackupWindow: cluster?.preferredBackupWindow,
    BackupRetentionPeriod: cluster?.backupRetentionPeriod,
    DBSecurityGroups: [],
    VpcSecurityGroups: (cluster?.vpcSecurityGroupIds ?? []).map((id) => ({ VpcSecurityGroupId: id, Status: 'active' })),
    DBParameterGroups: [{ DBParameterGroupName: instance.dbParameterGroupName, ParameterApplyStatus: parameterApplyStatus(instance.parameterApply, instance.status) }],
    AvailabilityZone: instance.availabilityZone,
    DBSubnetGroup: instanceSubnetGroup(partition, cluster?.dbSubnetGroupName),
    PreferredMaintenanceWindow: instance.preferredMaintenanceWindow,
    PendingModifiedValues: instance.pending,
    MultiAZ: false,
    EngineVersion: instance.engineVersion,
    AutoMinorVersionUpgrade: instance.autoMinorVersionUpgrade,
    ReadReplicaDBInstanceIdentifiers: [],
    ReadReplicaDBClusterIdentifiers: [],
    LicenseModel: info.licenseModel,
    OptionGroupMemberships: [{ OptionGroupName: defaultOptionGroupName(instance.engine, instance.engineVersion), Status: 'in-sync' }],
    PubliclyAccessible: instance.publiclyAccessible,
    StorageType: cluster?.storageType ?? 'aurora',
    DbInstancePort: 0,
    DBClusterIdentifier: instance.clusterId,
    StorageEncrypted: cluster?.storageEncrypted ?? false,
    KmsKeyId: cluster?.kmsKeyId,
    DbiResourceId: instance.resourceId,
    CACertificateIdentifier: instance.caCertificateIdentifier,
    DomainMemberships: [],
    CopyTagsToSnapshot: instance.copyTagsToSnapshot,
    MonitoringInterval: instance.monitoringInterval,
    MonitoringRoleArn: instance.monitoringRoleArn,
    PromotionTier: instance.promotionTier,
    DBInstanceArn: instance.arn,
    IAMDatabaseAuthenticationEnabled: cluster?.iamDatabaseAuthenticationEnabled ?? false,
    PerformanceInsightsEnabled: instance.performanceInsightsEnabled,
    DeletionProtection: instance.deletionProtection,
    AssociatedRoles: [],
    TagList: instance.tags,
    CustomerOwnedIpEnabled: false,
    BackupTarget: 'region',
    NetworkType: cluster?.networkType ?? 'IPV4',
    DedicatedLogVolume: false,
    EngineLifecycleSupport: 'open-source-rds-extended-support',
  };
}
