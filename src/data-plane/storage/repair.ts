/**
 * Self-healing from peers (gossip): a segment copy that is corrupt, lagging or
 * lost is rebuilt from the other copies of its protection group, chunk by
 * chunk, taking only chunks that verify against their checksums. Each repair
 * reports what it copied and how long it took.
 */
import { formatLsn } from './lsn.js';
import { VerifiedChunkReader, type SegmentCopy } from './chunkReader.js';
import type { WalSegmentStore } from './walSegmentStore.js';

export type RepairKind = 'corrupt-chunks' | 'catch-up' | 'rebuild';

export interface RepairReport {
  segment: string;
  kinds: RepairKind[];
  bytesCopied: number;
  chunksCopied: number;
  durationMs: number;
  /** Durable end of the repaired copy before and after. */
  fromLsn: string;
  toLsn: string;
  /** Bytes taken from each peer. */
  bytesBySource: Record<string, number>;
  /** Chunks no peer could supply in verified form (the copy stays corrupt there). */
  unrepairedChunks: string[];
}

function sameLog(target: WalSegmentStore, peer: WalSegmentStore): boolean {
  const a = target.identity;
  const b = peer.identity;
  return !!a && !!b && a.systemId === b.systemId && a.timeline === b.timeline && a.chunkSize === b.chunkSize && a.walSegmentSize === b.walSegmentSize;
}

/**
 * Repairs `target` from `peers`: an uninitialized (lost) copy is rebuilt from
 * the earliest start the peers share; corrupt chunks are replaced; then the
 * copy is brought up to the furthest verified peer end. Safe while the
 * segment's WAL receiver keeps appending (the store serializes the writes; the
 * receiver skips what repair already wrote).
 */
export async function repairSegment(target: SegmentCopy, peers: readonly SegmentCopy[], options: { verify?: boolean } = {}): Promise<RepairReport> {
  const started = performance.now();
  const store = target.store;
  const kinds: RepairKind[] = [];
  const report = { bytesCopied: 0, chunksCopied: 0, bytesBySource: {} as Record<string, number>, unrepairedChunks: [] as string[] };
  const count = (source: string, bytes: number) => {
    report.bytesCopied += bytes;
    report.chunksCopied += 1;
    report.bytesBySource[source] = (report.bytesBySource[source] ?? 0) + bytes;
  };
  const initialized = peers.filter((peer) => peer.store.isInitialized && peer !== target);
  if (!store.isInitialized) {
    if (initialized.length === 0) throw new Error(`Cannot rebuild ${target.name}: no peer holds any WAL`);
    const model = initialized.reduce((a, b) => (a.store.startLsn <= b.store.startLsn ? a : b)).store.identity!;
    await store.initialize(model);
    kinds.push('rebuild');
  }
  const fromLsn = store.durableLsn;
  const healthyPeers = initialized.filter((peer) => sameLog(store, peer.store));
  if (healthyPeers.length === 0) throw new Error(`Cannot repair ${target.name}: no peer holds the same log`);

  const reader = new VerifiedChunkReader(healthyPeers);
  // A segment back from an outage only needs what it missed (the scrubber checks the rest later).
  const { corruptChunks } = options.verify === false ? { corruptChunks: [] as bigint[] } : await store.verify();
  if (corruptChunks.length > 0) kinds.push('corrupt-chunks');
  for (const chunkStart of corruptChunks) {
    const needed = Number((store.writtenLsn < chunkStart + BigInt(store.identity!.chunkSize) ? store.writtenLsn : chunkStart + BigInt(store.identity!.chunkSize)) - chunkStart);
    const healthy = await reader.healthy(chunkStart, needed);
    if (!healthy) {
      report.unrepairedChunks.push(formatLsn(chunkStart));
      continue;
    }
    count(healthy.source, await store.replaceChunk(chunkStart, healthy.bytes));
  }

  // Catch up: append verified chunks past our end while some peer has them.
  const chunkSize = BigInt(store.identity!.chunkSize);
  const furthest = healthyPeers.reduce((lsn, peer) => (peer.store.durableLsn > lsn ? peer.store.durableLsn : lsn), 0n);
  let caughtUp = false;
  while (report.unrepairedChunks.length === 0 && store.writtenLsn < furthest) {
    const at = store.writtenLsn;
    const chunkStart = (at / chunkSize) * chunkSize;
    const healthy = await reader.healthy(chunkStart, Number(at - chunkStart) + 1);
    if (!healthy) {
      report.unrepairedChunks.push(formatLsn(chunkStart));
      break;
    }
    const before = store.writtenLsn;
    await store.append(chunkStart, healthy.bytes);
    const added = Number(store.writtenLsn - before);
    if (added <= 0) break;
    count(healthy.source, added);
    caughtUp = true;
  }
  if (caughtUp) {
    await store.flush();
    if (!kinds.includes('rebuild')) kinds.push('catch-up');
  }
  return {
    segment: target.name,
    kinds,
    ...report,
    durationMs: Math.round((performance.now() - started) * 100) / 100,
    fromLsn: formatLsn(fromLsn),
    toLsn: formatLsn(store.durableLsn),
  };
}
