import { fault } from '../protocol/errors.js';
import { startFailover } from '../control-plane/failover.js';
import { requireInstance } from '../control-plane/lookup.js';
import { presentInstance } from '../control-plane/presenters.js';
import { applyOnReboot } from '../control-plane/parameterGroups.js';
import type { OperationHandler } from '../control-plane/context.js';

export const RebootDBInstance: OperationHandler = (input, ctx) => {
  const { partition, config } = ctx;
  const instance = requireInstance(partition, input.DBInstanceIdentifier);
  if (instance.status !== 'available') {
    throw fault('InvalidDBInstanceStateFault', 'Instance cannot currently reboot due to an in-progress management operation.');
  }
  const cluster = partition.clusters[instance.clusterId];
  if (input.ForceFailover === true && instance.isWriter && cluster) {
    // Rebooting the writer with ForceFailover fails over to the best replica, as FailoverDBCluster does.
    startFailover(ctx, cluster);
  }
  instance.status = 'rebooting';
  applyOnReboot(instance); // parameters waiting for a reboot show `applying`, then in-sync
  ctx.lifecycle.schedule(partition, 'instance-rebooted', instance.id, config.delays.rebootInstanceMs);
  return { DBInstance: presentInstance(partition, instance) };
};
