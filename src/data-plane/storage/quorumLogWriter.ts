/**
 * The volume writing its log itself: for an engine whose server cannot wait
 * for 4 of 6 acknowledgements (MariaDB's semi-sync waits for one), the volume
 * is that one replica. It appends each log record at the next offset of the
 * volume's log on every reachable segment, and `whenDurable(end)` resolves once
 * 4 of the 6 segments have fsynced it: only then does the engine get its
 * acknowledgement. The bytes are opaque here (storage knows no engine).
 *
 * Segments (PushedSegmentNode) append and fsync on their own, each at its own
 * pace (latency faults); a segment that joins behind the log (back from an
 * outage, or new) catches up from its peers before taking new records.
 */
import path from 'node:path';
import type { Lsn } from './lsn.js';
import { WRITE_QUORUM } from './quorum.js';
import type { SegmentLogNode, SegmentNodeStats } from './segmentNode.js';
import { WalSegmentStore } from './walSegmentStore.js';

export class QuorumLogWriter {
  private readonly nodes = new Set<PushedSegmentNode>();
  private endValue: Lsn = 0n;
  private waiters: { end: Lsn; resolve: () => void; reject: (error: Error) => void }[] = [];

  constructor(readonly systemId: string) {}

  /** Where the next record goes. */
  get end(): Lsn {
    return this.endValue;
  }

  /** Continue the log at `end` (the volume's recovered end, after a restart or a writer change). */
  resumeAt(end: Lsn): void {
    this.endValue = end;
  }

  /** Appends a record on every joined segment; returns where it ends. Durability: whenDurable(end). */
  append(record: Buffer): Lsn {
    const start = this.endValue;
    this.endValue += BigInt(record.length);
    for (const node of this.nodes) node.receive(start, record);
    return this.endValue;
  }

  /** Resolves once 4 segments hold the log durably up to `end`. Commits wait here while the write quorum is lost. */
  whenDurable(end: Lsn): Promise<void> {
    if (this.durableEnd() >= end) return Promise.resolve();
    return new Promise((resolve, reject) => this.waiters.push({ end, resolve, reject }));
  }

  /** The 4th highest durable end among the segments: what the volume may acknowledge. */
  durableEnd(): Lsn {
    const ends = [...this.allNodes].map((node) => node.durableLsn).sort((a, b) => (a > b ? -1 : a < b ? 1 : 0));
    return ends.length >= WRITE_QUORUM ? ends[WRITE_QUORUM - 1]! : 0n;
  }

  /** Fails the waiting acknowledgements (the writer changes: its unacknowledged commits stay so). */
  abandonWaiters(reason: string): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const waiter of waiters) waiter.reject(new Error(reason));
  }

  /** Every node ever joined (stopped ones keep their last durable end, which still counts). */
  private readonly allNodes = new Set<PushedSegmentNode>();

  join(node: PushedSegmentNode): void {
    this.nodes.add(node);
    this.allNodes.add(node);
  }

  leave(node: PushedSegmentNode): void {
    this.nodes.delete(node);
  }

  /** A segment made more of the log durable. */
  reportDurable(): void {
    if (this.waiters.length === 0) return;
    const durable = this.durableEnd();
    const ready = this.waiters.filter((w) => w.end <= durable);
    if (ready.length === 0) return;
    this.waiters = this.waiters.filter((w) => w.end > durable);
    for (const waiter of ready) waiter.resolve();
  }
}

export interface PushedSegmentNodeOptions {
  name: string;
  dir: string;
  writer: QuorumLogWriter;
  log?: (line: string) => void;
}

/** The most a segment holds in memory while it catches up; beyond it drops what it queued and catches up from peers. */
const MAX_QUEUED_BYTES = 64 * 1024 * 1024;

/**
 * One segment of a volume whose log the volume writes (QuorumLogWriter):
 * records are pushed to it, it appends them to its copy and fsyncs, and
 * reports its durable end. A gap (records it missed while down) is filled from
 * peers through `catchUp`, which the volume provides.
 */
