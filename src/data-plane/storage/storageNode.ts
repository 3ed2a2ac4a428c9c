/**
 * One storage segment's WAL receiver, inside the emulator process: a physical
 * replication client with its own slot that writes what it receives into a
 * WalSegmentStore and acknowledges (write = flush) only what it has fsynced.
 * Under `synchronous_standby_names = 'ANY 4 (…)'` the writer then acknowledges
 * a commit only once 4 of these hold it (quorum-findings.md).
 *
 * Faults: stop()/start() (down: connection gone; on return it catches up from
 * its slot), pause()/resume() (connected but silent, like SIGSTOP) and a
 * latency added before each acknowledgement. Errors are logged and retried,
 * never thrown into the process.
 */
import { EventEmitter } from 'node:events';
import { standbyStatusUpdate, type CopyPayload } from './pgWire.js';
import { ReplicationConnection, ServerError, type ReplicationTarget } from './replicationConnection.js';
import { formatLsn, parseLsn, segmentStart, type Lsn } from './lsn.js';
import { WalGapError, WalSegmentStore } from './walSegmentStore.js';

export interface StorageNodeOptions {
  /** Slot name and application_name: what synchronous_standby_names lists. [a-z0-9_] only. */
  name: string;
  /** Directory of this segment's WAL copy. */
  dir: string;
  host: string;
  port: number;
  /** A role with REPLICATION (the emulator's admin role). */
  user: string;
  password: string;
  /** Status updates even when idle, like wal_receiver_status_interval (default 1000 ms): lets waiters be re-checked. */
  statusIntervalMs?: number;
  /** A server that does not finish the handshake in this time is given up on, and retried (default 10 s). */
  connectTimeoutMs?: number;
  /** Delay before reconnecting after a lost connection (default 200 ms). */
  reconnectDelayMs?: number;
  chunkSize?: number;
  log?: (message: string) => void;
}

export type StorageNodeState = 'stopped' | 'connecting' | 'streaming' | 'paused';

export interface StorageNodeStats {
  bytesReceived: number;
  flushes: number;
  connections: number;
  lastError?: string;
}

/** Unacknowledged data held in memory before the node stops reading (backpressure). */
const MAX_PENDING_BYTES = 8 * 1024 * 1024;

export class StorageNode extends EventEmitter {
  readonly name: string;
  private storeValue: WalSegmentStore | undefined;
  private connection: ReplicationConnection | undefined;
  private running = false;
  private paused = false;
  private latencyMs = 0;
  private stateValue: StorageNodeState = 'stopped';
  private pending: CopyPayload[] = [];
  private pendingBytes = 0;
  private processing: Promise<void> | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private statusTimer: NodeJS.Timeout | undefined;
  private serverWalEnd: Lsn = 0n;
  /** Kept across stop(): a down segment still holds what it made durable. */
  private lastDurable: Lsn = 0n;
  /** What the server has been (or may be) told: the durable end once any injected latency has passed. */
  private acknowledgedLsn: Lsn = 0n;
  /** Bumped by stop(): a connection attempt from before a stop must not install itself after a restart. */
  private generation = 0;
  private readonly statsValue: StorageNodeStats = { bytesReceived: 0, flushes: 0, connections: 0 };

  constructor(private readonly options: StorageNodeOptions) {
    super();
    if (!/^[a-z0-9_]{1,63}$/.test(options.name)) throw new RangeError(`Storage node name ${JSON.stringify(options.name)}: [a-z0-9_] only, as a slot name`);
    this.name = options.name;
  }

  get state(): StorageNodeState {
    return this.stateValue;
  }
  /** End of the WAL this segment holds durably (what it has acknowledged or will); while stopped, the last known. */
  get durableLsn(): Lsn {
    return this.storeValue?.durableLsn ?? this.lastDurable;
  }
  /** Highest WAL end the server has reported: durableLsn below it means this segment lags. */
  get serverLsn(): Lsn {
    return this.serverWalEnd;
  }
  get store(): WalSegmentStore | undefined {
    return this.storeValue;
  }
  get stats(): Readonly<StorageNodeStats> {
    return this.statsValue;
  }
  get addedLatencyMs(): number {
    return this.latencyMs;
  }

  /** Opens the store and connects; resolves once streaming (retrying in the background until then, or until stop()). */
  async start(): Promise<void> {
    if (this.running) return this.waitForState('streaming');
    this.running = true;
    try {
      this.storeValue ??= await WalSegmentStore.open(this.options.dir);
    } catch (error) {
      this.running = false;
      throw error;
    }
    this.statusTimer = setInterval(() => this.sendStatus(false), this.options.statusIntervalMs ?? 1000);
    this.statusTimer.unref();
    const streaming = this.waitForState('streaming');
    void this.connectLoop();
    return streaming;
  }

