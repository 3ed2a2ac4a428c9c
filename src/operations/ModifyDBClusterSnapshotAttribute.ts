import { fault, invalidParameterValue } from '../protocol/errors.js';
import { requireClusterSnapshot } from '../control-plane/snapshots.js';
import type { OperationHandler } from '../control-plane/context.js';

// `restore` is the only attribute: the accounts (12 digits) or `all` that may restore the snapshot.
export const ModifyDBClusterSnapshotAttribute: OperationHandler = (input, ctx) => {
  const snapshot = requireClusterSnapshot(ctx.partition, input.DBClusterSnapshotIdentifier);
  if (input.AttributeName !== 'restore') throw invalidParameterValue(`Invalid attribute name: ${input.AttributeName}. The only valid value is restore.`);
  if (snapshot.snapshotType === 'automated') {
    throw fault('InvalidDBClusterSnapshotStateFault', 'Automated DB cluster snapshots cannot be shared; copy the snapshot and share the copy.');
  }
  const add: string[] = input.ValuesToAdd ?? [];
  for (const value of add) {
    if (value !== 'all' && !/^\d{12}$/.test(value)) throw invalidParameterValue(`Invalid account id in ValuesToAdd: ${value}`);
  }
  if (add.includes('all') && snapshot.storageEncrypted) {
    throw invalidParameterValue('Encrypted snapshots cannot be made public.');
  }
  const accounts = new Set([...snapshot.restoreAccounts, ...add]);
  for (const value of input.ValuesToRemove ?? []) accounts.delete(value);
  // AWS allows sharing a manual snapshot with up to 20 accounts.
  if ([...accounts].filter((a) => a !== 'all').length > 20) throw fault('SharedSnapshotQuotaExceededFault', 'A snapshot can be shared with at most 20 AWS accounts.');
  snapshot.restoreAccounts = [...accounts].sort();
  return {
    DBClusterSnapshotAttributesResult: {
      DBClusterSnapshotIdentifier: snapshot.id,
      DBClusterSnapshotAttributes: [{ AttributeName: 'restore', AttributeValues: snapshot.restoreAccounts }],
    },
  };
};
