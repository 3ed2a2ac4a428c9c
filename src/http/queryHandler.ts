// One awsQuery request, top to bottom:
// HTTP → parse (model) → validate (model) → operation → state / data plane → render (model).
import type { Request, Response } from 'express';
import { AwsError, internalFailure, invalidAction, invalidParameterValue, malformedQueryString, missingAction, missingParameter, notImplemented, requestTooLarge } from '../protocol/errors.js';
import { parseQueryInput } from '../protocol/parseQuery.js';
import { renderError, renderResponse } from '../protocol/renderXml.js';
import { apiSpec } from '../protocol/spec.js';
import { validateInput } from '../protocol/validate.js';
import { isReadOnly, operations } from '../operations/index.js';
import { callerFrom, newRequestId } from './requestContext.js';
import type { Services } from './services.js';

function readBody(request: Request, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        request.pause();
        reject(requestTooLarge(limit));
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

const formType = /^application\/x-www-form-urlencoded\b/i;

/** An awsQuery answer: XML, with the request id in the header as in the body. */
export function sendXml(response: Response, status: number, body: string, requestId: string): void {
  response.status(status).set({ 'Content-Type': 'text/xml', 'x-amzn-RequestId': requestId }).send(body);
}

export function queryHandler(services: Services) {
  return async (request: Request, response: Response) => {
    const requestId = newRequestId();
    const send = (status: number, body: string) => sendXml(response, status, body, requestId);
    let action = '(unknown)';
    try {
      const body = request.method === 'POST' ? await readBody(request, services.config.maxBodyBytes) : '';
      const contentType = request.headers['content-type'];
      if (body && contentType && !formType.test(contentType)) {
        throw malformedQueryString(`The request body must be application/x-www-form-urlencoded, not ${contentType}.`);
      }
      const queryIndex = request.originalUrl.indexOf('?');
      const params = new URLSearchParams(queryIndex >= 0 ? request.originalUrl.slice(queryIndex + 1) : '');
      for (const [key, value] of new URLSearchParams(body)) params.append(key, value);

      action = params.get('Action') ?? '';
      if (!action) throw missingAction();
      const version = params.get('Version');
      if (!version) throw missingParameter('Version');
      if (version !== apiSpec.metadata.apiVersion) {
        throw invalidParameterValue(`Unsupported API version ${version}: aurora-local speaks the RDS API ${apiSpec.metadata.apiVersion}.`);
      }
      // Own keys only: `Action=constructor` names no operation (it would find Object's).
      const spec = Object.hasOwn(apiSpec.operations, action) ? apiSpec.operations[action] : undefined;
      if (!spec) throw invalidAction(action);
      const handler = Object.hasOwn(operations, action) ? operations[action] : undefined;
      if (!handler) throw notImplemented(action);

      const { input, wireNames } = parseQueryInput(params, spec.input);
      validateInput(action, input, wireNames);
      const caller = callerFrom(request.headers.authorization, params.get('X-Amz-Credential'));
      const partition = services.store.partition(caller.account, caller.region);
      const output = await handler(input, { ...services, ...caller, requestId, partition });
      // Answer only once the change is on disk: an acknowledged change survives a crash.
      if (!isReadOnly(action)) await services.store.persist();
      send(200, renderResponse(action, output ?? undefined, requestId));
    } catch (caught) {
      const error = caught instanceof AwsError ? caught : internalFailure();
      if (!(caught instanceof AwsError)) services.config.log(`${action} ${requestId} failed: ${(caught as Error)?.stack ?? caught}`);
      send(error.httpStatus, renderError(error, requestId));
    }
  };
}
