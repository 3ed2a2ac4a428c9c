import { startFailover } from '../control-plane/failover.js';
import { requireCluster } from '../control-plane/lookup.js';
import { presentCluster } from '../control-plane/presenters.js';
import type { OperationHandler } from '../control-plane/context.js';

export const FailoverDBCluster: OperationHandler = (input, ctx) => {
  const cluster = requireCluster(ctx.partition, input.DBClusterIdentifier);
  startFailover(ctx, cluster, input.TargetDBInstanceIdentifier);
  return { DBCluster: presentCluster(ctx.partition, cluster) };
};
