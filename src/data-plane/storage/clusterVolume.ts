/**
 * One cluster's storage volume, as the data plane uses it: the six segments of
 * the volume's log (StorageNodes placed two per AZ on the fleet's nodes, as
 * protection group 0), attached to whichever server is the writer. The writer
 * lists them in `synchronous_standby_names` (`ANY 4`), so a commit is
 * acknowledged only once 4 of 6 segments hold its WAL; recovery reads the log
 * tail from at least 3. A scrubber verifies checksums in the background and
 * repairs a corrupt or returning segment from its peers (gossip), reporting
 * bytes and time. Faults (node down, latency) are applied from outside by node id.
 *
 * Protection groups beyond the first are placement and capacity: PostgreSQL's
 * WAL is one stream, so the log lives in group 0's six segments; the others
 * show which nodes a bigger volume occupies and what an outage touches.
 */
import { EventEmitter } from 'node:events';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { StorageFleet } from './fleet.js';
import { formatLsn, type Lsn } from './lsn.js';
import { layoutVolume, placeProtectionGroup, type SegmentPlacement, type VolumeGeometry, type VolumeLayout } from './protectionGroups.js';
import { assessQuorum, READ_QUORUM, type QuorumAssessment, type SegmentState, type SegmentStatus } from './quorum.js';
import { ReadQuorumError, writeLogTailToPgWal, type LogTailReport } from './recovery.js';
import { repairSegment, type RepairReport } from './repair.js';
import { StorageNode } from './storageNode.js';
import type { SegmentCopy } from './chunkReader.js';
import { PushedSegmentNode, type QuorumLogWriter } from './quorumLogWriter.js';
import type { SegmentLogNode } from './segmentNode.js';

export interface VolumeTarget {
  host: string;
  port: number;
  user: string;
  password: string;
}

/** What the fault registry says about a fleet node. */
export interface NodeCondition {
  down: boolean;
  latencyMs: number;
}

export interface ClusterVolumeOptions {
  /** Stable name of the volume (the cluster's resource id), for logs and the volume seed. */
  name: string;
  dir: string;
  fleet: StorageFleet;
  geometry: VolumeGeometry;
  /** The current fault state of a fleet node. */
  condition: (nodeId: string) => NodeCondition;
  /** How often the scrubber looks at each segment (ms). */
  scrubIntervalMs?: number;
  /**
   * For an engine whose log the volume writes itself (MariaDB): the segments take
   * records from this writer instead of streaming WAL from a PostgreSQL writer.
   */
  logWriter?: QuorumLogWriter;
  log?: (line: string) => void;
}

export type VolumeEvent =
  | { kind: 'repair'; report: RepairReport; message: string }
  | { kind: 'corruption-detected'; segment: number; chunks: string[]; message: string }
  | { kind: 'write-quorum-lost' | 'write-quorum-restored' | 'read-quorum-lost' | 'read-quorum-restored'; message: string };

interface LogSegment {
  index: number;
  placement: SegmentPlacement;
  node: SegmentLogNode;
  /** Chunks that failed their checksum and are not repaired yet. */
  corruptChunks: Lsn[];
  /** Where the background scrub's moving window goes on next. */
  scrubCursor: Lsn;
  /** The durable end at the last scrub pass: the next pass checks everything after it. */
  scrubbedTo: Lsn;
  repairing: boolean;
}

export interface SegmentView {
  segment: number;
  node: string;
  availabilityZone: string;
  state: SegmentState;
  durableLsn: string | null;
  /** Present on protection group 0, which holds the log. */
  receiver?: { state: string; bytesReceived: number; flushes: number; addedLatencyMs: number; lastError?: string };
}

export interface VolumeView {
  volumeBytesUsed: number;
  allocatedBytes: number;
  maxVolumeBytes: number;
  storageFull: boolean;
  realBytesPerGiB: number;
  vdl: string | null;
  vcl: string | null;
  writeQuorum: boolean;
  readQuorum: boolean;
  protectionGroups: { index: number; firstByte: number; holdsLog: boolean; segments: SegmentView[] }[];
  repairs: RepairReport[];
}

/** Segments are named like their slot on the writer (and its application_name). */
const segmentName = (index: number) => `aurora_segment_${index}`;
/** A segment this far behind the WAL the server has sent is lagging, not up (bytes). */
const LAGGING_BYTES = 1024n * 1024n;
/** Per segment per scrub pass: what was written since the last pass plus this many chunks before it, and a window moving over the rest. */
const TAIL_CHUNKS = 16n;
const ROLLING_CHUNKS = 64;
const KEPT_REPAIRS = 50;

