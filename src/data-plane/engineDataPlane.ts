// What the PostgreSQL and MySQL data planes (postgresDataPlane.ts, mysqlDataPlane.ts) do the same
// way, whatever the engine: the clusters they serve, their loopback addresses and endpoints, one
// operation at a time per cluster, the instance and cluster lifecycle around the engine's own
// steps (start a server, stop one, what an instance leaves behind), the snapshot and volume
// directories, the first base image, the once-a-second sampling, metrics, inspect and close.
// The engine's steps are the protected abstract hooks below; what differs in substance
// (failover, snapshots, point-in-time images, Backtrack) stays in each engine's file, which
// implements DataPlane.
import fs from 'node:fs/promises';
import path from 'node:path';
import { copyDataDir } from './compute/dataDirCopy.js';
import type { ServerUser } from './compute/osUser.js';
import { ClusterNetwork } from './endpoints/clusterNetwork.js';
import type { LoopbackAllocator } from './endpoints/loopback.js';
import { inspectCluster, type RuntimeCluster, type RuntimeInstance, runInCluster, withLagStatistics, writerOf } from './clusterRuntime.js';
import { takeFirstBaseImage } from './baseImages.js';
import type { IoWindow } from './samples.js';
import type { ServerProcess } from './serverProcess.js';
import type { ClusterVolume } from './storage/clusterVolume.js';
import { volumeHealth, type Volumes } from './volumes.js';
import type {
  ClusterEndpoints,
  ClusterSpec,
  CustomEndpointSpec,
  DataPlaneView,
  InstanceExitListener,
  InstancePlacement,
  InstanceSpec,
  ReplicaLagReport,
  VolumeUsage,
} from './index.js';

export interface EngineInstance extends RuntimeInstance {
  server?: { server: ServerProcess };
  /** Set while we stop the server on purpose, so its exit is not taken for a crash. */
  stopping: boolean;
}

/** An instance as placeInstance records it, before the engine adds its own fields. */
export type PlacedInstance = Omit<EngineInstance, 'server'>;

/** The queue (a failover and a reboot must not interleave), instances and lag samples: clusterRuntime.ts. */
export interface EngineCluster<I extends EngineInstance> extends RuntimeCluster<I> {
  spec: ClusterSpec;
  takingBaseImage?: boolean;
  /** Cumulative volume I/O counters, sampled every few seconds, for I/O rates. */
  io: IoWindow;
}

/** The part of an engine's compute environment used here: the account its servers run as. */
export interface EngineEnvironment {
  runAs: ServerUser | null;
}

export abstract class EngineDataPlane<I extends EngineInstance, C extends EngineCluster<I>, E extends EngineEnvironment> {
  abstract readonly mode: string;
  protected readonly clusters = new Map<string, C>();
  private readonly listeners: InstanceExitListener[] = [];
  protected closed = false;
  /** Work not awaited by the operation that started it (base images): close() waits for it. */
  protected readonly background = new Set<Promise<void>>();
  private readonly lagTimer: NodeJS.Timeout;
  private sampling = false;
  private ticks = 0;

  protected constructor(
    protected readonly dataRoot: string,
    protected readonly ephemeral: boolean,
    protected readonly addresses: LoopbackAllocator,
    /** The storage fleet and volumes (one Volumes, shared by both engines: faults reach both). */
    protected readonly volumes: Volumes,
    protected readonly log: (line: string) => void,
  ) {
    // Replica lag and the volume's size are measured continuously, once a second, whoever is looking.
    this.lagTimer = setInterval(() => void this.sampleLag(), 1000);
    this.lagTimer.unref();
  }

  // ---- the engine's steps ----

