// What the control plane stores. Records keep the facts; presenters derive the API shapes.
// Timestamps are ISO strings so that the state file is plain JSON.

export type Engine = 'aurora-postgresql' | 'aurora-mysql';

export interface Tag {
  Key: string;
  Value?: string;
}

export interface ClusterRecord {
  id: string; // stored lowercase
  arn: string;
  resourceId: string;
  engine: Engine;
  engineVersion: string;
  engineMode: string;
  status: string;
  port: number;
  masterUsername?: string;
  masterUserPassword?: string;
  databaseName?: string;
  characterSetName?: string;
  createdAt: string;
  availabilityZones: string[];
  backupRetentionPeriod: number;
  preferredBackupWindow: string;
  preferredMaintenanceWindow: string;
  vpcSecurityGroupIds: string[];
  dbSubnetGroupName: string;
  dbClusterParameterGroupName: string;
  storageEncrypted: boolean;
  kmsKeyId?: string;
  deletionProtection: boolean;
  copyTagsToSnapshot: boolean;
  iamDatabaseAuthenticationEnabled: boolean;
  backtrackWindow?: number;
  enabledCloudwatchLogsExports: string[];
  storageType: string;
  serverlessV2?: { MinCapacity?: number; MaxCapacity?: number; SecondsUntilAutoPause?: number };
  networkType: string;
  autoMinorVersionUpgrade: boolean;
  publiclyAccessible?: boolean;
  globalClusterIdentifier?: string;
  tags: Tag[];
  /** Values accepted with ApplyImmediately=false, shown as PendingModifiedValues. */
  pending: Record<string, unknown>;
  /** Where clients reach the cluster; AWS-shaped host names, or loopback addresses with a data plane. */
  endpoint: string;
  readerEndpoint: string;
  /** The snapshot (data key) the cluster's first writer starts from, for restored clusters. */
  restoreFromSnapshot?: string;
  /** Shared by a cluster and its copy-on-write clones. */
  cloneGroupId?: string;
  /** The instance a failover in progress promotes. */
  failoverTarget?: string;
  stoppedAt?: string;
}

export interface InstanceRecord {
  id: string;
  arn: string;
  resourceId: string;
  clusterId: string;
  engine: Engine;
  engineVersion: string;
  instanceClass: string;
  status: string;
  availabilityZone: string;
  promotionTier: number;
  isWriter: boolean;
  createdAt?: string;
  endpointAddress: string;
  /** Set once the instance has been available: AWS omits Endpoint while an instance is being created. */
  endpointReady: boolean;
  port: number;
  autoMinorVersionUpgrade: boolean;
  publiclyAccessible: boolean;
  deletionProtection: boolean;
  copyTagsToSnapshot: boolean;
  monitoringInterval: number;
  performanceInsightsEnabled: boolean;
  preferredMaintenanceWindow: string;
  caCertificateIdentifier: string;
  dbParameterGroupName: string;
  tags: Tag[];
  pending: Record<string, unknown>;
  /** Why the data plane could not run this instance, when status is failed. */
  failureReason?: string;
}

export interface EventRecord {
  id: number;
  sourceIdentifier: string;
  sourceType: 'db-cluster' | 'db-instance' | 'db-cluster-snapshot';
  sourceArn: string;
  message: string;
  categories: string[];
  date: string;
  eventId?: string; // RDS-EVENT-00NN
}

export interface ClusterSnapshotRecord {
  id: string;
  arn: string;
  clusterId: string;
  engine: Engine;
  engineVersion: string;
  snapshotType: 'manual' | 'automated';
  status: string;
  createdAt: string;
  clusterCreatedAt: string;
  port: number;
  masterUsername?: string;
  availabilityZones: string[];
  storageEncrypted: boolean;
  resourceId: string;
  tags: Tag[];
  /** Where the data plane keeps the snapshot's data (stable across copies and renames). */
  dataKey: string;
  masterUserPassword?: string;
  databaseName?: string;
  engineMode: string;
  storageType: string;
  kmsKeyId?: string;
  iamDatabaseAuthenticationEnabled: boolean;
  sourceSnapshotArn?: string;
  /** ModifyDBClusterSnapshotAttribute `restore`: account ids (or `all`) allowed to restore it. */
  restoreAccounts: string[];
}

/** A status change due at a moment: persisted so that it completes after a restart. */
export interface Transition {
  id: number;
  dueAt: number; // epoch ms
  kind: string;
  resourceId: string; // the record's id (cluster or instance identifier) at scheduling time
}

export interface Partition {
  account: string;
  region: string;
  clusters: Record<string, ClusterRecord>;
  instances: Record<string, InstanceRecord>;
  clusterSnapshots: Record<string, ClusterSnapshotRecord>;
  events: EventRecord[];
  transitions: Transition[];
}

export interface State {
  formatVersion: 1;
  nextId: number;
  partitions: Record<string, Partition>;
}

export const emptyState = (): State => ({ formatVersion: 1, nextId: 1, partitions: {} });
