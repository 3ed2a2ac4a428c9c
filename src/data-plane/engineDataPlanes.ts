// `--data-plane postgres`: real servers for both engines. Each call goes to the data plane of
// the cluster's engine — PostgreSQL (postgresDataPlane.ts) for aurora-postgresql, MariaDB
// (mysqlDataPlane.ts) for aurora-mysql; each of them leaves the other engine's clusters alone.
// Both engines' clusters have a storage volume (one Volumes, shared), metrics and point-in-time
// images; Backtrack is MySQL's.
import type {
  ClusterEndpoints,
  ClusterSpec,
  CustomEndpointSpec,
  DataPlane,
  DataPlaneView,
  InstanceExitListener,
  InstancePlacement,
  InstanceSpec,
  ReplicaLagReport,
  StorageControl,
  VolumeUsage,
} from './index.js';
import type { MysqlDataPlane } from './mysqlDataPlane.js';
import type { PostgresDataPlane } from './postgresDataPlane.js';

export class EngineDataPlanes implements DataPlane {
  readonly mode = 'postgres';

  constructor(
    readonly postgres: PostgresDataPlane,
    readonly mysql: MysqlDataPlane,
  ) {}

  private planeFor(cluster: ClusterSpec): DataPlane {
    return cluster.engine === 'aurora-mysql' ? this.mysql : this.postgres;
  }

  attachCluster(cluster: ClusterSpec, requested: ClusterEndpoints): Promise<ClusterEndpoints> {
    return this.planeFor(cluster).attachCluster(cluster, requested);
  }
  attachCustomEndpoint(cluster: ClusterSpec, endpoint: CustomEndpointSpec, requestedHost: string): Promise<string> {
    return this.planeFor(cluster).attachCustomEndpoint(cluster, endpoint, requestedHost);
  }
  detachCustomEndpoint(cluster: ClusterSpec, key: string): Promise<void> {
    return this.planeFor(cluster).detachCustomEndpoint(cluster, key);
  }
  placeInstance(spec: Omit<InstanceSpec, 'host' | 'port'>, requested: InstancePlacement): Promise<InstancePlacement> {
    return this.planeFor(spec.cluster).placeInstance(spec, requested);
  }
  startInstance(spec: InstanceSpec): Promise<void> {
    return this.planeFor(spec.cluster).startInstance(spec);
  }
  stopInstance(spec: InstanceSpec): Promise<void> {
    return this.planeFor(spec.cluster).stopInstance(spec);
  }
  deleteInstance(spec: InstanceSpec): Promise<void> {
    return this.planeFor(spec.cluster).deleteInstance(spec);
  }
  rebootInstance(spec: InstanceSpec): Promise<void> {
    return this.planeFor(spec.cluster).rebootInstance(spec);
  }
  deleteCluster(cluster: ClusterSpec): Promise<void> {
    return this.planeFor(cluster).deleteCluster(cluster);
  }
  setMasterPassword(cluster: ClusterSpec, password: string): Promise<void> {
    return this.planeFor(cluster).setMasterPassword(cluster, password);
  }
  snapshotCluster(cluster: ClusterSpec, snapshotKey: string): Promise<void> {
    return this.planeFor(cluster).snapshotCluster(cluster, snapshotKey);
  }
  /** Snapshot keys are unique: each data plane copies or deletes only the keys it holds. */
  async copySnapshot(fromKey: string, toKey: string): Promise<void> {
    await this.postgres.copySnapshot(fromKey, toKey);
    await this.mysql.copySnapshot(fromKey, toKey);
  }
  async deleteSnapshot(snapshotKey: string): Promise<void> {
    await Promise.all([this.postgres.deleteSnapshot(snapshotKey), this.mysql.deleteSnapshot(snapshotKey)]);
  }
  async pointInTimeImage(
    cluster: ClusterSpec,
    baseSnapshot: { key: string; takenAt: Date } | undefined,
    at: Date,
    intoKey: string,
  ): Promise<{ lsn: string; lastCommitTime: string | null } | undefined> {
    if (cluster.engine === 'aurora-mysql') return this.mysql.pointInTimeImage(cluster, baseSnapshot, at, intoKey);
    return this.postgres.pointInTimeImage(cluster, baseSnapshot, at, intoKey);
  }
  failover(cluster: ClusterSpec, to: InstanceSpec, from?: InstanceSpec): Promise<void> {
    return this.planeFor(cluster).failover(cluster, to, from);
  }
  stopCluster(cluster: ClusterSpec, instances: InstanceSpec[]): Promise<void> {
    return this.planeFor(cluster).stopCluster(cluster, instances);
  }
  startCluster(cluster: ClusterSpec, instances: InstanceSpec[]): Promise<void> {
    return this.planeFor(cluster).startCluster(cluster, instances);
  }
  replicaLag(cluster: ClusterSpec): Promise<ReplicaLagReport[]> {
    return this.planeFor(cluster).replicaLag(cluster);
  }
  inspect(cluster: ClusterSpec): Promise<DataPlaneView> {
    return this.planeFor(cluster).inspect(cluster);
  }
  usage(cluster: ClusterSpec): Promise<VolumeUsage | undefined> {
    return this.planeFor(cluster).usage(cluster);
  }
  async backtrack(cluster: ClusterSpec, to: Date): Promise<{ changeRecords: number }> {
    if (cluster.engine !== 'aurora-mysql') return { changeRecords: 0 };
    return this.mysql.backtrack(cluster, to);
  }
  onInstanceExit(listener: InstanceExitListener): void {
    this.postgres.onInstanceExit(listener);
    this.mysql.onInstanceExit(listener);
  }
  get storage(): StorageControl {
    return this.postgres.storage;
  }
  async metrics(cluster: ClusterSpec): Promise<Record<string, unknown> | undefined> {
    return cluster.engine === 'aurora-mysql' ? this.mysql.metrics(cluster) : this.postgres.metrics(cluster);
  }
  /** MariaDB first: its writers stop waiting on their volumes before the (shared) volumes close. */
  async close(): Promise<void> {
    await this.mysql.close();
    await this.postgres.close();
  }
}
