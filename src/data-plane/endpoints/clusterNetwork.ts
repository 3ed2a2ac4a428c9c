// One cluster's network, whatever its engine: the writer and reader endpoints (TCP proxies
// on their own loopback addresses, one port shared as on AWS), its custom endpoints, the
// addresses of its instances, and where each endpoint routes given what runs now.
import type { ClusterEndpoints, CustomEndpointSpec, InstancePlacement } from '../index.js';
import { EndpointProxy } from './endpointProxy.js';
import { portIsFree, type LoopbackAllocator } from './loopback.js';

/** An instance as the endpoints see it: its own server's address and its role. */
export interface RoutedInstance {
  resourceId: string;
  host: string;
  port: number;
  isWriter: boolean;
}

const isLoopbackAddress = (host: string) => /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);

/** Keeps an address on record (after a restart), or hands out a new one for a host name. */
function claimAddress(addresses: LoopbackAllocator, requested: string): string {
  if (isLoopbackAddress(requested) && requested !== '127.0.0.1') {
    addresses.reserve(requested);
    return requested;
  }
  return addresses.allocate();
}

/** Listens with every proxy on one port, the first of `from`…`to` free on all their addresses. */
async function listenOnOnePort(proxies: [EndpointProxy, string][], from: number, to: number): Promise<number> {
  let lastError: unknown;
  for (let port = from; port <= to; port++) {
    const bound: EndpointProxy[] = [];
    try {
      for (const [proxy, host] of proxies) {
        await proxy.listen(host, port);
        bound.push(proxy);
      }
      return port;
    } catch (error: any) {
      await Promise.all(bound.map((proxy) => proxy.close()));
      if (!['EADDRINUSE', 'EACCES'].includes(error?.code)) throw error;
      lastError = error;
    }
  }
  throw lastError ?? new Error(`no free port for the endpoints of this cluster from ${from}`);
}

export class ClusterNetwork {
  private readonly custom = new Map<string, { spec: CustomEndpointSpec; host: string; proxy: EndpointProxy }>();

  private constructor(
    private readonly addresses: LoopbackAllocator,
    private readonly clusterId: string,
    readonly endpoints: ClusterEndpoints,
    private readonly writerProxy: EndpointProxy,
    private readonly readerProxy: EndpointProxy | undefined, // absent where writer and reader share 127.0.0.1 (no 127/8 range)
  ) {}

  /**
   * Opens the writer and reader endpoints. Keeps the port asked for: another process (a second
   * emulator) may hold it on some addresses, so fresh addresses are tried first; only a port
   * held everywhere (a wildcard listener, such as a local PostgreSQL on *:5432) moves the
   * cluster to another port.
   */
  static async open(addresses: LoopbackAllocator, clusterId: string, requested: ClusterEndpoints): Promise<ClusterNetwork> {
    let writerHost = claimAddress(addresses, requested.writerHost);
    let readerHost = claimAddress(addresses, requested.readerHost);
    let writerProxy = new EndpointProxy(`${clusterId} writer`);
    let readerProxy = writerHost === readerHost ? undefined : new EndpointProxy(`${clusterId} reader`);
    const pairs = () => [[writerProxy, writerHost], ...(readerProxy ? [[readerProxy, readerHost]] : [])] as [EndpointProxy, string][];
    let port: number | undefined;
    for (let attempt = 0; attempt < 8 && port === undefined; attempt++) {
      try {
        port = await listenOnOnePort(pairs(), requested.port, requested.port);
      } catch (error: any) {
        if (error?.code !== 'EADDRINUSE' || writerHost === '127.0.0.1') break;
        // These addresses stay reserved: someone else holds the port there.
        writerHost = addresses.allocate();
        readerHost = addresses.allocate();
        writerProxy = new EndpointProxy(`${clusterId} writer`);
        readerProxy = new EndpointProxy(`${clusterId} reader`);
      }
    }
    port ??= await listenOnOnePort(pairs(), requested.port, Math.min(65535, requested.port + 200));
    return new ClusterNetwork(addresses, clusterId, { writerHost, readerHost, port }, writerProxy, readerProxy);
  }

