// The MySQL data plane: one real MariaDB server (mysql/, the compute layer) per DB instance of
// an aurora-mysql cluster, supervised here. It mirrors postgresDataPlane.ts:
//
// - Each instance's server listens on the instance's own loopback address at the cluster's
//   port: the instance endpoint is the server itself.
// - The cluster's writer and reader endpoints are TCP proxies on their own loopback addresses,
//   same port: the writer proxy follows the current writer, the reader proxy spreads new
//   connections over the running replicas (the writer when there are none).
// - The cluster's storage volume (storage/clusterVolume.ts, six segments, two per AZ) holds the
//   durable record: the writer's commits wait, by semi-synchronous replication, until 4 of the 6
//   segments have them (mysql/volumeLink.ts).
// - Replicas are read-only mariadb-backup clones replicating by GTID (asynchronously). A
//   failover lets the target apply what it received, then what the volume holds beyond that
//   (read from at least 3 segments: mysql/volumeLog.ts), so no acknowledged commit is lost, then
//   promotes it; the other instances follow it (or are cloned again).
// - Backtrack rewinds the writer with binary-log flashback (mysql/backtrack.ts); replicas follow.
// The secondary clusters of global databases are not served here (metadata only).
import fs from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as mysql from './mysql/index.js';
import { copyDataDir } from './compute/dataDirCopy.js';
import { withMysqlAdmin, queryRows } from './mysql/sql.js';
import { pidFileFor } from './mysql/settings.js';
import { stopOrphanedProcess } from './serverProcess.js';
import type { ClusterNetwork } from './endpoints/clusterNetwork.js';
import { recordLagSamples, writerOf } from './clusterRuntime.js';
import { EngineDataPlane, type EngineCluster, type EngineInstance, type PlacedInstance } from './engineDataPlane.js';
import { IoWindow } from './samples.js';
import type { Volumes } from './volumes.js';
import { MysqlVolumeLink } from './mysql/volumeLink.js';
import { appliedGtidPosition, readVolumeLog, replayVolumeTransactions } from './mysql/volumeLog.js';
import { LoopbackAllocator, loopbackRangeUsable, scratchPort } from './endpoints/loopback.js';
import { newestImageBefore } from './baseImages.js';
import { buildMysqlImageAt } from './mysql/pointInTime.js';
import { MysqlRewindStatementsError } from './mysql/errors.js';
import type { ClusterSpec, CustomEndpointSpec, DataPlane, InstanceSpec, ReplicaLagReport, VolumeUsage } from './index.js';

export interface MysqlDataPlaneOptions {
  /** Where data directories live; a temporary directory (removed on close) when absent. */
  dataRoot?: string;
  /** A MariaDB bin directory instead of PATH and the system directories. */
  binDir?: string;
  /** The storage fleet and volumes, shared with the PostgreSQL data plane (faults reach both). */
  volumes: Volumes;
  log: (line: string) => void;
}

interface InstanceRuntime extends EngineInstance {
  server?: mysql.MysqlInstance;
}

interface ClusterRuntime extends EngineCluster<InstanceRuntime> {
  /** The writer's binary log streaming into the volume, while a writer runs. */
  link?: MysqlVolumeLink;
  /** The volume's segments run for the current writer (until it is stopped on purpose). */
  volumeAttached?: boolean;
}

const exists = (file: string) => fs.stat(file).then(() => true, () => false);
/** A MariaDB data directory of ours (instance, or the cluster's kept data). */
const hasMysqlData = (dir: string) => exists(path.join(dir, 'aurora-local.cnf'));
/** A snapshot directory written by snapshotMysqlDataDir. */
const hasMysqlSnapshot = (dir: string) => exists(mysql.mysqlSnapshotInfoFile(dir));

/** The instance and cluster lifecycle, directories and sampling common to both engines: engineDataPlane.ts. */
export class MysqlDataPlane extends EngineDataPlane<InstanceRuntime, ClusterRuntime, mysql.MysqlEnvironment> implements DataPlane {
  readonly mode = 'mysql';
  protected readonly processName = 'mariadbd';
  // Named for its completion: it may hold commits up to then, so it serves later seconds only.
  protected readonly baseImageNamedFor = 'completion';
  private environment?: Promise<mysql.MysqlEnvironment>;

