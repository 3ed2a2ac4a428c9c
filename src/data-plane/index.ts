// The data plane as the control plane sees it: a small interface in RDS-free terms.
// The control plane says what should run; the data plane runs it (or, in `none` mode,
// nothing) and reports where clients reach it. It knows nothing of HTTP, XML or records.

export interface ClusterSpec {
  account: string;
  region: string;
  clusterId: string;
  /** Stable across renames: data directories are named after it. */
  resourceId: string;
  engine: 'aurora-postgresql' | 'aurora-mysql';
  port: number;
  masterUsername?: string;
  masterUserPassword?: string;
  databaseName?: string;
  /** The snapshot a restored cluster's first writer starts from. */
  restoreFromSnapshot?: string;
  /** A secondary cluster of a global database: it has no writer of its own. */
  globalSecondary?: boolean;
}

export interface InstanceSpec {
  cluster: ClusterSpec;
  instanceId: string;
  resourceId: string;
  isWriter: boolean;
  /** Where the instance's own endpoint listens (from placeInstance). */
  host: string;
  port: number;
}

/** The cluster-wide endpoints: one port shared by different host names, as on AWS. */
export interface ClusterEndpoints {
  writerHost: string;
  readerHost: string;
  port: number;
}

/** A custom endpoint's membership; instances are named by their resource ids. */
export interface CustomEndpointSpec {
  key: string; // stable: the endpoint's resource id
  type: 'READER' | 'ANY';
  staticMembers: string[];
  excludedMembers: string[];
}

export interface InstancePlacement {
  host: string;
  port: number;
}

export interface ReplicaLagReport {
  instanceId: string;
  state: string;
  lagBytes: number | null;
  lagMs: number | null;
  /** Over the samples kept (one a second, the last five minutes). */
  samples?: number;
  medianLagMs?: number | null;
  p99LagMs?: number | null;
  maxLagMs?: number | null;
}

export interface DataPlaneView {
  instances: { instanceId: string; role: 'writer' | 'replica'; running: boolean; pid?: number; host: string; port: number; dataDir?: string }[];
  endpoints: { writer?: string[]; reader?: string[]; custom?: Record<string, string[] | undefined> };
}

/** A cluster volume's size and cumulative I/O counters, in AWS's billing units (see the implementation for the mapping). */
export interface VolumeUsage {
  volumeBytes: number;
  readIOs: number;
  writeIOs: number;
}

/** Something the storage volume did or suffered, for the cluster's events and statuses. */
export interface StorageEvent {
  cluster: ClusterSpec;
  kind:
    | 'repair'
    | 'corruption-detected'
    | 'write-quorum-lost'
    | 'write-quorum-restored'
    | 'read-quorum-lost'
    | 'read-quorum-restored'
    | 'storage-full'
    | 'storage-available';
  message: string;
}
export type StorageEventListener = (event: StorageEvent) => void;

/** The cluster volume's storage as JSON for the admin routes (shape in storage/clusterVolume.ts). */
export type StorageView = Record<string, unknown>;

/** Fault injection and the storage view: present only where a real volume runs. */
export interface StorageControl {
  /** Undefined when the data plane serves no volume for the cluster (aurora-mysql, `none`). */
  view(cluster: ClusterSpec): StorageView | undefined;
  /** Validates and applies a fault (JSON as sent); throws storage/faults.ts FaultError on bad input. */
  addFault(body: unknown): Promise<{ faultId: string }>;
  listFaults(): Record<string, unknown>[];
  /** Heals one fault (undefined when unknown) or all of them. */
  removeFault(faultId: string): Promise<boolean>;
  clearFaults(): Promise<number>;
  onEvent(listener: StorageEventListener): void;
}

/** Told to the control plane when a server stops without being asked to (a crash, kill -9). */
export type InstanceExitListener = (cluster: ClusterSpec, instanceResourceId: string, reason: string) => void;

