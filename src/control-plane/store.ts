// Control-plane state: in memory, or persisted with lowdb to `<dataDir>/state.json`.
// Every write goes to a temporary file that is fsynced and then renamed over the old one, so
// the file is always either the previous or the new state. A request is answered only after
// its change is written. A state file that cannot be read or parsed stops start-up and is left
// untouched.
import { Low, Memory, type Adapter } from 'lowdb';
import { mkdir, open, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { emptyState, type Partition, type State } from './records.js';

export class StateFileError extends Error {}

class AtomicJsonFile implements Adapter<State> {
  constructor(private readonly file: string) {}

  async read(): Promise<State | null> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (error: any) {
      if (error.code === 'ENOENT') return null;
      throw new StateFileError(`cannot read the state file ${this.file}: ${error.message}`);
    }
    try {
      const state = JSON.parse(text);
      if (state?.formatVersion !== 1 || typeof state.partitions !== 'object') throw new Error('not an aurora-local state file (formatVersion 1)');
      return state as State;
    } catch (error: any) {
      throw new StateFileError(
        `the state file ${this.file} is corrupt (${error.message}). It was left untouched: ` +
          `move it away to start with an empty state, or restore it from a copy.`,
      );
    }
  }

  async write(state: State): Promise<void> {
    const temporary = `${this.file}.${process.pid}.tmp`;
    const handle = await open(temporary, 'w');
    try {
      await handle.writeFile(JSON.stringify(state));
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, this.file);
  }
}

const RECORD_TABLES = ['clusters', 'instances', 'clusterSnapshots', 'clusterEndpoints', 'globalClusters', 'clusterParameterGroups', 'dbParameterGroups', 'subnetGroups', 'subnets'] as const;

/**
 * A table keyed by names clients choose, as an object without a prototype: `constructor`,
 * `toString` or `__proto__` are then names like any other, absent until created. On a plain
 * object, `DeleteDBInstance DBInstanceIdentifier=__proto__` found Object.prototype as the
 * "instance" and marked it deleting, for every object in the process.
 */
function keyedByName<T extends object>(table: T): T {
  return Object.getPrototypeOf(table) === null ? table : Object.assign(Object.create(null), table);
}

/** A partition whose tables are all keyedByName; older state files may miss newer tables. */
function withNameTables(partition: Partial<Partition> & Pick<Partition, 'account' | 'region' | 'events' | 'transitions'>): Partition {
  for (const table of RECORD_TABLES) (partition as unknown as Record<string, object>)[table] = keyedByName(partition[table] ?? {});
  return partition as Partition;
}

/** The state as read (or new), with every table keyedByName: done once, before any record is handed out. */
function withNameTablesEverywhere(state: State): State {
  state.partitions = keyedByName(state.partitions);
  for (const key of Object.keys(state.partitions)) state.partitions[key] = withNameTables(state.partitions[key]!);
  return state;
}

export class Store {
  private db: Low<State>;
  private writing: Promise<void> | null = null;
  private queued: Promise<void> | null = null;

  private constructor(adapter: Adapter<State>) {
    this.db = new Low(adapter, emptyState());
  }

  static async open(dataDir?: string): Promise<Store> {
    if (dataDir) await mkdir(dataDir, { recursive: true });
    const store = new Store(dataDir ? new AtomicJsonFile(join(dataDir, 'state.json')) : new Memory<State>());
    await store.db.read();
    store.db.data = withNameTablesEverywhere(store.db.data);
    return store;
  }

  get state(): State {
    return this.db.data;
  }

  partition(account: string, region: string): Partition {
    const key = `${account}/${region}`;
    let partition = this.db.data.partitions[key];
    if (!partition) {
      partition = withNameTables({ account, region, events: [], transitions: [] });
      this.db.data.partitions[key] = partition;
    }
    return partition;
  }

  allPartitions(): Partition[] {
    return Object.values(this.db.data.partitions);
  }

  nextId(): number {
    return this.db.data.nextId++;
  }

  reset(): Promise<void> {
    this.db.data = withNameTablesEverywhere(emptyState());
    return this.persist();
  }

  /**
   * Writes the current state. Callers that mutate while a write is in flight share one
   * follow-up write, which starts after the current one and includes their change.
   */
  persist(): Promise<void> {
    if (this.queued) return this.queued;
    if (this.writing) {
      this.queued = this.writing.then(() => {
        this.queued = null;
        return this.startWrite();
      });
      return this.queued;
    }
    return this.startWrite();
  }

  private startWrite(): Promise<void> {
    const write = this.db.write().finally(() => {
      if (this.writing === write) this.writing = null;
    });
    this.writing = write;
    return write;
  }
}
