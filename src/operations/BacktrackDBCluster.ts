import { randomUUID } from 'node:crypto';
import { fault } from '../protocol/errors.js';
import { backtrackRefusal, earliestBacktrackTime, presentBacktrack, resolveBacktrackTo } from '../control-plane/backtrack.js';
import { requireCluster } from '../control-plane/lookup.js';
import type { BacktrackRecord } from '../control-plane/records.js';
import type { OperationHandler } from '../control-plane/context.js';

// Aurora MySQL only, on a cluster created with a BacktrackWindow. The cluster shows
// `backtracking` while the backtrack goes pending → applying → completed (its output shape is
// the DBClusterBacktrack itself, fields directly in the Result element).
export const BacktrackDBCluster: OperationHandler = (input, ctx) => {
  const { partition, config } = ctx;
  const cluster = requireCluster(partition, input.DBClusterIdentifier);
  // No AWS transcript shows this refusal (aws-errors.md 24); the model lists InvalidDBClusterStateFault.
  const refusal = backtrackRefusal(cluster);
  if (refusal) throw fault('InvalidDBClusterStateFault', refusal);
  if (cluster.status !== 'available') {
    throw fault('InvalidDBClusterStateFault', `DbCluster ${cluster.id} is in ${cluster.status} state but expected it to be one of available.`);
  }
  const now = new Date();
  const to = resolveBacktrackTo(input.BacktrackTo, earliestBacktrackTime(cluster, now.getTime())!, now, input.UseEarliestTimeOnPointInTimeUnavailable === true);
  const backtrack: BacktrackRecord = {
    id: randomUUID(),
    backtrackTo: to.toISOString(),
    backtrackedFrom: now.toISOString(),
    requestedAt: now.toISOString(),
    status: 'pending',
  };
  (cluster.backtracks ??= []).push(backtrack);
  cluster.status = 'backtracking';
  ctx.lifecycle.schedule(partition, 'backtrack-applying', cluster.id, config.delays.backtrackMs / 2);
  ctx.lifecycle.schedule(partition, 'backtrack-completed', cluster.id, config.delays.backtrackMs);
  return presentBacktrack(cluster, backtrack);
};