  private constructor(
    private readonly options: MysqlDataPlaneOptions,
    dataRoot: string,
    ephemeral: boolean,
    addresses: LoopbackAllocator,
  ) {
    super(dataRoot, ephemeral, addresses, options.volumes, options.log);
  }

  static async create(options: MysqlDataPlaneOptions): Promise<MysqlDataPlane> {
    const ephemeral = !options.dataRoot;
    // A given data root is created on first use (no aurora-mysql cluster, no directory).
    const dataRoot = options.dataRoot ? path.resolve(options.dataRoot) : await fs.mkdtemp(path.join(tmpdir(), 'aurora-local-mysql-'));
    // When we are root, MariaDB runs as an unprivileged user that must pass through here.
    if (ephemeral) await fs.chmod(dataRoot, 0o711);
    return new MysqlDataPlane(options, dataRoot, ephemeral, new LoopbackAllocator(await loopbackRangeUsable()));
  }

  /** Prepared on first use: missing binaries then fail the instance (DataPlaneUnavailableError), not the emulator. */
  protected override env(): Promise<mysql.MysqlEnvironment> {
    this.environment ??= mysql.prepareMysqlEnvironment({ dataRoot: path.join(this.dataRoot, 'compute'), binDir: this.options.binDir });
    // A failure is not cached: installing MariaDB while the emulator runs is enough to retry.
    this.environment.catch(() => (this.environment = undefined));
    return this.environment;
  }

  protected override serves(spec: ClusterSpec): boolean {
    return spec.engine === 'aurora-mysql' && !spec.globalSecondary;
  }

  protected override newCluster(spec: ClusterSpec, network: ClusterNetwork): ClusterRuntime {
    return { spec, network, instances: new Map(), queue: Promise.resolve(), lagSamples: new Map(), io: new IoWindow() };
  }

  protected override newInstance(placed: PlacedInstance): InstanceRuntime {
    return placed;
  }

  protected override hasData(dir: string): Promise<boolean> {
    return hasMysqlData(dir);
  }

  protected override isSnapshot(dir: string): Promise<boolean> {
    return hasMysqlSnapshot(dir);
  }

  protected override createDataDir(env: mysql.MysqlEnvironment, dir: string): Promise<unknown> {
    return mysql.createMysqlDataDir(env, dir);
  }

  /** A mariadb-backup copy. */
  protected override copyRunningWriter(env: mysql.MysqlEnvironment, writer: mysql.MysqlInstance, target: string): Promise<mysql.MysqlSnapshotInfo> {
    return mysql.snapshotMysqlDataDir(env, writer, target);
  }

  // ---- endpoints ----

  /** A cluster not served here keeps the host on record. */
  override attachCustomEndpoint(spec: ClusterSpec, endpoint: CustomEndpointSpec, requestedHost: string): Promise<string> {
    if (!this.clusters.has(spec.resourceId)) return Promise.resolve(requestedHost);
    return super.attachCustomEndpoint(spec, endpoint, requestedHost);
  }

  /** Points the endpoints at what runs now. */
  protected override refresh(cluster: ClusterRuntime): void {
    cluster.network.route([...cluster.instances.values()].filter((i) => i.server?.server.isRunning));
  }

  // ---- servers ----

  private placement(instance: InstanceRuntime): mysql.MysqlPlacement {
    return { dataDir: instance.dataDir, host: instance.host, port: instance.port, logFile: `${instance.dataDir}.log` };
  }

