/**
 * Ties an aurora-mysql writer to its cluster volume, so that a commit returns
 * only once 4 of the volume's 6 segments hold it:
 *
 * - the writer runs MariaDB's semi-synchronous replication with the wait point
 *   AFTER_SYNC (the commit is in the binary log, fsynced, but not visible nor
 *   acknowledged yet) and a timeout of ~49 days: it never falls back to
 *   asynchronous, commits wait while the quorum is lost, as on Aurora;
 * - the volume is the one semi-sync replica: it reads the binary log
 *   (binlogReplicaClient.ts), appends each whole transaction to its segments
 *   (storage/quorumLogWriter.ts) and acknowledges once 4 have fsynced it.
 *
 * The log continues where the volume's copies end (read from at least 3), by
 * GTID, whichever server is the writer: after a failover the new writer sends
 * what the volume lacks.
 */
import type { ClusterVolume } from '../storage/clusterVolume.js';
import type { QuorumLogWriter } from '../storage/quorumLogWriter.js';
import { BinlogReplicaClient, MysqlProtocolError, type BinlogEventPacket } from './binlogReplicaClient.js';
import { BinlogEventType } from './binlog.js';
import { withMysqlAdmin, type MysqlAdminTarget } from './sql.js';
import { READ_QUORUM } from '../storage/quorum.js';
import { ReadQuorumError } from '../storage/recovery.js';
import { advancePosition, encodeRecord, readVolumeLog, RecordKind, TransactionAssembler } from './volumeLog.js';
import { formatGtidList, mysqlBinlogPosition, parseGtidList, type GtidPosition } from './cluster.js';
import { LatencySamples } from '../samples.js';

/** The longest rpl_semi_sync_master_timeout MariaDB takes without overflow (ms, ~49.7 days): effectively never. */
export const SEMI_SYNC_TIMEOUT_MS = 4_294_967_295;
/** ER_MASTER_FATAL_ERROR_READING_BINLOG: the writer's binary log no longer holds the position asked for. */
const ER_MASTER_FATAL_ERROR_READING_BINLOG = 1236;
const RECONNECT_DELAY_MS = 200;

export class MysqlVolumeLink {
  private client: BinlogReplicaClient | undefined;
  private target: MysqlAdminTarget | undefined;
  private position: GtidPosition = new Map();
  /** Records the volume's log holds, as far as this link knows (0: not read yet). */
  private records = 0;
  private assembler = new TransactionAssembler();
  private generation = 0;
  private reconnectTimer: NodeJS.Timeout | undefined;
  /** The volume's part of each commit (ms): its last event received → 4 segments durable → acknowledged. */
  readonly quorumWriteLatency = new LatencySamples();

  constructor(
    private readonly volume: ClusterVolume,
    private readonly log: (line: string) => void,
  ) {}

  private get writer(): QuorumLogWriter {
    return this.volume.logWriter!;
  }

  /**
   * Attaches the volume to a (new) writer: reads where the log ends from at
   * least 3 segments (ReadQuorumError below), streams from there and turns
   * semi-sync on. Resolves once the stream runs. `restartHistory`: the log goes
   * on from the writer's own position, with a base record (transactions past
   * it in the volume were rewound).
   */
  async attach(target: MysqlAdminTarget, options: { restartHistory?: boolean } = {}): Promise<void> {
    this.detachClient();
    const generation = ++this.generation;
    this.target = target;
    const copies = this.volume.readableCopies();
    if (copies.length < READ_QUORUM) throw new ReadQuorumError(copies.length);
    // What this link appended is what the copies hold when every record reached one of them
    // durably: then the log goes on from memory; otherwise (a restart, records lost in an
    // outage of every segment) from what 3 copies say.
    const durable = copies.reduce((end, copy) => (copy.store.durableLsn > end ? copy.store.durableLsn : end), 0n);
    let fresh: boolean;
    if (this.records > 0 && durable === this.writer.end) {
      fresh = false;
    } else {
      const summary = await readVolumeLog(copies);
      if (generation !== this.generation) return;
      this.writer.resumeAt(summary.end);
      this.position = parseGtidList(summary.position);
      this.records = summary.records;
      fresh = summary.records === 0;
    }
    // A writer rebuilt to an earlier point (Backtrack) restarts the history at its position.
    await this.connect(generation, fresh || options.restartHistory === true);
  }

