// Aurora global databases. A global cluster belongs to an account, not to a region (its ARN,
// arn:aws:rds::ACCOUNT:global-cluster:ID, has none), so it lives in the account's region-less
// partition, which every region of the account reads. Membership is kept on the member
// clusters (globalClusterIdentifier, globalRole) in their own regions; the global cluster's
// GlobalClusterMembers are derived from them.
import { randomBytes } from 'node:crypto';
import { fault, invalidParameterCombination } from '../protocol/errors.js';
import type { OperationContext } from './context.js';
import { recordEvent } from './events.js';
import { endpointSuffix, parseArn } from './naming.js';
import { clusterMembers } from './presenters.js';
import type { ClusterRecord, Engine, GlobalClusterRecord, Partition } from './records.js';
import type { Store } from './store.js';

/** The region of the account's partition that holds its global clusters. */
export const globalRegion = '';

/** Aurora global databases span at most five secondary regions (Aurora User Guide). */
export const maxSecondaryRegions = 5;

export const globalClusterArn = (account: string, id: string) => `arn:aws:rds::${account}:global-cluster:${id}`;
export const newGlobalClusterResourceId = () => `cluster-${randomBytes(8).toString('hex')}`;
const globalEndpoint = (account: string, id: string) => `${id}.global-${endpointSuffix(account, 'global')}.global.rds.amazonaws.com`;

export const globalPartition = (store: Store, account: string): Partition => store.partition(account, globalRegion);

export function findGlobalCluster(store: Store, account: string, idOrArn: string): GlobalClusterRecord | undefined {
  let id = idOrArn;
  if (idOrArn.startsWith('arn:')) {
    const arn = parseArn(idOrArn);
    if (!arn || arn.resourceType !== 'global-cluster' || arn.account !== account || arn.region !== '') return undefined;
    id = arn.resourceId;
  }
  return globalPartition(store, account).globalClusters[id.toLowerCase()];
}

export function requireGlobalCluster(store: Store, account: string, idOrArn: string): GlobalClusterRecord {
  const global = findGlobalCluster(store, account, idOrArn);
  // Wording inferred, after DBCluster's "DBCluster <id> not found.".
  if (!global) throw fault('GlobalClusterNotFoundFault', `GlobalCluster ${idOrArn} not found.`);
  return global;
}

export interface Located {
  partition: Partition;
  cluster: ClusterRecord;
}

/** The account's regional partitions (every region it has used). */
const regionalPartitions = (store: Store, account: string) =>
  store.allPartitions().filter((p) => p.account === account && p.region !== globalRegion);

/** The global cluster's members, the primary first, then by region. */
export function globalMembers(store: Store, account: string, globalId: string): Located[] {
  const found: Located[] = [];
  for (const partition of regionalPartitions(store, account)) {
    for (const cluster of Object.values(partition.clusters)) if (cluster.globalClusterIdentifier === globalId) found.push({ partition, cluster });
  }
  return found.sort(
    (a, b) => Number(b.cluster.globalRole === 'primary') - Number(a.cluster.globalRole === 'primary') || a.partition.region.localeCompare(b.partition.region),
  );
}

export const primaryOf = (members: Located[]) => members.find((m) => m.cluster.globalRole === 'primary');

/**
 * A DB cluster named by ARN (any region of the account) or by identifier (the caller's region),
 * as the global operations take them (TargetDbClusterIdentifier, SourceDBClusterIdentifier, …).
 */
export function findClusterAnywhere(ctx: OperationContext, idOrArn: string): Located | undefined {
  if (!idOrArn.startsWith('arn:')) {
    const cluster = ctx.partition.clusters[idOrArn.toLowerCase()];
    return cluster && { partition: ctx.partition, cluster };
  }
  const arn = parseArn(idOrArn);
  if (!arn || arn.resourceType !== 'cluster' || arn.account !== ctx.account || !arn.region) return undefined;
  const partition = ctx.store.partition(ctx.account, arn.region);
  const cluster = partition.clusters[arn.resourceId.toLowerCase()];
  return cluster && { partition, cluster };
}