  protected override async runServer(cluster: ClusterRuntime, instance: InstanceRuntime, spec: InstanceSpec): Promise<void> {
    const env = await this.env();
    const placement = this.placement(instance);
    await stopOrphanedServer(instance.dataDir);
    const writer = writerOf(cluster);

    if (await hasMysqlData(instance.dataDir)) {
      // A writer coming back after a crash (its volume still attached) recovers from the volume:
      // it needs 3 of 6 segments. A clean stop or reboot detached it first.
      if (spec.isWriter && cluster.volumeAttached) this.volumeOf(cluster).recoveryPoint();
      const server = await mysql.startMysql(env, placement);
      this.watch(cluster, instance, server);
      const replica = await mysql.isMysqlReplica(server);
      if (spec.isWriter && replica) {
        await mysql.promoteMysql(server);
      } else if (!spec.isWriter) {
        if (!writer?.server?.server.isRunning) throw new Error(`instance ${spec.instanceId} is a replica, but the cluster's writer is not running`);
        // Re-pointed at the writer (it may have moved while this one was down); one that cannot follow is cloned again.
        await mysql.followMysqlWriter(server, writer.server).catch(() => this.reclone(env, cluster, instance, writer));
      }
    } else if (spec.isWriter && (await hasMysqlData(this.volumeDir(cluster)))) {
      // The cluster's data outlived its last instance (as Aurora's cluster volume does).
      await fs.rename(this.volumeDir(cluster), instance.dataDir);
      this.watch(cluster, instance, await mysql.startMysql(env, placement));
    } else if (spec.isWriter && cluster.spec.restoreFromSnapshot && (await hasMysqlSnapshot(this.snapshotDir(cluster.spec.restoreFromSnapshot)))) {
      this.watch(cluster, instance, await mysql.restoreMysqlWriterFromSnapshot(env, { ...placement, snapshotDir: this.snapshotDir(cluster.spec.restoreFromSnapshot) }));
    } else if (spec.isWriter) {
      if (!cluster.spec.masterUsername || !cluster.spec.masterUserPassword) {
        throw new Error('the cluster has no master user name and password to create its database with');
      }
      await removeDataDir(instance.dataDir); // a creation that failed half-way
      this.watch(
        cluster,
        instance,
        await mysql.createMysqlWriter(env, {
          ...placement,
          masterUsername: cluster.spec.masterUsername,
          masterPassword: cluster.spec.masterUserPassword,
          databaseName: cluster.spec.databaseName,
        }),
      );
    } else {
      if (!writer?.server?.server.isRunning) throw new Error(`the cluster has no running writer to clone replica ${spec.instanceId} from`);
      await removeDataDir(instance.dataDir);
      this.watch(cluster, instance, await mysql.createMysqlReplica(env, { ...placement, writer: writer.server }));
    }
    if (spec.isWriter) {
      // Without its volume the writer would take writes no segment holds: it does not stay up.
      await this.attachVolume(cluster, instance).catch(async (error: Error) => {
        await this.stopOnPurpose(instance).catch(() => {});
        throw error;
      });
    }
    this.refresh(cluster);
  }

  /** The writer's commits from now on wait for 4 of the volume's 6 segments. */
  private async attachVolume(cluster: ClusterRuntime, writer: InstanceRuntime, options: { restartHistory?: boolean } = {}): Promise<void> {
    const server = writer.server!;
    const volume = this.volumeOf(cluster);
    await volume.attach({ host: server.host, port: server.port, user: server.admin.user, password: server.admin.password });
    cluster.link ??= new MysqlVolumeLink(volume, (line) => this.log(`data plane: ${cluster.spec.clusterId}: ${line}`));
    await cluster.link.attach(server, options);
    cluster.volumeAttached = true;
    if (this.volumes.isFull(cluster.spec)) await this.setWritable(writer, false);
    this.inBackground(this.takeFirstBaseImage(cluster));
  }

  /** The newest base image (a snapshot or one of the volume's) taken at or before `at`. */
  private baseImageBefore(cluster: ClusterRuntime, at: Date, snapshot?: { key: string; takenAt: Date }): Promise<string | undefined> {
    return newestImageBefore(this.baseImagesDir(cluster), at, hasMysqlSnapshot, snapshot && { dir: this.snapshotDir(snapshot.key), takenAt: snapshot.takenAt });
  }

