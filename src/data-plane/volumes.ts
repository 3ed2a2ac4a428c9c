// The storage volumes of one data plane: a storage fleet per region (three AZs of
// storage nodes), one ClusterVolume per cluster placed on it, the injected faults
// that take nodes down or slow them, and the events volumes raise. The admin
// routes reach it through the StorageControl interface.
import path from 'node:path';
import type { ClusterSpec, StorageControl, StorageEvent, StorageEventListener, StorageView } from './index.js';
import { ClusterVolume, type VolumeEvent, type VolumeView } from './storage/clusterVolume.js';
import { createStorageFleet, type StorageFleet } from './storage/fleet.js';
import { FaultError, StorageFaults } from './storage/faults.js';
import { volumeGeometry, type VolumeGeometry } from './storage/protectionGroups.js';
import { QuorumLogWriter } from './storage/quorumLogWriter.js';

export interface VolumeOptions {
  /** Storage nodes in each AZ of a region's fleet (at least 2). */
  nodesPerAz: number;
  /** Real bytes counted as one GiB of volume (the scale option for autoscaling tests). */
  realBytesPerGiB?: number;
  /** Logical size of a protection group (default 10 GiB). */
  protectionGroupBytes?: number;
  scrubIntervalMs?: number;
}

export class Volumes implements StorageControl {
  private readonly fleets = new Map<string, StorageFleet>();
  private readonly volumes = new Map<string, { spec: ClusterSpec; volume: ClusterVolume; storageFull?: boolean }>();
  private readonly faults: StorageFaults;
  private readonly listeners: StorageEventListener[] = [];
  private readonly geometry: VolumeGeometry;
  private readonly quietLog: (line: string) => void;

  constructor(
    private readonly options: VolumeOptions,
    private readonly dataRoot: string,
    log: (line: string) => void,
  ) {
    this.faults = new StorageFaults(options.nodesPerAz);
    this.quietLog = quietRepeats(log);
    this.geometry = volumeGeometry({ realBytesPerGiB: options.realBytesPerGiB, protectionGroupBytes: options.protectionGroupBytes });
  }

  private fleet(region: string): StorageFleet {
    let fleet = this.fleets.get(region);
    if (!fleet) this.fleets.set(region, (fleet = createStorageFleet({ region, nodesPerAz: this.options.nodesPerAz })));
    return fleet;
  }

  /**
   * The cluster's volume, opened on first use; its data lives in `dir` (default: under the
   * cluster's directory). PostgreSQL streams its WAL to the segments; for aurora-mysql the
   * volume writes the log itself (a QuorumLogWriter fed by the writer's binary log).
   */
  volumeFor(spec: ClusterSpec, dir = path.join(this.dataRoot, 'clusters', spec.resourceId, 'storage')): ClusterVolume {
    const existing = this.volumes.get(spec.resourceId);
    if (existing) {
      existing.spec = spec;
      return existing.volume;
    }
    const volume = new ClusterVolume({
      name: spec.resourceId,
      dir,
      fleet: this.fleet(spec.region),
      geometry: this.geometry,
      condition: (nodeId) => this.faults.condition(nodeId),
      scrubIntervalMs: this.options.scrubIntervalMs,
      logWriter: spec.engine === 'aurora-mysql' ? new QuorumLogWriter(spec.resourceId) : undefined,
      // The receivers' own chatter (reconnecting to a writer that stopped, say) is for debugging.
      log: (line) => (line.startsWith('[volume') || process.env.AURORA_LOCAL_STORAGE_LOG === '1' ? this.quietLog(line) : undefined),
    });
    const entry: { spec: ClusterSpec; volume: ClusterVolume; storageFull?: boolean } = { spec, volume };
    volume.on('event', (event: VolumeEvent) => this.emit({ cluster: entry.spec, kind: event.kind, message: event.message }));
    this.volumes.set(spec.resourceId, entry);
    return volume;
  }

  /**
   * Autoscaling: the volume grows and shrinks with the writer's real bytes (whole protection
   * groups). Crossing the size limit either way has `setWritable` make the writer refuse (or
   * accept) writes, then raises storage-full / storage-available: once the control plane
   * shows the instance available again, writes are accepted.
   */
  async recordUsage(spec: ClusterSpec, realBytes: number, setWritable: (writable: boolean) => Promise<unknown>, dir?: string): Promise<void> {
    const layout = this.volumeFor(spec, dir).recordUsage(realBytes);
    const entry = this.volumes.get(spec.resourceId)!;
    if (layout.storageFull === (entry.storageFull ?? false)) return;
    await setWritable(!layout.storageFull);
    entry.storageFull = layout.storageFull;
    const gib = (n: number) => `${Math.round((n / 1024 ** 3) * 10) / 10} GiB`;
    this.emit(
      layout.storageFull
        ? { cluster: spec, kind: 'storage-full', message: `The cluster volume is full: ${gib(layout.volumeBytesUsed)} used, the limit is ${gib(layout.geometry.maxVolumeBytes)}. Writes are refused until data is dropped.` }
        : { cluster: spec, kind: 'storage-available', message: `The cluster volume has room again (${gib(layout.volumeBytesUsed)} used): writes are accepted.` },
    );
  }

