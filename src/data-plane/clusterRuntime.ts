// What both data planes keep per cluster and do the same way, whatever the engine: the
// instances and their endpoints, one operation at a time, the replica-lag samples, and the
// view of what runs (GET /_aurora/clusters/ID/data-plane).
import type { ClusterNetwork } from './endpoints/clusterNetwork.js';
import type { DataPlaneView, ReplicaLagReport } from './index.js';
import { lagStatistics } from './samples.js';

export interface RuntimeInstance {
  instanceId: string;
  resourceId: string;
  host: string;
  port: number;
  dataDir: string;
  isWriter: boolean;
  server?: { server: { isRunning: boolean; pid?: number } };
}

export interface RuntimeCluster<I extends RuntimeInstance> {
  network: ClusterNetwork;
  instances: Map<string, I>; // by instance resource id
  /** Serialises the cluster's operations. */
  queue: Promise<unknown>;
  /** Replica lag samples (ms) per instance resource id, one a second, newest last. */
  lagSamples: Map<string, number[]>;
}

/** Lag samples kept per replica (five minutes at one a second). */
export const LAG_SAMPLES_KEPT = 300;

export function writerOf<I extends RuntimeInstance>(cluster: RuntimeCluster<I>): I | undefined {
  return [...cluster.instances.values()].find((i) => i.isWriter);
}

/** Runs cluster operations one at a time; a failed one does not block the next. A cluster not served here: nothing runs. */
export function runInCluster<C extends RuntimeCluster<RuntimeInstance>, T>(cluster: C | undefined, work: (cluster: C) => Promise<T>): Promise<T> {
  if (!cluster) return Promise.resolve(undefined as T);
  const run = cluster.queue.then(() => work(cluster));
  cluster.queue = run.catch(() => {});
  return run;
}

/** Keeps each replica's measured lag (ms). */
export function recordLagSamples(cluster: RuntimeCluster<RuntimeInstance>, reports: readonly ReplicaLagReport[]): void {
  for (const lag of reports) {
    const instance = [...cluster.instances.values()].find((i) => i.instanceId === lag.instanceId);
    if (!instance || lag.lagMs === null) continue;
    const samples = cluster.lagSamples.get(instance.resourceId) ?? [];
    samples.push(lag.lagMs);
    if (samples.length > LAG_SAMPLES_KEPT) samples.shift();
    cluster.lagSamples.set(instance.resourceId, samples);
  }
}

/** Each replica's lag now, with its statistics over the kept samples. */
export function withLagStatistics(cluster: RuntimeCluster<RuntimeInstance>, reports: readonly ReplicaLagReport[]): ReplicaLagReport[] {
  return reports.map((lag) => {
    const instance = [...cluster.instances.values()].find((i) => i.instanceId === lag.instanceId);
    return { ...lag, ...lagStatistics(cluster.lagSamples.get(instance?.resourceId ?? '') ?? []) };
  });
}

/** What runs for the cluster, and where each endpoint routes. */
export function inspectCluster(cluster: RuntimeCluster<RuntimeInstance> | undefined): DataPlaneView {
  if (!cluster) return { instances: [], endpoints: {} };
  const names = new Map([...cluster.instances.values()].map((i) => [i.resourceId, i.instanceId]));
  return {
    instances: [...cluster.instances.values()].map((i) => ({
      instanceId: i.instanceId,
      role: i.isWriter ? 'writer' : 'replica',
      running: Boolean(i.server?.server.isRunning),
      pid: i.server?.server.pid,
      host: i.host,
      port: i.port,
      dataDir: i.dataDir,
    })),
    endpoints: cluster.network.targets(names),
  };
}
