import { fault } from '../protocol/errors.js';
import { startFailover } from '../control-plane/failover.js';
import { requireCluster } from '../control-plane/lookup.js';
import { presentCluster } from '../control-plane/presenters.js';
import type { OperationHandler } from '../control-plane/context.js';

export const FailoverDBCluster: OperationHandler = (input, ctx) => {
  const cluster = requireCluster(ctx.partition, input.DBClusterIdentifier);
  if (cluster.globalRole === 'secondary') {
    // A secondary of a global database has no writer to fail over; the global operations change roles. Wording ours.
    throw fault(
      'InvalidDBClusterStateFault',
      `DB cluster ${cluster.id} is a secondary cluster of global cluster ${cluster.globalClusterIdentifier}: use FailoverGlobalCluster or SwitchoverGlobalCluster.`,
    );
  }
  startFailover(ctx, cluster, input.TargetDBInstanceIdentifier);
  return { DBCluster: presentCluster(ctx.partition, cluster) };
};
