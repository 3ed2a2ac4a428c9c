import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import { adminRoutes } from './adminRoutes.js';
import { queryHandler, sendXml } from './queryHandler.js';
import { internalFailure, malformedQueryString } from '../protocol/errors.js';
import { renderError } from '../protocol/renderXml.js';
import { newRequestId } from './requestContext.js';
import type { Services } from './services.js';

export function createApp(services: Services, startedAt: Date, version: string): Express {
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  app.use(adminRoutes(services, startedAt, version));
  // The RDS API answers on any path: the SDK posts to the endpoint's path plus "/".
  app.all('/{*path}', queryHandler(services));
  app.use(expressErrors(services));
  return app;
}

/**
 * What fails before a handler runs (a path that does not percent-decode, `POST /%`) is answered
 * as the API answers, in XML, never with Express's HTML page and its stack trace.
 */
function expressErrors(services: Services) {
  return (error: unknown, request: Request, response: Response, next: NextFunction) => {
    if (response.headersSent) return next(error);
    const requestId = newRequestId();
    const answer = error instanceof URIError ? malformedQueryString(`The request path ${JSON.stringify(request.originalUrl.slice(0, 200))} is not valid percent-encoding.`) : internalFailure();
    if (!(error instanceof URIError)) services.config.log(`${request.method} ${request.originalUrl.slice(0, 200)} ${requestId} failed: ${(error as Error)?.stack ?? error}`);
    sendXml(response, answer.httpStatus, renderError(answer, requestId), requestId);
  };
}
