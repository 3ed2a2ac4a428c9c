// Emulator-only routes under /_aurora (JSON, not part of the RDS API).
import express, { Router, type Request, type Response } from 'express';
import { FaultError } from '../data-plane/storage/faults.js';
import { operations } from '../operations/index.js';
import type { Services } from './services.js';
import { findCluster } from '../control-plane/lookup.js';
import { clusterSpec } from '../control-plane/transitions.js';
import { defaultAccount, defaultRegion } from './requestContext.js';
import { costReport } from '../metering/costReport.js';

export function adminRoutes(services: Services, startedAt: Date, version: string): Router {
  const router = Router();
  router.get('/_aurora/health', (_request: Request, response: Response) => {
    response.json({
      status: 'ok',
      version,
      startedAt: startedAt.toISOString(),
      dataPlane: services.dataPlane.mode,
      persistent: Boolean(services.config.dataDir),
      implementedOperations: Object.keys(operations).length,
    });
  });
  // What the data plane runs for a cluster: servers (pid, address, role), endpoint targets,
  // replica lag measured now. ?cluster=ID[&region=R&account=A] (defaults us-east-1, 000000000000).
  router.get('/_aurora/clusters/:cluster/data-plane', async (request: Request, response: Response) => {
    const region = String(request.query.region ?? defaultRegion);
    const account = String(request.query.account ?? defaultAccount);
    const partition = services.store.partition(account, region);
    const cluster = findCluster(partition, String(request.params.cluster));
    if (!cluster) {
      response.status(404).json({ error: `DBCluster ${request.params.cluster} not found in ${account}/${region}.` });
      return;
    }
    const spec = clusterSpec(partition, cluster);
    const [view, lag] = await Promise.all([services.dataPlane.inspect(spec), services.dataPlane.replicaLag(spec).catch(() => [])]);
    // Why an instance is `failed` (also in its RDS-EVENT-0031 event); AWS's DBInstance has no field for it.
    const failures = Object.values(partition.instances)
      .filter((i) => i.clusterId === cluster.id && i.failureReason)
      .map((i) => ({ instanceId: i.id, status: i.status, reason: i.failureReason }));
    response.json({ cluster: cluster.id, status: cluster.status, dataPlane: services.dataPlane.mode, ...view, replicaLag: lag, failures });
  });
  // The cluster volume: protection groups, each segment's node, AZ, state and durable LSN,
  // VDL/VCL, VolumeBytesUsed and allocated size. ?cluster=ID[&region=R&account=A].
  router.get('/_aurora/storage', (request: Request, response: Response) => {
    const found = clusterFromQuery(request, response, String(request.query.cluster ?? ''));
    if (!found) return;
    const view = services.dataPlane.storage?.view(found.spec);
    if (!view) {
      response.status(404).json({ error: `DBCluster ${found.spec.clusterId} has no storage volume here (${found.spec.engine}, data plane ${services.dataPlane.mode}).` });
      return;
    }
    response.json(view);
  });
  router.get('/_aurora/clusters/:cluster/metrics', async (request: Request, response: Response) => {
    const found = clusterFromQuery(request, response, String(request.params.cluster));
    if (!found) return;
    const metrics = await services.dataPlane.metrics?.(found.spec);
    if (!metrics) {
      response.status(404).json({ error: `DBCluster ${found.spec.clusterId} has no metrics here (${found.spec.engine}, data plane ${services.dataPlane.mode}).` });
      return;
    }
    response.json({ cluster: found.spec.clusterId, ...metrics });
  });
  // Storage fault injection (see README, "Storage volume").
  const faultsBody = express.text({ type: () => true, limit: '64kb' });
  router.get('/_aurora/faults', (_request: Request, response: Response) => {
    if (!storageOr409(response)) return;
    response.json({ faults: services.dataPlane.storage!.listFaults() });
  });
  router.post('/_aurora/faults', faultsBody, async (request: Request, response: Response) => {
    const storage = storageOr409(response);
    if (!storage) return;
    let body: unknown;
    try {
      body = JSON.parse(typeof request.body === 'string' ? request.body : '');
    } catch {
      response.status(400).json({ error: 'The body must be a JSON fault, e.g. {"type":"az-outage","availabilityZone":"us-east-1a"}' });
      return;
    }
    try {
      response.status(201).json(await storage.addFault(body));
    } catch (error) {
      if (!(error instanceof FaultError)) throw error;
      response.status(400).json({ error: error.message });
    }
  });
  router.delete('/_aurora/faults/:faultId', async (request: Request, response: Response) => {
    const storage = storageOr409(response);
    if (!storage) return;
    if (!(await storage.removeFault(String(request.params.faultId)))) {
      response.status(404).json({ error: `No fault ${request.params.faultId}` });
      return;
    }
    response.json({ healed: [request.params.faultId] });
  });
  router.delete('/_aurora/faults', async (_request: Request, response: Response) => {
    const storage = storageOr409(response);
    if (!storage) return;
    response.json({ healedCount: await storage.clearFaults() });
  });
  // What every cluster would have cost on AWS (src/metering/): sampled now, then priced.
  // ?account=A&region=R narrow it (default: every account and region).
  router.get('/_aurora/costs', async (request: Request, response: Response) => {
    const partitions = services.store
      .allPartitions()
      .filter((p) => (request.query.account === undefined || p.account === String(request.query.account)) && (request.query.region === undefined || p.region === String(request.query.region)));
    for (const partition of partitions) await services.meter.sample(partition);
    response.json(costReport(partitions, services.prices, services.meter.now()));
  });
  // Clears every account's and region's state: test isolation without a restart.
  router.post('/_aurora/reset', async (_request: Request, response: Response) => {
    for (const partition of services.store.allPartitions()) {
      partition.transitions = [];
      // Servers and endpoints go with the records.
      for (const cluster of Object.values(partition.clusters)) await services.dataPlane.deleteCluster(clusterSpec(partition, cluster)).catch(() => {});
    }
    await services.store.reset();
    await services.dataPlane.storage?.clearFaults(); // faults too: each test starts from a healthy fleet
    response.json({ status: 'reset' });
  });
  return router;

  function storageOr409(response: Response) {
    const storage = services.dataPlane.storage;
    if (!storage) response.status(409).json({ error: `Storage faults need a storage volume: the ${services.dataPlane.mode} data plane has none (start with --data-plane postgres).` });
    return storage;
  }

  function clusterFromQuery(request: Request, response: Response, clusterId: string) {
    const region = String(request.query.region ?? defaultRegion);
    const account = String(request.query.account ?? defaultAccount);
    const partition = services.store.partition(account, region);
    const cluster = clusterId ? findCluster(partition, clusterId) : undefined;
    if (!cluster) {
      response.status(clusterId ? 404 : 400).json({ error: clusterId ? `DBCluster ${clusterId} not found in ${account}/${region}.` : 'Which cluster? ?cluster=ID' });
      return undefined;
    }
    return { partition, cluster, spec: clusterSpec(partition, cluster) };
  }
}
