/**
 * Client side of SCRAM-SHA-256 (RFC 5802/7677) as PostgreSQL uses it: our
 * servers require passwords on every connection, replication included. No
 * channel binding (we connect without TLS), so the GS2 header is "n,,".
 * The user name is taken from the startup message; PostgreSQL ignores it here.
 */
import { createHash, createHmac, pbkdf2, randomBytes, timingSafeEqual } from 'node:crypto';

export const SCRAM_MECHANISM = 'SCRAM-SHA-256';

const hmac = (key: Buffer, text: string) => createHmac('sha256', key).update(text).digest();
const sha256 = (data: Buffer) => createHash('sha256').update(data).digest();

/** Salted passwords by (password, salt, iterations): reconnects skip the 4096 PBKDF2 rounds. */
const saltedCache = new Map<string, Buffer>();

function saltedPassword(password: string, salt: Buffer, iterations: number): Promise<Buffer> {
  const key = createHash('sha256').update(password).update('\0').update(salt).update(String(iterations)).digest('hex');
  const cached = saltedCache.get(key);
  if (cached) return Promise.resolve(cached);
  return new Promise((resolve, reject) =>
    // Asynchronous: the emulator's event loop must not stall for the key derivation.
    pbkdf2(password.normalize('NFKC'), salt, iterations, 32, 'sha256', (error, derived) => {
      if (error) return reject(error);
      if (saltedCache.size > 64) saltedCache.clear();
      saltedCache.set(key, derived);
      resolve(derived);
    }),
  );
}

export class ScramClient {
  private readonly clientNonce = randomBytes(18).toString('base64');
  private clientFirstBare = '';
  private expectedServerSignature: Buffer | undefined;

  constructor(private readonly password: string) {}

  /** The client-first-message sent in SASLInitialResponse. */
  firstMessage(): string {
    this.clientFirstBare = `n=,r=${this.clientNonce}`;
    return `n,,${this.clientFirstBare}`;
  }

  /** Given the server-first-message (SASLContinue), the client-final-message with the proof. */
  async finalMessage(serverFirst: string): Promise<string> {
    const attributes = parseAttributes(serverFirst);
    const nonce = attributes.get('r');
    const salt = attributes.get('s');
    const iterations = Number(attributes.get('i'));
    if (!nonce || !salt || !Number.isInteger(iterations) || iterations < 1) throw new Error('Malformed SCRAM server-first-message');
    if (!nonce.startsWith(this.clientNonce)) throw new Error('SCRAM server nonce does not extend the client nonce');
    const salted = await saltedPassword(this.password, Buffer.from(salt, 'base64'), iterations);
    const clientKey = hmac(salted, 'Client Key');
    const storedKey = sha256(clientKey);
    const finalWithoutProof = `c=biws,r=${nonce}`; // biws = base64("n,,")
    const authMessage = `${this.clientFirstBare},${serverFirst},${finalWithoutProof}`;
    const signature = hmac(storedKey, authMessage);
    const proof = Buffer.alloc(clientKey.length);
    for (let i = 0; i < proof.length; i++) proof[i] = clientKey[i]! ^ signature[i]!;
    this.expectedServerSignature = hmac(hmac(salted, 'Server Key'), authMessage);
    return `${finalWithoutProof},p=${proof.toString('base64')}`;
  }

  /** Checks the server-final-message (SASLFinal): the server must prove it knows the password too. */
  verifyServerFinal(serverFinal: string): void {
    const attributes = parseAttributes(serverFinal);
    if (attributes.has('e')) throw new Error(`SCRAM authentication failed: ${attributes.get('e')}`);
    const verifier = Buffer.from(attributes.get('v') ?? '', 'base64');
    const expected = this.expectedServerSignature;
    if (!expected || verifier.length !== expected.length || !timingSafeEqual(verifier, expected)) {
      throw new Error('SCRAM server signature does not match');
    }
  }
}

function parseAttributes(message: string): Map<string, string> {
  const attributes = new Map<string, string>();
  for (const part of message.split(',')) {
    const equals = part.indexOf('=');
    if (equals > 0) attributes.set(part.slice(0, equals), part.slice(equals + 1));
  }
  return attributes;
}
