// What the meter has counted, kept in each partition of the control-plane state (so it survives
// restarts with --data-dir and goes with POST /_aurora/reset). Times are epoch milliseconds.
// Usage outlives its cluster: a deleted cluster still cost what it ran.

/** One stretch of an instance running with the same class, ACUs and role. */
export interface InstanceInterval {
  instanceClass: string;
  /** db.serverless: the ACUs billed (the cluster's MinCapacity, as no real scaling happens). */
  acu?: number;
  isWriter: boolean;
  start: number;
  end?: number;
  /** Carries on the previous stretch (ACUs or role changed, the emulator restarted): no new 10-minute minimum. */
  continued?: boolean;
}

export interface InstanceUsage {
  instanceId: string;
  intervals: InstanceInterval[];
}

export interface ClusterUsage {
  clusterId: string;
  engine: 'aurora-postgresql' | 'aurora-mysql';
  storageType: string;
  firstSeenAt: number;
  deletedAt?: number;
  /** Until when the integrals below run. */
  integratedTo: number;
  /** The data plane has reported this cluster's storage and I/O at least once. */
  measured: boolean;
  volumeBytes: number;
  /** ∫ volume bytes dt (byte-milliseconds). */
  volumeByteMs: number;
  /** Manual snapshots of this cluster: their bytes now, and ∫ max(0, snapshot bytes − volume bytes) dt. */
  snapshotBytes: number;
  backupBeyondFreeByteMs: number;
  /** Read and write I/Os in AWS's billing units, since metering began. */
  readIOs: number;
  writeIOs: number;
  /** Write I/Os of a global database's primary times its secondary clusters. */
  replicatedWriteIOs: number;
  /** The data plane's cumulative counters at the last sample (deltas are counted). */
  lastCounters?: { readIOs: number; writeIOs: number };
  /** Backtrack change records kept now, and ∫ records dt. */
  backtrackChangeRecords: number;
  backtrackRecordMs: number;
  /** By instance resource id. */
  instances: Record<string, InstanceUsage>;
}

export interface MeteringLedger {
  since: number;
  /** The last time the meter looked: an emulator that stopped ran nothing after it. */
  observedAt: number;
  /** By cluster resource id. */
  clusters: Record<string, ClusterUsage>;
  /** Manual snapshots by ARN: their size (the cluster volume when first seen) and whose they are. */
  snapshots: Record<string, { clusterResourceId: string; bytes: number }>;
}
