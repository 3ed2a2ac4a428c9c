import { fault, invalidParameterCombination } from '../protocol/errors.js';
import { parseArn } from '../control-plane/naming.js';
import { restoreCluster, restoredClusterOutput } from '../control-plane/restore.js';
import { requireClusterSnapshot } from '../control-plane/snapshots.js';
import type { OperationHandler } from '../control-plane/context.js';

export const RestoreDBClusterFromSnapshot: OperationHandler = async (input, ctx) => {
  // A snapshot shared by another account is named by its ARN (ModifyDBClusterSnapshotAttribute `restore`).
  const arn = parseArn(input.SnapshotIdentifier);
  const shared = arn && arn.account !== ctx.account && arn.region === ctx.region;
  const owner = shared ? ctx.store.partition(arn.account, arn.region) : ctx.partition;
  const snapshot = requireClusterSnapshot(owner, input.SnapshotIdentifier);
  if (shared && !snapshot.restoreAccounts.some((a) => a === ctx.account || a === 'all')) {
    throw fault('DBClusterSnapshotNotFoundFault', `DBClusterSnapshot not found: ${input.SnapshotIdentifier}`);
  }
  if (snapshot.status !== 'available') {
    throw fault('InvalidDBClusterSnapshotStateFault', `Snapshot ${snapshot.id} is not in available state; it is ${snapshot.status}.`);
  }
  if (input.Engine !== snapshot.engine) {
    // Inferred wording: a snapshot restores into its own engine (a newer version is allowed).
    throw invalidParameterCombination(`The engine of the snapshot (${snapshot.engine}) does not match the requested engine ${input.Engine}.`);
  }
  const cluster = await restoreCluster(ctx, input, {
    engine: snapshot.engine,
    engineVersion: snapshot.engineVersion,
    masterUsername: snapshot.masterUsername,
    masterUserPassword: snapshot.masterUserPassword,
    databaseName: snapshot.databaseName,
    storageEncrypted: snapshot.storageEncrypted,
    dataKey: snapshot.dataKey,
  });
  return restoredClusterOutput(ctx, cluster);
};
