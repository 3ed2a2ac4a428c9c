import { fault } from '../protocol/errors.js';
import { requireCluster } from '../control-plane/lookup.js';
import { clusterMembers, presentCluster } from '../control-plane/presenters.js';
import type { OperationHandler } from '../control-plane/context.js';

const sevenDaysMs = 7 * 24 * 3600 * 1000;

export const StopDBCluster: OperationHandler = (input, ctx) => {
  const { partition, config } = ctx;
  const cluster = requireCluster(partition, input.DBClusterIdentifier);
  if (cluster.status !== 'available') {
    throw fault('InvalidDBClusterStateFault', `DbCluster ${cluster.id} is in ${cluster.status} state but expected it to be one of available.`);
  }
  if (cluster.globalClusterIdentifier) {
    // "Global-database members can't be stopped" (Aurora User Guide); the wording is ours.
    throw fault(
      'InvalidDBClusterStateFault',
      `DB cluster ${cluster.id} is a member of global cluster ${cluster.globalClusterIdentifier}: a cluster in an Aurora global database can't be stopped.`,
    );
  }
  const members = clusterMembers(partition, cluster.id);
  const busy = members.find((m) => m.status !== 'available');
  if (busy) throw fault('InvalidDBInstanceStateFault', `Instance ${busy.id} is not in available state.`);
  cluster.status = 'stopping';
  for (const member of members) member.status = 'stopping';
  ctx.lifecycle.schedule(partition, 'cluster-stopped', cluster.id, config.delays.stopClusterMs);
  // A cluster can stay stopped for at most seven days; then AWS starts it again.
  ctx.lifecycle.schedule(partition, 'cluster-auto-start', cluster.id, config.delays.stopClusterMs + sevenDaysMs);
  return { DBCluster: presentCluster(partition, cluster) };
};
