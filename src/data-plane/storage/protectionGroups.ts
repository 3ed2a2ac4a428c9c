/**
 * A cluster volume as protection groups: fixed-size slices of the volume, each
 * stored as six segments (two per AZ, on distinct nodes). Placement stripes
 * consecutive protection groups over different node pairs, so one node's loss
 * touches only some groups and repairs spread over the fleet.
 *
 * Sizes here are Aurora's "logical" bytes. A scale option maps real bytes to
 * logical ones (e.g. one real MiB counted as one GiB) so tests can cross 10 GiB
 * steps and reach the 128 TiB limit without writing that much.
 */
import { createHash } from 'node:crypto';
import { nodesInAvailabilityZone, type StorageFleet } from './fleet.js';

export const GIB = 1024 ** 3;
export const TIB = 1024 ** 4;
export const SEGMENTS_PER_PROTECTION_GROUP = 6;
export const SEGMENTS_PER_AZ = 2;
export const DEFAULT_PROTECTION_GROUP_BYTES = 10 * GIB;
export const MAX_VOLUME_BYTES = 128 * TIB;

export interface VolumeGeometry {
  /** Logical size of one protection group (default 10 GiB). */
  protectionGroupBytes: number;
  /** Largest logical volume (default 128 TiB). */
  maxVolumeBytes: number;
  /** Real bytes counted as one logical GiB (default 1 GiB; 1 MiB in tests makes a MiB count as a GiB). */
  realBytesPerGiB: number;
}

export function volumeGeometry(options: Partial<VolumeGeometry> = {}): VolumeGeometry {
  const geometry: VolumeGeometry = {
    protectionGroupBytes: options.protectionGroupBytes ?? DEFAULT_PROTECTION_GROUP_BYTES,
    maxVolumeBytes: options.maxVolumeBytes ?? MAX_VOLUME_BYTES,
    realBytesPerGiB: options.realBytesPerGiB ?? GIB,
  };
  for (const [key, value] of Object.entries(geometry)) {
    if (!(Number.isFinite(value) && value > 0)) throw new RangeError(`${key} must be a positive number, got ${value}`);
  }
  if (geometry.maxVolumeBytes < geometry.protectionGroupBytes) throw new RangeError('maxVolumeBytes is smaller than one protection group');
  return geometry;
}

export interface SegmentPlacement {
  /** 0..5 within its protection group. */
  segmentIndex: number;
  nodeId: string;
  availabilityZone: string;
}

export interface ProtectionGroupPlacement {
  index: number;
  /** Logical byte range of the volume this group stores: [firstByte, firstByte + size). */
  firstByte: number;
  segments: SegmentPlacement[];
}

/**
 * The six segments of protection group `groupIndex`: in each AZ, two distinct
 * nodes chosen by walking the AZ's nodes in steps of two from an offset that
 * moves with the group index (and, through `volumeSeed`, with the volume), so
 * neighbouring groups land on different node pairs.
 */
export function placeProtectionGroup(fleet: StorageFleet, groupIndex: number, volumeSeed = ''): SegmentPlacement[] {
  const segments: SegmentPlacement[] = [];
  const seed = seedOffset(volumeSeed);
  for (const [azIndex, availabilityZone] of fleet.availabilityZones.entries()) {
    const nodes = nodesInAvailabilityZone(fleet, availabilityZone);
    if (nodes.length < SEGMENTS_PER_AZ) throw new RangeError(`${availabilityZone} has ${nodes.length} storage node(s); a protection group needs ${SEGMENTS_PER_AZ}`);
    // AZs get different offsets too, so a node position is not loaded in every AZ at once.
    const first = (seed + azIndex + SEGMENTS_PER_AZ * groupIndex) % nodes.length;
    for (let copy = 0; copy < SEGMENTS_PER_AZ; copy++) {
      const node = nodes[(first + copy) % nodes.length]!;
      segments.push({ segmentIndex: azIndex * SEGMENTS_PER_AZ + copy, nodeId: node.id, availabilityZone });
    }
  }
  return segments;
}

function seedOffset(volumeSeed: string): number {
  if (!volumeSeed) return 0;
  return createHash('sha256').update(volumeSeed).digest().readUInt32BE(0);
}

/** Real bytes → logical bytes under the scale option. */
export function logicalBytes(realBytes: number, geometry: VolumeGeometry): number {
  return (realBytes * GIB) / geometry.realBytesPerGiB;
}

/** Protection groups needed for `usedLogicalBytes`: at least one, growing in whole groups. */
export function protectionGroupsNeeded(usedLogicalBytes: number, geometry: VolumeGeometry): number {
  return Math.max(1, Math.ceil(usedLogicalBytes / geometry.protectionGroupBytes));
}

export class StorageFullError extends Error {
  constructor(
    readonly usedLogicalBytes: number,
    readonly maxVolumeBytes: number,
  ) {
    super(`The cluster volume is full: ${usedLogicalBytes} bytes needed, the limit is ${maxVolumeBytes} bytes (${maxVolumeBytes / TIB} TiB)`);
    this.name = 'StorageFullError';
  }
}

export interface VolumeLayout {
  geometry: VolumeGeometry;
  /** VolumeBytesUsed: logical bytes actually used. */
  volumeBytesUsed: number;
  /** Allocated logical bytes: whole protection groups, at most the maximum. */
  allocatedBytes: number;
  /** True when the used bytes exceed the maximum; the layout is then capped at the maximum. */
  storageFull: boolean;
  protectionGroups: ProtectionGroupPlacement[];
}

/**
 * The volume's layout for a given amount of real data: grows by whole
 * protection groups as data grows, shrinks when data is dropped (never below
 * one group), caps at the maximum and says `storageFull` past it. Placement
 * depends only on (fleet, group index, seed), so a group keeps its segments
 * across resizes.
 */
export function layoutVolume(fleet: StorageFleet, realBytesUsed: number, options: { geometry?: VolumeGeometry; volumeSeed?: string } = {}): VolumeLayout {
  if (!(Number.isFinite(realBytesUsed) && realBytesUsed >= 0)) throw new RangeError(`Used bytes must be a non-negative number, got ${realBytesUsed}`);
  const geometry = options.geometry ?? volumeGeometry();
  const used = logicalBytes(realBytesUsed, geometry);
  // The last group may be partial: 128 TiB is not a multiple of 10 GiB.
  const maxGroups = Math.ceil(geometry.maxVolumeBytes / geometry.protectionGroupBytes);
  const storageFull = used > geometry.maxVolumeBytes;
  const count = Math.min(protectionGroupsNeeded(used, geometry), maxGroups);
  const protectionGroups = Array.from({ length: count }, (_, index) => ({
    index,
    firstByte: index * geometry.protectionGroupBytes,
    segments: placeProtectionGroup(fleet, index, options.volumeSeed),
  }));
  return {
    geometry,
    volumeBytesUsed: used,
    allocatedBytes: Math.min(count * geometry.protectionGroupBytes, geometry.maxVolumeBytes),
    storageFull,
    protectionGroups,
  };
}

/** Throws StorageFullError when writing `additionalRealBytes` more would pass the volume limit. */
export function assertRoomFor(currentRealBytes: number, additionalRealBytes: number, geometry: VolumeGeometry): void {
  const after = logicalBytes(currentRealBytes + additionalRealBytes, geometry);
  if (after > geometry.maxVolumeBytes) throw new StorageFullError(after, geometry.maxVolumeBytes);
}