  /** The engine's server process, for the log lines about its exit ('postgres', 'mariadbd'). */
  protected abstract readonly processName: string;
  /** What a first base image is named for: the copy's start or its completion (baseImages.ts). */
  protected abstract readonly baseImageNamedFor: 'start' | 'completion';
  /** Whether this data plane runs the cluster's servers (not the other engine's, nor metadata-only clusters). */
  protected abstract serves(spec: ClusterSpec): boolean;
  protected abstract newCluster(spec: ClusterSpec, network: ClusterNetwork): C;
  /** Called once the cluster is attached (before its endpoints are returned). */
  protected clusterAttached(_spec: ClusterSpec): void {}
  protected abstract newInstance(placed: PlacedInstance): I;
  /** The engine's binaries and the account its servers run as, prepared on first use. */
  protected abstract env(): Promise<E>;
  /** Whether a directory holds an instance's data (or the cluster's, kept after its last instance). */
  protected abstract hasData(dir: string): Promise<boolean>;
  /** Whether a snapshot directory holds a snapshot this engine can restore. */
  protected abstract isSnapshot(dir: string): Promise<boolean>;
  /** An empty directory the servers' account owns, for a copy of a data directory. */
  protected abstract createDataDir(env: E, dir: string): Promise<unknown>;
  /** A consistent copy of a running writer's data directory into `target`. */
  protected abstract copyRunningWriter(env: E, writer: NonNullable<I['server']>, target: string): Promise<unknown>;
  /** Points the endpoints at what runs now; PostgreSQL's also attaches the volume to a new writer (so it is asynchronous). */
  protected abstract refresh(cluster: C): Promise<void> | void;
  /** Makes a placed instance's server run (it is not running): its data recovered, restored, created or cloned. */
  protected abstract runServer(cluster: C, instance: I, spec: InstanceSpec): Promise<void>;
  /** Stops a server on purpose; the instance is already marked stopping and no longer holds it. */
  protected abstract shutDown(cluster: C, instance: I, server: NonNullable<I['server']>): Promise<void>;
  /** What the engine lets go of for an instance being deleted, once its server has stopped. */
  protected abstract releaseInstance(cluster: C, instance: I): Promise<void>;
  /** The bytes the volume holds, as the writer measures them. */
  protected abstract dataBytes(writer: I): Promise<number>;
  /** Past the volume's size limit the writer refuses writes; back under it, it takes them again. */
  protected abstract setWritable(writer: I, writable: boolean): Promise<void>;
  /** Every 5 s, beside the I/O counters: PostgreSQL times a commit through the write quorum. */
  protected probeCommit(_cluster: C, _writer: I): void {}
  /** Once a second, with 2 instances or more: each replica's lag into the samples. */
  protected abstract sampleReplicaLag(cluster: C, writer: I | undefined): Promise<void>;
  /** Each replica's lag now. */
  protected abstract currentLag(cluster: C): Promise<ReplicaLagReport[]>;
  /** The commit latency figures of metrics(). */
  protected abstract latencyMetrics(cluster: C): Record<string, unknown>;
  /** The cluster volume in AWS's billing units, measured on the running servers (the writer among them). */
  protected abstract measureUsage(writer: I, running: I[]): Promise<VolumeUsage>;
  /** close(): stops every server, closes endpoints and volumes, waits for background work, in the engine's order. */
  protected abstract closeClusters(): Promise<void>;

  onInstanceExit(listener: InstanceExitListener): void {
    this.listeners.push(listener);
  }

  // ---- endpoints ----

  async attachCluster(spec: ClusterSpec, requested: ClusterEndpoints): Promise<ClusterEndpoints> {
    if (!this.serves(spec)) return requested;
    const existing = this.clusters.get(spec.resourceId);
    if (existing) {
      existing.spec = spec;
      return existing.network.endpoints;
    }
    const network = await ClusterNetwork.open(this.addresses, spec.clusterId, requested);
    this.clusters.set(spec.resourceId, this.newCluster(spec, network));
    this.clusterAttached(spec);
    return network.endpoints;
  }

