/**
 * What a cluster volume needs of one segment's node, whichever way the log
 * reaches it: pulled from PostgreSQL's walsender (StorageNode) or pushed by
 * the volume itself (PushedSegmentNode, for MariaDB).
 */
import type { Lsn } from './lsn.js';
import type { WalSegmentStore } from './walSegmentStore.js';

export type SegmentNodeState = 'stopped' | 'connecting' | 'streaming' | 'paused';

export interface SegmentNodeStats {
  bytesReceived: number;
  flushes: number;
  connections: number;
  lastError?: string;
}

export interface SegmentLogNode {
  readonly name: string;
  readonly state: SegmentNodeState;
  /** End of the log its copy holds after the last fsync; while stopped, the last known. */
  readonly durableLsn: Lsn;
  /** End of the log the source has reported: durableLsn below it means the segment lags. */
  readonly serverLsn: Lsn;
  /** The current copy while started. */
  readonly store: WalSegmentStore | undefined;
  readonly stats: Readonly<SegmentNodeStats>;
  readonly addedLatencyMs: number;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** The writer moved (PostgreSQL nodes reconnect to it). */
  retarget(target: { host: string; port: number; user: string; password: string }): Promise<void>;
  setLatency(ms: number): void;
  /** Every timeline's copy, oldest first. */
  timelineStores(): Promise<{ timeline: number; store: WalSegmentStore }[]>;
  historyFiles(): Promise<Map<string, string>>;
}
