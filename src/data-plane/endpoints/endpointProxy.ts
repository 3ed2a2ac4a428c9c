// One client-facing endpoint (writer, reader, instance or custom): a TCP listener that pipes
// each new connection to one of its backends, round-robin. Re-pointing it (failover) drops
// the sessions to backends it no longer serves, as Aurora drops connections to a demoted writer.
import { connect, createServer, type Server, type Socket } from 'node:net';

export interface Backend {
  id: string; // the DB instance behind it
  host: string;
  port: number;
}

interface Session {
  client: Socket;
  server: Socket;
  backendId: string;
}

export class EndpointProxy {
  private server: Server | null = null;
  private backends: Backend[] = [];
  private next = 0;
  private readonly sessions = new Set<Session>();
  /** Where each new connection went, for tests and the admin view. */
  connectionsServed = 0;

  constructor(readonly name: string) {}

  /** Listens on host:port; rejects with the listen error (EADDRINUSE, EADDRNOTAVAIL, …). */
  listen(host: string, port: number): Promise<{ host: string; port: number }> {
    const server = createServer((client) => this.accept(client));
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host, port, exclusive: true }, () => {
        server.off('error', reject);
        server.on('error', () => {}); // a later error must not crash the emulator
        this.server = server;
        const address = server.address() as { address: string; port: number };
        resolve({ host: address.address, port: address.port });
      });
    });
  }

  get listening(): boolean {
    return this.server?.listening ?? false;
  }

  /** Replaces the backends; sessions to a backend that is no longer listed are dropped. */
  setBackends(backends: Backend[], { dropRemoved = true } = {}): void {
    this.backends = [...backends];
    if (!dropRemoved) return;
    const kept = new Set(backends.map((b) => `${b.id}`));
    for (const session of this.sessions) if (!kept.has(session.backendId)) this.end(session);
  }

  currentBackends(): readonly Backend[] {
    return this.backends;
  }

  /** Drops every open session (reboot, stop, backtrack). */
  dropAll(): void {
    for (const session of this.sessions) this.end(session);
  }

  dropSessionsTo(backendId: string): void {
    for (const session of this.sessions) if (session.backendId === backendId) this.end(session);
  }

  openSessions(): number {
    return this.sessions.size;
  }

  async close(): Promise<void> {
    this.dropAll();
    const server = this.server;
    this.server = null;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private accept(client: Socket): void {
    client.setNoDelay(true);
    client.on('error', () => {});
    if (!this.backends.length) {
      // Nothing to serve (every instance down, or mid-failover): refuse at once, as a dead host would.
      client.destroy();
      return;
    }
    const backend = this.backends[this.next++ % this.backends.length];
    this.connectionsServed++;
    const server = connect({ host: backend.host, port: backend.port });
    server.setNoDelay(true);
    const session: Session = { client, server, backendId: backend.id };
    this.sessions.add(session);
    server.on('error', () => this.end(session));
    client.on('close', () => this.end(session));
    server.on('close', () => this.end(session));
    client.pipe(server);
    server.pipe(client);
  }

  private end(session: Session): void {
    if (!this.sessions.delete(session)) return;
    session.client.destroy();
    session.server.destroy();
  }
}
