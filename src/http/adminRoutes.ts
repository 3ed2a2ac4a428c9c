// Emulator-only routes under /_aurora (JSON, not part of the RDS API).
import { Router, type Request, type Response } from 'express';
import { operations } from '../operations/index.js';
import type { Services } from './services.js';

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
  // Clears every account's and region's state: test isolation without a restart.
  router.post('/_aurora/reset', async (_request: Request, response: Response) => {
    for (const partition of services.store.allPartitions()) partition.transitions = [];
    await services.store.reset();
    response.json({ status: 'reset' });
  });
  return router;
}