  /** Down: drops the connection, stops reconnecting, finishes the write in progress and closes the store. */
  async stop(): Promise<void> {
    if (!this.running && !this.storeValue) return;
    this.running = false;
    this.generation += 1;
    clearTimeout(this.reconnectTimer);
    clearInterval(this.statusTimer);
    this.connection?.close();
    this.connection = undefined;
    await this.processing;
    this.pending = [];
    this.pendingBytes = 0;
    if (this.storeValue) this.lastDurable = this.storeValue.durableLsn;
    await this.storeValue?.close().catch(() => {});
    this.storeValue = undefined;
    this.setState('stopped');
    this.emit('stopped');
  }

  /** Connected but silent: reads nothing and acknowledges nothing until resume(). */
  pause(): void {
    this.paused = true;
    this.connection?.pauseReading();
    if (this.stateValue === 'streaming') this.setState('paused');
  }

  resume(): void {
    this.paused = false;
    if (this.pendingBytes < MAX_PENDING_BYTES) this.connection?.resumeReading();
    if (this.stateValue === 'paused') this.setState('streaming');
    this.sendStatus(false);
  }

  /** Added delay before each acknowledgement (a slow network or disk). */
  setLatency(ms: number): void {
    if (!(Number.isFinite(ms) && ms >= 0)) throw new RangeError(`latency must be a non-negative number of ms, got ${ms}`);
    this.latencyMs = ms;
  }