  async placeInstance(spec: Omit<InstanceSpec, 'host' | 'port'>, requested: InstancePlacement): Promise<InstancePlacement> {
    const cluster = this.clusters.get(spec.cluster.resourceId);
    if (!cluster) return requested; // not ours (the other engine's)
    const existing = cluster.instances.get(spec.resourceId);
    if (existing) {
      existing.instanceId = spec.instanceId;
      return { host: existing.host, port: existing.port };
    }
    const { host, port } = await cluster.network.placeInstance(requested);
    cluster.instances.set(
      spec.resourceId,
      this.newInstance({
        instanceId: spec.instanceId,
        resourceId: spec.resourceId,
        host,
        port,
        dataDir: path.join(this.dataRoot, 'clusters', spec.cluster.resourceId, spec.resourceId),
        isWriter: spec.isWriter,
        stopping: false,
      }),
    );
    return { host, port };
  }

  attachCustomEndpoint(spec: ClusterSpec, endpoint: CustomEndpointSpec, requestedHost: string): Promise<string> {
    return this.inCluster(spec, async (cluster) => {
      const host = await cluster.network.attachCustom(endpoint, requestedHost);
      await this.refresh(cluster);
      return host;
    });
  }

  detachCustomEndpoint(spec: ClusterSpec, key: string): Promise<void> {
    return this.inCluster(spec, (cluster) => cluster.network.detachCustom(key));
  }

  // ---- servers ----

  startInstance(spec: InstanceSpec): Promise<void> {
    return this.inCluster(spec.cluster, (cluster) => this.startServer(cluster, spec));
  }

  protected async startServer(cluster: C, spec: InstanceSpec): Promise<void> {
    cluster.spec = spec.cluster;
    let instance = cluster.instances.get(spec.resourceId);
    if (!instance) {
      await this.placeInstance(spec, { host: spec.host, port: spec.port });
      instance = cluster.instances.get(spec.resourceId)!;
    }
    instance.isWriter = spec.isWriter;
    if (instance.server?.server.isRunning) return;
    await this.runServer(cluster, instance, spec);
  }

  /** Notices a server that stops without being asked to, and tells the control plane. */
  protected watch(cluster: C, instance: I, server: NonNullable<I['server']>): void {
    instance.server = server;
    void server.server.exited.then(async (exit) => {
      if (instance.server !== server) return;
      (instance as EngineInstance).server = undefined;
      if (instance.stopping || this.closed) return;
      // An asynchronous refresh (PostgreSQL's attaches the volume) may fail: the exit is told all the same.
      const refreshing = this.refresh(cluster);
      if (refreshing) await refreshing.catch(() => {});
      const reason = exit.signal ? `${this.processName} was killed by ${exit.signal}` : `${this.processName} exited with code ${exit.code}`;
      this.log(`data plane: instance ${instance.instanceId} of ${cluster.spec.clusterId} stopped unexpectedly (${reason})`);
      for (const listener of this.listeners) listener(cluster.spec, instance.resourceId, reason);
    });
  }

  stopInstance(spec: InstanceSpec): Promise<void> {
    return this.inCluster(spec.cluster, (cluster) => this.stopServer(cluster, spec.resourceId));
  }

  protected async stopServer(cluster: C, resourceId: string): Promise<void> {
    const instance = cluster.instances.get(resourceId);
    if (instance) await this.stopOnPurpose(instance, (server) => this.shutDown(cluster, instance, server));
  }

  /**
   * Stops the instance's server on purpose, so its exit is not taken for a crash: with `stop`, or
   * just the process's clean shutdown (no refresh, no volume detach: failover and recovery steps).
   */
  protected async stopOnPurpose(instance: I, stop: (server: NonNullable<I['server']>) => Promise<unknown> = (server) => server.server.stop()): Promise<void> {
    const server = instance.server as NonNullable<I['server']> | undefined;
    if (!server) return;
    instance.stopping = true;
    (instance as EngineInstance).server = undefined;
    try {
      await stop(server);
    } finally {
      instance.stopping = false;
    }
  }

  rebootInstance(spec: InstanceSpec): Promise<void> {
    return this.inCluster(spec.cluster, async (cluster) => {
      await this.stopServer(cluster, spec.resourceId);
      await this.startServer(cluster, spec);
    });
  }

