import { presentGlobalCluster, requireGlobalCluster, startGlobalFailover } from '../control-plane/globalClusters.js';
import type { OperationHandler } from '../control-plane/context.js';

// A switchover: no data loss, the old primary becomes a secondary of the new one.
export const SwitchoverGlobalCluster: OperationHandler = (input, ctx) => {
  const global = requireGlobalCluster(ctx.store, ctx.account, input.GlobalClusterIdentifier);
  startGlobalFailover(ctx, global, input.TargetDbClusterIdentifier, false);
  return { GlobalCluster: presentGlobalCluster(ctx.store, ctx.account, global) };
};