  /** Whether the cluster's volume is past its size limit (as last recorded). */
  isFull(spec: ClusterSpec): boolean {
    return this.volumes.get(spec.resourceId)?.storageFull ?? false;
  }

  emit(event: StorageEvent): void {
    for (const listener of this.listeners) listener(event);
  }

  onEvent(listener: StorageEventListener): void {
    this.listeners.push(listener);
  }

  view(spec: ClusterSpec): StorageView | undefined {
    const entry = this.volumes.get(spec.resourceId);
    if (!entry) return undefined;
    return { cluster: spec.clusterId, region: spec.region, ...entry.volume.view() } as unknown as StorageView;
  }

  async addFault(body: unknown): Promise<{ faultId: string }> {
    const spec = this.faults.parse(body);
    if (spec.type === 'corrupt-segment') {
      const region = (body as { region?: unknown }).region;
      const matches = [...this.volumes.values()].filter((v) => v.spec.clusterId === spec.cluster && (region === undefined || v.spec.region === region));
      if (matches.length === 0) throw new FaultError(`No cluster ${spec.cluster} with a storage volume${region ? ` in ${String(region)}` : ''} (aurora-postgresql and aurora-mysql clusters with a running writer have one)`);
      if (matches.length > 1) throw new FaultError(`Several clusters are named ${spec.cluster}: add "region"`);
      const { volume } = matches[0]!;
      if (spec.protectionGroup >= volume.layout.protectionGroups.length) {
        throw new FaultError(`The volume of ${spec.cluster} has protection groups 0 to ${volume.layout.protectionGroups.length - 1}`);
      }
      if (spec.protectionGroup !== 0) {
        throw new FaultError(`Protection group ${spec.protectionGroup} holds no log data here: the volume's log lives in protection group 0 (see README, "Storage volume")`);
      }
      const lsn = await volume.corruptSegment(spec.segment).catch((error: Error) => {
        throw new FaultError(error.message);
      });
      return { faultId: this.faults.add(spec, `flipped a byte at ${lsn}; the scrubber detects it by checksum and repairs it from peers`).faultId };
    }
    const fault = this.faults.add(spec);
    await this.applyConditions();
    return { faultId: fault.faultId };
  }

  listFaults(): Record<string, unknown>[] {
    return this.faults.list();
  }

  async removeFault(faultId: string): Promise<boolean> {
    const removed = this.faults.remove(faultId);
    if (removed) await this.applyConditions();
    return Boolean(removed);
  }

  async clearFaults(): Promise<number> {
    const count = this.faults.clear().length;
    await this.applyConditions();
    return count;
  }

  private async applyConditions(): Promise<void> {
    await Promise.all([...this.volumes.values()].map(({ volume }) => volume.applyConditions()));
  }

  /** Stops every volume's receivers (the emulator stops), or those of one cluster; the data stays. */
  async close(spec?: ClusterSpec): Promise<void> {
    const entries = [...this.volumes.entries()].filter(([key]) => !spec || key === spec.resourceId);
    await Promise.all(entries.map(([, { volume }]) => volume.close()));
    for (const [key] of entries) this.volumes.delete(key);
  }

  /** The cluster is deleted: its volume's data goes with it. */
  async destroy(spec: ClusterSpec): Promise<void> {
    const entry = this.volumes.get(spec.resourceId);
    this.volumes.delete(spec.resourceId);
    await entry?.volume.destroy();
  }
}

/** What the metrics show of a volume's health: its quorums and the repairs it made. */
export function volumeHealth(view: VolumeView) {
  return {
    writeQuorum: view.writeQuorum,
    readQuorum: view.readQuorum,
    repairs: { count: view.repairs.length, bytes: view.repairs.reduce((sum, r) => sum + r.bytesCopied, 0), recent: view.repairs.slice(-5) },
  };
}

/** A receiver retrying a dead writer says the same thing every 200 ms: log it once until it changes. */
function quietRepeats(log: (line: string) => void): (line: string) => void {
  const last = new Map<string, string>();
  return (line) => {
    const source = /^\[[^\]]+\]/.exec(line)?.[0] ?? '';
    const text = line.replace(/\d+\/[0-9A-F]+/g, 'X/X');
    if (last.get(source) === text) return;
    last.set(source, text);
    log(line);
  };
}
