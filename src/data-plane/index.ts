// The data plane as the control plane sees it: a small interface in RDS-free terms.
// The control plane says what should run; the data plane runs it (or, in `none` mode,
// nothing) and reports where clients reach it. It knows nothing of HTTP, XML or records.

export interface ClusterSpec {
  account: string;
  region: string;
  clusterId: string;
  engine: 'aurora-postgresql' | 'aurora-mysql';
  port: number;
  masterUsername?: string;
  masterUserPassword?: string;
  databaseName?: string;
}

export interface InstanceSpec {
  cluster: ClusterSpec;
  instanceId: string;
  isWriter: boolean;
}

export interface DataPlane {
  readonly mode: string;
  /** Starts the instance's server; resolves once it accepts connections. */
  startInstance(spec: InstanceSpec): Promise<void>;
  stopInstance(spec: InstanceSpec): Promise<void>;
  /** Stops the instance and removes its data. */
  deleteInstance(spec: InstanceSpec): Promise<void>;
  rebootInstance(spec: InstanceSpec): Promise<void>;
  deleteCluster(cluster: ClusterSpec): Promise<void>;
  /** Makes `toInstanceId` the writer; the old writer (if any) comes back as a replica. */
  failover(cluster: ClusterSpec, toInstanceId: string, fromInstanceId?: string): Promise<void>;
  stopCluster(cluster: ClusterSpec, instances: InstanceSpec[]): Promise<void>;
  startCluster(cluster: ClusterSpec, instances: InstanceSpec[]): Promise<void>;
  setMasterPassword(cluster: ClusterSpec, password: string): Promise<void>;
  close(): Promise<void>;
}

/** `--data-plane none`: the control plane alone, for API contract tests. */
export class NoDataPlane implements DataPlane {
  readonly mode = 'none';
  async startInstance(): Promise<void> {}
  async stopInstance(): Promise<void> {}
  async deleteInstance(): Promise<void> {}
  async rebootInstance(): Promise<void> {}
  async deleteCluster(): Promise<void> {}
  async failover(): Promise<void> {}
  async stopCluster(): Promise<void> {}
  async startCluster(): Promise<void> {}
  async setMasterPassword(): Promise<void> {}
  async close(): Promise<void> {}
}