  /** Whether a server at `applied` holds every transaction this link gave the volume (so recovery has nothing to replay). */
  covers(applied: string): boolean {
    if (this.records === 0) return false;
    const position = parseGtidList(applied);
    return [...this.position].every(([domain, gtid]) => (position.get(domain)?.seq ?? -1) >= gtid.seq);
  }

  /** Stops streaming (the writer stops or changes); its unacknowledged commits stay unacknowledged. */
  detach(): void {
    this.generation += 1;
    this.target = undefined;
    this.detachClient();
  }

  private detachClient(): void {
    clearTimeout(this.reconnectTimer);
    this.client?.removeAllListeners();
    this.client?.close();
    this.client = undefined;
    this.assembler.reset();
    this.writer.abandonWaiters('the volume detached from the writer');
  }

  /** Starts the dump from the volume's position; an empty volume (or one the writer's log cannot reach) starts a new base. */
  private async connect(generation: number, fresh: boolean): Promise<void> {
    const target = this.target!;
    const startAt = fresh ? await mysqlBinlogPosition(target) : formatGtidList(this.position);
    try {
      await this.newClient(generation, fresh ? startAt : undefined).start(startAt);
    } catch (error) {
      if (!(error instanceof MysqlProtocolError && error.code === ER_MASTER_FATAL_ERROR_READING_BINLOG)) throw error;
      // The writer's binary log starts after the volume's end (a clone that never logged what
      // the volume lacks): the data is on the writer; the volume's history restarts from here.
      const from = await mysqlBinlogPosition(target);
      this.log(`[volume link] the writer's binary log does not reach back to ${startAt} (${error.message}); the volume's log continues from ${from}`);
      await this.newClient(generation, from).start(from);
    }
    // After the stream runs (a restarted server forgot it): from now on commits wait for the volume.
    await withMysqlAdmin(target, async (connection) => {
      await connection.query(`SET GLOBAL rpl_semi_sync_master_timeout = ${SEMI_SYNC_TIMEOUT_MS}`);
      await connection.query("SET GLOBAL rpl_semi_sync_master_wait_point = 'AFTER_SYNC'");
      await connection.query('SET GLOBAL rpl_semi_sync_master_wait_no_slave = ON');
      await connection.query('SET GLOBAL rpl_semi_sync_master_enabled = ON');
    });
  }

  private newClient(generation: number, baseAt: string | undefined): BinlogReplicaClient {
    const target = this.target!;
    const client = new BinlogReplicaClient({ host: target.host, port: target.port, user: target.admin.user, password: target.admin.password });
    this.client = client;
    let pendingBase = baseAt;
    client.on('event', (packet: BinlogEventPacket) => {
      if (packet.type === BinlogEventType.FORMAT_DESCRIPTION) {
        if (pendingBase !== undefined) {
          this.writer.append(encodeRecord({ kind: RecordKind.BASE, position: pendingBase, payload: packet.event }));
          this.records += 1;
          this.position = advancePosition(this.position, { kind: RecordKind.BASE, position: pendingBase });
          pendingBase = undefined;
        }
      }
      const received = performance.now();
      const transaction = this.assembler.push(packet.event);
      if (!transaction) {
        if (packet.needsAck) this.log(`[volume link] the writer waits on an event that ends no transaction (type ${packet.type}); acknowledged with the next`);
        return;
      }
      const record = { kind: RecordKind.TRANSACTION, position: transaction.gtid, payload: Buffer.concat(transaction.events) } as const;
      const end = this.writer.append(encodeRecord(record));
      this.records += 1;
      this.position = advancePosition(this.position, record);
      if (!packet.needsAck) return;
      this.writer.whenDurable(end).then(
        () => {
          if (this.client !== client) return;
          client.acknowledge(packet.file, packet.position);
          this.quorumWriteLatency.push(performance.now() - received);
        },
        () => {}, // abandoned: the writer changed
      );
    });
    client.on('close', (error?: Error) => {
      if (this.client !== client || generation !== this.generation) return;
      this.client = undefined;
      this.assembler.reset();
      // The writer restarted or went away: stream again from the volume's position once it is back.
      this.log(`[volume link] stream from ${this.target?.host}:${this.target?.port} ended${error ? `: ${error.message}` : ''}`);
      this.scheduleReconnect(generation);
    });
    return client;
  }

  private scheduleReconnect(generation: number): void {
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => {
      if (generation !== this.generation || !this.target) return;
      this.connect(generation, false).catch(() => this.scheduleReconnect(generation));
    }, RECONNECT_DELAY_MS);
    this.reconnectTimer.unref();
  }
}