export class PushedSegmentNode implements SegmentLogNode {
  readonly name: string;
  private storeValue: WalSegmentStore | undefined;
  private started = false;
  private queue: { lsn: Lsn; bytes: Buffer }[] = [];
  private queuedBytes = 0;
  private draining: Promise<void> | undefined;
  private latencyMs = 0;
  private lastDurable: Lsn = 0n;
  private generation = 0;
  /** Set by the volume: fills this segment's gap from its peers. */
  catchUp: (() => Promise<unknown>) | undefined;
  private readonly statsValue: SegmentNodeStats = { bytesReceived: 0, flushes: 0, connections: 0 };

  constructor(private readonly options: PushedSegmentNodeOptions) {
    this.name = options.name;
  }

  /** Streaming once it holds everything the writer appended; connecting while it catches up. */
  get state(): SegmentLogNode['state'] {
    if (!this.started) return 'stopped';
    return this.storeValue && this.storeValue.writtenLsn >= this.options.writer.end ? 'streaming' : 'connecting';
  }
  get durableLsn(): Lsn {
    return this.storeValue?.durableLsn ?? this.lastDurable;
  }
  get serverLsn(): Lsn {
    return this.options.writer.end;
  }
  get store(): WalSegmentStore | undefined {
    return this.storeValue;
  }
  get stats(): Readonly<SegmentNodeStats> {
    return this.statsValue;
  }
  get addedLatencyMs(): number {
    return this.latencyMs;
  }

  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    const generation = ++this.generation;
    const store = await WalSegmentStore.open(path.join(this.options.dir, 'log'));
    if (generation !== this.generation) return void (await store.close());
    if (!store.isInitialized) await store.initialize({ systemId: this.options.writer.systemId, timeline: 1, startLsn: 0n });
    this.storeValue = store;
    this.statsValue.connections += 1;
    this.options.writer.join(this);
    this.options.writer.reportDurable();
  }

  async stop(): Promise<void> {
    if (!this.started) return;
    this.generation += 1;
    this.started = false;
    this.options.writer.leave(this);
    this.queue = [];
    this.queuedBytes = 0;
    await this.draining;
    const store = this.storeValue;
    this.storeValue = undefined;
    if (store) {
      this.lastDurable = store.durableLsn;
      await store.close().catch(() => {});
    }
  }

  /** The writer's server changes: nothing to do here, records keep coming from the volume. */
  async retarget(): Promise<void> {}

  setLatency(ms: number): void {
    if (!(Number.isFinite(ms) && ms >= 0)) throw new RangeError(`latency must be a non-negative number of ms, got ${ms}`);
    this.latencyMs = ms;
  }

  /** The log has one timeline: the whole copy. */
  async timelineStores(): Promise<{ timeline: number; store: WalSegmentStore }[]> {
    return this.storeValue?.isInitialized ? [{ timeline: 1, store: this.storeValue }] : [];
  }

  async historyFiles(): Promise<Map<string, string>> {
    return new Map();
  }

  /** A record from the writer; appended and fsynced in the background. */
  receive(lsn: Lsn, bytes: Buffer): void {
    if (!this.started) return;
    this.statsValue.bytesReceived += bytes.length;
    this.queue.push({ lsn, bytes });
    this.queuedBytes += bytes.length;
    if (this.queuedBytes > MAX_QUEUED_BYTES) {
      // Too far behind to keep it all: peers have it.
      this.queue = [];
      this.queuedBytes = 0;
    }
    this.draining ??= this.drain().finally(() => (this.draining = undefined));
  }

  private async drain(): Promise<void> {
    const generation = this.generation;
    while (this.queue.length > 0 && generation === this.generation) {
      const store = this.storeValue!;
      const head = this.queue[0]!;
      if (head.lsn > store.writtenLsn) {
        // Records missed while down: peers fill the gap, then we go on.
        await this.catchUp?.().catch(() => {});
        if (head.lsn > store.writtenLsn) await new Promise((r) => setTimeout(r, 20));
        continue;
      }
      const batch = this.queue.splice(0);
      this.queuedBytes = 0;
      try {
        for (const record of batch) await store.append(record.lsn, record.bytes);
        if (this.latencyMs > 0) await new Promise((r) => setTimeout(r, this.latencyMs));
        if (generation !== this.generation) return;
        await store.flush();
        this.statsValue.flushes += 1;
      } catch (error) {
        this.statsValue.lastError = (error as Error).message;
        this.options.log?.(`[${this.name}] append failed: ${(error as Error).message}`);
        if (generation !== this.generation) return;
        continue;
      }
      this.options.writer.reportDurable();
    }
  }
}
