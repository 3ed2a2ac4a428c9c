/**
 * The volume writing its own log (storage/quorumLogWriter.ts), without any
 * database: a record is durable once 4 of 6 segments fsynced it; with 3 up it
 * waits; a segment that returns catches up from its peers and completes the
 * quorum; a slow segment does not hold up the other five.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PushedSegmentNode, QuorumLogWriter } from '../../src/data-plane/storage/quorumLogWriter.js';
import { repairSegment } from '../../src/data-plane/storage/repair.js';

let root: string;
let writer: QuorumLogWriter;
let nodes: PushedSegmentNode[];

const settlesWithin = (promise: Promise<unknown>, ms: number) =>
  Promise.race([promise.then(() => 'settled' as const), new Promise<'pending'>((resolve) => setTimeout(() => resolve('pending'), ms))]);
const record = (text: string) => Buffer.from(text.repeat(100));

beforeEach(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'quorum-log-'));
  writer = new QuorumLogWriter('test-volume');
  nodes = Array.from({ length: 6 }, (_, i) => new PushedSegmentNode({ name: `segment_${i}`, dir: path.join(root, `segment-${i}`), writer }));
  for (const node of nodes) {
    // What the cluster volume does: fill the gap from the peers' verified chunks.
    node.catchUp = () =>
      repairSegment(
        { name: node.name, store: node.store! },
        nodes.filter((peer) => peer !== node && peer.store).map((peer) => ({ name: peer.name, store: peer.store! })),
      ).then(() => writer.reportDurable());
  }
  await Promise.all(nodes.map((node) => node.start()));
});

afterEach(async () => {
  await Promise.all(nodes.map((node) => node.stop()));
  await fs.rm(root, { recursive: true, force: true });
});

describe('QuorumLogWriter', () => {
  it('acknowledges a record once 4 of 6 segments have fsynced it, at consecutive offsets', async () => {
    const first = writer.append(record('a'));
    const second = writer.append(record('b'));
    expect(second).toBe(first * 2n);
    await writer.whenDurable(second);
    expect(nodes.filter((node) => node.durableLsn >= second).length).toBeGreaterThanOrEqual(4);
    // The other two follow on their own.
    await expect.poll(() => nodes.every((node) => node.state === 'streaming' && node.durableLsn === second), { timeout: 2000 }).toBe(true);
  });

  it('waits with 3 segments up and completes when a 4th returns and catches up from its peers', async () => {
    await writer.whenDurable(writer.append(record('a')));
    await Promise.all(nodes.slice(0, 3).map((node) => node.stop()));
    const end = writer.append(record('b'));
    const durable = writer.whenDurable(end);
    expect(await settlesWithin(durable, 300)).toBe('pending');
    await nodes[0]!.start();
    // It missed record b: it takes it from its peers before anything new.
    await nodes[0]!.catchUp!();
    expect(await settlesWithin(durable, 2000)).toBe('settled');
    expect(nodes[0]!.durableLsn).toBe(end);
    // New records reach it directly again.
    const next = writer.append(record('c'));
    await writer.whenDurable(next);
    await expect.poll(() => nodes[0]!.durableLsn, { timeout: 2000 }).toBe(next);
  });

  it('is not held up by one slow segment', async () => {
    nodes[5]!.setLatency(1000);
    const end = writer.append(record('a'));
    expect(await settlesWithin(writer.whenDurable(end), 500)).toBe('settled');
    expect(nodes[5]!.durableLsn).toBeLessThan(end);
  });
});
