// Loopback addresses for endpoints. AWS gives a cluster's writer, reader and custom endpoints
// one shared port on different host names; on one machine that means different addresses.
// Linux routes all of 127.0.0.0/8 to loopback with no set-up, so each endpoint gets its own
// 127.x.y.z. Where only 127.0.0.1 exists (macOS without aliases), every endpoint falls back to
// 127.0.0.1 and needs a port of its own (see README, "Endpoints").
import { createServer } from 'node:net';

export async function loopbackRangeUsable(): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(0, '127.0.0.2', () => server.close(() => resolve(true)));
  });
}

/** Hands out 127.a.b.c addresses from 127.1.0.1 up, skipping those already in use. */
export class LoopbackAllocator {
  private readonly used = new Set<string>();
  // Each process starts at its own random point, so that two emulators on one machine (parallel
  // test workers, say) rarely reach for the same address at the same moment.
  private cursor = Math.floor(Math.random() * 200 * 254 * 256);

  constructor(private readonly rangeUsable: boolean) {}

  reserve(address: string): void {
    this.used.add(address);
  }

  release(address: string): void {
    if (address !== '127.0.0.1') this.used.delete(address);
  }

  allocate(): string {
    if (!this.rangeUsable) return '127.0.0.1';
    // 127.1.0.1 … 127.254.255.254 (host part 1–254): far more addresses than a laptop needs.
    for (;;) {
      const n = this.cursor++;
      const a = 1 + Math.floor(n / (254 * 256));
      if (a > 254) throw new Error('no free loopback address');
      const address = `127.${a}.${Math.floor(n / 254) % 256}.${1 + (n % 254)}`;
      if (!this.used.has(address)) {
        this.used.add(address);
        return address;
      }
    }
  }
}

/** Whether host:port can be listened on now (nothing else holds it, wildcard listeners included). */
export function portIsFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** A free port on `host` for a server only the emulator talks to (an image being replayed). */
export async function scratchPort(host: string): Promise<number> {
  let port = 20000 + Math.floor(Math.random() * 20000);
  while (!(await portIsFree(host, port))) port++;
  return port;
}