  /** Resolves once durableLsn ≥ lsn. */
  waitForDurable(lsn: Lsn, timeoutMs = 10_000): Promise<void> {
    if (this.durableLsn >= lsn) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const onDurable = (value: Lsn) => {
        if (value < lsn) return;
        cleanup();
        resolve();
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`${this.name}: not durable to ${formatLsn(lsn)} within ${timeoutMs} ms (at ${formatLsn(this.durableLsn)})`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.off('durable', onDurable);
      };
      this.on('durable', onDurable);
    });
  }

  // ---- internals ----

  private log(message: string): void {
    this.options.log?.(`[storage ${this.name}] ${message}`);
  }

  private setState(state: StorageNodeState): void {
    if (this.stateValue === state) return;
    this.stateValue = state;
    this.emit('state', state);
  }

  private waitForState(state: StorageNodeState): Promise<void> {
    if (this.stateValue === state || (state === 'streaming' && this.stateValue === 'paused')) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const onState = (value: StorageNodeState) => {
        if (value === state || (state === 'streaming' && value === 'paused')) {
          this.off('stopped', onStopped);
          this.off('state', onState);
          resolve();
        }
      };
      const onStopped = () => {
        this.off('state', onState);
        reject(new Error(`${this.name} was stopped before ${state}`));
      };
      this.on('state', onState);
      this.once('stopped', onStopped);
    });
  }

  private async connectLoop(): Promise<void> {
    if (!this.running) return;
    const generation = this.generation;
    this.setState('connecting');
    try {
      await this.connectOnce();
    } catch (error) {
      if (generation !== this.generation) return; // stopped meanwhile; a later start() owns the connection now
      this.statsValue.lastError = (error as Error).message;
      this.log(`connection failed: ${(error as Error).message}`);
      this.connection?.close();
      this.connection = undefined;
      this.scheduleReconnect();
    }
  }

  private scheduleReconnect(): void {
    if (!this.running) return;
    this.setState('connecting');
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => void this.connectLoop(), this.options.reconnectDelayMs ?? 200);
  }

  private async connectOnce(): Promise<void> {
    const target: ReplicationTarget = {
      host: this.options.host,
      port: this.options.port,
      user: this.options.user,
      password: this.options.password,
      applicationName: this.name,
      connectTimeoutMs: this.options.connectTimeoutMs,
    };
    const generation = this.generation;
    const connection = await ReplicationConnection.connect(target);
    if (!this.running || generation !== this.generation) return connection.close();
    this.connection = connection;
    const store = this.storeValue!;
    const system = (await connection.query('IDENTIFY_SYSTEM')).rows[0];
    if (!system || system.length < 3) throw new Error('IDENTIFY_SYSTEM returned no row');
    const [systemId, timelineText, xlogpos] = system as [string, string, string];
    const timeline = Number(timelineText);
    // The slot keeps the server's WAL for us while we are down; it may exist already (a restart).
    let slotPoint: Lsn | undefined;
    try {
      const created = await connection.query(`CREATE_REPLICATION_SLOT ${this.name} PHYSICAL RESERVE_WAL`);
      // Physical slots report consistent_point 0/0 (it is a logical-decoding notion); only a real position is used.
      const point = created.rows[0]?.[1];
      if (point && parseLsn(point) > 0n) slotPoint = parseLsn(point);
    } catch (error) {
      if (!(error instanceof ServerError && error.code === '42710')) throw error;
    }
    if (!store.isInitialized) {
      const walSegmentSize = parseSize((await connection.query('SHOW wal_segment_size')).rows[0]?.[0] ?? '16MB');
      // IDENTIFY_SYSTEM ran before the slot reserved WAL, so xlogpos's segment is still on the server.
      const startLsn = segmentStart(slotPoint ?? parseLsn(xlogpos), walSegmentSize);
      await store.initialize({ systemId, timeline, walSegmentSize, chunkSize: this.options.chunkSize, startLsn });
      this.log(`new segment copy of system ${systemId}, timeline ${timeline}, from ${formatLsn(startLsn)}`);
    } else {
      const identity = store.identity!;
      if (identity.systemId !== systemId) throw new Error(`segment copy belongs to system ${identity.systemId}, the server is ${systemId}`);
      if (identity.timeline !== timeline) throw new Error(`segment copy is on timeline ${identity.timeline}, the server on ${timeline} (following a new timeline is not implemented)`);
    }
    if (!this.running || this.connection !== connection) return connection.close();
    const from = store.durableLsn;
    this.acknowledgedLsn = from;
    await connection.startStreaming(`START_REPLICATION SLOT ${this.name} PHYSICAL ${formatLsn(from)} TIMELINE ${timeline}`, {
      onBatch: (payloads) => this.onBatch(connection, payloads),
      onEnd: (error) => this.onStreamEnd(connection, error),
    });
    this.statsValue.connections += 1;
    this.log(`streaming from ${formatLsn(from)}`);
    if (this.paused) {
      connection.pauseReading();
      this.setState('paused');
    } else this.setState('streaming');
  }

  private onStreamEnd(connection: ReplicationConnection, error?: Error): void {
    if (this.connection !== connection) return;
    this.connection = undefined;
    // Whatever was received but not written is asked for again from the durable end.
    this.pending = [];
    this.pendingBytes = 0;
    if (!this.running) return;
    this.statsValue.lastError = error?.message;
    this.log(`stream ended: ${error?.message ?? 'no reason'}; reconnecting`);
    this.scheduleReconnect();
  }

  private onBatch(connection: ReplicationConnection, payloads: CopyPayload[]): void {
    if (this.connection !== connection) return;
    for (const payload of payloads) {
      if (payload.walEnd > this.serverWalEnd) this.serverWalEnd = payload.walEnd;
      if (payload.kind === 'xlog') this.pendingBytes += payload.data.length;
    }
    this.pending.push(...payloads);
    if (this.pendingBytes >= MAX_PENDING_BYTES) connection.pauseReading();
    this.processing ??= this.drain(connection).finally(() => {
      this.processing = undefined;
    });
  }

  /** Write everything received, fsync once, then acknowledge once: group commit for free. */
  private async drain(connection: ReplicationConnection): Promise<void> {
    const store = this.storeValue;
    while (this.pending.length > 0 && store && this.connection === connection) {
      const batch = this.pending;
      this.pending = [];
      this.pendingBytes = 0;
      if (!this.paused) connection.resumeReading();
      let replyRequested = false;
      let wrote = false;
      try {
        for (const payload of batch) {
          if (payload.kind === 'keepalive') replyRequested ||= payload.replyRequested;
          else if (payload.data.length > 0) {
            await store.append(payload.dataStart, payload.data);
            this.statsValue.bytesReceived += payload.data.length;
            wrote = true;
          }
        }
        if (wrote) {
          await store.flush();
          this.statsValue.flushes += 1;
        }
      } catch (error) {
        const reason = error instanceof WalGapError ? error.message : `storage write failed: ${(error as Error).message}`;
        this.statsValue.lastError = reason;
        this.log(`${reason}; reconnecting from ${formatLsn(store.durableLsn)}`);
        // Reconnect: START_REPLICATION resumes from what is durable here.
        connection.close();
        return;
      }
      const durable = store.durableLsn;
      if (this.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, this.latencyMs));
      if (durable > this.acknowledgedLsn) this.acknowledgedLsn = durable;
      if (wrote) this.emit('durable', durable);
      if (wrote || replyRequested) this.sendStatus(false);
    }
  }

  /** Standby Status Update: write = flush = acknowledged durable end; apply = 0 (we replay nothing, as pg_receivewal). */
  private sendStatus(requestReply: boolean): void {
    const connection = this.connection;
    const store = this.storeValue;
    if (!connection || !store || this.paused || this.stateValue === 'connecting') return;
    // Never past the durable end; with injected latency, only what the delay has released.
    const acknowledged = this.acknowledgedLsn < store.durableLsn ? this.acknowledgedLsn : store.durableLsn;
    connection.send(standbyStatusUpdate(acknowledged, acknowledged, 0n, requestReply));
  }
}

/** "16MB" (SHOW wal_segment_size) → bytes. */
function parseSize(text: string): number {
  const match = /^(\d+)\s*(B|kB|MB|GB)?$/.exec(text.trim());
  if (!match) throw new Error(`Unexpected wal_segment_size ${JSON.stringify(text)}`);
  const unit = { B: 1, kB: 1024, MB: 1024 ** 2, GB: 1024 ** 3 }[(match[2] ?? 'B') as 'B' | 'kB' | 'MB' | 'GB'];
  return Number(match[1]) * unit;
}
