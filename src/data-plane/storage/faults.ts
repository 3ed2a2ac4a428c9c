/**
 * Injected storage faults: which fleet nodes are down (a node or a whole AZ)
 * and which answer slowly. Pure bookkeeping with validation; the data plane
 * applies the resulting node conditions to every volume placed on those nodes.
 * Corrupting a segment is a one-off act on a volume's data; it is listed here
 * too, so a user sees what was done.
 */
import { randomUUID } from 'node:crypto';
import { AZ_SUFFIXES } from './fleet.js';
import type { NodeCondition } from './clusterVolume.js';

export type FaultSpec =
  | { type: 'az-outage'; availabilityZone: string }
  | { type: 'node-outage'; node: string }
  | { type: 'latency'; node: string; ms: number }
  | { type: 'corrupt-segment'; cluster: string; protectionGroup: number; segment: number };

export type Fault = FaultSpec & { faultId: string; createdAt: string; detail?: string };

export class FaultError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FaultError';
  }
}

const MAX_LATENCY_MS = 60_000;

export class StorageFaults {
  private readonly faults = new Map<string, Fault>();

  constructor(private readonly nodesPerAz: number) {}

  /** Checks a fault as sent (untrusted JSON) and returns it typed; throws FaultError with what is wrong. */
  parse(body: unknown): FaultSpec {
    if (!body || typeof body !== 'object' || Array.isArray(body)) throw new FaultError('A fault is a JSON object with a "type"');
    const input = body as Record<string, unknown>;
    const text = (key: string) => {
      const value = input[key];
      if (typeof value !== 'string' || value.length === 0) throw new FaultError(`"${key}" must be a non-empty string for a ${String(input.type)} fault`);
      return value;
    };
    const integer = (key: string, min: number, max: number) => {
      const value = input[key];
      if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) throw new FaultError(`"${key}" must be an integer from ${min} to ${max} for a ${String(input.type)} fault`);
      return value;
    };
    switch (input.type) {
      case 'az-outage': {
        const availabilityZone = text('availabilityZone');
        if (!isAvailabilityZone(availabilityZone)) throw new FaultError(`${availabilityZone} is not an Availability Zone of the storage fleet (its region's a, b or c, e.g. us-east-1a)`);
        return { type: 'az-outage', availabilityZone };
      }
      case 'node-outage':
        return { type: 'node-outage', node: this.nodeId(text('node')) };
      case 'latency':
        return { type: 'latency', node: this.nodeId(text('node')), ms: integer('ms', 0, MAX_LATENCY_MS) };
      case 'corrupt-segment':
        return { type: 'corrupt-segment', cluster: text('cluster'), protectionGroup: integer('protectionGroup', 0, 13106), segment: integer('segment', 0, 5) };
      default:
        throw new FaultError(`Unknown fault type ${JSON.stringify(input.type)}: one of az-outage, node-outage, latency, corrupt-segment`);
    }
  }

  private nodeId(id: string): string {
    const match = /^([a-z]{2}(?:-[a-z]+)+-\d+[a-c])-sn(\d+)$/.exec(id);
    const index = match ? Number(match[2]) : 0;
    if (!match || index < 1 || index > this.nodesPerAz) {
      throw new FaultError(`${id} is not a storage node: nodes are named <availability zone>-sn<1..${this.nodesPerAz}>, e.g. us-east-1a-sn1 (GET /_aurora/storage?cluster=… lists a volume's nodes)`);
    }
    return id;
  }

  add(spec: FaultSpec, detail?: string): Fault {
    const fault: Fault = { ...spec, faultId: `fault-${randomUUID().slice(0, 8)}`, createdAt: new Date().toISOString(), ...(detail ? { detail } : {}) };
    this.faults.set(fault.faultId, fault);
    return fault;
  }

  list(): Fault[] {
    return [...this.faults.values()];
  }

  remove(faultId: string): Fault | undefined {
    const fault = this.faults.get(faultId);
    this.faults.delete(faultId);
    return fault;
  }

  clear(): Fault[] {
    const all = this.list();
    this.faults.clear();
    return all;
  }

  /** A node is down under a node outage or its AZ's outage; its latency is the largest injected. */
  condition(nodeId: string): NodeCondition {
    const availabilityZone = nodeId.replace(/-sn\d+$/, '');
    let down = false;
    let latencyMs = 0;
    for (const fault of this.faults.values()) {
      if (fault.type === 'az-outage' && fault.availabilityZone === availabilityZone) down = true;
      if (fault.type === 'node-outage' && fault.node === nodeId) down = true;
      if (fault.type === 'latency' && fault.node === nodeId) latencyMs = Math.max(latencyMs, fault.ms);
    }
    return { down, latencyMs };
  }
}

function isAvailabilityZone(name: string): boolean {
  const suffix = name.slice(-1);
  return /^[a-z]{2}(-[a-z]+)+-\d+[a-z]$/.test(name) && (AZ_SUFFIXES as readonly string[]).includes(suffix);
}