  deleteInstance(spec: InstanceSpec): Promise<void> {
    return this.inCluster(spec.cluster, async (cluster) => {
      const instance = cluster.instances.get(spec.resourceId);
      if (!instance) return;
      await this.stopServer(cluster, spec.resourceId);
      await this.releaseInstance(cluster, instance);
      cluster.instances.delete(spec.resourceId);
      this.addresses.release(instance.host);
      if (instance.isWriter && cluster.instances.size === 0 && (await this.hasData(instance.dataDir))) {
        // The last instance goes, the data stays: the next writer of this cluster starts from it.
        await fs.rm(this.volumeDir(cluster), { recursive: true, force: true });
        await fs.rename(instance.dataDir, this.volumeDir(cluster));
      }
      await fs.rm(instance.dataDir, { recursive: true, force: true });
      await fs.rm(`${instance.dataDir}.log`, { force: true });
    });
  }

  stopCluster(spec: ClusterSpec): Promise<void> {
    return this.inCluster(spec, async (cluster) => {
      const instances = [...cluster.instances.values()].sort((a, b) => Number(a.isWriter) - Number(b.isWriter));
      for (const instance of instances) await this.stopServer(cluster, instance.resourceId); // replicas first
    });
  }

  startCluster(spec: ClusterSpec, instances: InstanceSpec[]): Promise<void> {
    return this.inCluster(spec, async (cluster) => {
      const ordered = [...instances].sort((a, b) => Number(b.isWriter) - Number(a.isWriter)); // writer first
      for (const instance of ordered) await this.startServer(cluster, instance);
    });
  }

  // ---- directories, snapshots, base images ----

  protected snapshotDir(snapshotKey: string): string {
    if (!/^[A-Za-z0-9_.-]+$/.test(snapshotKey)) throw new Error(`invalid snapshot key ${snapshotKey}`);
    return path.join(this.dataRoot, 'snapshots', snapshotKey);
  }

  /** The cluster's data kept after its last instance was deleted. */
  protected volumeDir(cluster: C): string {
    return path.join(this.dataRoot, 'clusters', cluster.spec.resourceId, 'volume');
  }

  /** The storage volume's segments and base images. */
  protected storageDir(cluster: C): string {
    return path.join(this.dataRoot, 'clusters', cluster.spec.resourceId, 'storage');
  }

  /** Base images the volume keeps for point-in-time restore (and MariaDB's Backtrack rebuilds), besides the cluster's snapshots. */
  protected baseImagesDir(cluster: C): string {
    return path.join(this.storageDir(cluster), 'base-images');
  }

  /** The cluster's storage volume (in the cluster's own storage directory, whichever engine opens it). */
  protected volumeOf(cluster: C): ClusterVolume {
    return this.volumes.volumeFor(cluster.spec, this.storageDir(cluster));
  }

  async copySnapshot(fromKey: string, toKey: string): Promise<void> {
    const source = this.snapshotDir(fromKey);
    if (!(await this.isSnapshot(source))) return;
    const env = await this.env();
    await this.createDataDir(env, this.snapshotDir(toKey));
    await copyDataDir(source, this.snapshotDir(toKey), { owner: env.runAs });
  }

  async deleteSnapshot(snapshotKey: string): Promise<void> {
    await fs.rm(this.snapshotDir(snapshotKey), { recursive: true, force: true });
  }

  /** Runs work not awaited by the operation that started it; close() waits for it. */
  protected inBackground(work: Promise<void>): void {
    const running = work.catch(() => {});
    this.background.add(running);
    void running.finally(() => this.background.delete(running));
  }

  /**
   * A volume's first base image, taken once its first writer runs with the segments
   * attached: the volume's log from then on, replayed onto it, gives any later second.
   */
  protected async takeFirstBaseImage(cluster: C): Promise<void> {
    const writer = writerOf(cluster);
    if (cluster.takingBaseImage || !writer?.server?.server.isRunning) return;
    const server = writer.server as NonNullable<I['server']>;
    cluster.takingBaseImage = true;
    try {
      const env = await this.env();
      await takeFirstBaseImage(this.baseImagesDir(cluster), (target) => this.copyRunningWriter(env, server, target), this.baseImageNamedFor);
    } catch (error) {
      if (this.closed) return; // the emulator is stopping under the copy
      // Taken again at the writer's next start.
      this.log(`data plane: no base image of ${cluster.spec.clusterId} yet (${(error as Error).message}); point-in-time restore uses snapshots until one is taken`);
    } finally {
      cluster.takingBaseImage = false;
    }
  }