export class ClusterVolume extends EventEmitter {
  private readonly segments: LogSegment[];
  private target: VolumeTarget | undefined;
  private layoutValue: VolumeLayout;
  private readonly repairsValue: RepairReport[] = [];
  private scrubTimer: NodeJS.Timeout | undefined;
  private scrubbing = false;
  private closed = false;
  private lastQuorum = { write: true, read: true };

  constructor(private readonly options: ClusterVolumeOptions) {
    super();
    this.layoutValue = layoutVolume(options.fleet, 0, { geometry: options.geometry, volumeSeed: options.name });
    this.segments = placeProtectionGroup(options.fleet, 0, options.name).map((placement) => {
      const name = segmentName(placement.segmentIndex);
      const dir = path.join(options.dir, `segment-${placement.segmentIndex}`);
      const node = options.logWriter
        ? new PushedSegmentNode({ name, dir, writer: options.logWriter, log: options.log })
        : new StorageNode({ name, dir, host: '127.0.0.1', port: 0, user: '', password: '', log: options.log });
      const segment: LogSegment = { index: placement.segmentIndex, placement, node, corruptChunks: [], scrubCursor: 0n, scrubbedTo: 0n, repairing: false };
      if (node instanceof PushedSegmentNode) node.catchUp = () => this.repair(segment, 'returned');
      return segment;
    });
  }

  /** The log writer of a volume that writes its own log (MariaDB clusters). */
  get logWriter(): QuorumLogWriter | undefined {
    return this.options.logWriter;
  }

  /** `synchronous_standby_names` for the writer: any 4 of the six segments. */
  get synchronousStandbyNames(): string {
    return `ANY 4 (${this.segments.map((s) => `"${s.node.name}"`).join(', ')})`;
  }
  /** The segments' slot names on the writer. */
  get slotNames(): string[] {
    return this.segments.map((s) => s.node.name);
  }
  get layout(): VolumeLayout {
    return this.layoutValue;
  }

  /**
   * Points the six segments at a (new) writer and starts those whose node is up.
   * Resolves once the segments that can stream do (or after `timeoutMs`).
   */
  async attach(target: VolumeTarget, timeoutMs = 10_000): Promise<void> {
    this.target = target;
    this.scrubTimer ??= setInterval(() => void this.scrub(), this.options.scrubIntervalMs ?? 1000);
    this.scrubTimer.unref();
    // Running segments reconnect to the new writer; stopped ones start, unless their node is down.
    const starts = this.segments.map(async (segment) => {
      const wasStopped = segment.node.state === 'stopped';
      await segment.node.retarget(target);
      if (wasStopped && !this.options.condition(segment.placement.nodeId).down) await this.bringUp(segment);
    });
    await Promise.race([Promise.allSettled(starts), new Promise((resolve) => setTimeout(resolve, timeoutMs).unref())]);
    this.checkQuorum();
  }

  /** Re-reads node conditions: stops segments whose node went down, brings back those that returned. */
  async applyConditions(): Promise<void> {
    const work: Promise<unknown>[] = [];
    for (const segment of this.segments) {
      const condition = this.options.condition(segment.placement.nodeId);
      segment.node.setLatency(condition.latencyMs);
      if (condition.down && segment.node.state !== 'stopped') work.push(segment.node.stop());
      else if (!condition.down && segment.node.state === 'stopped' && this.target) work.push(this.bringUp(segment).catch(() => {}));
    }
    await Promise.all(work);
    this.checkQuorum();
  }

  /** Starts a segment's receiver; a segment back from an outage first catches up from its peers (gossip). */
  private async bringUp(segment: LogSegment): Promise<void> {
    // A segment back from an outage streams from the writer's slot at once (commits waiting for
    // a quorum resume soonest) and, meanwhile, takes what it missed from its peers (gossip).
    const streaming = segment.node.start();
    void (async () => {
      for (let waited = 0; !segment.node.store && waited < 5000 && segment.node.state !== 'stopped'; waited += 5) await new Promise((r) => setTimeout(r, 5));
      await this.repair(segment, 'returned');
    })().catch(() => {});
    await streaming;
  }

  /** Each segment's state as the quorum sees it. */
  segmentStatuses(): SegmentStatus[] {
    return this.segments.map((segment) => ({ state: this.stateOf(segment), durableLsn: segment.node.durableLsn }));
  }

