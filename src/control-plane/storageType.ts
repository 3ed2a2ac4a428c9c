// Aurora cluster storage: Standard (`aurora`) or I/O-Optimized (`aurora-iopt1`). Switching to
// I/O-Optimized is allowed once in 30 days (IOOptimizedNextAllowedModificationTime); switching
// back to Standard at any time (Aurora User Guide).
import { fault } from '../protocol/errors.js';
import type { ClusterRecord } from './records.js';

export const storageTypes = ['aurora', 'aurora-iopt1'];
const ioOptimizedIntervalMs = 30 * 24 * 3600 * 1000;

export function checkStorageTypeChange(cluster: ClusterRecord, storageType: string, now = new Date()): void {
  if (!storageTypes.includes(storageType)) throw fault('StorageTypeNotSupportedFault', `Invalid storage type: ${storageType}`);
  if (storageType !== 'aurora-iopt1' || cluster.storageType === 'aurora-iopt1') return;
  const next = cluster.ioOptimizedNextAllowedAt;
  if (next && Date.parse(next) > now.getTime()) {
    // The model's description of the fault, with the date added.
    throw fault(
      'StorageTypeNotAvailableFault',
      `The aurora-iopt1 storage type isn't available, because you modified the DB cluster to use this storage type less than one month ago. You can modify it again after ${next}.`,
    );
  }
}

/** Whether the storage type changed. */
export function setStorageType(cluster: ClusterRecord, storageType: string, now = new Date()): boolean {
  if (storageType === cluster.storageType) return false;
  if (storageType === 'aurora-iopt1') cluster.ioOptimizedNextAllowedAt = new Date(now.getTime() + ioOptimizedIntervalMs).toISOString();
  cluster.storageType = storageType;
  return true;
}
