/**
 * Is a PostgreSQL server accepting connections? The same check as pg_isready
 * (which the embedded binaries do not include): send a startup packet and read
 * the first reply, without logging in, so it needs no credentials and leaves no
 * failed-login noise in the server log.
 */
import net from 'node:net';

export type ProbeResult =
  /** The server asked us to authenticate (or refused us for a reason unrelated to its state). */
  | 'accepting'
  /** It answered "the database system is starting up / shutting down / not yet accepting connections". */
  | 'not-ready'
  /** Nothing listening, or no answer. */
  | 'unreachable';

const PROTOCOL_3_0 = 196608;

export function probePostgres(host: string, port: number, timeoutMs = 1000): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    let received = Buffer.alloc(0);
    const finish = (result: ProbeResult) => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(timeoutMs, () => finish('unreachable'));
    socket.on('error', () => finish('unreachable'));
    socket.on('close', () => finish('unreachable'));
    socket.on('connect', () => socket.write(startupMessage({ user: 'aurora_local_probe', database: 'postgres' })));
    socket.on('data', (chunk) => {
      received = Buffer.concat([received, chunk]);
      const type = String.fromCharCode(received[0]!);
      if (type !== 'E') return finish('accepting'); // 'R': authentication request
      if (received.length < 5) return;
      const length = received.readInt32BE(1);
      if (received.length < 1 + length) return;
      finish(sqlState(received.subarray(5, 1 + length)) === '57P03' ? 'not-ready' : 'accepting');
    });
  });
}

function startupMessage(parameters: Record<string, string>): Buffer {
  const body = Buffer.from(Object.entries(parameters).map(([k, v]) => `${k}\0${v}\0`).join('') + '\0');
  const header = Buffer.alloc(8);
  header.writeInt32BE(8 + body.length, 0);
  header.writeInt32BE(PROTOCOL_3_0, 4);
  return Buffer.concat([header, body]);
}

/** The 'C' (SQLSTATE) field of an ErrorResponse body: a list of type byte + C string. */
function sqlState(fields: Buffer): string | undefined {
  let offset = 0;
  while (offset < fields.length && fields[offset] !== 0) {
    const type = String.fromCharCode(fields[offset]!);
    const end = fields.indexOf(0, offset + 1);
    if (end < 0) return undefined;
    if (type === 'C') return fields.toString('utf8', offset + 1, end);
    offset = end + 1;
  }
  return undefined;
}