export function presentGlobalCluster(store: Store, account: string, global: GlobalClusterRecord) {
  const members = globalMembers(store, account, global.id);
  const secondaries = members.filter((m) => m.cluster.globalRole !== 'primary');
  return {
    GlobalClusterIdentifier: global.id,
    GlobalClusterResourceId: global.resourceId,
    GlobalClusterArn: global.arn,
    Status: global.status,
    Engine: global.engine,
    EngineVersion: global.engineVersion,
    EngineLifecycleSupport: global.engineLifecycleSupport,
    DatabaseName: global.databaseName,
    StorageEncrypted: global.storageEncrypted,
    StorageEncryptionType: global.storageEncrypted ? 'sse-kms' : 'none',
    DeletionProtection: global.deletionProtection,
    GlobalClusterMembers: members.map(({ cluster }) => {
      const primary = cluster.globalRole === 'primary';
      return {
        DBClusterArn: cluster.arn,
        Readers: primary ? secondaries.map((s) => s.cluster.arn) : [],
        IsWriter: primary,
        GlobalWriteForwardingStatus: primary ? undefined : cluster.globalWriteForwarding ? 'enabled' : 'disabled',
        SynchronizationStatus: 'connected',
      };
    }),
    Endpoint: globalEndpoint(account, global.id),
    FailoverState: global.failover && {
      Status: global.failover.status,
      FromDbClusterArn: global.failover.fromArn,
      ToDbClusterArn: global.failover.toArn,
      IsDataLossAllowed: global.failover.dataLossAllowed,
    },
    TagList: global.tags,
  };
}

/** What CreateDBCluster with GlobalClusterIdentifier joins as. */
export interface GlobalMembership {
  globalClusterIdentifier: string;
  role: 'primary' | 'secondary';
  engineVersion: string;
  /** A secondary takes these from the primary (its data is the primary's). */
  masterUsername?: string;
  masterUserPassword?: string;
  databaseName?: string;
}

/**
 * CreateDBCluster with GlobalClusterIdentifier: the first cluster becomes the primary, the next
 * ones secondaries (one per region, at most five). A secondary takes its database name and
 * master user from the primary: AWS refuses them ("Cannot specify … for cross region
 * replication cluster", its own wording). Other wordings are inferred.
 */
export function globalMembershipFor(
  ctx: OperationContext,
  input: { GlobalClusterIdentifier: string; EngineVersion?: string; DatabaseName?: string; MasterUsername?: string; MasterUserPassword?: string },
  engine: Engine,
  resolveVersion: (version: string | undefined) => string,
): GlobalMembership {
  const global = requireGlobalCluster(ctx.store, ctx.account, input.GlobalClusterIdentifier);
  if (global.status !== 'available') {
    throw fault('InvalidGlobalClusterStateFault', `Global cluster ${global.id} is in ${global.status} state but expected it to be one of available.`);
  }
  if (engine !== global.engine) {
    throw invalidParameterCombination(`The engine name requested for your DB cluster (${engine}) doesn't match the engine of global cluster ${global.id} (${global.engine}).`);
  }
  const engineVersion = resolveVersion(input.EngineVersion ?? global.engineVersion);
  if (engineVersion !== global.engineVersion) {
    throw invalidParameterCombination(
      `The engine version that you requested for your DB cluster (${engineVersion}) does not match the engine version of global cluster ${global.id} (${global.engineVersion}).`,
    );
  }
  const members = globalMembers(ctx.store, ctx.account, global.id);
  const primary = primaryOf(members);
  if (!primary) return { globalClusterIdentifier: global.id, role: 'primary', engineVersion, databaseName: global.databaseName };

  if (input.DatabaseName !== undefined) throw invalidParameterCombination('Cannot specify database name for cross region replication cluster');
  if (input.MasterUsername !== undefined) throw invalidParameterCombination('Cannot specify user name for cross region replication cluster');
  if (input.MasterUserPassword !== undefined) throw invalidParameterCombination('Cannot specify password for cross region replication cluster');
  if (members.some((m) => m.partition.region === ctx.region)) {
    throw fault('InvalidGlobalClusterStateFault', `Global cluster ${global.id} already has a member in ${ctx.region}: each region holds at most one of its clusters.`);
  }
  if (members.length - 1 >= maxSecondaryRegions) {
    throw fault('InvalidGlobalClusterStateFault', `Global cluster ${global.id} already has ${maxSecondaryRegions} secondary regions, the most a global database can have.`);
  }
  return {
    globalClusterIdentifier: global.id,
    role: 'secondary',
    engineVersion,
    masterUsername: primary.cluster.masterUsername,
    masterUserPassword: primary.cluster.masterUserPassword,
    databaseName: primary.cluster.databaseName,
  };
}

