import { fault, invalidParameterCombination } from '../protocol/errors.js';
import { requireInstance } from '../control-plane/lookup.js';
import { presentInstance } from '../control-plane/presenters.js';
import type { OperationHandler } from '../control-plane/context.js';

export const RebootDBInstance: OperationHandler = (input, ctx) => {
  const { partition, config } = ctx;
  const instance = requireInstance(partition, input.DBInstanceIdentifier);
  if (instance.status !== 'available') {
    throw fault('InvalidDBInstanceStateFault', 'Instance cannot currently reboot due to an in-progress management operation.');
  }
  if (input.ForceFailover === true) {
    // Failover through reboot arrives with FailoverDBCluster (issue 3); refusing beats ignoring it.
    throw invalidParameterCombination('ForceFailover is not supported by aurora-local yet; use a plain reboot.');
  }
  instance.status = 'rebooting';
  ctx.lifecycle.schedule(partition, 'instance-rebooted', instance.id, config.delays.rebootInstanceMs);
  return { DBInstance: presentInstance(partition, instance) };
};
