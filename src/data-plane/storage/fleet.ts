/**
 * The storage fleet of one region: three Availability Zones, each with its own
 * storage nodes. Protection groups place their six segments on these nodes, two
 * per AZ, so losing a whole AZ costs every protection group exactly two copies.
 */

export interface StorageNodeDescriptor {
  /** Stable identifier used by placement, fault injection and the storage view, e.g. "us-east-1a-sn2". */
  readonly id: string;
  readonly availabilityZone: string;
  /** Position of the node within its AZ (0-based); placement stripes over it. */
  readonly indexInAz: number;
}

export interface StorageFleet {
  readonly region: string;
  readonly availabilityZones: readonly string[];
  readonly nodes: readonly StorageNodeDescriptor[];
}

export interface StorageFleetOptions {
  region: string;
  /** Storage nodes in each AZ (default 3). At least 2: a protection group puts two segments per AZ on distinct nodes. */
  nodesPerAz?: number;
}

export const AZ_SUFFIXES = ['a', 'b', 'c'] as const;
export const DEFAULT_NODES_PER_AZ = 3;

export function createStorageFleet(options: StorageFleetOptions): StorageFleet {
  const nodesPerAz = options.nodesPerAz ?? DEFAULT_NODES_PER_AZ;
  if (!Number.isInteger(nodesPerAz) || nodesPerAz < 2) {
    throw new RangeError(`nodesPerAz must be an integer of at least 2 (two segments of a protection group per AZ, on distinct nodes), got ${nodesPerAz}`);
  }
  if (!/^[a-z]{2}(-[a-z]+)+-\d+$/.test(options.region)) throw new RangeError(`Not a region name: ${options.region}`);
  const availabilityZones = AZ_SUFFIXES.map((suffix) => `${options.region}${suffix}`);
  const nodes = availabilityZones.flatMap((availabilityZone) =>
    Array.from({ length: nodesPerAz }, (_, indexInAz) => ({ id: `${availabilityZone}-sn${indexInAz + 1}`, availabilityZone, indexInAz })),
  );
  return { region: options.region, availabilityZones, nodes };
}

export function nodesInAvailabilityZone(fleet: StorageFleet, availabilityZone: string): StorageNodeDescriptor[] {
  return fleet.nodes.filter((node) => node.availabilityZone === availabilityZone);
}

export function findNode(fleet: StorageFleet, nodeId: string): StorageNodeDescriptor {
  const node = fleet.nodes.find((candidate) => candidate.id === nodeId);
  if (!node) throw new RangeError(`No storage node ${nodeId} in ${fleet.region}`);
  return node;
}
