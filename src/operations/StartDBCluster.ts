import { fault } from '../protocol/errors.js';
import { requireCluster } from '../control-plane/lookup.js';
import { clusterMembers, presentCluster } from '../control-plane/presenters.js';
import type { OperationHandler } from '../control-plane/context.js';

export const StartDBCluster: OperationHandler = (input, ctx) => {
  const { partition, config } = ctx;
  const cluster = requireCluster(partition, input.DBClusterIdentifier);
  if (cluster.status !== 'stopped') {
    throw fault(
      'InvalidDBClusterStateFault',
      `DbCluster ${cluster.id} is in ${cluster.status} state but expected it to be one of stopped,inaccessible-encryption-credentials-recoverable.`,
    );
  }
  ctx.lifecycle.cancel(partition, cluster.id, ['cluster-auto-start']);
  cluster.status = 'starting';
  for (const member of clusterMembers(partition, cluster.id)) member.status = 'starting';
  ctx.lifecycle.schedule(partition, 'cluster-started', cluster.id, config.delays.startClusterMs);
  return { DBCluster: presentCluster(partition, cluster) };
};
