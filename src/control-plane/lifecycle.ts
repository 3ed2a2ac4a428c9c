// The lifecycle scheduler: status changes that complete later (creating → available,
// deleting → gone, …) are stored as transitions with a due time, in the same state as the
// records, so a transition in flight when the emulator stops completes after it restarts.
import type { Store } from './store.js';
import type { Partition, Transition } from './records.js';

export type TransitionHandler = (partition: Partition, transition: Transition) => Promise<void> | void;

export class Lifecycle {
  private timer: NodeJS.Timeout | null = null;
  private armedFor = Infinity;
  private running = false;
  private stopped = false;

  constructor(
    private readonly store: Store,
    private readonly handlers: Record<string, TransitionHandler>,
    private readonly log: (line: string) => void,
  ) {}

  schedule(partition: Partition, kind: string, resourceId: string, delayMs: number): void {
    if (!this.handlers[kind]) throw new Error(`no lifecycle handler for ${kind}`);
    partition.transitions.push({ id: this.store.nextId(), dueAt: Date.now() + delayMs, kind, resourceId });
    this.arm();
  }

  /** Drops scheduled transitions of a resource (for example when it is deleted mid-creation). */
  cancel(partition: Partition, resourceId: string, kinds?: string[]): void {
    partition.transitions = partition.transitions.filter((t) => t.resourceId !== resourceId || (kinds && !kinds.includes(t.kind)));
  }

  pending(partition: Partition, resourceId: string): Transition[] {
    return partition.transitions.filter((t) => t.resourceId === resourceId);
  }

  start(): void {
    this.stopped = false;
    this.arm();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.armedFor = Infinity; // the cleared timer no longer covers anything: start() must re-arm
  }

  /** Resolves once the step running now (if any) has finished: close() waits, so no step runs into a stopping data plane. */
  async drained(timeoutMs = 30_000): Promise<void> {
    for (const deadline = Date.now() + timeoutMs; this.running && Date.now() < deadline; ) await new Promise((resolve) => setTimeout(resolve, 10));
  }

  /** Re-arms the timer for the earliest transition. */
  arm(): void {
    if (this.stopped || this.running) return;
    let earliest = Infinity;
    for (const partition of this.store.allPartitions()) for (const t of partition.transitions) earliest = Math.min(earliest, t.dueAt);
    if (earliest === Infinity || earliest >= this.armedFor) return;
    if (this.timer) clearTimeout(this.timer);
    this.armedFor = earliest;
    this.timer = setTimeout(() => void this.runDue(), Math.max(0, earliest - Date.now()));
  }

  /** Runs every due transition, in due order, then persists once. */
  async runDue(): Promise<void> {
    this.timer = null;
    this.armedFor = Infinity;
    if (this.running || this.stopped) return;
    this.running = true;
    try {
      // Stops between steps once close() has begun: the steps left stay in the store, persisted,
      // and run at the next start, rather than running into a data plane that is stopping.
      while (!this.stopped) {
        const now = Date.now();
        const due: [Partition, Transition][] = [];
        for (const partition of this.store.allPartitions()) for (const t of partition.transitions) if (t.dueAt <= now) due.push([partition, t]);
        if (!due.length) break;
        due.sort((a, b) => a[1].dueAt - b[1].dueAt || a[1].id - b[1].id);
        for (const [partition, transition] of due) {
          if (this.stopped) break;
          partition.transitions = partition.transitions.filter((t) => t.id !== transition.id);
          try {
            await this.handlers[transition.kind](partition, transition);
          } catch (error: any) {
            this.log(`lifecycle: ${transition.kind} of ${transition.resourceId} failed: ${error?.stack ?? error}`);
          }
        }
        await this.store.persist();
      }
    } finally {
      this.running = false;
      this.arm();
    }
  }
}
