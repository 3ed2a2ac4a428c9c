// The meter: counts what each cluster really ran and stored, into the ledger of its partition.
// - Instance-hours come from the lifecycle: after every lifecycle step the meter compares the
//   records with its open intervals (opens one when an instance starts running, closes it when
//   the instance stops or its deletion begins, splits it when its class, ACUs or role change).
//   Every status change that starts or ends billing happens in a lifecycle step (creating →
//   available, stopping → stopped, starting → available, deleting → gone, modifying → available).
// - Storage and I/O come from the data plane (usage()), sampled every 10 s, after an instance
//   becomes available (the baseline) and before servers stop (stop, delete, reboot, failover).
// - Storage is integrated over time with the last size measured (a stopped cluster keeps its
//   volume and pays for it); Backtrack change records and manual snapshots likewise.
import type { DataPlane, VolumeUsage } from '../data-plane/index.js';
import type { TransitionHandler } from '../control-plane/lifecycle.js';
import type { ClusterRecord, InstanceRecord, Partition } from '../control-plane/records.js';
import type { Store } from '../control-plane/store.js';
import { clusterSpec } from '../control-plane/transitions.js';
import type { ClusterUsage, InstanceInterval, MeteringLedger } from './ledger.js';

/** Statuses in which an instance is not billed: not yet (or no longer) running. */
const unbilledStatuses = new Set(['creating', 'starting', 'stopped', 'deleting', 'failed']);
/** Lifecycle steps that stop or replace servers: usage is sampled just before them. */
const stepsThatStopServers = new Set(['cluster-stopped', 'cluster-deleted', 'instance-deleted', 'instance-rebooted', 'cluster-failover']);
/** Lifecycle steps after which servers run anew: usage is sampled just after them (the baseline). */
const stepsThatStartServers = new Set(['instance-available', 'cluster-started', 'cluster-auto-start']);

export interface MeterOptions {
  now?: () => number;
  /** How often the data plane is sampled. */
  sampleEveryMs?: number;
  log?: (line: string) => void;
}