  /**
   * RestoreDBClusterToPointInTime: the newest base image before `at`, with the volume's log
   * replayed onto it up to that second, written as the snapshot `intoKey`.
   */
  async pointInTimeImage(spec: ClusterSpec, baseSnapshot: { key: string; takenAt: Date } | undefined, at: Date, intoKey: string): Promise<{ lsn: string; lastCommitTime: string | null } | undefined> {
    const cluster = this.clusters.get(spec.resourceId);
    if (!cluster) return undefined;
    const base = await this.baseImageBefore(cluster, at, baseSnapshot);
    if (!base) return undefined;
    const target = this.snapshotDir(intoKey);
    await fs.rm(target, { recursive: true, force: true });
    await fs.mkdir(path.dirname(target), { recursive: true });
    try {
      const image = await buildMysqlImageAt(await this.env(), { baseDir: base, copies: this.volumeOf(cluster).readableCopies(), at, targetDir: target, host: '127.0.0.1', port: await scratchPort('127.0.0.1') });
      this.log(`data plane: point-in-time image of ${spec.clusterId} at ${at.toISOString()}: ${image.replayed} transactions replayed from the volume onto ${path.basename(base)}, to ${image.gtidPosition || '(empty)'}`);
      return { lsn: image.gtidPosition, lastCommitTime: image.lastCommitTime };
    } catch (error) {
      await fs.rm(target, { recursive: true, force: true });
      throw error;
    }
  }

  /** The writer stops: its segments stop receiving (their data stays). */
  private async detachVolume(cluster: ClusterRuntime): Promise<void> {
    cluster.volumeAttached = false;
    cluster.link?.detach();
    await this.volumeOf(cluster).detach();
  }

  /** A replica whose history diverged from the writer's: a fresh clone of the writer in its place. */
  private async reclone(env: mysql.MysqlEnvironment, cluster: ClusterRuntime, instance: InstanceRuntime, writer: InstanceRuntime): Promise<void> {
    this.log(`data plane: ${instance.instanceId} of ${cluster.spec.clusterId} cannot follow ${writer.instanceId}; cloning it again`);
    await this.stopOnPurpose(instance);
    await removeDataDir(instance.dataDir);
    this.watch(cluster, instance, await mysql.createMysqlReplica(env, { ...this.placement(instance), writer: writer.server! }));
  }

  /** The volume is detached before the writer stops: it takes no more writes meanwhile. */
  protected override async shutDown(cluster: ClusterRuntime, instance: InstanceRuntime, server: mysql.MysqlInstance): Promise<void> {
    this.refresh(cluster);
    if (instance.isWriter) await this.detachVolume(cluster);
    await mysql.stopMysql(server);
  }

  protected override async releaseInstance(cluster: ClusterRuntime, instance: InstanceRuntime): Promise<void> {
    cluster.lagSamples.delete(instance.resourceId);
  }

  deleteCluster(spec: ClusterSpec): Promise<void> {
    return this.inCluster(spec, async (cluster) => {
      for (const instance of cluster.instances.values()) await this.stopServer(cluster, instance.resourceId);
      await cluster.network.release([...cluster.instances.values()].map((i) => i.host));
      cluster.link?.detach();
      await Promise.all(this.background);
      await this.volumes.destroy(spec);
      this.clusters.delete(spec.resourceId);
      await fs.rm(path.join(this.dataRoot, 'clusters', spec.resourceId), { recursive: true, force: true });
    });
  }

  setMasterPassword(spec: ClusterSpec, password: string): Promise<void> {
    return this.inCluster(spec, async (cluster) => {
      cluster.spec = { ...spec, masterUserPassword: password };
      const writer = writerOf(cluster);
      if (writer?.server?.server.isRunning && spec.masterUsername) await mysql.setMysqlMasterPassword(writer.server, spec.masterUsername, password);
    });
  }

  // ---- snapshots ----

