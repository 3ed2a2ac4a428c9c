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
 *
 * Failover: retarget() points the node at another server (the promoted
 * replica). When that server is on a newer timeline, the node stores its
 * timeline history file, finishes the old timeline's copy up to the switch
 * point if the server still has that WAL, leaves the old copy alone from then
 * on (read-only, for point-in-time restore; bytes it holds past the switch
 * point are the old writer's divergent tail) and starts a new copy at the WAL
 * segment boundary containing the switch point, as pg_receivewal does.
 *
 * Directory layout (`options.dir`):
 *   <dir>/                  the copy of the first timeline the node streamed (a WalSegmentStore:
 *                           segment.json, wal/), so WalSegmentStore.open(dir) opens it as before
 *   <dir>/tl-0000000N/      the copy of each later timeline N (a WalSegmentStore of its own)
 *   <dir>/history/0000000N.history   the servers' timeline history files, byte for byte
 */
import { EventEmitter } from 'node:events';
import fs from 'node:fs/promises';
import path from 'node:path';
import { standbyStatusUpdate, type CopyPayload } from './pgWire.js';
import { ReplicationConnection, ServerError, type ReplicationTarget } from './replicationConnection.js';
import { formatLsn, parseLsn, segmentStart, type Lsn } from './lsn.js';
import { WalGapError, WalSegmentStore, type WalStoreIdentity } from './walSegmentStore.js';

export interface StorageNodeOptions {
  /** Slot name and application_name: what synchronous_standby_names lists. [a-z0-9_] only. */
  name: string;
  /** Directory of this segment's WAL copies (one per timeline, see the layout above). */
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

/** The server a node streams from; retarget() after a failover. user and password default to the current ones. */
export interface StorageNodeTarget {
  host: string;
  port: number;
  user?: string;
  password?: string;
}

export type StorageNodeState = 'stopped' | 'connecting' | 'streaming' | 'paused';

export interface StorageNodeStats {
  bytesReceived: number;
  flushes: number;
  connections: number;
  lastError?: string;
}

/** One timeline's copy of the log held by a node. */
export interface TimelineCopy {
  timeline: number;
  store: WalSegmentStore;
  /** The copy's directory: the node's own for the first timeline it streamed, `<dir>/tl-XXXXXXXX` for later ones. */
  dir: string;
  /**
   * Where this timeline ended and the next one branched off (from the newest
   * stored history file); absent while it is the server's timeline. Bytes the
   * copy holds at or past it belong to no later timeline (the old writer's
   * divergent tail): never serve them as part of the next one.
   */
  switchPoint?: Lsn;
}

/** One line of a timeline history file: `timeline` ended at `switchPoint` (the next timeline starts there). */
export interface TimelineHistoryEntry {
  timeline: number;
  switchPoint: Lsn;
  reason: string;
}

/** Emitted as 'timeline' when the node starts a new timeline's copy. */
export interface TimelineSwitch {
  timeline: number;
  /** First LSN of the new copy: the WAL segment boundary at or before switchPoint. */
  startLsn: Lsn;
  /** Where the previous timeline ended. */
  switchPoint: Lsn;
  previousTimeline: number;
  /** Durable end of the previous timeline's copy when it was left (below switchPoint: a gap; above: a divergent tail). */
  previousDurableLsn: Lsn;
}

/** Unacknowledged data held in memory before the node stops reading (backpressure). */
const MAX_PENDING_BYTES = 8 * 1024 * 1024;
const HISTORY_DIR = 'history';
const TIMELINE_DIR = /^tl-([0-9A-F]{8})$/;
const STAGING_DIR = /^tl-[0-9A-F]{8}\.tmp$/;

const hex8 = (value: number) => value.toString(16).toUpperCase().padStart(8, '0');

/** "00000002.history": a timeline's history file name, as in pg_wal. */
export function timelineHistoryFileName(timeline: number): string {
  return `${hex8(timeline)}.history`;
}

/**
 * Parses a timeline history file (as PostgreSQL does: `parentTLI <tab> X/Y <tab> reason`
 * per line, blank lines and `#` comments skipped). Entries come oldest first.
 */
export function parseTimelineHistory(content: string): TimelineHistoryEntry[] {
  const entries: TimelineHistoryEntry[] = [];
  for (const raw of content.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const match = /^(\d+)\s+([0-9A-Fa-f]{1,8}\/[0-9A-Fa-f]{1,8})(?:\s+(.*))?$/.exec(line);
    if (!match) throw new Error(`Malformed timeline history line ${JSON.stringify(line)}`);
    const timeline = Number(match[1]);
    const previous = entries[entries.length - 1];
    if (previous && timeline <= previous.timeline) throw new Error(`Timeline history is not in increasing timeline order at ${JSON.stringify(line)}`);
    entries.push({ timeline, switchPoint: parseLsn(match[2]!), reason: match[3] ?? '' });
  }
  return entries;
}

interface LoadedCopy {
  dir: string;
  store: WalSegmentStore;
}

interface StreamPlan {
  timeline: number;
  from: Lsn;
  /** The copy the stream is written into. */
  store: WalSegmentStore;
}

export class StorageNode extends EventEmitter {
  readonly name: string;
  private target: Required<StorageNodeTarget>;
  /** Open copies, oldest timeline first; the last is the current one (uninitialized for a node that never streamed). */
  private copies: LoadedCopy[] = [];
  private copiesLoaded = false;
  /** Serializes whatever opens, creates, switches or closes copies. */
  private copiesLock: Promise<unknown> = Promise.resolve();
  private connection: ReplicationConnection | undefined;
  /** The connection, if any, streaming a timeline older than its server's (finishing a copy up to its switch point). */
  private historicStream: { connection: ReplicationConnection; timeline: number } | undefined;
  /** Timelines the current target cannot finish (their WAL is gone there): the copy is left with a gap. */
  private readonly catchUpAbandoned = new Set<number>();
  /** The server no longer has the WAL where the current, still empty copy begins: start it over at the server's position. */
  private reseedEmptyCopy = false;
  private running = false;
  private paused = false;
  private latencyMs = 0;
  private stateValue: StorageNodeState = 'stopped';
  private pending: CopyPayload[] = [];
  private pendingBytes = 0;
  /** The stream `pending` came from; it is written even after that stream ended (not after stop() or retarget()). */
  private pendingOwner: ReplicationConnection | undefined;
  private processing: Promise<void> | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private statusTimer: NodeJS.Timeout | undefined;
  private serverWalEnd: Lsn = 0n;
  /** Kept across stop(): a down segment still holds what it made durable. */
  private lastDurable: Lsn = 0n;
  /** What the server has been (or may be) told: the durable end once any injected latency has passed. */
  private acknowledgedLsn: Lsn = 0n;
  /** Bumped by stop() and retarget(): a connection attempt from before must not install itself afterwards. */
  private generation = 0;
  private readonly statsValue: StorageNodeStats = { bytesReceived: 0, flushes: 0, connections: 0 };

  constructor(private readonly options: StorageNodeOptions) {
    super();
    if (!/^[a-z0-9_]{1,63}$/.test(options.name)) throw new RangeError(`Storage node name ${JSON.stringify(options.name)}: [a-z0-9_] only, as a slot name`);
    this.name = options.name;
    this.target = { host: options.host, port: options.port, user: options.user, password: options.password };
  }

  get state(): StorageNodeState {
    return this.stateValue;
  }
  /** End of the WAL the current copy holds durably (what it has acknowledged or will); while stopped, the last known. */
  get durableLsn(): Lsn {
    return this.storeValue?.durableLsn ?? this.lastDurable;
  }
  /** Highest WAL end the server has reported: durableLsn below it means this segment lags. */
  get serverLsn(): Lsn {
    return this.serverWalEnd;
  }
  /** The current (newest timeline's) copy while the node is started; older timelines: timelineStores(). */
  get store(): WalSegmentStore | undefined {
    return this.storeValue;
  }
  /** Timeline of the current copy (undefined before the first connection initializes it, or while stopped). */
  get timeline(): number | undefined {
    return this.storeValue?.identity?.timeline;
  }
  /** The server the node streams from (or will, once started). */
  get currentTarget(): { host: string; port: number } {
    return { host: this.target.host, port: this.target.port };
  }
  get stats(): Readonly<StorageNodeStats> {
    return this.statsValue;
  }
  get addedLatencyMs(): number {
    return this.latencyMs;
  }

  private get storeValue(): WalSegmentStore | undefined {
    return this.copies[this.copies.length - 1]?.store;
  }

  /** Opens the copies and connects; resolves once streaming (retrying in the background until then, or until stop()). */
  async start(): Promise<void> {
    if (this.running) return this.waitForState('streaming');
    this.running = true;
    const generation = this.generation;
    try {
      await this.exclusive(() => this.loadCopies());
    } catch (error) {
      if (generation === this.generation) this.running = false;
      throw error;
    }
    if (generation !== this.generation) throw new Error(`${this.name} was stopped before streaming`);
    this.statusTimer = setInterval(() => this.sendStatus(false), this.options.statusIntervalMs ?? 1000);
    this.statusTimer.unref();
    void this.connectLoop();
    return this.waitForState('streaming');
  }

  /**
   * Down: drops the connection, stops reconnecting, finishes the write in
   * progress and closes every copy (also those timelineStores() opened on a
   * stopped node).
   */
  async stop(): Promise<void> {
    if (!this.running && !this.copiesLoaded) return;
    this.running = false;
    this.generation += 1;
    clearTimeout(this.reconnectTimer);
    clearInterval(this.statusTimer);
    const connection = this.connection;
    this.connection = undefined;
    this.historicStream = undefined;
    this.dropPending();
    connection?.close();
    await this.processing;
    await this.exclusive(async () => {
      if (this.storeValue) this.lastDurable = this.storeValue.durableLsn;
      const copies = this.copies;
      this.copies = [];
      this.copiesLoaded = false;
      await Promise.all(copies.map((copy) => copy.store.close().catch(() => {})));
    });
    this.setState('stopped');
    this.emit('stopped');
  }

  /**
   * Points the node at another server (the new writer after a failover). A
   * started node drops its connection (a write in progress still completes
   * into the copy it belongs to) and reconnects to the new target with the
   * usual loop; pause, latency and the copies are kept. A stopped node stays
   * stopped and uses the new target when started. Resolves once streaming from
   * the new target (at once for a stopped node), or when the node is stopped
   * meanwhile; never rejects.
   */
  retarget(target: StorageNodeTarget): Promise<void> {
    if (typeof target.host !== 'string' || target.host === '') throw new RangeError('retarget: host is required');
    if (!Number.isInteger(target.port) || target.port < 1 || target.port > 65_535) throw new RangeError(`retarget: invalid port ${target.port}`);
    this.target = { host: target.host, port: target.port, user: target.user ?? this.target.user, password: target.password ?? this.target.password };
    this.catchUpAbandoned.clear();
    this.serverWalEnd = 0n;
    this.log(`target is now ${target.host}:${target.port}`);
    if (!this.running) return Promise.resolve();
    this.generation += 1;
    clearTimeout(this.reconnectTimer);
    const connection = this.connection;
    // Cleared first, so that closing it is not taken for a lost connection (which would schedule a second reconnect).
    this.connection = undefined;
    this.historicStream = undefined;
    this.dropPending();
    connection?.close();
    void this.connectLoop();
    return this.waitForState('streaming').catch(() => {});
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

  /** Resolves once durableLsn ≥ lsn (of the current copy: after a timeline switch, of the new timeline's). */
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

  /**
   * Every timeline's copy, oldest first, the current one last, with the
   * switch point where each older timeline ended. The stores belong to the
   * node: do not close them. On a stopped node this opens them; they stay
   * open until the next stop() (call it to release them).
   */
  timelineStores(): Promise<TimelineCopy[]> {
    return this.exclusive(async () => {
      await this.loadCopies();
      const switchPoints = new Map<number, Lsn>();
      const files = await this.readHistoryFiles();
      const newest = [...files.keys()].sort().pop();
      if (newest) for (const entry of parseTimelineHistory(files.get(newest)!)) switchPoints.set(entry.timeline, entry.switchPoint);
      return this.copies
        .filter((copy) => copy.store.isInitialized)
        .map((copy) => {
          const timeline = copy.store.identity!.timeline;
          const switchPoint = switchPoints.get(timeline);
          return switchPoint === undefined ? { timeline, store: copy.store, dir: copy.dir } : { timeline, store: copy.store, dir: copy.dir, switchPoint };
        });
    });
  }

  /** The timeline history files stored (`00000002.history` → content), oldest first: what a pg_wal for point-in-time restore needs besides the WAL. */
  historyFiles(): Promise<Map<string, string>> {
    return this.readHistoryFiles();
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

  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.copiesLock.then(work);
    this.copiesLock = run.catch(() => {});
    return run;
  }

  private get rootDir(): string {
    return path.resolve(this.options.dir);
  }

  /** Opens the node directory's copies (once per start). Caller holds the lock. */
  private async loadCopies(): Promise<void> {
    if (this.copiesLoaded) return;
    const root = this.rootDir;
    const rootStore = await WalSegmentStore.open(root);
    const copies: LoadedCopy[] = [];
    try {
      if (rootStore.isInitialized) copies.push({ dir: root, store: rootStore });
      for (const entry of await fs.readdir(root, { withFileTypes: true })) {
        if (!entry.isDirectory()) continue;
        if (STAGING_DIR.test(entry.name)) {
          // A timeline switch interrupted before its copy was complete: it never held WAL.
          await fs.rm(path.join(root, entry.name), { recursive: true, force: true });
          continue;
        }
        const match = TIMELINE_DIR.exec(entry.name);
        if (!match) continue;
        const dir = path.join(root, entry.name);
        const store = await WalSegmentStore.open(dir);
        if (store.identity?.timeline !== parseInt(match[1]!, 16)) {
          this.log(`ignoring ${dir}: it holds ${store.identity ? `timeline ${store.identity.timeline}` : 'no copy'}`);
          await store.close();
          continue;
        }
        copies.push({ dir, store });
      }
    } catch (error) {
      await Promise.all([rootStore, ...copies.map((copy) => copy.store)].map((store) => store.close().catch(() => {})));
      throw error;
    }
    copies.sort((a, b) => a.store.identity!.timeline - b.store.identity!.timeline); // stable: a sub-directory wins a tie with the root
    if (copies.length === 0) copies.push({ dir: root, store: rootStore });
    else if (!rootStore.isInitialized) await rootStore.close();
    this.copies = copies;
    this.copiesLoaded = true;
  }

  private async connectLoop(): Promise<void> {
    if (!this.running) return;
    const generation = this.generation;
    this.setState('connecting');
    try {
      await this.connectOnce();
    } catch (error) {
      if (generation !== this.generation) return; // stopped or retargeted meanwhile; a later attempt owns the connection now
      this.statsValue.lastError = (error as Error).message;
      this.log(`connection failed: ${(error as Error).message}`);
      const connection = this.connection;
      this.connection = undefined;
      this.historicStream = undefined;
      connection?.close();
      this.scheduleReconnect();
    }
  }

  private scheduleReconnect(delayMs = this.options.reconnectDelayMs ?? 200): void {
    if (!this.running) return;
    this.setState('connecting');
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => void this.connectLoop(), delayMs);
  }

  private async connectOnce(): Promise<void> {
    const target: ReplicationTarget = { ...this.target, applicationName: this.name, connectTimeoutMs: this.options.connectTimeoutMs };
    const generation = this.generation;
    const connection = await ReplicationConnection.connect(target);
    if (!this.running || generation !== this.generation) return connection.close();
    this.connection = connection;
    const system = (await connection.query('IDENTIFY_SYSTEM')).rows[0];
    if (!system || system.length < 3) throw new Error('IDENTIFY_SYSTEM returned no row');
    const [systemId, timelineText, xlogpos] = system as [string, string, string];
    const timeline = Number(timelineText);
    if (!Number.isInteger(timeline) || timeline < 1) throw new Error(`IDENTIFY_SYSTEM returned timeline ${JSON.stringify(timelineText)}`);
    // The slot keeps the server's WAL for us while we are down; it may exist already (a restart).
    // Physical slots are not replicated: on a promoted replica this creates it, reserving from now on.
    let slotPoint: Lsn | undefined;
    try {
      const created = await connection.query(`CREATE_REPLICATION_SLOT ${this.name} PHYSICAL RESERVE_WAL`);
      // Physical slots report consistent_point 0/0 (it is a logical-decoding notion); only a real position is used.
      const point = created.rows[0]?.[1];
      if (point && parseLsn(point) > 0n) slotPoint = parseLsn(point);
    } catch (error) {
      if (!(error instanceof ServerError && error.code === '42710')) throw error;
    }
    // A write from the previous connection may still be finishing: decide from what is durable once it has.
    await this.processing;
    if (this.pendingOwner !== connection) this.dropPending(); // left over by a failed write: asked for again
    const plan = await this.exclusive(() => this.planStream(connection, generation, { systemId, timeline, xlogpos: parseLsn(xlogpos), slotPoint }));
    if (!plan || !this.running || generation !== this.generation || this.connection !== connection) return connection.close();
    this.acknowledgedLsn = plan.from;
    const historic = plan.timeline < timeline;
    this.historicStream = historic ? { connection, timeline: plan.timeline } : undefined;
    try {
      await connection.startStreaming(`START_REPLICATION SLOT ${this.name} PHYSICAL ${formatLsn(plan.from)} TIMELINE ${plan.timeline}`, {
        onBatch: (payloads) => this.onBatch(connection, plan.store, payloads),
        onEnd: (error) => this.onStreamEnd(connection, error),
      });
    } catch (error) {
      if (isMissingWal(error)) this.onMissingWal(historic ? plan.timeline : undefined, error as ServerError);
      throw error;
    }
    if (this.connection !== connection) return; // the stream ended at once (its end is being handled)
    this.statsValue.connections += 1;
    this.log(`streaming timeline ${plan.timeline} from ${formatLsn(plan.from)}${historic ? ` (the server is on timeline ${timeline})` : ''}`);
    if (this.paused) {
      connection.pauseReading();
      this.setState('paused');
    } else this.setState('streaming');
  }

  /**
   * Chooses the copy and position to stream, initializing the first copy or
   * switching to a new timeline's copy as needed. Under the copies lock.
   * undefined: this attempt was superseded (stop or retarget).
   */
  private async planStream(
    connection: ReplicationConnection,
    generation: number,
    server: { systemId: string; timeline: number; xlogpos: Lsn; slotPoint: Lsn | undefined },
  ): Promise<StreamPlan | undefined> {
    if (!this.running || generation !== this.generation || this.connection !== connection) return undefined;
    const store = this.storeValue!;
    if (!store.isInitialized) {
      const walSegmentSize = parseSize((await connection.query('SHOW wal_segment_size')).rows[0]?.[0] ?? '16MB');
      // IDENTIFY_SYSTEM ran before the slot reserved WAL, so xlogpos's segment is still on the server.
      const startLsn = segmentStart(server.slotPoint ?? server.xlogpos, walSegmentSize);
      if (server.timeline > 1) await this.storeHistory(connection, server.timeline);
      await store.initialize({ systemId: server.systemId, timeline: server.timeline, walSegmentSize, chunkSize: this.options.chunkSize, startLsn });
      this.log(`new segment copy of system ${server.systemId}, timeline ${server.timeline}, from ${formatLsn(startLsn)}`);
      return { timeline: server.timeline, from: store.durableLsn, store };
    }
    const identity = store.identity!;
    if (identity.systemId !== server.systemId) throw new Error(`segment copy belongs to system ${identity.systemId}, the server is ${server.systemId}: refusing to stream from it`);
    if (server.timeline < identity.timeline) {
      throw new Error(`the server is on timeline ${server.timeline}, older than this copy's timeline ${identity.timeline}: refusing to follow it back`);
    }
    if (server.timeline === identity.timeline) {
      if (server.timeline > 1) await this.storeHistory(connection, server.timeline);
      const reseed = this.reseedEmptyCopy;
      this.reseedEmptyCopy = false;
      const startLsn = segmentStart(server.xlogpos, identity.walSegmentSize);
      if (reseed && store.durableLsn === store.startLsn && startLsn > store.startLsn) {
        // A new timeline's copy that never received a byte, begun at a segment the server has since recycled
        // (the node came back long after the failover): begin it where the server is, as a new node would.
        this.log(`the server no longer has timeline ${identity.timeline} from ${formatLsn(store.startLsn)}; this empty copy starts at ${formatLsn(startLsn)} instead (peers may hold the gap)`);
        await store.reset();
        await store.initialize({ ...identity, startLsn });
      }
      return { timeline: identity.timeline, from: store.durableLsn, store };
    }

    // The server is on a newer timeline: find where ours ended in its history.
    const history = parseTimelineHistory(await this.storeHistory(connection, server.timeline));
    const index = history.findIndex((entry) => entry.timeline === identity.timeline);
    if (index < 0) {
      throw new Error(
        `this copy's timeline ${identity.timeline} is not in the history of the server's timeline ${server.timeline} (${history.map((entry) => entry.timeline).join(' → ') || 'empty'}): refusing to follow it`,
      );
    }
    const switchPoint = history[index]!.switchPoint;
    const next = history[index + 1]?.timeline ?? server.timeline;
    const durable = store.durableLsn;
    if (durable < switchPoint && !this.catchUpAbandoned.has(identity.timeline)) {
      // Finish the old timeline first: the server streams it up to the switch point, then ends the stream.
      this.log(`timeline ${identity.timeline} ended at ${formatLsn(switchPoint)}; completing its copy from ${formatLsn(durable)} before following timeline ${next}`);
      return { timeline: identity.timeline, from: durable, store };
    }
    if (durable < switchPoint) {
      this.log(`leaving timeline ${identity.timeline}'s copy at ${formatLsn(durable)}, ${switchPoint - durable} bytes short of its switch point ${formatLsn(switchPoint)} (peers may hold them)`);
    } else if (durable > switchPoint) {
      this.log(`timeline ${identity.timeline}'s copy keeps ${durable - switchPoint} bytes past the switch point ${formatLsn(switchPoint)}: the old writer's divergent tail, read-only`);
    }
    if (next !== server.timeline) {
      // An intermediate timeline: its own history file is a prefix of the server's; best effort.
      await this.storeHistory(connection, next).catch((error: Error) => this.log(`no history file for timeline ${next}: ${error.message}`));
    }
    const startLsn = segmentStart(switchPoint, identity.walSegmentSize);
    const copy = await this.addTimelineCopy({ systemId: identity.systemId, timeline: next, walSegmentSize: identity.walSegmentSize, chunkSize: identity.chunkSize, startLsn });
    this.log(`following timeline ${next}: new copy from ${formatLsn(startLsn)} (switch point ${formatLsn(switchPoint)}); timeline ${identity.timeline}'s copy is now read-only`);
    const event: TimelineSwitch = { timeline: next, startLsn, switchPoint, previousTimeline: identity.timeline, previousDurableLsn: durable };
    this.emit('timeline', event);
    return { timeline: next, from: startLsn, store: copy };
  }

  /** Creates `<dir>/tl-XXXXXXXX` (staged, then renamed, so a crash never leaves half a copy) and makes it current. */
  private async addTimelineCopy(identity: WalStoreIdentity): Promise<WalSegmentStore> {
    const root = this.rootDir;
    const final = path.join(root, `tl-${hex8(identity.timeline)}`);
    const staging = `${final}.tmp`;
    if (await fs.stat(final).then(() => true, () => false)) {
      // Only a copy that holds nothing can be there unopened (loadCopies skips it): one reset before a crash.
      const existing = await WalSegmentStore.open(final);
      const empty = !existing.isInitialized;
      await existing.close();
      if (!empty) throw new Error(`${final} holds a copy this node did not open`);
      await fs.rm(final, { recursive: true, force: true });
    }
    await fs.rm(staging, { recursive: true, force: true });
    const staged = await WalSegmentStore.open(staging);
    try {
      await staged.initialize(identity);
    } finally {
      await staged.close();
    }
    await fs.rename(staging, final);
    await syncDirectory(root);
    const store = await WalSegmentStore.open(final);
    this.copies.push({ dir: final, store });
    return store;
  }

  /**
   * The server's history file of `timeline` (TIMELINE_HISTORY), stored durably
   * the first time. One already stored must match: two promotions off the
   * same timeline each make a "timeline N" of their own, with different switch
   * points, and a copy of one must never be continued from the other.
   */
  private async storeHistory(connection: ReplicationConnection, timeline: number): Promise<string> {
    const name = timelineHistoryFileName(timeline);
    const file = path.join(this.rootDir, HISTORY_DIR, name);
    const row = (await connection.query(`TIMELINE_HISTORY ${timeline}`)).rows[0];
    const [fileName, content] = row ?? [];
    if (fileName !== name || typeof content !== 'string') throw new Error(`TIMELINE_HISTORY ${timeline} returned ${JSON.stringify(fileName)} instead of ${name}`);
    parseTimelineHistory(content); // refuse a malformed file before keeping it
    const stored = await fs.readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw error;
    });
    if (stored === content) return content;
    if (stored !== undefined) {
      throw new Error(`the server's ${name} differs from the one this node stored: it is on another branch of timeline ${timeline}, refusing to stream from it`);
    }
    await writeFileDurably(file, content);
    this.log(`stored ${name}`);
    return content;
  }

  private async readHistoryFiles(): Promise<Map<string, string>> {
    const dir = path.join(this.rootDir, HISTORY_DIR);
    const names = await fs.readdir(dir).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return [] as string[];
      throw error;
    });
    const files = new Map<string, string>();
    for (const name of names.filter((entry) => /^[0-9A-F]{8}\.history$/.test(entry)).sort()) files.set(name, await fs.readFile(path.join(dir, name), 'utf8'));
    return files;
  }

  /** Received but unwritten data is forgotten: the next stream asks for it again from the durable end. */
  private dropPending(): void {
    this.pending = [];
    this.pendingBytes = 0;
    this.pendingOwner = undefined;
  }

  /** The server lacks WAL the node asked for: of an older timeline (`historicTimeline`), or of the current one. */
  private onMissingWal(historicTimeline: number | undefined, error: Error): void {
    if (historicTimeline !== undefined) {
      if (this.catchUpAbandoned.has(historicTimeline)) return;
      this.catchUpAbandoned.add(historicTimeline);
      this.log(`cannot complete timeline ${historicTimeline}'s copy from ${this.target.host}:${this.target.port} (${error.message}); moving on to the next timeline`);
      return;
    }
    const store = this.storeValue;
    if (store?.isInitialized && store.durableLsn === store.startLsn) this.reseedEmptyCopy = true;
    else this.log(`the server no longer has the WAL this copy continues from (${error.message}): the copy needs peers (repair) to go on`);
  }

  private onStreamEnd(connection: ReplicationConnection, error?: Error): void {
    if (this.connection !== connection) return;
    this.connection = undefined;
    const historic = this.historicStream?.connection === connection ? this.historicStream : undefined;
    this.historicStream = undefined;
    // What the stream delivered before it ended is still written (the drain goes on; the next
    // connection waits for it): at the end of a historic timeline that is everything up to the switch point.
    if (!this.running) return;
    this.statsValue.lastError = error?.message;
    if (isMissingWal(error)) this.onMissingWal(historic?.timeline, error as ServerError);
    this.log(`stream ended: ${error?.message ?? 'no reason'}; reconnecting`);
    this.scheduleReconnect();
  }

  private onBatch(connection: ReplicationConnection, store: WalSegmentStore, payloads: CopyPayload[]): void {
    if (this.connection !== connection) return;
    for (const payload of payloads) {
      if (payload.walEnd > this.serverWalEnd) this.serverWalEnd = payload.walEnd;
      if (payload.kind === 'xlog') this.pendingBytes += payload.data.length;
    }
    this.pending.push(...payloads);
    this.pendingOwner = connection;
    if (this.pendingBytes >= MAX_PENDING_BYTES) connection.pauseReading();
    this.processing ??= this.drain(connection, store).finally(() => {
      this.processing = undefined;
    });
  }

  /** Write everything received, fsync once, then acknowledge once: group commit for free. */
  private async drain(connection: ReplicationConnection, store: WalSegmentStore): Promise<void> {
    while (this.pending.length > 0 && this.pendingOwner === connection) {
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
        if (this.pendingOwner === connection) this.dropPending();
        connection.close();
        return;
      }
      const durable = store.durableLsn;
      if (this.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, this.latencyMs));
      if (wrote) this.emit('durable', durable);
      if (this.connection !== connection) continue; // the stream ended: nobody to acknowledge to
      if (durable > this.acknowledgedLsn) this.acknowledgedLsn = durable;
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