  assess(): QuorumAssessment {
    return assessQuorum(this.segmentStatuses());
  }

  private stateOf(segment: LogSegment): SegmentState {
    if (this.options.condition(segment.placement.nodeId).down || (segment.node.state === 'stopped' && this.target)) return 'down';
    if (segment.corruptChunks.length > 0) return 'corrupt';
    if (!this.target) return 'up';
    if (segment.node.state !== 'streaming') return 'lagging';
    // Behind the writer, or behind its peers (right after reconnecting, before the writer has said where it is).
    const ahead = this.segments.reduce((lsn, s) => (s.node.durableLsn > lsn ? s.node.durableLsn : lsn), segment.node.serverLsn);
    return ahead - segment.node.durableLsn > LAGGING_BYTES ? 'lagging' : 'up';
  }

  /** Copies that may be read: reachable, not known corrupt, holding the newest timeline. */
  readableCopies(): SegmentCopy[] {
    const copies = this.segments
      .filter((s) => ['up', 'lagging'].includes(this.stateOf(s)) && s.node.store?.isInitialized)
      .map((s) => ({ name: `segment ${s.index} (${s.placement.nodeId})`, store: s.node.store! }));
    const newest = Math.max(0, ...copies.map((c) => c.store.identity!.timeline));
    return copies.filter((c) => c.store.identity!.timeline === newest);
  }

  /** Highest LSN recovery from the reachable segments would reach; throws ReadQuorumError below 3. */
  recoveryPoint(): Lsn {
    const copies = this.readableCopies();
    if (copies.length < READ_QUORUM) throw new ReadQuorumError(copies.length);
    return copies.reduce((lsn, c) => (c.store.durableLsn > lsn ? c.store.durableLsn : lsn), 0n);
  }

  /**
   * Writes the log tail, from `from`, into a stopped server's pg_wal, read from at
   * least 3 segments (verified chunk by chunk): the durable point of the volume.
   */
  async recoverInto(dataDir: string, from: Lsn, owner: { uid: number; gid: number } | null): Promise<LogTailReport> {
    const copies = this.readableCopies();
    if (copies.length < READ_QUORUM) throw new ReadQuorumError(copies.length);
    return writeLogTailToPgWal(dataDir, copies, { from, owner });
  }

  /**
   * The whole retained log for point-in-time restore: every timeline's copies from the
   * reachable segments (oldest timeline first) and the timeline history files.
   */
  async retainedLog(): Promise<{ timelines: { timeline: number; copies: SegmentCopy[] }[]; historyFiles: Record<string, string> }> {
    const byTimeline = new Map<number, SegmentCopy[]>();
    const historyFiles: Record<string, string> = {};
    for (const segment of this.segments) {
      if (['down', 'corrupt'].includes(this.stateOf(segment))) continue;
      for (const copy of await segment.node.timelineStores()) {
        const copies = byTimeline.get(copy.timeline) ?? [];
        copies.push({ name: `segment ${segment.index} (${segment.placement.nodeId}) timeline ${copy.timeline}`, store: copy.store });
        byTimeline.set(copy.timeline, copies);
      }
      for (const [name, content] of await segment.node.historyFiles()) historyFiles[name] ??= content;
    }
    const timelines = [...byTimeline.entries()].sort(([a], [b]) => a - b).map(([timeline, copies]) => ({ timeline, copies }));
    return { timelines, historyFiles };
  }

  /** The real bytes used now (from the writer): grows or shrinks the protection groups. */
  recordUsage(realBytes: number): VolumeLayout {
    this.layoutValue = layoutVolume(this.options.fleet, realBytes, { geometry: this.options.geometry, volumeSeed: this.options.name });
    return this.layoutValue;
  }

  /**
   * Fault injection: flips a byte in one chunk of a segment's copy of the log
   * (default: in the newest complete chunk, what recovery would read first).
   * Detection is the scrubber's job, through the checksums.
   */
  async corruptSegment(index: number, at?: Lsn): Promise<string> {
    const segment = this.segments[index];
    if (!segment) throw new RangeError(`A protection group has segments 0 to 5, not ${index}`);
    const store = segment.node.store;
    if (!store?.isInitialized || store.durableLsn <= store.startLsn) throw new RangeError(`Segment ${index} holds no log to corrupt (its node is down or it has received nothing yet)`);
    const chunk = BigInt(store.identity!.chunkSize);
    let lsn = at ?? ((store.durableLsn - 1n) / chunk) * chunk - chunk + chunk / 2n;
    if (lsn < store.startLsn) lsn = store.startLsn;
    await store.corruptByteAt(lsn);
    return formatLsn(lsn);
  }

