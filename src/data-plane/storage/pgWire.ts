/**
 * The few PostgreSQL v3 protocol messages a physical replication client needs:
 * framing (Byte1 type, Int32 length including itself), builders for what we
 * send, and parsers that refuse malformed input with an error instead of
 * reading past a buffer.
 */

export interface BackendMessage {
  type: string;
  body: Buffer;
}

export const PROTOCOL_VERSION_3 = 196608;
/** Far above any message a walsender sends (XLogData is at most ~128 kB); anything larger means a broken stream. */
const MAX_MESSAGE_BYTES = 64 * 1024 * 1024;
/** Microseconds between the Unix epoch and PostgreSQL's (2000-01-01). */
const POSTGRES_EPOCH_MICROS = 946_684_800_000_000n;

export class ProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProtocolError';
  }
}

/** Accumulates socket data and yields whole messages. */
export class MessageReader {
  private buffer: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
  }

  /** The next complete message, or undefined until more data arrives. Throws ProtocolError on a bad length. */
  next(): BackendMessage | undefined {
    if (this.buffer.length < 5) return undefined;
    const length = this.buffer.readInt32BE(1);
    if (length < 4 || length > MAX_MESSAGE_BYTES) throw new ProtocolError(`Invalid message length ${length} for message type 0x${this.buffer[0]!.toString(16)}`);
    if (this.buffer.length < 1 + length) return undefined;
    const message = { type: String.fromCharCode(this.buffer[0]!), body: this.buffer.subarray(5, 1 + length) };
    this.buffer = this.buffer.subarray(1 + length);
    return message;
  }
}

function frame(type: string, body: Buffer): Buffer {
  const header = Buffer.alloc(5);
  header.write(type, 0, 'latin1');
  header.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([header, body]);
}

const cstring = (text: string) => Buffer.from(text + '\0', 'utf8');

export function startupMessage(parameters: Record<string, string>): Buffer {
  const body = Buffer.concat([...Object.entries(parameters).flatMap(([key, value]) => [cstring(key), cstring(value)]), Buffer.from([0])]);
  const header = Buffer.alloc(8);
  header.writeInt32BE(body.length + 8, 0);
  header.writeInt32BE(PROTOCOL_VERSION_3, 4);
  return Buffer.concat([header, body]);
}

export const queryMessage = (sql: string) => frame('Q', cstring(sql));
export const passwordMessage = (password: string) => frame('p', cstring(password));
export const terminateMessage = () => frame('X', Buffer.alloc(0));
export const copyDoneMessage = () => frame('c', Buffer.alloc(0));

export function saslInitialResponse(mechanism: string, initial: string): Buffer {
  const data = Buffer.from(initial, 'utf8');
  const length = Buffer.alloc(4);
  length.writeInt32BE(data.length, 0);
  return frame('p', Buffer.concat([cstring(mechanism), length, data]));
}

export const saslResponse = (data: string) => frame('p', Buffer.from(data, 'utf8'));

/** Standby Status Update ('r') inside CopyData: positions the standby has written, flushed and applied. */
export function standbyStatusUpdate(write: bigint, flush: bigint, apply: bigint, replyRequested = false): Buffer {
  const body = Buffer.alloc(34);
  body.write('r', 0, 'latin1');
  body.writeBigUInt64BE(write, 1);
  body.writeBigUInt64BE(flush, 9);
  body.writeBigUInt64BE(apply, 17);
  body.writeBigInt64BE(BigInt(Date.now()) * 1000n - POSTGRES_EPOCH_MICROS, 25);
  body.writeUInt8(replyRequested ? 1 : 0, 33);
  return frame('d', body);
}

export type CopyPayload =
  | { kind: 'xlog'; dataStart: bigint; walEnd: bigint; data: Buffer }
  | { kind: 'keepalive'; walEnd: bigint; replyRequested: boolean };

/** The body of a server CopyData message during START_REPLICATION. */
export function parseCopyData(body: Buffer): CopyPayload {
  const kind = body.length > 0 ? String.fromCharCode(body[0]!) : '';
  if (kind === 'w') {
    if (body.length < 25) throw new ProtocolError(`XLogData message too short (${body.length} bytes)`);
    return { kind: 'xlog', dataStart: body.readBigUInt64BE(1), walEnd: body.readBigUInt64BE(9), data: body.subarray(25) };
  }
  if (kind === 'k') {
    if (body.length < 18) throw new ProtocolError(`Keepalive message too short (${body.length} bytes)`);
    return { kind: 'keepalive', walEnd: body.readBigUInt64BE(1), replyRequested: body[17] === 1 };
  }
  throw new ProtocolError(`Unexpected CopyData payload type ${JSON.stringify(kind)}`);
}

/** ErrorResponse / NoticeResponse fields: S (severity), C (SQLSTATE), M (message) … */
export function parseErrorFields(body: Buffer): Record<string, string> {
  const fields: Record<string, string> = {};
  let offset = 0;
  while (offset < body.length && body[offset] !== 0) {
    const code = String.fromCharCode(body[offset]!);
    const end = body.indexOf(0, offset + 1);
    if (end < 0) break;
    fields[code] = body.toString('utf8', offset + 1, end);
    offset = end + 1;
  }
  return fields;
}

/** DataRow: column values as text (null for SQL NULL). */
export function parseDataRow(body: Buffer): (string | null)[] {
  if (body.length < 2) throw new ProtocolError('DataRow too short');
  const count = body.readInt16BE(0);
  const values: (string | null)[] = [];
  let offset = 2;
  for (let i = 0; i < count; i++) {
    if (offset + 4 > body.length) throw new ProtocolError('DataRow truncated');
    const length = body.readInt32BE(offset);
    offset += 4;
    if (length < 0) {
      values.push(null);
      continue;
    }
    if (offset + length > body.length) throw new ProtocolError('DataRow value truncated');
    values.push(body.toString('utf8', offset, offset + length));
    offset += length;
  }
  return values;
}

/** The SASL mechanisms offered in AuthenticationSASL (after the Int32 code). */
export function parseSaslMechanisms(body: Buffer): string[] {
  return body
    .toString('utf8', 4)
    .split('\0')
    .filter((name) => name.length > 0);
}