  snapshotCluster(spec: ClusterSpec, snapshotKey: string): Promise<void> {
    return this.inCluster(spec, async (cluster) => {
      const target = this.snapshotDir(snapshotKey);
      await fs.rm(target, { recursive: true, force: true });
      await fs.mkdir(path.dirname(target), { recursive: true });
      const writer = writerOf(cluster);
      if (writer?.server?.server.isRunning) {
        await mysql.snapshotMysqlDataDir(await this.env(), writer.server, target);
        return;
      }
      // No running writer (a stopped cluster, or one without instances): its data is at rest.
      // A copy of a cleanly stopped data directory is a consistent snapshot; it carries the info file restore needs.
      for (const source of [writer?.dataDir, this.volumeDir(cluster)]) {
        if (source && (await hasMysqlData(source))) {
          const env = await this.env();
          await mysql.createMysqlDataDir(env, target);
          await copyDataDir(source, target, { owner: env.runAs });
          const gtidPosition = await binlogStateAtRest(source);
          await mysql.writeMysqlSnapshotInfo(target, { method: 'copy', gtidPosition, createdAt: new Date().toISOString(), version: env.binaries.version }, env.runAs);
          return;
        }
      }
      // A cluster that never had data: its snapshot restores as a new, empty database.
    });
  }

  // ---- failover ----

  failover(spec: ClusterSpec, to: InstanceSpec, from?: InstanceSpec): Promise<void> {
    return this.inCluster(spec, async (cluster) => {
      const target = cluster.instances.get(to.resourceId);
      if (!target?.server?.server.isRunning) throw new Error(`failover target ${to.instanceId} is not running`);
      const oldRuntime = from ? cluster.instances.get(from.resourceId) : [...cluster.instances.values()].find((i) => i.isWriter && i !== target);
      const old = oldRuntime === target ? undefined : oldRuntime;
      const env = await this.env();
      // How long each step kept writes out, for the log (the failover write gap is their sum).
      const phases: string[] = [];
      let mark = performance.now();
      const lap = (name: string) => {
        phases.push(`${name} ${Math.round(performance.now() - mark)} ms`);
        mark = performance.now();
      };
      // 1. No new writes: the writer endpoint refuses connections and drops its sessions, and the
      //    volume stops acknowledging the old writer (what it did not acknowledge stays so).
      cluster.network.closeWriterEndpoint();
      cluster.link?.detach();
      // 2. A running old writer (a planned failover) first hands the target what it logged.
      if (old?.server?.server.isRunning) {
        try {
          if (!(await mysql.isMysqlReplica(old.server))) await mysql.waitForMysqlCatchUp(target.server, old.server, { timeoutMs: 30_000 });
        } catch (error) {
          this.log(`data plane: ${target.instanceId} of ${cluster.spec.clusterId} could not catch up with ${old.instanceId}: ${(error as Error).message}`);
        }
      }
      lap('catch-up from the old writer');
      if (old) await this.stopOnPurpose(old).catch(() => {});
      lap('old writer stopped');
      // 3. The target applies what it received, then every commit the volume holds beyond it (read
      //    from at least 3 segments: nothing acknowledged is lost, even if the old writer is gone);
      //    then it is promoted and the endpoints follow: writes resume.
      await mysql.promoteMysql(target.server);
      lap('promoted');
      if (cluster.link) await this.catchUpFromVolume(env, cluster, target);
      lap('volume replayed');
      if (old) old.isWriter = false;
      target.isWriter = true;
      await this.attachVolume(cluster, target);
      this.refresh(cluster);
      lap('volume attached, writes resume');
      this.log(`data plane: ${cluster.spec.clusterId} failed over to ${target.instanceId}: ${phases.join(', ')}`);
      // 4. The other replicas follow the new writer; one that cannot is cloned again.
      for (const replica of cluster.instances.values()) {
        if (replica === target || replica === old || !replica.server?.server.isRunning) continue;
        await mysql.followMysqlWriter(replica.server, target.server).catch(() => this.reclone(env, cluster, replica, target));
      }
      // 5. The old writer comes back as a replica of the new one.
      if (old) {
        try {
          if (await hasMysqlData(old.dataDir)) {
            await stopOrphanedServer(old.dataDir);
            this.watch(cluster, old, await mysql.startMysql(env, this.placement(old)));
            await mysql.followMysqlWriter(old.server!, target.server);
          } else {
            await this.reclone(env, cluster, old, target);
          }
        } catch {
          await this.reclone(env, cluster, old, target);
        }
      }
      this.refresh(cluster);
    });
  }

