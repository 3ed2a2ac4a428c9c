// A metered control plane for tests: the real operations and lifecycle handlers, wrapped by the
// meter as the emulator wraps them, a clock the test moves, and a data plane whose volume the
// test sets (bytes and cumulative I/O counters per cluster identifier).
import { delayOptionNames, resolveConfig, type Delays } from '../../src/config.js';
import type { OperationContext } from '../../src/control-plane/context.js';
import { Lifecycle } from '../../src/control-plane/lifecycle.js';
import type { Partition } from '../../src/control-plane/records.js';
import { Store } from '../../src/control-plane/store.js';
import { transitionHandlers } from '../../src/control-plane/transitions.js';
import { NoDataPlane, type ClusterSpec, type VolumeUsage } from '../../src/data-plane/index.js';
import { costReport, type ClusterCost } from '../../src/metering/costReport.js';
import { Meter } from '../../src/metering/meter.js';
import { loadPriceTable } from '../../src/metering/priceTable.js';
import { operations } from '../../src/operations/index.js';

export const prices = loadPriceTable();
export const hourMs = 3_600_000;
export const gib = 1024 ** 3;

/** A volume the test controls: what usage() reports for each cluster (by identifier). */
export class ScriptedVolumes extends NoDataPlane {
  private readonly byCluster = new Map<string, VolumeUsage>();
  set(clusterId: string, usage: VolumeUsage): void {
    this.byCluster.set(clusterId, usage);
  }
  override async usage(cluster: ClusterSpec): Promise<VolumeUsage | undefined> {
    return this.byCluster.get(cluster.clusterId);
  }
}

export interface MeteredControlPlane {
  store: Store;
  meter: Meter;
  volumes: ScriptedVolumes;
  partition(region?: string): Partition;
  call(operation: string, input: Record<string, unknown>, region?: string): Promise<any>;
  /** Runs every lifecycle step due now (the steps have no delay). */
  settle(): Promise<void>;
  /** Moves the meter's clock. */
  advance(ms: number): void;
  now(): number;
  /** The priced report of one cluster, sampled now. */
  cost(clusterId: string, region?: string): Promise<ClusterCost>;
  /** Stops the lifecycle and the meter (a last sample) and writes the state. */
  close(): Promise<void>;
}

export async function meteredControlPlane(options: { dataDir?: string; start?: number } = {}): Promise<MeteredControlPlane> {
  const store = await Store.open(options.dataDir);
  const volumes = new ScriptedVolumes();
  let now = options.start ?? Date.parse('2026-01-01T00:00:00Z');
  const meter = new Meter(store, volumes, { now: () => now, sampleEveryMs: 3_600_000 });
  const lifecycle: Lifecycle = new Lifecycle(store, meter.observe(transitionHandlers(volumes, (...args) => lifecycle.schedule(...args))), () => {});
  const config = resolveConfig({ delays: Object.fromEntries(delayOptionNames.map((n) => [n, 0])) as Partial<Delays>, log: () => {} }, {});
  const partition = (region = 'us-east-1') => store.partition('000000000000', region);
  let n = 0;
  const context = (region: string): OperationContext => ({
    requestId: `req-${++n}`,
    account: '000000000000',
    region,
    partition: partition(region),
    store,
    lifecycle,
    config,
    dataPlane: volumes,
  });
  meter.start();
  return {
    store,
    meter,
    volumes,
    partition,
    call: async (operation, input, region = 'us-east-1') => operations[operation](input, context(region)),
    async settle() {
      for (let attempt = 0; attempt < 100; attempt++) {
        await lifecycle.runDue();
        if (!store.allPartitions().some((p) => p.transitions.some((t) => t.dueAt <= Date.now()))) return;
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
      throw new Error('transitions did not settle');
    },
    advance: (ms) => void (now += ms),
    now: () => now,
    async cost(clusterId, region = 'us-east-1') {
      await meter.sample(partition(region));
      const report = costReport([partition(region)], prices, now);
      const cost = report.clusters.find((c) => c.cluster === clusterId);
      if (!cost) throw new Error(`no cost for ${clusterId}`);
      return cost;
    },
    async close() {
      lifecycle.stop();
      await meter.stop();
      await store.persist();
    },
  };
}

/** A cluster with instances of the given classes (the first is the writer), all available. */
export async function clusterWith(cp: MeteredControlPlane, id: string, classes: string[], extra: Record<string, unknown> = {}, region = 'us-east-1') {
  await cp.call('CreateDBCluster', { DBClusterIdentifier: id, Engine: 'aurora-postgresql', MasterUsername: 'postgres', MasterUserPassword: 'secret-pass-1', ...extra }, region);
  for (const [i, instanceClass] of classes.entries()) {
    await cp.call('CreateDBInstance', { DBInstanceIdentifier: `${id}-${i + 1}`, DBClusterIdentifier: id, Engine: 'aurora-postgresql', DBInstanceClass: instanceClass }, region);
  }
  await cp.settle();
}

export const item = (cost: ClusterCost, name: string, instance?: string) =>
  cost.lineItems.filter((i) => i.item === name && (instance === undefined || i.instance === instance)).reduce((total, i) => ({ quantity: total.quantity + i.quantity, cost: total.cost + i.cost }), { quantity: 0, cost: 0 });
