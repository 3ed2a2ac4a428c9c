import { invalidParameterCombination } from '../protocol/errors.js';
import { presentGlobalCluster, requireGlobalCluster, startGlobalFailover } from '../control-plane/globalClusters.js';
import type { OperationHandler } from '../control-plane/context.js';

// AllowDataLoss: a failover; otherwise (Switchover, or neither) a switchover (API reference).
export const FailoverGlobalCluster: OperationHandler = (input, ctx) => {
  if (input.AllowDataLoss !== undefined && input.Switchover !== undefined) {
    // The rule is the API reference's ("Can't be specified together"); the wording is ours.
    throw invalidParameterCombination('AllowDataLoss and Switchover can\'t be specified together.');
  }
  const global = requireGlobalCluster(ctx.store, ctx.account, input.GlobalClusterIdentifier);
  startGlobalFailover(ctx, global, input.TargetDbClusterIdentifier, input.AllowDataLoss === true);
  return { GlobalCluster: presentGlobalCluster(ctx.store, ctx.account, global) };
};
