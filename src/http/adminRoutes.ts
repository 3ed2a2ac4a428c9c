// Emulator-only routes under /_aurora (JSON, not part of the RDS API).
import { Router, type Request, type Response } from 'express';
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
    response.json({ status: 'reset' });
  });
  return router;
}