  /**
   * Replays on a promoted target the transactions the volume holds and it lacks (the old writer
   * acknowledged them; the replica had not received them). Below 3 readable segments the volume
   * cannot tell what was acknowledged, and this throws ReadQuorumError.
   */
  private async catchUpFromVolume(env: mysql.MysqlEnvironment, cluster: ClusterRuntime, target: InstanceRuntime): Promise<void> {
    const applied = await appliedGtidPosition(target.server!);
    const volume = this.volumeOf(cluster);
    // The target already holds all the volume was given (the usual case): nothing to read, but
    // the volume must still be recoverable (3 of 6) for the cluster to go on.
    if (cluster.link?.covers(applied)) return void volume.recoveryPoint();
    const summary = await readVolumeLog(volume.readableCopies(), { after: applied });
    if (summary.transactions.length === 0) return;
    if (!summary.formatDescription) throw new Error('the volume holds transactions but no format description to replay them with');
    await replayVolumeTransactions(env, target.server!, summary.formatDescription, summary.transactions);
    this.log(
      `data plane: ${target.instanceId} of ${cluster.spec.clusterId} was at ${applied || '(nothing)'}; replayed ${summary.transactions.length} transactions from the volume's segments (to ${summary.position}) before taking writes`,
    );
  }

  // ---- Backtrack ----

  /**
   * Rewinds the cluster's data to `to` (rows committed before that second stay) by binary-log
   * flashback on the writer; replicas follow through replication. Client connections are
   * dropped while it runs. Resolves with the change records (rows) it reverted.
   */
  backtrack(spec: ClusterSpec, to: Date): Promise<{ changeRecords: number }> {
    if (!this.clusters.has(spec.resourceId)) return Promise.resolve({ changeRecords: 0 });
    return this.inCluster(spec, async (cluster) => {
      const writer = writerOf(cluster);
      if (!writer?.server?.server.isRunning) {
        if (cluster.instances.size === 0) return { changeRecords: 0 }; // no instance: nothing runs to rewind
        throw new Error(`the writer of ${spec.clusterId} is not running`);
      }
      const env = await this.env();
      const result = await mysql.rewindMysqlTo(env, writer.server, to).catch(async (error: Error) => {
        // DDL after the target: flashback reverts rows only; the volume rebuilds the data instead.
        if (!(error instanceof MysqlRewindStatementsError)) throw error;
        return this.rebuildAt(env, cluster, writer, to, error);
      });
      this.log(
        `data plane: ${spec.clusterId} backtracked to ${to.toISOString()}: ${result.transactions} transactions, ${result.changeRecords} change records reverted, ${result.connectionsDropped} connections dropped`,
      );
      return { changeRecords: result.changeRecords };
    });
  }

  /**
   * Backtrack by rebuilding: the newest base image before `to` plus the volume's log up to that
   * second becomes the writer's data (every connection is dropped, as in Aurora); replicas are
   * cloned again from it; the volume's history restarts at the writer's new position.
   */
  private async rebuildAt(env: mysql.MysqlEnvironment, cluster: ClusterRuntime, writer: InstanceRuntime, to: Date, refusal: Error) {
    const started = Date.now();
    const base = await this.baseImageBefore(cluster, to);
    if (!base) throw new Error(`${refusal.message}; and no base image of the volume is older than ${to.toISOString()} to rebuild from`);
    const imageDir = path.join(this.dataRoot, 'clusters', cluster.spec.resourceId, `backtrack-${Date.now()}`);
    const image = await buildMysqlImageAt(env, { baseDir: base, copies: this.volumeOf(cluster).readableCopies(), at: to, targetDir: imageDir, host: '127.0.0.1', port: await scratchPort('127.0.0.1') });
    try {
      const replicas = [...cluster.instances.values()].filter((i) => i !== writer);
      for (const replica of replicas) await this.stopServer(cluster, replica.resourceId);
      await this.stopServer(cluster, writer.resourceId);
      await removeDataDir(writer.dataDir);
      this.watch(cluster, writer, await mysql.restoreMysqlWriterFromSnapshot(env, { ...this.placement(writer), snapshotDir: imageDir }));
      await this.attachVolume(cluster, writer, { restartHistory: true });
      for (const replica of replicas) {
        await removeDataDir(replica.dataDir);
        this.watch(cluster, replica, await mysql.createMysqlReplica(env, { ...this.placement(replica), writer: writer.server! }));
      }
      this.refresh(cluster);
    } finally {
      await fs.rm(imageDir, { recursive: true, force: true });
    }
    const rowEvents = image.after.reduce((sum, t) => sum + t.rowEvents, 0);
    this.log(`data plane: ${cluster.spec.clusterId}: flashback refused (${refusal.message.slice(0, 120)}…); rebuilt from ${path.basename(base)} and the volume's log instead`);
    // Change records: the row events (each one or more rows) and statements of the rewound transactions.
    return { transactions: image.after.length, changeRecords: rowEvents + image.after.filter((t) => t.rowEvents === 0).length, connectionsDropped: 0, durationMs: Date.now() - started };
  }