export interface DataPlane {
  readonly mode: string;
  /** Opens the cluster's endpoints; `requested` are the values on record (kept when possible). */
  attachCluster(cluster: ClusterSpec, requested: ClusterEndpoints): Promise<ClusterEndpoints>;
  /** Opens (or re-points) a custom endpoint on the cluster's port; returns its host. */
  attachCustomEndpoint(cluster: ClusterSpec, endpoint: CustomEndpointSpec, requestedHost: string): Promise<string>;
  detachCustomEndpoint(cluster: ClusterSpec, key: string): Promise<void>;
  /** Chooses where an instance's endpoint listens; `requested` are the values on record. */
  placeInstance(spec: Omit<InstanceSpec, 'host' | 'port'>, requested: InstancePlacement): Promise<InstancePlacement>;
  /** Makes the instance's server run (creating its data when it has none); resolves once it accepts connections. */
  startInstance(spec: InstanceSpec): Promise<void>;
  stopInstance(spec: InstanceSpec): Promise<void>;
  /** Stops the instance and removes its data. */
  deleteInstance(spec: InstanceSpec): Promise<void>;
  rebootInstance(spec: InstanceSpec): Promise<void>;
  /** Stops every server of the cluster, closes its endpoints and removes its data. */
  deleteCluster(cluster: ClusterSpec): Promise<void>;
  setMasterPassword(cluster: ClusterSpec, password: string): Promise<void>;
  /** Keeps a consistent copy of the cluster's data under `snapshotKey` (the data as of the call). */
  snapshotCluster(cluster: ClusterSpec, snapshotKey: string): Promise<void>;
  copySnapshot(fromKey: string, toKey: string): Promise<void>;
  deleteSnapshot(snapshotKey: string): Promise<void>;
  /**
   * Point-in-time restore: writes into snapshot `intoKey` the cluster's data as of `at`
   * (only transactions committed before it), from the newest base image at or before it
   * (`baseSnapshot`, or one the volume took itself) and the volume's retained log.
   * Undefined when this data plane has no base image or log for it.
   */
  pointInTimeImage?(
    cluster: ClusterSpec,
    baseSnapshot: { key: string; takenAt: Date } | undefined,
    at: Date,
    intoKey: string,
  ): Promise<{ lsn: string; lastCommitTime: string | null } | undefined>;
  /**
   * Backtrack: rewinds the cluster's data in place to `to` (what was committed before it stays),
   * dropping client connections meanwhile; resolves with the change records reverted.
   * Undefined where the data plane cannot rewind (the control plane then changes records only).
   */
  backtrack?(cluster: ClusterSpec, to: Date): Promise<{ changeRecords: number }>;
  /** Makes `to` the writer; the old writer (if any) comes back as a replica. */
  failover(cluster: ClusterSpec, to: InstanceSpec, from?: InstanceSpec): Promise<void>;
  stopCluster(cluster: ClusterSpec, instances: InstanceSpec[]): Promise<void>;
  startCluster(cluster: ClusterSpec, instances: InstanceSpec[]): Promise<void>;
  replicaLag(cluster: ClusterSpec): Promise<ReplicaLagReport[]>;
  /** What runs for the cluster: each instance's server (pid, address, role) and endpoint targets. */
  inspect(cluster: ClusterSpec): Promise<DataPlaneView>;
  /** What the cluster's volume holds and the I/Os it has done (cumulative), for cost metering; undefined when nothing runs to ask. */
  usage(cluster: ClusterSpec): Promise<VolumeUsage | undefined>;
  onInstanceExit(listener: InstanceExitListener): void;
  /** The storage volume's view and fault injection, where the data plane has a volume. */
  readonly storage?: StorageControl;
  /** CloudWatch-like figures for the cluster (volume bytes and I/Os, replica lag, commit latency, repairs). */
  metrics?(cluster: ClusterSpec): Promise<Record<string, unknown> | undefined>;
  close(): Promise<void>;
}

/** `--data-plane none`: the control plane alone, for API contract tests. */
export class NoDataPlane implements DataPlane {
  readonly mode = 'none';
  async attachCluster(_cluster: ClusterSpec, requested: ClusterEndpoints) {
    return requested;
  }
  async attachCustomEndpoint(_cluster: ClusterSpec, _endpoint: CustomEndpointSpec, requestedHost: string) {
    return requestedHost;
  }
  async detachCustomEndpoint(): Promise<void> {}
  async placeInstance(_spec: unknown, requested: InstancePlacement) {
    return requested;
  }
  async startInstance(): Promise<void> {}
  async stopInstance(): Promise<void> {}
  async deleteInstance(): Promise<void> {}
  async rebootInstance(): Promise<void> {}
  async deleteCluster(): Promise<void> {}
  async setMasterPassword(): Promise<void> {}
  async snapshotCluster(): Promise<void> {}
  async copySnapshot(): Promise<void> {}
  async deleteSnapshot(): Promise<void> {}
  async failover(): Promise<void> {}
  async stopCluster(): Promise<void> {}
  async startCluster(): Promise<void> {}
  async replicaLag(): Promise<ReplicaLagReport[]> {
    return [];
  }
  async inspect(): Promise<DataPlaneView> {
    return { instances: [], endpoints: {} };
  }
  /** No volume runs here: the meter counts storage and I/O as 0 and says so. */
  async usage(_cluster: ClusterSpec): Promise<VolumeUsage | undefined> {
    return undefined;
  }
  onInstanceExit(): void {}
  async close(): Promise<void> {}
}
