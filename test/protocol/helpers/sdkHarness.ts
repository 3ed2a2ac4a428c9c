// The official @aws-sdk/client-rds, wired to a request handler instead of a network: the SDK's
// own middleware stack serializes and signs the request, the handler captures it and answers
// with a canned HTTP response, and the SDK's own deserializer parses that answer.
//
// @smithy/protocol-http is not resolvable here (client-rds 3.1169.0 depends on @smithy/core,
// which absorbed it), so the handler returns a plain { response: { statusCode, headers, body } }
// object; the SDK accepts that (it checks HttpResponse by shape).
import { Readable } from 'node:stream';
import * as rds from '@aws-sdk/client-rds';
import { RDSClient, type RDSClientConfig } from '@aws-sdk/client-rds';

export interface CapturedRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
}

export interface CannedResponse {
  statusCode: number;
  headers?: Record<string, string>;
  body: string;
}

export interface Harness {
  client: RDSClient;
  /** Every request the SDK sent, in order. */
  requests: CapturedRequest[];
  /** What the next requests get back (default: an empty 200); a function may forward the request elsewhere. */
  respondWith(response: CannedResponse | ((request: CapturedRequest) => CannedResponse | Promise<CannedResponse>)): void;
}

export function sdkHarness(region = 'us-east-1', accessKeyId = 'AKIDEXAMPLE'): Harness {
  const requests: CapturedRequest[] = [];
  let responder: (request: CapturedRequest) => CannedResponse | Promise<CannedResponse> = () => ({ statusCode: 200, body: '' });
  const handler = {
    async handle(request: { method: string; path: string; headers: Record<string, string>; body?: unknown }) {
      const body = typeof request.body === 'string' ? request.body : request.body === undefined ? '' : Buffer.from(request.body as Uint8Array).toString('utf8');
      const captured = { method: request.method, path: request.path, headers: { ...request.headers }, body };
      requests.push(captured);
      const answer = await responder(captured);
      // Node's HTTP client hands the SDK lower-cased header names (and the SDK's error path
      // looks up `x-amzn-requestid` exactly), so lower-case them as the real transport does.
      const headers: Record<string, string> = { 'content-type': 'text/xml' };
      for (const [name, value] of Object.entries(answer.headers ?? {})) headers[name.toLowerCase()] = value;
      return {
        response: {
          statusCode: answer.statusCode,
          headers,
          body: Readable.from([Buffer.from(answer.body, 'utf8')]),
        },
      };
    },
    updateHttpClientConfig() {},
    httpHandlerConfigs() {
      return {};
    },
  };
  const client = new RDSClient({
    endpoint: 'http://127.0.0.1:1',
    region,
    credentials: { accessKeyId, secretAccessKey: 'secret' },
    maxAttempts: 1,
    requestHandler: handler as unknown as RDSClientConfig['requestHandler'],
  });
  return {
    client,
    requests,
    respondWith(response) {
      responder = typeof response === 'function' ? response : () => response;
    },
  };
}

type CommandClass = new (input: Record<string, unknown>) => Parameters<RDSClient['send']>[0];

/** The SDK's command class for an operation (e.g. CreateDBClusterCommand), or undefined. */
export function sdkCommand(operation: string): CommandClass | undefined {
  return (rds as unknown as Record<string, CommandClass | undefined>)[`${operation}Command`];
}

/** An export of @aws-sdk/client-rds by name (exception classes and the like). */
export function sdkExport(name: string): unknown {
  return (rds as unknown as Record<string, unknown>)[name];
}

/** Sends `input` as `operation` through the SDK; resolves to the parsed output (or rejects with the SDK's error). */
export async function sendThroughSdk(harness: Harness, operation: string, input: Record<string, unknown>): Promise<Record<string, unknown>> {
  const Command = sdkCommand(operation);
  if (!Command) throw new Error(`@aws-sdk/client-rds has no ${operation}Command`);
  return (await harness.client.send(new Command(input))) as unknown as Record<string, unknown>;
}
