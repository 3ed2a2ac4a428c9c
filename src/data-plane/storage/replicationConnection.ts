/**
 * One physical replication connection to a PostgreSQL server over `net`:
 * startup with replication=true, password authentication (SCRAM-SHA-256, or
 * cleartext if a server asks for it), simple queries for the replication
 * commands, then CopyBoth streaming. Every failure (refused connection,
 * malformed message, server error, dropped socket) surfaces as a rejected
 * promise or an `onEnd` call, never as an uncaught exception.
 */
import net from 'node:net';
import {
  MessageReader,
  ProtocolError,
  parseCopyData,
  parseDataRow,
  parseErrorFields,
  parseSaslMechanisms,
  passwordMessage,
  queryMessage,
  saslInitialResponse,
  saslResponse,
  startupMessage,
  terminateMessage,
  type BackendMessage,
  type CopyPayload,
} from './pgWire.js';
import { SCRAM_MECHANISM, ScramClient } from './scram.js';

export interface ReplicationTarget {
  host: string;
  port: number;
  user: string;
  password: string;
  /** Also the name synchronous_standby_names matches. */
  applicationName: string;
  connectTimeoutMs?: number;
}

/** An ErrorResponse from the server, with its SQLSTATE. */
export class ServerError extends Error {
  readonly code: string | undefined;
  constructor(readonly fields: Record<string, string>) {
    super(`${fields.S ?? 'ERROR'}: ${fields.M ?? 'unknown server error'}${fields.C ? ` (SQLSTATE ${fields.C})` : ''}`);
    this.name = 'ServerError';
    this.code = fields.C;
  }
}

export interface QueryResult {
  columns: string[];
  rows: (string | null)[][];
}

export interface StreamHandlers {
  /** Everything parsed from one socket read: lets the caller write, sync and reply once per read (group commit). */
  onBatch(payloads: CopyPayload[]): void;
  /** The stream ended: server CopyDone, error, or a dropped connection. Called once. */
  onEnd(error?: Error): void;
}

export class ReplicationConnection {
  private readonly reader = new MessageReader();
  private readonly queued: BackendMessage[] = [];
  private waiter: { resolve: (message: BackendMessage) => void; reject: (error: Error) => void } | undefined;
  private ended: Error | undefined;
  private stream: StreamHandlers | undefined;