  /** One scrub pass: verify each readable segment's newest chunks and a moving window of the rest; repair what fails. */
  async scrub(): Promise<void> {
    if (this.scrubbing || this.closed) return;
    this.scrubbing = true;
    try {
      // Segments side by side: one whose reads wait behind a slow fsync does not hold up the others.
      await Promise.all(
        this.segments.map((segment) =>
          this.scrubSegment(segment).catch((error: Error) => {
            // A segment stopped (a fault, the writer stopping) under the scrub: the next pass sees it.
            if (!/is closed/.test(error.message)) this.options.log?.(`[volume ${this.options.name}] scrub of segment ${segment.index}: ${error.message}`);
          }),
        ),
      );
    } finally {
      this.scrubbing = false;
    }
    this.checkQuorum();
  }

  private async scrubSegment(segment: LogSegment): Promise<void> {
    const store = segment.node.store;
    if (!store?.isInitialized || this.options.condition(segment.placement.nodeId).down) return;
    const chunkSize = BigInt(store.identity!.chunkSize);
    const end = store.durableLsn;
    // The tail: everything written since the last pass, and the 16 chunks before it.
    const since = segment.scrubbedTo > store.startLsn && segment.scrubbedTo <= end ? segment.scrubbedTo : end;
    const back = since - TAIL_CHUNKS * chunkSize;
    const tailStart = back > store.startLsn ? (back / chunkSize) * chunkSize : store.startLsn;
    const tailChunks = Number((end - tailStart) / chunkSize) + 1;
    if (segment.scrubCursor < store.startLsn || segment.scrubCursor >= tailStart) segment.scrubCursor = store.startLsn;
    const found = new Set<Lsn>();
    for (const [from, count] of [[tailStart, tailChunks], [segment.scrubCursor, ROLLING_CHUNKS]] as const) {
      let at = from;
      let left = count;
      while (left > 0 && at < end) {
        const chunks = await store.readChunks(at, left);
        if (chunks.length === 0) break;
        for (const chunk of chunks) {
          if (chunk.chunkStart >= end) break;
          const short = chunk.covered < store.identity!.chunkSize && chunk.chunkStart + BigInt(chunk.covered) < end;
          if (!chunk.bytes || short) found.add(chunk.chunkStart);
        }
        left -= chunks.length;
        at = chunks[chunks.length - 1]!.chunkStart + chunkSize;
      }
      if (from === segment.scrubCursor) segment.scrubCursor = at;
    }
    segment.scrubbedTo = end; // only once the tail was read: a pass cut short checks it again
    if (found.size > 0 && !segment.repairing) {
      segment.corruptChunks = [...found];
      const chunks = [...found].map(formatLsn);
      this.emitEvent({ kind: 'corruption-detected', segment: segment.index, chunks, message: `Storage segment ${segment.index} on ${segment.placement.nodeId} failed its checksum at ${chunks.join(', ')}; it serves no reads until repaired.` });
      await this.repair(segment, 'corrupt');
    }
  }

  /** Rebuilds a segment's bad or missing part from healthy peers; reported and evented when it copied anything. */
  private async repair(segment: LogSegment, why: 'corrupt' | 'returned', store = segment.node.store): Promise<RepairReport | undefined> {
    if (!store || segment.repairing) return undefined;
    const peers = this.segments
      .filter((s) => s !== segment && s.corruptChunks.length === 0 && s.node.store?.isInitialized && !this.options.condition(s.placement.nodeId).down)
      .map((s) => ({ name: `segment ${s.index} (${s.placement.nodeId})`, store: s.node.store! }));
    if (peers.length === 0 || !store.isInitialized) return undefined;
    segment.repairing = true;
    try {
      const report = await repairSegment({ name: `segment ${segment.index} (${segment.placement.nodeId})`, store }, peers, { verify: why === 'corrupt' });
      if (report.unrepairedChunks.length === 0) segment.corruptChunks = [];
      // What the segment caught up on counts towards the write quorum of commits waiting for it.
      this.options.logWriter?.reportDurable();
      if (report.bytesCopied === 0 && why === 'returned') return report;
      this.repairsValue.push(report);
      if (this.repairsValue.length > KEPT_REPAIRS) this.repairsValue.shift();
      const what = why === 'corrupt' ? 'repaired corrupt data' : 'caught up after an outage';
      this.emitEvent({
        kind: 'repair',
        report,
        message: `Storage segment ${segment.index} on ${segment.placement.nodeId} ${what} from its peers: ${report.bytesCopied} bytes in ${report.durationMs} ms.`,
      });
      return report;
    } catch (error) {
      this.options.log?.(`[volume ${this.options.name}] repair of segment ${segment.index} failed: ${(error as Error).message}`);
      return undefined;
    } finally {
      segment.repairing = false;
    }
  }

