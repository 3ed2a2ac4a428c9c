// Starting a failover (FailoverDBCluster, RebootDBInstance with ForceFailover): validate the
// target, choose one when none is given, mark the cluster failing-over and emit the start
// event. The data plane's promotion happens when the `cluster-failover` step comes due.
import { fault } from '../protocol/errors.js';
import type { OperationContext } from './context.js';
import { findInstance } from './lookup.js';
import { clusterMembers } from './presenters.js';
import { choosePromotionTarget } from './promotion.js';
import type { ClusterRecord, InstanceRecord } from './records.js';
import { clusterEvent } from './transitions.js';

export function startFailover(ctx: OperationContext, cluster: ClusterRecord, targetIdentifier?: string): InstanceRecord {
  const { partition } = ctx;
  if (cluster.status !== 'available') {
    throw fault('InvalidDBClusterStateFault', `DBCluster ${cluster.id} is in ${cluster.status} state but expected it to be one of available.`);
  }
  const members = clusterMembers(partition, cluster.id);
  const writer = members.find((m) => m.isWriter);
  let target: InstanceRecord | undefined;
  if (targetIdentifier !== undefined) {
    target = findInstance(partition, targetIdentifier);
    if (!target || target.clusterId !== cluster.id) {
      throw fault('InvalidDBInstanceStateFault', `DB instance ${targetIdentifier} is not a member of DB cluster ${cluster.id}.`);
    }
    if (target.isWriter) throw fault('InvalidDBInstanceStateFault', `DB instance ${target.id} is already the writer of DB cluster ${cluster.id}.`);
    if (target.status !== 'available') {
      throw fault('InvalidDBInstanceStateFault', `DB instance ${target.id} is in ${target.status} state but expected it to be one of available.`);
    }
  } else {
    target = choosePromotionTarget(members.filter((m) => !m.isWriter && m.status === 'available'));
    // AWS documents no error text for a cluster without replicas; this wording is ours.
    if (!target) throw fault('InvalidDBClusterStateFault', `DB cluster ${cluster.id} has no available Aurora Replica to fail over to.`);
  }
  cluster.status = 'failing-over';
  cluster.failoverTarget = target.id;
  const sameZone = writer?.availabilityZone === target.availabilityZone;
  clusterEvent(
    partition,
    cluster,
    `Started ${sameZone ? 'same' : 'cross'} AZ failover to DB instance: ${target.id}.`,
    ['failover'],
    sameZone ? 'RDS-EVENT-0072' : 'RDS-EVENT-0073',
  );
  ctx.lifecycle.schedule(partition, 'cluster-failover', cluster.id, ctx.config.delays.failoverMs);
  return target;
}
