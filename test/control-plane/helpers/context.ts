// An in-process control plane for unit tests: an in-memory store, a lifecycle with the real
// transition handlers (no data plane), and a way to call operation handlers directly.
import { delayOptionNames, resolveConfig, type Delays } from '../../../src/config.js';
import type { OperationContext } from '../../../src/control-plane/context.js';
import { Lifecycle } from '../../../src/control-plane/lifecycle.js';
import type { InstanceRecord, Partition } from '../../../src/control-plane/records.js';
import { Store } from '../../../src/control-plane/store.js';
import { transitionHandlers } from '../../../src/control-plane/transitions.js';
import { NoDataPlane } from '../../../src/data-plane/index.js';
import { operations } from '../../../src/operations/index.js';

export interface ControlPlane {
  store: Store;
  lifecycle: Lifecycle;
  partition: Partition;
  call(operation: string, input: Record<string, unknown>): Promise<any>;
  /** Runs every transition that is due now. */
  settle(): Promise<void>;
  close(): void;
}

/** `delays`: one delay for every lifecycle step, or some steps' delays (the rest 10 minutes). */
export async function controlPlane(delays: number | Partial<Delays> = 600_000): Promise<ControlPlane> {
  const store = await Store.open();
  const dataPlane = new NoDataPlane();
  const lifecycle: Lifecycle = new Lifecycle(store, transitionHandlers(dataPlane, (...args) => lifecycle.schedule(...args)), () => {});
  const uniform = (ms: number) => Object.fromEntries(delayOptionNames.map((n) => [n, ms])) as Partial<Delays>;
  const config = resolveConfig({ delays: typeof delays === 'number' ? uniform(delays) : { ...uniform(600_000), ...delays }, log: () => {} }, {});
  const partition = store.partition('000000000000', 'us-east-1');
  let n = 0;
  const ctx = (): OperationContext => ({
    requestId: `req-${++n}`,
    account: partition.account,
    region: partition.region,
    partition,
    store,
    lifecycle,
    config,
    dataPlane,
  });
  return {
    store,
    lifecycle,
    partition,
    async call(operation, input) {
      const handler = operations[operation];
      if (!handler) throw new Error(`${operation} is not in the operation table`);
      return handler(input, ctx());
    },
    async settle() {
      for (let attempt = 0; attempt < 100; attempt++) {
        await lifecycle.runDue();
        if (!partition.transitions.some((t) => t.dueAt <= Date.now())) return;
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
      throw new Error('transitions did not settle');
    },
    close: () => lifecycle.stop(),
  };
}

export function instanceRecord(overrides: Partial<InstanceRecord> & { id: string }): InstanceRecord {
  return {
    arn: `arn:aws:rds:us-east-1:000000000000:db:${overrides.id}`,
    resourceId: `db-${overrides.id.toUpperCase()}`,
    clusterId: 'c',
    engine: 'aurora-postgresql',
    engineVersion: '16.6',
    instanceClass: 'db.r6g.large',
    status: 'available',
    availabilityZone: 'us-east-1a',
    promotionTier: 1,
    isWriter: false,
    createdAt: '2024-01-01T00:00:00.000Z',
    endpointAddress: `${overrides.id}.example`,
    endpointReady: true,
    port: 5432,
    autoMinorVersionUpgrade: true,
    publiclyAccessible: false,
    deletionProtection: false,
    copyTagsToSnapshot: false,
    monitoringInterval: 0,
    performanceInsightsEnabled: false,
    preferredMaintenanceWindow: 'sun:05:00-sun:05:30',
    caCertificateIdentifier: 'rds-ca-rsa2048-g1',
    dbParameterGroupName: 'default.aurora-postgresql16',
    tags: [],
    pending: {},
    ...overrides,
  };
}
