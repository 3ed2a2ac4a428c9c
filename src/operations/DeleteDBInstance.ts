import { fault, invalidParameterCombination } from '../protocol/errors.js';
import { requireInstance } from '../control-plane/lookup.js';
import { presentInstance } from '../control-plane/presenters.js';
import type { OperationHandler } from '../control-plane/context.js';

export const DeleteDBInstance: OperationHandler = (input, ctx) => {
  const { partition, config } = ctx;
  const instance = requireInstance(partition, input.DBInstanceIdentifier);
  if (input.FinalDBSnapshotIdentifier !== undefined) {
    throw invalidParameterCombination('FinalDBSnapshotIdentifier can not be specified when deleting a cluster instance');
  }
  if (instance.deletionProtection) {
    throw invalidParameterCombination('Cannot delete protected DB Instance, please disable deletion protection and try again.');
  }
  if (instance.status === 'deleting') throw fault('InvalidDBInstanceStateFault', `Instance ${instance.id} is already being deleted.`);
  // Deleting the writer of an ordinary Aurora cluster is allowed: the cluster and its data stay
  // (Aurora User Guide); when replicas remain, one is promoted as the instance goes.
  ctx.lifecycle.cancel(partition, instance.id);
  instance.status = 'deleting';
  ctx.lifecycle.schedule(partition, 'instance-deleted', instance.id, config.delays.deleteInstanceMs);
  return { DBInstance: presentInstance(partition, instance) };
};
