import { fault } from '../protocol/errors.js';
import { requireCluster } from '../control-plane/lookup.js';
import { clusterMembers, presentCluster } from '../control-plane/presenters.js';
import type { OperationHandler } from '../control-plane/context.js';

// Every instance of the cluster restarts; the cluster shows `rebooting` meanwhile (API
// reference). The model documents the operation for Multi-AZ DB clusters; here it reboots an
// Aurora cluster's instances, as rebooting each one would.
export const RebootDBCluster: OperationHandler = (input, ctx) => {
  const { partition, config } = ctx;
  const cluster = requireCluster(partition, input.DBClusterIdentifier);
  if (cluster.status !== 'available') {
    throw fault('InvalidDBClusterStateFault', `DbCluster ${cluster.id} is in ${cluster.status} state but expected it to be one of available.`);
  }
  const members = clusterMembers(partition, cluster.id);
  const busy = members.find((m) => m.status !== 'available');
  // AWS's wording for RebootDBInstance (aws-errors.md, instance-level strings).
  if (busy) throw fault('InvalidDBInstanceStateFault', `Instance ${busy.id} cannot currently reboot due to an in-progress management operation.`);
  for (const member of members) {
    member.status = 'rebooting';
    ctx.lifecycle.schedule(partition, 'instance-rebooted', member.id, config.delays.rebootClusterMs);
  }
  cluster.status = 'rebooting';
  ctx.lifecycle.schedule(partition, 'cluster-rebooted', cluster.id, config.delays.rebootClusterMs);
  return { DBCluster: presentCluster(partition, cluster) };
};