  private constructor(private readonly socket: net.Socket) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (error) => this.finish(error));
    socket.on('close', () => this.finish(new Error('connection closed')));
  }

  /** Connects and authenticates; resolves once the server is ready for queries. */
  static async connect(target: ReplicationTarget): Promise<ReplicationConnection> {
    const socket = net.connect({ host: target.host, port: target.port });
    const connection = new ReplicationConnection(socket);
    const timeoutMs = target.connectTimeoutMs ?? 10_000;
    const timer = setTimeout(() => connection.finish(new Error(`no answer from ${target.host}:${target.port} within ${timeoutMs} ms`)), timeoutMs);
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', resolve);
        socket.once('error', reject);
        socket.once('close', () => reject(new Error('connection closed')));
      });
      socket.write(startupMessage({ user: target.user, replication: 'true', application_name: target.applicationName }));
      await connection.authenticate(target.password);
      return connection;
    } catch (error) {
      connection.close();
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  get isOpen(): boolean {
    return this.ended === undefined;
  }

  /** A simple query (replication commands included); rejects with ServerError after the server is ready again. */
  async query(sql: string): Promise<QueryResult> {
    this.send(queryMessage(sql));
    const result: QueryResult = { columns: [], rows: [] };
    let failure: ServerError | undefined;
    for (;;) {
      const message = await this.nextMessage();
      switch (message.type) {
        case 'T':
          result.columns = parseRowDescription(message.body);
          break;
        case 'D':
          result.rows.push(parseDataRow(message.body));
          break;
        case 'E':
          failure = new ServerError(parseErrorFields(message.body));
          break;
        case 'Z':
          if (failure) throw failure;
          return result;
        default: // C (complete), N (notice), S (parameter status), I (empty query): nothing to keep
      }
    }
  }

  /** Sends START_REPLICATION …; resolves once the server answers CopyBothResponse and hands the stream to `handlers`. */
  async startStreaming(command: string, handlers: StreamHandlers): Promise<void> {
    this.send(queryMessage(command));
    for (;;) {
      const message = await this.nextMessage();
      if (message.type === 'W') break;
      if (message.type === 'E') throw new ServerError(parseErrorFields(message.body));
    }
    this.stream = handlers;
    const pending = this.queued.splice(0);
    if (this.ended) handlers.onEnd(this.ended);
    else if (pending.length > 0) this.deliver(pending);
  }

  send(message: Buffer): void {
    if (this.ended) return;
    this.socket.write(message);
  }

  /** Stops reading (the server's sends then back up in TCP buffers): a node that is silent but still connected. */
  pauseReading(): void {
    this.socket.pause();
  }
  resumeReading(): void {
    this.socket.resume();
  }

  close(): void {
    if (!this.ended) {
      try {
        this.socket.end(terminateMessage());
      } catch {
        // already gone
      }
    }
    this.socket.destroy();
    this.finish(new Error('connection closed by the client'));
  }

  // ---- internals ----

  private async authenticate(password: string): Promise<void> {
    let scram: ScramClient | undefined;
    for (;;) {
      const message = await this.nextMessage();
      if (message.type === 'E') throw new ServerError(parseErrorFields(message.body));
      if (message.type === 'Z') return;
      if (message.type !== 'R') continue; // S (parameter status), K (backend key), N (notice)
      if (message.body.length < 4) throw new ProtocolError('Authentication message too short');
      const code = message.body.readInt32BE(0);
      switch (code) {
        case 0: // AuthenticationOk
          break;
        case 3: // cleartext password
          this.send(passwordMessage(password));
          break;
        case 10: {
          const mechanisms = parseSaslMechanisms(message.body);
          if (!mechanisms.includes(SCRAM_MECHANISM)) throw new Error(`Server offers SASL ${mechanisms.join(', ')}; only ${SCRAM_MECHANISM} is supported`);
          scram = new ScramClient(password);
          this.send(saslInitialResponse(SCRAM_MECHANISM, scram.firstMessage()));
          break;
        }
        case 11:
          if (!scram) throw new ProtocolError('SASLContinue before SASL started');
          this.send(saslResponse(await scram.finalMessage(message.body.toString('utf8', 4))));
          break;
        case 12:
          if (!scram) throw new ProtocolError('SASLFinal before SASL started');
          scram.verifyServerFinal(message.body.toString('utf8', 4));
          break;
        default:
          throw new Error(`Unsupported authentication method (code ${code}); the server must use scram-sha-256, password or trust`);
      }
    }
  }

  private onData(chunk: Buffer): void {
    const messages: BackendMessage[] = [];
    try {
      this.reader.push(chunk);
      for (let message = this.reader.next(); message; message = this.reader.next()) messages.push(message);
    } catch (error) {
      this.socket.destroy();
      this.finish(error as Error);
      return;
    }
    if (this.stream) this.deliver(messages);
    else
      for (const message of messages) {
        if (this.waiter) {
          const { resolve } = this.waiter;
          this.waiter = undefined;
          resolve(message);
        } else this.queued.push(message);
      }
  }

  private deliver(messages: BackendMessage[]): void {
    const stream = this.stream!;
    const payloads: CopyPayload[] = [];
    let end: Error | undefined | null = null;
    try {
      for (const message of messages) {
        if (message.type === 'd') payloads.push(parseCopyData(message.body));
        else if (message.type === 'c') end = new Error('server ended the stream (CopyDone)');
        else if (message.type === 'E') end = new ServerError(parseErrorFields(message.body));
      }
    } catch (error) {
      end = error as Error;
    }
    if (payloads.length > 0) stream.onBatch(payloads);
    if (end) {
      this.socket.destroy();
      this.finish(end);
    }
  }

  private nextMessage(): Promise<BackendMessage> {
    const queued = this.queued.shift();
    if (queued) return Promise.resolve(queued);
    if (this.ended) return Promise.reject(this.ended);
    return new Promise((resolve, reject) => (this.waiter = { resolve, reject }));
  }

  private finish(error: Error): void {
    if (this.ended) return;
    this.ended = error;
    this.socket.destroy();
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.reject(error);
    this.stream?.onEnd(error);
  }
}

function parseRowDescription(body: Buffer): string[] {
  if (body.length < 2) throw new ProtocolError('RowDescription too short');
  const count = body.readInt16BE(0);
  const names: string[] = [];
  let offset = 2;
  for (let i = 0; i < count; i++) {
    const end = body.indexOf(0, offset);
    if (end < 0 || end + 19 > body.length) throw new ProtocolError('RowDescription truncated');
    names.push(body.toString('utf8', offset, end));
    offset = end + 19; // name\0 + table oid, column, type oid, size, modifier, format
  }
  return names;
}
