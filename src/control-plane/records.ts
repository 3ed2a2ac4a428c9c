// What the control plane stores. Records keep the facts; presenters derive the API shapes.
// Timestamps are ISO strings so that the state file is plain JSON.
import type { MeteringLedger } from '../metering/ledger.js';

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
  /** Created (or restored) with BacktrackWindow > 0: Backtrack can't be turned on later. Absent: judged by backtrackWindow. */
  backtrackSupported?: boolean;
  /** Since when change records are kept (creation, or Backtrack re-enabled after a window of 0). */
  backtrackSince?: string;
  backtracks?: BacktrackRecord[];
  /** Role in its global database (globalClusterIdentifier): a secondary has no writer. */
  globalRole?: 'primary' | 'secondary';
  globalWriteForwarding?: boolean;
  associatedRoles?: { roleArn: string; featureName?: string; status: string }[];
  /** Switching to aurora-iopt1 is allowed once in 30 days. */
  ioOptimizedNextAllowedAt?: string;
  /** Backtrack change records kept now (BacktrackConsumedChangeRecords), when known: the meter bills them. */
  backtrackConsumedChangeRecords?: number;
}

/** One BacktrackDBCluster request (DescribeDBClusterBacktracks). */
export interface BacktrackRecord {
  id: string; // UUID
  backtrackTo: string;
  backtrackedFrom: string;
  requestedAt: string;
  status: 'pending' | 'applying' | 'completed' | 'failed';
}

/** An Aurora global database: per account, no region (its ARN has none). */
export interface GlobalClusterRecord {
  id: string; // stored lowercase
  arn: string;
  resourceId: string;
  engine: Engine;
  engineVersion: string;
  engineLifecycleSupport: string;
  databaseName?: string;
  storageEncrypted: boolean;
  deletionProtection: boolean;
  status: string;
  createdAt: string;
  /** A switchover or failover in progress (FailoverState). */
  failover?: { status: string; fromArn: string; toArn: string; dataLossAllowed: boolean };
  tags: Tag[];
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
  /** The IAM role Enhanced Monitoring would use; required with a MonitoringInterval above 0. */
  monitoringRoleArn?: string;
  performanceInsightsEnabled: boolean;
  preferredMaintenanceWindow: string;
  caCertificateIdentifier: string;
  dbParameterGroupName: string;
  tags: Tag[];
  pending: Record<string, unknown>;
  /** Why the data plane could not run this instance, when status is failed. */
  failureReason?: string;
  /** A changed static (or pending-reboot) parameter of the cluster's / the instance's parameter group waits for a reboot ('applying' once rebooted). */
  clusterParameterApply?: 'pending-reboot' | 'applying';
  parameterApply?: 'pending-reboot' | 'applying';
}

export interface EventRecord {
  id: number;
  sourceIdentifier: string;
  sourceType: 'db-cluster' | 'db-instance' | 'db-cluster-snapshot' | 'db-parameter-group';
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

export interface CustomEndpointRecord {
  id: string; // stored lowercase, unique in the region
  arn: string;
  resourceId: string;
  clusterId: string;
  customType: 'READER' | 'ANY';
  /** Members by instance resource id (robust to renames). */
  staticMembers: string[];
  excludedMembers: string[];
  status: string;
  host: string;
  tags: Tag[];
}

/** A DB cluster or DB parameter group; `default.<family>` groups are AWS's (parameterGroups.ts). */
export interface ParameterGroupRecord {
  name: string; // stored lowercase
  arn: string;
  family: string;
  description: string;
  /** Values set by ModifyDB(Cluster)ParameterGroup, by parameter name; the rest are engine defaults. */
  parameters: Record<string, { value: string; applyMethod: 'immediate' | 'pending-reboot' }>;
  tags: Tag[];
}

export interface SubnetGroupRecord {
  name: string; // stored lowercase
  arn: string;
  description: string;
  vpcId: string;
  subnetIds: string[];
  tags: Tag[];
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
  clusterEndpoints: Record<string, CustomEndpointRecord>;
  /** Only in the account's region-less partition (see globalClusters.ts). */
  globalClusters: Record<string, GlobalClusterRecord>;
  clusterParameterGroups: Record<string, ParameterGroupRecord>;
  dbParameterGroups: Record<string, ParameterGroupRecord>;
  subnetGroups: Record<string, SubnetGroupRecord>;
  /** Subnet id → Availability Zone, fixed the first time a subnet is named (subnetGroups.ts). */
  subnets: Record<string, string>;
  events: EventRecord[];
  transitions: Transition[];
  /** Cost metering (src/metering/): usage counted so far. */
  metering?: MeteringLedger;
}

export interface State {
  formatVersion: 1;
  nextId: number;
  partitions: Record<string, Partition>;
}

export const emptyState = (): State => ({ formatVersion: 1, nextId: 1, partitions: {} });
