// StopDBCluster / StartDBCluster through the real handlers and lifecycle: the instances stop and
// start with their cluster, and a cluster stopped for seven days starts again by itself.
import { afterEach, describe, expect, it } from 'vitest';
import { controlPlane, type ControlPlane } from './helpers/context.js';

let cp: ControlPlane | undefined;
afterEach(() => cp?.close());

const sevenDaysMs = 7 * 24 * 3600 * 1000;

describe('a stopped cluster', () => {
  it('stops its instances, and starts again after seven days with RDS-EVENT-0153', async () => {
    cp = await controlPlane(0);
    await cp.call('CreateDBCluster', { DBClusterIdentifier: 'sleepy', Engine: 'aurora-postgresql', MasterUsername: 'postgres', MasterUserPassword: 'secret-pass-1' });
    await cp.call('CreateDBInstance', { DBInstanceIdentifier: 'sleepy-1', DBClusterIdentifier: 'sleepy', Engine: 'aurora-postgresql', DBInstanceClass: 'db.r6g.large' });
    await cp.settle();

    const stopping = await cp.call('StopDBCluster', { DBClusterIdentifier: 'sleepy' });
    expect(stopping.DBCluster.Status).toBe('stopping');
    expect(cp.partition.instances['sleepy-1'].status).toBe('stopping');
    await cp.settle();
    expect(cp.partition.clusters.sleepy.status).toBe('stopped');
    expect(cp.partition.instances['sleepy-1'].status).toBe('stopped');

    // The automatic start is due seven days after the stop.
    const autoStart = cp.partition.transitions.find((t) => t.kind === 'cluster-auto-start' && t.resourceId === 'sleepy')!;
    expect(autoStart.dueAt - Date.now()).toBeGreaterThan(sevenDaysMs - 60_000);
    expect(autoStart.dueAt - Date.now()).toBeLessThanOrEqual(sevenDaysMs);
    autoStart.dueAt = Date.now(); // seven days later
    await cp.settle();
    expect(cp.partition.clusters.sleepy.status).toBe('available');
    expect(cp.partition.instances['sleepy-1'].status).toBe('available');
    const messages = cp.partition.events.filter((e) => e.sourceIdentifier === 'sleepy').map((e) => [e.eventId, e.message]);
    expect(messages).toContainEqual(['RDS-EVENT-0153', 'DB cluster is being started due to it exceeding the maximum allowed time being stopped.']);
    expect(messages.findIndex(([id]) => id === 'RDS-EVENT-0153')).toBeLessThan(messages.findIndex(([id]) => id === 'RDS-EVENT-0151'));
  });

  it('started by hand no longer starts by itself', async () => {
    cp = await controlPlane(0);
    await cp.call('CreateDBCluster', { DBClusterIdentifier: 'nap', Engine: 'aurora-mysql', MasterUsername: 'admin', MasterUserPassword: 'secret-pass-1' });
    await cp.settle();
    await cp.call('StopDBCluster', { DBClusterIdentifier: 'nap' });
    await cp.settle();
    await cp.call('StartDBCluster', { DBClusterIdentifier: 'nap' });
    expect(cp.partition.transitions.filter((t) => t.kind === 'cluster-auto-start')).toEqual([]);
    await cp.settle();
    expect(cp.partition.clusters.nap.status).toBe('available');
  });
});