export class Meter {
  readonly now: () => number;
  private readonly sampleEveryMs: number;
  private readonly log: (line: string) => void;
  private timer: NodeJS.Timeout | null = null;
  /** Samples run one at a time: each counts the deltas since the one before. */
  private sampling: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: Store,
    private readonly dataPlane: DataPlane,
    options: MeterOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.sampleEveryMs = options.sampleEveryMs ?? 10_000;
    this.log = options.log ?? (() => {});
  }

  /** The lifecycle's handlers, metered: samples around the steps that start and stop servers, and records every step's effect. */
  observe(handlers: Record<string, TransitionHandler>): Record<string, TransitionHandler> {
    return Object.fromEntries(
      Object.entries(handlers).map(([kind, handler]) => [
        kind,
        async (partition, transition) => {
          const cluster = this.clusterOf(partition, kind, transition.resourceId);
          if (cluster && stepsThatStopServers.has(kind)) await this.sample(partition, cluster.resourceId);
          try {
            await handler(partition, transition);
          } finally {
            if (cluster && stepsThatStartServers.has(kind) && partition.clusters[cluster.id] === cluster) await this.sample(partition, cluster.resourceId);
            else this.record(partition);
          }
        },
      ]),
    );
  }

  /** Resumes after a restart (the emulator ran nothing while it was down), then samples every sampleEveryMs. */
  start(): void {
    const now = this.now();
    for (const partition of this.store.allPartitions()) {
      const ledger = partition.metering;
      if (!ledger) continue;
      for (const usage of Object.values(ledger.clusters)) {
        for (const instance of Object.values(usage.instances)) {
          const open = instance.intervals.find((i) => i.end === undefined);
          if (!open || ledger.observedAt >= now) continue;
          open.end = Math.max(open.start, ledger.observedAt);
          instance.intervals.push({ ...open, start: now, end: undefined, continued: true });
        }
      }
      this.record(partition);
    }
    this.timer = setInterval(() => void this.sampleAll().then(() => this.store.persist()).catch(() => {}), this.sampleEveryMs);
    this.timer.unref();
  }

  /** Stops sampling; takes a last sample so that the ledger shows when the emulator stopped. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.sampleAll().catch(() => {});
  }

  /** Samples every cluster of every partition. */
  async sampleAll(): Promise<void> {
    for (const partition of this.store.allPartitions()) await this.sample(partition);
  }

  /** Asks the data plane for the clusters' volumes (all of the partition's, or one), then records. */
  sample(partition: Partition, clusterResourceId?: string): Promise<void> {
    const run = this.sampling.then(async () => {
      const measured = new Map<string, VolumeUsage>();
      for (const cluster of Object.values(partition.clusters)) {
        if (clusterResourceId && cluster.resourceId !== clusterResourceId) continue;
        const usage = await this.dataPlane.usage(clusterSpec(partition, cluster)).catch(() => undefined);
        if (usage) measured.set(cluster.resourceId, usage);
      }
      this.record(partition, measured);
    });
    this.sampling = run.catch((error) => this.log(`metering: sampling failed: ${error?.stack ?? error}`));
    return this.sampling;
  }

  /**
   * Brings the partition's ledger up to now: integrates storage, snapshots and Backtrack up to
   * now with the values held so far, then takes the records' (and the measurements') new values,
   * and opens or closes instance intervals.
   */
  record(partition: Partition, measured = new Map<string, VolumeUsage>()): void {
    const now = this.now();
    const ledger = (partition.metering ??= { since: now, observedAt: now, clusters: {}, snapshots: {} } satisfies MeteringLedger);
    for (const usage of Object.values(ledger.clusters)) integrate(usage, now);

    for (const cluster of Object.values(partition.clusters)) {
      const usage = (ledger.clusters[cluster.resourceId] ??= newClusterUsage(cluster, now));
      usage.clusterId = cluster.id;
      usage.storageType = cluster.storageType;
      usage.backtrackChangeRecords = cluster.backtrackConsumedChangeRecords ?? 0;
      const volume = measured.get(cluster.resourceId);
      if (volume) this.count(usage, volume, this.secondariesOf(cluster));
    }
    const live = new Set(Object.values(partition.clusters).map((c) => c.resourceId));
    for (const [resourceId, usage] of Object.entries(ledger.clusters)) {
      if (live.has(resourceId) || usage.deletedAt !== undefined) continue;
      usage.deletedAt = now; // the volume goes with the cluster; its manual snapshots stay
      usage.volumeBytes = 0;
      usage.backtrackChangeRecords = 0;
    }

    this.recordSnapshots(partition, ledger);
    this.recordInstances(partition, ledger, now);
    ledger.observedAt = now;
  }

  /** Adds the I/Os done since the last sample; a counter that went back started again from 0 (a server restarted). */
  private count(usage: ClusterUsage, volume: VolumeUsage, secondaries: number): void {
    usage.measured = true;
    usage.volumeBytes = volume.volumeBytes;
    const last = usage.lastCounters;
    if (last) {
      const since = (now: number, before: number) => (now >= before ? now - before : now);
      const writes = since(volume.writeIOs, last.writeIOs);
      usage.readIOs += since(volume.readIOs, last.readIOs);
      usage.writeIOs += writes;
      usage.replicatedWriteIOs += writes * secondaries;
    }
    // The first sample is the baseline: what happened before metering (initdb, a restored copy) is not this cluster's.
    usage.lastCounters = { readIOs: volume.readIOs, writeIOs: volume.writeIOs };
  }

  /** A global database's primary replicates its writes to each secondary cluster (billed per replicated write I/O). */
  private secondariesOf(cluster: ClusterRecord): number {
    if (cluster.globalRole !== 'primary' || !cluster.globalClusterIdentifier) return 0;
    let count = 0;
    for (const partition of this.store.allPartitions()) {
      for (const other of Object.values(partition.clusters)) {
        if (other.globalClusterIdentifier === cluster.globalClusterIdentifier && other.globalRole === 'secondary') count++;
      }
    }
    return count;
  }

  /** Manual snapshots: each is the size of its cluster's volume when first seen (a full copy). */
  private recordSnapshots(partition: Partition, ledger: MeteringLedger): void {
    const present = new Set<string>();
    for (const snapshot of Object.values(partition.clusterSnapshots)) {
      if (snapshot.snapshotType !== 'manual' || snapshot.status !== 'available') continue;
      present.add(snapshot.arn);
      if (ledger.snapshots[snapshot.arn]) continue;
      const owner =
        partition.clusters[snapshot.clusterId]?.resourceId ??
        Object.entries(ledger.clusters)
          .filter(([, usage]) => usage.clusterId === snapshot.clusterId)
          .sort((a, b) => b[1].firstSeenAt - a[1].firstSeenAt)[0]?.[0];
      if (!owner || !ledger.clusters[owner]) continue;
      ledger.snapshots[snapshot.arn] = { clusterResourceId: owner, bytes: ledger.clusters[owner].volumeBytes };
    }
    for (const arn of Object.keys(ledger.snapshots)) if (!present.has(arn)) delete ledger.snapshots[arn];
    for (const usage of Object.values(ledger.clusters)) usage.snapshotBytes = 0;
    for (const { clusterResourceId, bytes } of Object.values(ledger.snapshots)) {
      const usage = ledger.clusters[clusterResourceId];
      if (usage) usage.snapshotBytes += bytes;
    }
  }

  private recordInstances(partition: Partition, ledger: MeteringLedger, now: number): void {
    const seen = new Set<string>();
    for (const instance of Object.values(partition.instances)) {
      const cluster = partition.clusters[instance.clusterId];
      const usage = cluster && ledger.clusters[cluster.resourceId];
      if (!usage) continue;
      seen.add(instance.resourceId);
      const metered = (usage.instances[instance.resourceId] ??= { instanceId: instance.id, intervals: [] });
      metered.instanceId = instance.id;
      const open = metered.intervals.find((i) => i.end === undefined);
      if (unbilledStatuses.has(instance.status)) {
        if (open) open.end = now;
        continue;
      }
      const running = runningAs(instance, cluster);
      if (!open) {
        metered.intervals.push({ ...running, start: now });
      } else if (open.instanceClass !== running.instanceClass || open.acu !== running.acu || open.isWriter !== running.isWriter) {
        open.end = now;
        // A new class is a billable change (a new 10-minute minimum); ACUs or role are not.
        metered.intervals.push({ ...running, start: now, continued: open.instanceClass === running.instanceClass || undefined });
      }
    }
    // Instances whose record is gone (deleted, or their cluster with them) stop running.
    for (const usage of Object.values(ledger.clusters)) {
      for (const [resourceId, metered] of Object.entries(usage.instances)) {
        if (seen.has(resourceId)) continue;
        const open = metered.intervals.find((i) => i.end === undefined);
        if (open) open.end = now;
      }
    }
  }

  private clusterOf(partition: Partition, kind: string, resourceId: string): ClusterRecord | undefined {
    if (kind.startsWith('instance-')) {
      const instance = partition.instances[resourceId];
      return instance && partition.clusters[instance.clusterId];
    }
    return partition.clusters[resourceId];
  }
}

