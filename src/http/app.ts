import express, { type Express } from 'express';
import { adminRoutes } from './adminRoutes.js';
import { queryHandler } from './queryHandler.js';
import type { Services } from './services.js';

export function createApp(services: Services, startedAt: Date, version: string): Express {
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  app.use(adminRoutes(services, startedAt, version));
  // The RDS API answers on any path: the SDK posts to the endpoint's path plus "/".
  app.all('/{*path}', queryHandler(services));
  return app;
}