  private checkQuorum(): void {
    const quorum = this.assess();
    const down = this.segments.filter((s) => this.stateOf(s) === 'down').map((s) => `${s.index} (${s.placement.nodeId})`);
    if (quorum.canAcceptWrites !== this.lastQuorum.write) {
      this.emitEvent(
        quorum.canAcceptWrites
          ? { kind: 'write-quorum-restored', message: 'The cluster volume has its write quorum again (4 of 6 segments): commits resume.' }
          : { kind: 'write-quorum-lost', message: `The cluster volume lost its write quorum: ${quorum.writable} of 6 segments reachable, 4 needed; commits wait. Down: ${down.join(', ')}.` },
      );
    }
    if (quorum.canRecover !== this.lastQuorum.read) {
      this.emitEvent(
        quorum.canRecover
          ? { kind: 'read-quorum-restored', message: 'The cluster volume has its read quorum again (3 of 6 segments): it can recover.' }
          : { kind: 'read-quorum-lost', message: `The cluster volume cannot recover: ${quorum.readable} of 6 segments reachable, 3 needed. Down: ${down.join(', ')}.` },
      );
    }
    this.lastQuorum = { write: quorum.canAcceptWrites, read: quorum.canRecover };
  }

  private emitEvent(event: VolumeEvent): void {
    this.options.log?.(`[volume ${this.options.name}] ${event.message}`);
    this.emit('event', event);
  }

  /** The storage view: protection groups, each segment's node, AZ, state and durable LSN, and the volume's figures. */
  view(): VolumeView {
    const layout = this.layoutValue;
    const statuses = this.segmentStatuses();
    const quorum = assessQuorum(statuses);
    return {
      volumeBytesUsed: Math.round(layout.volumeBytesUsed),
      allocatedBytes: layout.allocatedBytes,
      maxVolumeBytes: layout.geometry.maxVolumeBytes,
      storageFull: layout.storageFull,
      realBytesPerGiB: layout.geometry.realBytesPerGiB,
      vdl: quorum.vdl === null ? null : formatLsn(quorum.vdl),
      vcl: quorum.vcl === null ? null : formatLsn(quorum.vcl),
      writeQuorum: quorum.canAcceptWrites,
      readQuorum: quorum.canRecover,
      protectionGroups: layout.protectionGroups.map((group) => ({
        index: group.index,
        firstByte: group.firstByte,
        holdsLog: group.index === 0,
        segments: group.segments.map((placement, i) => {
          if (group.index === 0) {
            const segment = this.segments[i]!;
            const node = segment.node;
            return {
              segment: i,
              node: placement.nodeId,
              availabilityZone: placement.availabilityZone,
              state: statuses[i]!.state,
              durableLsn: node.durableLsn > 0n ? formatLsn(node.durableLsn) : null,
              receiver: { state: node.state, bytesReceived: node.stats.bytesReceived, flushes: node.stats.flushes, addedLatencyMs: node.addedLatencyMs, lastError: node.stats.lastError },
            };
          }
          // Groups past the first hold no log here: their state is their node's.
          const down = this.options.condition(placement.nodeId).down;
          return { segment: i, node: placement.nodeId, availabilityZone: placement.availabilityZone, state: down ? 'down' : 'up', durableLsn: quorum.vdl === null ? null : formatLsn(quorum.vdl) };
        }),
      })),
      repairs: [...this.repairsValue],
    };
  }

  get repairs(): readonly RepairReport[] {
    return this.repairsValue;
  }

  /** Stops the receivers (the writer stops, or the emulator); the segments' data stays. */
  async detach(): Promise<void> {
    this.target = undefined;
    await Promise.all(this.segments.map((s) => s.node.stop()));
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.scrubTimer);
    await this.detach();
  }

  /** Deletes the volume's data (the cluster is deleted). */
  async destroy(): Promise<void> {
    await this.close();
    await fs.rm(this.options.dir, { recursive: true, force: true });
  }
}
