/**
 * Reads verified chunks from several copies of the same log, a window at a
 * time (bulk reads instead of one read per 8 KiB chunk), and picks for each
 * chunk the copy reaching furthest whose checksum matches. Used by recovery
 * (read the log tail from 3+ copies) and repair (gossip from peers).
 */
import type { Lsn } from './lsn.js';
import type { VerifiedChunk, WalSegmentStore } from './walSegmentStore.js';

export interface SegmentCopy {
  /** For reports: which segment / node this copy is. */
  name: string;
  store: WalSegmentStore;
}

const WINDOW_CHUNKS = 128; // 1 MiB of 8 KiB chunks

export class VerifiedChunkReader {
  private readonly windows = new Map<SegmentCopy, { start: Lsn; chunks: VerifiedChunk[] }>();
  /** Chunks passed over because a copy's checksum failed. */
  readonly skipped: { source: string; chunkStart: Lsn }[] = [];

  constructor(private readonly copies: readonly SegmentCopy[]) {}

  /**
   * A verified copy of the chunk at `chunkStart` holding at least `minimumBytes`,
   * trimmed to what its copy has made durable; undefined when none has one.
   */
  async healthy(chunkStart: Lsn, minimumBytes = 1): Promise<{ source: string; bytes: Buffer } | undefined> {
    const holders = this.copies
      .filter((copy) => copy.store.isInitialized && copy.store.startLsn <= chunkStart && copy.store.durableLsn >= chunkStart + BigInt(minimumBytes))
      .sort((a, b) => (a.store.durableLsn > b.store.durableLsn ? -1 : a.store.durableLsn < b.store.durableLsn ? 1 : 0));
    for (const copy of holders) {
      const chunk = await this.chunkOf(copy, chunkStart);
      if (!chunk?.bytes) {
        if (chunk) this.skipped.push({ source: copy.name, chunkStart });
        continue;
      }
      // A chunk entry may run ahead of the copy's last fsync: only durable bytes count.
      const durable = Number(copy.store.durableLsn - chunkStart);
      const bytes = chunk.bytes.subarray(0, Math.min(chunk.bytes.length, durable));
      if (bytes.length >= minimumBytes) return { source: copy.name, bytes };
    }
    return undefined;
  }

  private async chunkOf(copy: SegmentCopy, chunkStart: Lsn): Promise<VerifiedChunk | undefined> {
    const chunkSize = BigInt(copy.store.identity!.chunkSize);
    const windowBytes = chunkSize * BigInt(WINDOW_CHUNKS);
    const windowStart = (chunkStart / windowBytes) * windowBytes;
    let window = this.windows.get(copy);
    if (!window || window.start !== windowStart) {
      window = { start: windowStart, chunks: await copy.store.readChunks(windowStart, WINDOW_CHUNKS) };
      this.windows.set(copy, window);
    }
    const chunk = window.chunks[Number((chunkStart - windowStart) / chunkSize)];
    // A window read while the copy was shorter: read this chunk alone.
    if (!chunk || (chunk.covered < Number(chunkSize) && copy.store.durableLsn > chunkStart + BigInt(chunk.covered))) return copy.store.readChunk(chunkStart);
    return chunk;
  }
}