  /**
   * An instance's own address, at the cluster's port: a fresh address where another process
   * holds it, another port only where it is held everywhere (or on the shared 127.0.0.1).
   */
  async placeInstance(requested: InstancePlacement): Promise<InstancePlacement> {
    let host = claimAddress(this.addresses, requested.host);
    for (let attempt = 0; attempt < 8 && host !== '127.0.0.1' && !(await portIsFree(host, requested.port)); attempt++) {
      host = this.addresses.allocate();
    }
    let port = requested.port;
    while (!(await portIsFree(host, port))) {
      if (++port > 65535) throw new Error(`no free port on ${host} from ${requested.port}`);
    }
    return { host, port };
  }

  /** A custom endpoint listening on its own address at the cluster's port; an existing one takes the new membership. */
  async attachCustom(endpoint: CustomEndpointSpec, requestedHost: string): Promise<string> {
    const existing = this.custom.get(endpoint.key);
    if (existing) {
      existing.spec = endpoint;
      return existing.host;
    }
    for (let attempt = 0; attempt < 20; attempt++) {
      const host = claimAddress(this.addresses, attempt === 0 ? requestedHost : 'new');
      const proxy = new EndpointProxy(`${this.clusterId} custom ${endpoint.key}`);
      try {
        await proxy.listen(host, this.endpoints.port);
      } catch (error: any) {
        this.addresses.release(host);
        if (error?.code === 'EADDRINUSE' && host !== '127.0.0.1') continue;
        throw error;
      }
      this.custom.set(endpoint.key, { spec: endpoint, host, proxy });
      return host;
    }
    throw new Error(`no loopback address is free on port ${this.endpoints.port} for custom endpoint ${endpoint.key}`);
  }

  async detachCustom(key: string): Promise<void> {
    const endpoint = this.custom.get(key);
    if (!endpoint) return;
    this.custom.delete(key);
    await endpoint.proxy.close();
    this.addresses.release(endpoint.host);
  }

  /**
   * Points the endpoints at what runs now: the writer endpoint at the writer; the reader at
   * the replicas (the writer when there are none); custom endpoints at their running members,
   * a READER one never at the writer. Sessions on readers stay where they are.
   */
  route(running: readonly RoutedInstance[]): void {
    const writer = running.find((i) => i.isWriter);
    const replicas = running.filter((i) => !i.isWriter);
    const backend = (i: RoutedInstance) => ({ id: i.resourceId, host: i.host, port: i.port });
    this.writerProxy.setBackends(writer ? [backend(writer)] : []);
    this.readerProxy?.setBackends(replicas.length ? replicas.map(backend) : writer ? [backend(writer)] : [], { dropRemoved: false });
    for (const { spec, proxy } of this.custom.values()) {
      const members = running.filter((i) =>
        spec.staticMembers.length ? spec.staticMembers.includes(i.resourceId) : !spec.excludedMembers.includes(i.resourceId),
      );
      proxy.setBackends(members.filter((i) => spec.type === 'ANY' || !i.isWriter).map(backend), { dropRemoved: false });
    }
  }

  /** No new writes during a failover: the writer endpoint refuses connections and drops its sessions. */
  closeWriterEndpoint(): void {
    this.writerProxy.setBackends([]);
  }

  /** Where each endpoint routes now, by instance name. */
  targets(names: ReadonlyMap<string, string>): { writer: string[]; reader: string[]; custom: Record<string, string[]> } {
    const of = (proxy: EndpointProxy) => proxy.currentBackends().map((b) => names.get(b.id) ?? b.id);
    return {
      writer: of(this.writerProxy),
      reader: of(this.readerProxy ?? this.writerProxy),
      custom: Object.fromEntries([...this.custom.entries()].map(([key, c]) => [key, of(c.proxy)])),
    };
  }

  /** Stops listening (the emulator stops); the addresses stay on record. */
  async close(): Promise<void> {
    await this.writerProxy.close();
    await this.readerProxy?.close();
    for (const custom of this.custom.values()) await custom.proxy.close();
  }

  /** Stops listening and gives back every address of the cluster, its instances' too (the cluster is deleted). */
  async release(instanceHosts: readonly string[]): Promise<void> {
    await this.close();
    for (const custom of this.custom.values()) this.addresses.release(custom.host);
    for (const host of instanceHosts) this.addresses.release(host);
    this.addresses.release(this.endpoints.writerHost);
    this.addresses.release(this.endpoints.readerHost);
  }
}