function newClusterUsage(cluster: ClusterRecord, now: number): ClusterUsage {
  return {
    clusterId: cluster.id,
    engine: cluster.engine,
    storageType: cluster.storageType,
    firstSeenAt: now,
    integratedTo: now,
    measured: false,
    volumeBytes: 0,
    volumeByteMs: 0,
    snapshotBytes: 0,
    backupBeyondFreeByteMs: 0,
    readIOs: 0,
    writeIOs: 0,
    replicatedWriteIOs: 0,
    backtrackChangeRecords: 0,
    backtrackRecordMs: 0,
    instances: {},
  };
}

/** Adds the time since the last integration at the values held over it. */
function integrate(usage: ClusterUsage, now: number): void {
  const elapsed = Math.max(0, now - usage.integratedTo);
  usage.volumeByteMs += usage.volumeBytes * elapsed;
  // Backup storage is free up to the size of the cluster volume (100% of it); a deleted cluster has none.
  usage.backupBeyondFreeByteMs += Math.max(0, usage.snapshotBytes - usage.volumeBytes) * elapsed;
  usage.backtrackRecordMs += usage.backtrackChangeRecords * elapsed;
  usage.integratedTo = Math.max(usage.integratedTo, now);
}

/** What an instance is billed as right now. Serverless v2 has no real scaling here: idle at MinCapacity. */
function runningAs(instance: InstanceRecord, cluster: ClusterRecord): Omit<InstanceInterval, 'start'> {
  if (instance.instanceClass === 'db.serverless') {
    return { instanceClass: instance.instanceClass, acu: cluster.serverlessV2?.MinCapacity ?? 0.5, isWriter: instance.isWriter };
  }
  return { instanceClass: instance.instanceClass, isWriter: instance.isWriter };
}
