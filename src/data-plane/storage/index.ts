/**
 * The Aurora storage volume under the PostgreSQL data plane: a regional fleet
 * of storage nodes in three AZs, volumes as 10 GiB protection groups of six
 * segments (two per AZ), 4/6 write and 3/6 read quorum arithmetic, WAL
 * receivers that make the writer's commits wait for 4 of 6 copies, recovery
 * from 3 copies, and repair from peers. See README.md.
 */
export { createStorageFleet, nodesInAvailabilityZone, findNode, AZ_SUFFIXES, DEFAULT_NODES_PER_AZ, type StorageFleet, type StorageFleetOptions, type StorageNodeDescriptor } from './fleet.js';
export {
  placeProtectionGroup,
  layoutVolume,
  volumeGeometry,
  logicalBytes,
  protectionGroupsNeeded,
  assertRoomFor,
  StorageFullError,
  GIB,
  TIB,
  DEFAULT_PROTECTION_GROUP_BYTES,
  MAX_VOLUME_BYTES,
  SEGMENTS_PER_PROTECTION_GROUP,
  type VolumeGeometry,
  type VolumeLayout,
  type ProtectionGroupPlacement,
  type SegmentPlacement,
} from './protectionGroups.js';
export {
  assessQuorum,
  canAcceptWrites,
  canRecover,
  volumeDurableLsn,
  volumeCompleteLsn,
  recoveryLsn,
  COPIES,
  WRITE_QUORUM,
  READ_QUORUM,
  type SegmentState,
  type SegmentStatus,
  type QuorumAssessment,
  type RepairReason,
} from './quorum.js';
export { parseLsn, formatLsn, walFileName, parseWalFileName, segmentStart, DEFAULT_WAL_SEGMENT_SIZE, type Lsn } from './lsn.js';
export { WalSegmentStore, WalGapError, DEFAULT_CHUNK_SIZE, type WalStoreIdentity, type VerifiedChunk } from './walSegmentStore.js';
export {
  StorageNode,
  parseTimelineHistory,
  timelineHistoryFileName,
  type StorageNodeOptions,
  type StorageNodeTarget,
  type StorageNodeState,
  type StorageNodeStats,
  type TimelineCopy,
  type TimelineHistoryEntry,
  type TimelineSwitch,
} from './storageNode.js';
export { ReplicationConnection, ServerError, type ReplicationTarget } from './replicationConnection.js';
export { readLogTail, writeLogTailToPgWal, ReadQuorumError, type LogTailReport, type WalWriteOptions } from './recovery.js';
export { VerifiedChunkReader, type SegmentCopy } from './chunkReader.js';
export { repairSegment, type RepairReport, type RepairKind } from './repair.js';