/**
 * Switchover (no data loss) or failover (AllowDataLoss): the target secondary becomes the
 * primary and the old primary a secondary. The global cluster shows failing-over or
 * switching-over, and FailoverState pending, then in progress; the roles change when the
 * steps come due, one in each region involved (see clusterFeatureTransitions.ts).
 */
export function startGlobalFailover(ctx: OperationContext, global: GlobalClusterRecord, targetIdentifier: string, dataLossAllowed: boolean): void {
  if (global.status !== 'available') {
    throw fault('InvalidGlobalClusterStateFault', `Global cluster ${global.id} is in ${global.status} state but expected it to be one of available.`);
  }
  const members = globalMembers(ctx.store, ctx.account, global.id);
  const target = findClusterAnywhere(ctx, targetIdentifier);
  if (!target) throw fault('DBClusterNotFoundFault', `DBCluster ${targetIdentifier} not found.`);
  if (target.cluster.globalClusterIdentifier !== global.id) {
    throw fault('InvalidDBClusterStateFault', `DB cluster ${target.cluster.arn} is not a member of global cluster ${global.id}.`);
  }
  const primary = primaryOf(members);
  if (target.cluster.globalRole === 'primary' || !primary) {
    throw fault('InvalidDBClusterStateFault', `DB cluster ${target.cluster.arn} is already the primary cluster of global cluster ${global.id}.`);
  }
  for (const { cluster } of [primary, target]) {
    if (cluster.status !== 'available') {
      throw fault('InvalidDBClusterStateFault', `DbCluster ${cluster.id} is in ${cluster.status} state but expected it to be one of available.`);
    }
  }
  // A secondary without a running instance cannot take writes (AWS refuses it too; wording ours).
  if (!clusterMembers(target.partition, target.cluster.id).some((m) => m.status === 'available')) {
    throw fault('InvalidDBClusterStateFault', `DB cluster ${target.cluster.arn} has no available DB instance to become the writer of global cluster ${global.id}.`);
  }
  const delay = ctx.config.delays.globalFailoverMs;
  global.status = dataLossAllowed ? 'failing-over' : 'switching-over';
  global.failover = { status: 'pending', fromArn: primary.cluster.arn, toArn: target.cluster.arn, dataLossAllowed };
  // Events are per region: each cluster involved records the ones about it (which cluster AWS
  // reports them on is not documented; we report them on both).
  if (!dataLossAllowed) {
    for (const { partition, cluster } of [primary, target]) {
      recordGlobalEvent(partition, cluster, `Global switchover to DB cluster ${target.cluster.id} in Region ${target.partition.region} started.`, 'RDS-EVENT-0181');
    }
  }
  const mode = dataLossAllowed ? 'failover' : 'switchover';
  const globalPart = globalPartition(ctx.store, ctx.account);
  ctx.lifecycle.schedule(globalPart, 'global-cluster-failover-progress', global.id, delay / 2);
  ctx.lifecycle.schedule(primary.partition, `global-${mode}-demote`, primary.cluster.id, delay);
  ctx.lifecycle.schedule(target.partition, `global-${mode}-promote`, target.cluster.id, delay);
  ctx.lifecycle.schedule(globalPart, 'global-cluster-failover-completed', global.id, delay);
}

export function recordGlobalEvent(partition: Partition, cluster: ClusterRecord, message: string, eventId: string): void {
  recordEvent(partition, { sourceIdentifier: cluster.id, sourceType: 'db-cluster', sourceArn: cluster.arn, message, categories: ['global failover'], eventId });
}