  // ---- observation ----
  protected override dataBytes(writer: InstanceRuntime): Promise<number> {
    return tableBytes(writer.server!);
  }

  /**
   * Storage-full and back. MariaDB gives each session the global tx_read_only at login only, so
   * once the volume is full the client sessions already open are ended: they would go on writing
   * past the limit. Reconnected, they start read-only (`SET SESSION TRANSACTION READ WRITE` still
   * lets one drop data). Our own sessions (the admin login: replicas and the volume) stay.
   */
  protected override async setWritable(writer: InstanceRuntime, writable: boolean): Promise<void> {
    const server = writer.server!;
    await withMysqlAdmin(server, async (connection) => {
      await connection.query(`SET GLOBAL tx_read_only = ${writable ? 'OFF' : 'ON'}`);
      if (writable) return;
      const sessions = await queryRows<{ id: number }>(
        connection,
        `SELECT ID AS id FROM information_schema.PROCESSLIST
          WHERE USER NOT IN (?, 'system user', 'event_scheduler', 'unauthenticated user') AND ID <> CONNECTION_ID()`,
        [server.admin.user],
      );
      for (const { id } of sessions) await connection.query(`KILL CONNECTION ${Number(id)}`).catch(() => {}); // it may have gone already
      if (sessions.length) this.log(`data plane: ${server.host}:${server.port}: the volume is full; ended ${sessions.length} client session(s) opened before, so that they reconnect read-only`);
    });
  }
  /**
   * The volume's part of commit latency (quorumWriteLatencyMs: a transaction's last event
   * received → 4 segments durable → acknowledged to the writer).
   */
  protected override latencyMetrics(cluster: ClusterRuntime): Record<string, unknown> {
    return { quorumWriteLatencyMs: cluster.link?.quorumWriteLatency.summary() ?? null };
  }

  protected override async sampleReplicaLag(cluster: ClusterRuntime): Promise<void> {
    recordLagSamples(cluster, await this.currentLag(cluster));
  }

  /** Each replica's lag, asked on the writer (SHOW SLAVE HOSTS, then each replica): milliseconds, and transactions behind. */
  private async measureLag(cluster: ClusterRuntime): Promise<ReplicaLagReport[]> {
    const writer = writerOf(cluster);
    if (!writer?.server?.server.isRunning) return [];
    const byAddress = new Map([...cluster.instances.values()].map((i) => [`${i.host}:${i.port}`, i]));
    const lags = await mysql.mysqlReplicaLag(writer.server);
    return lags
      .filter((lag) => byAddress.has(`${lag.host}:${lag.port}`))
      .map((lag) => ({
        instanceId: byAddress.get(`${lag.host}:${lag.port}`)!.instanceId,
        state: lag.state,
        // Transactions behind, not bytes: MariaDB positions are GTIDs.
        lagBytes: null,
        lagMs: lag.lagMs ?? (lag.lagSeconds === null ? null : lag.lagSeconds * 1000),
      }));
  }

