// Restoring a cluster (from a snapshot, or to a point in time) is creating one with the source's
// settings and a data source: CreateDBCluster's rules (identifier, quotas, versions, parameter
// groups …) apply unchanged, and the new cluster's first writer starts from the source's data.
import { CreateDBCluster } from '../operations/CreateDBCluster.js';
import type { OperationContext } from './context.js';
import type { ClusterRecord } from './records.js';
import { presentCluster } from './presenters.js';

/** Members a restore passes through to the new cluster unchanged, as CreateDBCluster takes them. */
const passedThrough = [
  'AvailabilityZones', 'Port', 'DBSubnetGroupName', 'VpcSecurityGroupIds', 'Tags', 'KmsKeyId', 'EnableIAMDatabaseAuthentication',
  'BacktrackWindow', 'EnableCloudwatchLogsExports', 'DBClusterParameterGroupName', 'DeletionProtection', 'CopyTagsToSnapshot',
  'StorageType', 'PubliclyAccessible', 'NetworkType', 'ServerlessV2ScalingConfiguration', 'EngineMode', 'BackupRetentionPeriod',
  'PreferredBackupWindow', 'OptionGroupName', 'DBClusterInstanceClass',
];

export interface RestoreSource {
  engine: string;
  engineVersion: string;
  masterUsername?: string;
  masterUserPassword?: string;
  databaseName?: string;
  storageEncrypted: boolean;
  /** The data key the first writer starts from; undefined: an empty database. */
  dataKey?: string;
}

export async function restoreCluster(ctx: OperationContext, input: Record<string, any>, source: RestoreSource): Promise<ClusterRecord> {
  const create: Record<string, unknown> = {
    DBClusterIdentifier: input.DBClusterIdentifier,
    Engine: input.Engine ?? source.engine,
    EngineVersion: input.EngineVersion ?? source.engineVersion,
    MasterUsername: source.masterUsername,
    MasterUserPassword: source.masterUserPassword,
    DatabaseName: input.DatabaseName ?? source.databaseName,
    StorageEncrypted: source.storageEncrypted,
  };
  for (const member of passedThrough) if (input[member] !== undefined) create[member] = input[member];
  const { DBCluster } = (await CreateDBCluster(create, ctx)) as { DBCluster: { DBClusterIdentifier: string } };
  const cluster = ctx.partition.clusters[DBCluster.DBClusterIdentifier];
  cluster.restoreFromSnapshot = source.dataKey;
  return cluster;
}

export const restoredClusterOutput = (ctx: OperationContext, cluster: ClusterRecord) => ({ DBCluster: presentCluster(ctx.partition, cluster) });