/**
 * A server error meaning the WAL asked for is not (or no longer) on that
 * server: "requested WAL segment … has already been removed" (58P01, or XX000
 * when raised by CheckXLogRemoved), "requested starting point … is not in this
 * server's history" (XX000). Not: the slot still held by the previous
 * walsender (55006), a shutdown (57P01) or no free walsender (53300), which a
 * retry fixes.
 */
function isMissingWal(error: unknown): boolean {
  return error instanceof ServerError && (error.code === '58P01' || error.code === 'XX000' || error.code === undefined);
}

/** Writes a small file so that it is either absent or complete after a crash. */
async function writeFileDurably(file: string, content: string): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  const staging = `${file}.tmp`;
  const handle = await fs.open(staging, 'w', 0o600);
  try {
    await handle.writeFile(content);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await fs.rename(staging, file);
  await syncDirectory(path.dirname(file));
}

async function syncDirectory(dir: string): Promise<void> {
  const handle = await fs.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** "16MB" (SHOW wal_segment_size) → bytes. */
function parseSize(text: string): number {
  const match = /^(\d+)\s*(B|kB|MB|GB)?$/.exec(text.trim());
  if (!match) throw new Error(`Unexpected wal_segment_size ${JSON.stringify(text)}`);
  const unit = { B: 1, kB: 1024, MB: 1024 ** 2, GB: 1024 ** 3 }[(match[2] ?? 'B') as 'B' | 'kB' | 'MB' | 'GB'];
  return Number(match[1]) * unit;
}