  protected override currentLag(cluster: ClusterRuntime): Promise<ReplicaLagReport[]> {
    return this.measureLag(cluster).catch(() => []);
  }

  /**
   * The cluster's data in AWS's billing units, from the servers' own statistics:
   * - bytes: the writer's tables and indexes (information_schema.TABLES data + index length);
   * - read I/Os: InnoDB pages read from disk (Innodb_pages_read) summed over every running
   *   instance, one page one read I/O;
   * - write I/Os: the writer's redo log bytes (Innodb_os_log_written) in 4 KiB units, as Aurora
   *   bills log writes.
   */
  protected override async measureUsage(writer: InstanceRuntime, running: InstanceRuntime[]): Promise<VolumeUsage> {
    const status = async (instance: InstanceRuntime, names: string[]) =>
      withMysqlAdmin(instance.server!, async (connection) => {
        const rows = await queryRows<{ Variable_name: string; Value: string }>(connection, `SHOW GLOBAL STATUS WHERE Variable_name IN (${names.map(() => '?').join(', ')})`, names);
        return Object.fromEntries(rows.map((r) => [r.Variable_name, Number(r.Value)])) as Record<string, number>;
      });
    const volumeBytes = await tableBytes(writer.server!);
    const written = await status(writer, ['Innodb_os_log_written']);
    let readIOs = 0;
    for (const instance of running) readIOs += await status(instance, ['Innodb_pages_read']).then((s) => s.Innodb_pages_read ?? 0, () => 0);
    return { volumeBytes, readIOs, writeIOs: Math.floor((written.Innodb_os_log_written ?? 0) / 4096) };
  }

  protected override async closeClusters(): Promise<void> {
    await Promise.all(this.background);
    for (const cluster of this.clusters.values()) {
      await cluster.queue;
      cluster.link?.detach();
      await this.volumes.close(cluster.spec);
      // Replicas first, so none logs the writer's disappearance as an error.
      const instances = [...cluster.instances.values()].sort((a, b) => Number(a.isWriter) - Number(b.isWriter));
      for (const instance of instances) await this.stopOnPurpose(instance).catch(() => {});
      await cluster.network.close();
    }
    this.clusters.clear();
  }
}

/** The bytes of every table and index on a server: what the volume holds (Aurora's VolumeBytesUsed). */
async function tableBytes(server: mysql.MysqlInstance): Promise<number> {
  return withMysqlAdmin(server, async (connection) => {
    const rows = await queryRows<{ bytes: number | string | null }>(connection, 'SELECT COALESCE(SUM(DATA_LENGTH + INDEX_LENGTH), 0) AS bytes FROM information_schema.TABLES');
    return Number(rows[0]?.bytes ?? 0);
  });
}

async function removeDataDir(dataDir: string): Promise<void> {
  await fs.rm(dataDir, { recursive: true, force: true });
}

/**
 * The GTID state a stopped data directory's binary log ends at, for a snapshot copied at rest:
 * the last `.state` file MariaDB writes on a clean shutdown (binlog.state), when present.
 */
async function binlogStateAtRest(dataDir: string): Promise<string> {
  const state = await fs.readFile(path.join(dataDir, 'binlog.state'), 'utf8').catch(() => '');
  // One "domain-server-seq" per line; the last per domain is the position.
  const last = new Map<string, string>();
  for (const line of state.split('\n').map((l) => l.trim()).filter((l) => /^\d+-\d+-\d+$/.test(l))) last.set(line.split('-')[0]!, line);
  return [...last.values()].join(',');
}

/**
 * A mariadbd left running by an emulator that was killed (servers run in their own process
 * group, so they outlive it) still holds the data directory: stop it before reuse.
 */
async function stopOrphanedServer(dataDir: string): Promise<void> {
  const pid = Number((await fs.readFile(pidFileFor(dataDir), 'utf8').catch(() => '')).trim());
  await stopOrphanedProcess(pid, {
    isServer: (command) => (command.includes('mariadbd') || command.includes('mysqld')) && command.includes(dataDir),
    signal: 'SIGTERM',
    timeoutMs: 30_000,
  });
}