  // ---- observation ----

  private async sampleLag(): Promise<void> {
    if (this.sampling || this.closed) return;
    this.sampling = true;
    this.ticks += 1;
    try {
      for (const cluster of this.clusters.values()) {
        const writer = writerOf(cluster);
        if (writer?.server?.server.isRunning) {
          await this.checkVolumeSize(cluster, writer).catch(() => {});
          // Every 5 s: each costs a login (on every instance, for the I/O counters), and the machine is shared with the servers.
          if (this.ticks % 5 === 0) {
            this.probeCommit(cluster, writer);
            const usage = await this.usage(cluster.spec);
            if (usage) cluster.io.record(usage.readIOs, usage.writeIOs);
          }
        }
        if (cluster.instances.size < 2) continue;
        await this.sampleReplicaLag(cluster, writer);
      }
    } finally {
      this.sampling = false;
    }
  }

  /**
   * Autoscaling (Volumes.recordUsage): the volume grows and shrinks with the writer's data (whole
   * protection groups); past the limit the writer refuses writes and the control plane shows
   * storage-full, until data is dropped.
   */
  private async checkVolumeSize(cluster: C, writer: I): Promise<void> {
    await this.volumes.recordUsage(cluster.spec, await this.dataBytes(writer), (writable) => this.setWritable(writer, writable), this.storageDir(cluster));
  }

  /**
   * CloudWatch's Aurora figures, measured: VolumeBytesUsed; VolumeReadIOPs / VolumeWriteIOPs
   * as CloudWatch reports them (billed I/Os in the last 5-minute period, here over the samples
   * of up to the last 5 minutes) and per second; replica lag; commit latency; the volume's repairs.
   */
  async metrics(spec: ClusterSpec): Promise<Record<string, unknown> | undefined> {
    const cluster = this.clusters.get(spec.resourceId);
    if (!cluster) return undefined;
    const volume = this.volumeOf(cluster).view();
    return {
      VolumeBytesUsed: volume.volumeBytesUsed,
      AllocatedBytes: volume.allocatedBytes,
      ...cluster.io.report(),
      replicaLag: await this.replicaLag(spec).catch(() => []),
      ...this.latencyMetrics(cluster),
      ...volumeHealth(volume),
    };
  }

  /** Lag now, with statistics over the samples of the last minutes. */
  async replicaLag(spec: ClusterSpec): Promise<ReplicaLagReport[]> {
    const cluster = this.clusters.get(spec.resourceId);
    if (!cluster) return [];
    return withLagStatistics(cluster, await this.currentLag(cluster));
  }

  async inspect(spec: ClusterSpec): Promise<DataPlaneView> {
    return inspectCluster(this.clusters.get(spec.resourceId));
  }

  /**
   * Not queued behind cluster operations: it only reads, and a server stopping under it just
   * makes it answer undefined.
   */
  async usage(spec: ClusterSpec): Promise<VolumeUsage | undefined> {
    const cluster = this.clusters.get(spec.resourceId);
    const running = cluster ? [...cluster.instances.values()].filter((i) => i.server?.server.isRunning) : [];
    const writer = running.find((i) => i.isWriter);
    if (!writer?.server) return undefined;
    try {
      return await this.measureUsage(writer, running);
    } catch {
      return undefined; // the writer went away under us: the next sample sees what runs then
    }
  }

  /** Runs cluster operations one at a time; a failed one does not block the next. */
  protected inCluster<T>(spec: ClusterSpec, work: (cluster: C) => Promise<T>): Promise<T> {
    return runInCluster(this.clusters.get(spec.resourceId), work); // not ours (the other engine's), or already deleted: nothing
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.lagTimer);
    await this.closeClusters();
    if (this.ephemeral) await fs.rm(this.dataRoot, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
  }
}
