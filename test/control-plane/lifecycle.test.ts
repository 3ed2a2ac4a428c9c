// The lifecycle scheduler: transitions run in due order (ties in scheduling order), failures
// are logged without stopping the others, and transitions kept in the store run after a new
// Lifecycle starts on it (the emulator restarting), overdue ones at once.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Lifecycle, type TransitionHandler } from '../../src/control-plane/lifecycle.js';
import type { Partition, Transition } from '../../src/control-plane/records.js';
import { Store } from '../../src/control-plane/store.js';

const lifecycles: Lifecycle[] = [];
const directories: string[] = [];
afterEach(async () => {
  for (const lifecycle of lifecycles.splice(0)) lifecycle.stop();
  for (const directory of directories.splice(0)) await rm(directory, { recursive: true, force: true });
});

interface Recorder {
  ran: string[];
  logged: string[];
  handlers: Record<string, TransitionHandler>;
}

function recorder(extra: Record<string, TransitionHandler> = {}): Recorder {
  const ran: string[] = [];
  const logged: string[] = [];
  const record: TransitionHandler = (_partition: Partition, t: Transition) => {
    ran.push(`${t.kind}:${t.resourceId}`);
  };
  return { ran, logged, handlers: { a: record, b: record, c: record, ...extra } };
}

function lifecycle(store: Store, rec: Recorder): Lifecycle {
  const created = new Lifecycle(store, rec.handlers, (line) => rec.logged.push(line));
  lifecycles.push(created);
  return created;
}

async function until(condition: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('Lifecycle', () => {
  it('runs transitions when due, in due order, not before', async () => {
    const store = await Store.open();
    const partition = store.partition('000000000000', 'us-east-1');
    const runs: { id: string; at: number; dueAt: number }[] = [];
    const timed: TransitionHandler = (_p, t) => {
      runs.push({ id: t.resourceId, at: Date.now(), dueAt: t.dueAt });
    };
    const rec = recorder({ timed });
    const scheduler = lifecycle(store, rec);
    scheduler.start();
    scheduler.schedule(partition, 'timed', 'third', 90);
    scheduler.schedule(partition, 'timed', 'first', 10);
    scheduler.schedule(partition, 'timed', 'second', 50);
    expect(runs).toEqual([]);
    expect(partition.transitions).toHaveLength(3);
    await until(() => runs.length === 3);
    expect(runs.map((r) => r.id)).toEqual(['first', 'second', 'third']);
    for (const run of runs) expect(run.at, `${run.id} ran before it was due`).toBeGreaterThanOrEqual(run.dueAt);
    expect(partition.transitions).toEqual([]);
  });

  it('runs overdue transitions in due order, ties in scheduling order, across partitions', async () => {
    const store = await Store.open();
    const east = store.partition('000000000000', 'us-east-1');
    const west = store.partition('123456789012', 'us-west-2');
    const rec = recorder();
    const scheduler = lifecycle(store, rec);
    scheduler.stop(); // nothing runs while stopped
    scheduler.schedule(east, 'a', 'late', -10);
    scheduler.schedule(west, 'b', 'early', -30);
    scheduler.schedule(east, 'c', 'tie-1', -20);
    scheduler.schedule(west, 'a', 'tie-2', -20);
    const tieDue = east.transitions.find((t) => t.resourceId === 'tie-1')!.dueAt;
    west.transitions.find((t) => t.resourceId === 'tie-2')!.dueAt = tieDue;
    await sleep(20);
    expect(rec.ran).toEqual([]);
    scheduler.start();
    await until(() => rec.ran.length === 4);
    expect(rec.ran).toEqual(['b:early', 'c:tie-1', 'a:tie-2', 'a:late']);
  });

  it('runs a transition scheduled by a handler, and a handler failure is logged without stopping the others', async () => {
    const store = await Store.open();
    const partition = store.partition('000000000000', 'us-east-1');
    let scheduler!: Lifecycle;
    const rec = recorder({
      boom: () => {
        throw new Error('kaput');
      },
      chain: (p, t) => {
        rec.ran.push(`chain:${t.resourceId}`);
        scheduler.schedule(p, 'a', `${t.resourceId}-next`, 0);
      },
    });
    scheduler = lifecycle(store, rec);
    scheduler.start();
    scheduler.schedule(partition, 'boom', 'x', 0);
    scheduler.schedule(partition, 'chain', 'y', 5);
    scheduler.schedule(partition, 'b', 'z', 10);
    await until(() => rec.ran.length === 3);
    // (b:z may run before or after y-next, depending on whether both were due in the same pass.)
    expect([...rec.ran].sort()).toEqual(['a:y-next', 'b:z', 'chain:y']);
    expect(rec.ran.indexOf('chain:y')).toBeLessThan(rec.ran.indexOf('a:y-next'));
    expect(rec.logged).toHaveLength(1);
    expect(rec.logged[0]).toMatch(/^lifecycle: boom of x failed: Error: kaput/);
  });

  it('refuses a kind without a handler, and cancel() drops a resource’s transitions (optionally by kind)', async () => {
    const store = await Store.open();
    const partition = store.partition('000000000000', 'us-east-1');
    const rec = recorder();
    const scheduler = lifecycle(store, rec);
    expect(() => scheduler.schedule(partition, 'nope', 'r', 0)).toThrow(/no lifecycle handler for nope/);
    scheduler.schedule(partition, 'a', 'r1', 60_000);
    scheduler.schedule(partition, 'b', 'r1', 60_000);
    scheduler.schedule(partition, 'a', 'r2', 60_000);
    scheduler.cancel(partition, 'r1', ['b']);
    expect(scheduler.pending(partition, 'r1').map((t) => t.kind)).toEqual(['a']);
    scheduler.cancel(partition, 'r1');
    expect(scheduler.pending(partition, 'r1')).toEqual([]);
    expect(scheduler.pending(partition, 'r2')).toHaveLength(1);
  });

  it('a stopped Lifecycle runs nothing; a new Lifecycle started on the same store runs what is pending', async () => {
    const store = await Store.open();
    const partition = store.partition('000000000000', 'us-east-1');
    const before = recorder();
    const first = lifecycle(store, before);
    first.start();
    first.schedule(partition, 'a', 'soon', 40);
    first.schedule(partition, 'b', 'overdue', 0);
    first.stop(); // the emulator stops before either ran
    await sleep(80);
    expect(before.ran).toEqual([]);
    expect(partition.transitions).toHaveLength(2);

    const after = recorder();
    const second = lifecycle(store, after);
    second.start();
    await until(() => after.ran.length === 2);
    expect(after.ran).toEqual(['b:overdue', 'a:soon']);
    expect(before.ran).toEqual([]);
    expect(partition.transitions).toEqual([]);
  });

  it('the same Lifecycle, stopped and started again, runs what is pending', async () => {
    const store = await Store.open();
    const partition = store.partition('000000000000', 'us-east-1');
    const rec = recorder();
    const scheduler = lifecycle(store, rec);
    scheduler.start();
    scheduler.schedule(partition, 'a', 'r', 30);
    scheduler.stop();
    scheduler.start();
    await until(() => rec.ran.length === 1, 1000);
    expect(rec.ran).toEqual(['a:r']);
  });

  it('transitions persisted in a state file run after the store is reopened and a new Lifecycle starts', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'aurora-local-lifecycle-'));
    directories.push(directory);
    const store = await Store.open(directory);
    const partition = store.partition('000000000000', 'eu-west-1');
    const first = lifecycle(store, recorder());
    first.schedule(partition, 'a', 'kept', 30);
    first.schedule(partition, 'b', 'overdue', -1000);
    first.stop();
    await store.persist();

    const reopened = await Store.open(directory);
    const rec = recorder();
    const second = lifecycle(reopened, rec);
    expect(reopened.partition('000000000000', 'eu-west-1').transitions.map((t) => t.resourceId).sort()).toEqual(['kept', 'overdue']);
    second.start();
    await until(() => rec.ran.length === 2);
    expect(rec.ran).toEqual(['b:overdue', 'a:kept']);
    // Once run, they are gone from the state file too (runDue persists after running).
    const deadline = Date.now() + 3000;
    for (;;) {
      const third = await Store.open(directory);
      if (third.partition('000000000000', 'eu-west-1').transitions.length === 0) break;
      if (Date.now() > deadline) throw new Error('the state file still lists the transitions that ran');
      await sleep(10);
    }
  });

  it('stopped while a step runs, it finishes that step and leaves the other due steps in the store for the next start', async () => {
    const store = await Store.open();
    const partition = store.partition('000000000000', 'us-east-1');
    let release!: () => void;
    const slow: TransitionHandler = (_p, t) => {
      rec.ran.push(`slow:${t.resourceId}`);
      return new Promise<void>((resolve) => (release = resolve));
    };
    const rec = recorder({ slow });
    const scheduler = lifecycle(store, rec);
    scheduler.stop();
    scheduler.schedule(partition, 'slow', 'running', -30);
    scheduler.schedule(partition, 'a', 'next', -20);
    scheduler.schedule(partition, 'b', 'after', -10);
    scheduler.start();
    await until(() => rec.ran.length === 1);
    scheduler.stop(); // close() begins
    const drained = scheduler.drained(5000).then(() => 'drained');
    await sleep(20);
    release();
    expect(await drained).toBe('drained');
    expect(rec.ran).toEqual(['slow:running']);
    expect(partition.transitions.map((t) => t.resourceId)).toEqual(['next', 'after']);

    const restarted = lifecycle(store, rec);
    restarted.start();
    await until(() => rec.ran.length === 3);
    expect(rec.ran).toEqual(['slow:running', 'a:next', 'b:after']);
  });
});
