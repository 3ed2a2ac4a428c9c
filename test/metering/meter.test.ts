// The meter through the real operations and lifecycle, with a clock the test moves and a
// volume whose bytes and I/O counters the test sets: each line item from a known workload.
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clusterWith, gib, hourMs, item, meteredControlPlane, type MeteredControlPlane } from './helpers.js';

let cp: MeteredControlPlane | undefined;
afterEach(async () => {
  await cp?.close();
  cp = undefined;
});

const minuteMs = 60_000;

describe('instance-hours', () => {
  it('count while running, not while stopped, across stop and start', async () => {
    cp = await meteredControlPlane();
    await clusterWith(cp, 'steady', ['db.r6g.large']);
    cp.advance(hourMs);
    await cp.call('StopDBCluster', { DBClusterIdentifier: 'steady' });
    await cp.settle();
    cp.advance(5 * hourMs); // stopped: instances pay nothing
    await cp.call('StartDBCluster', { DBClusterIdentifier: 'steady' });
    await cp.settle();
    cp.advance(hourMs / 2);

    const cost = await cp.cost('steady');
    const hours = cost.lineItems.find((i) => i.item === 'instance-hours')!;
    expect(hours).toMatchObject({ instance: 'steady-1', instanceClass: 'db.r6g.large', unit: 'hours', unitPrice: 0.26 });
    expect(hours.quantity).toBeCloseTo(1.5, 6);
    expect(hours.cost).toBeCloseTo(1.5 * 0.26, 6);
    expect(cost.period.hours).toBeCloseTo(6.5, 6);
  });

  it('bill at least 10 minutes after each start and each class change', async () => {
    cp = await meteredControlPlane();
    await clusterWith(cp, 'brief', ['db.r6g.large']);
    cp.advance(2 * minuteMs); // 2 minutes, billed as 10
    await cp.call('StopDBCluster', { DBClusterIdentifier: 'brief' });
    await cp.settle();
    cp.advance(hourMs);
    await cp.call('StartDBCluster', { DBClusterIdentifier: 'brief' });
    await cp.settle();
    cp.advance(25 * minuteMs); // 25 minutes, billed as 25
    await cp.call('ModifyDBInstance', { DBInstanceIdentifier: 'brief-1', DBInstanceClass: 'db.r6g.xlarge', ApplyImmediately: true });
    await cp.settle();
    cp.advance(3 * minuteMs); // 3 minutes on the new class, billed as 10
    await cp.call('DeleteDBInstance', { DBInstanceIdentifier: 'brief-1' });
    await cp.settle();
    cp.advance(hourMs);

    const cost = await cp.cost('brief');
    expect(item(cost, 'instance-hours').quantity).toBeCloseTo(45 / 60, 6);
    const large = cost.lineItems.find((i) => i.instanceClass === 'db.r6g.large')!;
    const xlarge = cost.lineItems.find((i) => i.instanceClass === 'db.r6g.xlarge')!;
    expect(large.quantity).toBeCloseTo(35 / 60, 6);
    expect(xlarge.quantity).toBeCloseTo(10 / 60, 6);
    expect(xlarge.unitPrice).toBe(0.52);
  });

  it('Serverless v2: ACU-hours at MinCapacity, per second with no 10-minute minimum', async () => {
    cp = await meteredControlPlane();
    await clusterWith(cp, 'elastic', ['db.serverless'], { ServerlessV2ScalingConfiguration: { MinCapacity: 2, MaxCapacity: 16 } });
    cp.advance(5 * minuteMs);
    let cost = await cp.cost('elastic');
    expect(item(cost, 'serverless-acu-hours').quantity).toBeCloseTo((2 * 5) / 60, 6);
    cp.advance(3 * hourMs - 5 * minuteMs);
    cost = await cp.cost('elastic');
    const acu = cost.lineItems.find((i) => i.item === 'serverless-acu-hours')!;
    expect(acu).toMatchObject({ instance: 'elastic-1', unit: 'ACU-hours', unitPrice: 0.12 });
    expect(acu.quantity).toBeCloseTo(6, 6);
    expect(item(cost, 'instance-hours').quantity).toBe(0);
    expect(cost.notes.join(' ')).toContain('no RDS counterpart');
  });

  it('are priced with the region\'s prices', async () => {
    cp = await meteredControlPlane();
    for (const region of ['us-east-1', 'eu-west-1', 'ap-southeast-2']) await clusterWith(cp, 'same', ['db.r6g.large'], {}, region);
    cp.advance(2 * hourMs);
    const byRegion = Object.fromEntries(
      await Promise.all(['us-east-1', 'eu-west-1', 'ap-southeast-2'].map(async (region) => [region, (await cp!.cost('same', region)).lineItems.find((i) => i.item === 'instance-hours')!])),
    );
    expect(byRegion['us-east-1']).toMatchObject({ unitPrice: 0.26, quantity: 2 });
    expect(byRegion['eu-west-1']).toMatchObject({ unitPrice: 0.286, quantity: 2 });
    expect(byRegion['ap-southeast-2']).toMatchObject({ unitPrice: 0.338, quantity: 2 });
    expect(byRegion['eu-west-1'].cost).toBeCloseTo(0.572, 6);
  });
});

describe('storage and I/O', () => {
  it('integrate the measured volume over time and count I/O deltas, through a counter reset', async () => {
    cp = await meteredControlPlane();
    cp.volumes.set('grow', { volumeBytes: gib, readIOs: 1000, writeIOs: 500 }); // the baseline when the instance starts
    await clusterWith(cp, 'grow', ['db.r6g.large']);
    cp.advance(365 * hourMs); // half a month at 1 GiB
    cp.volumes.set('grow', { volumeBytes: 3 * gib, readIOs: 2_001_000, writeIOs: 1_000_500 });
    let cost = await cp.cost('grow');
    expect(item(cost, 'storage').quantity).toBeCloseTo(0.5, 6);
    expect(item(cost, 'storage').cost).toBeCloseTo(0.05, 6);
    expect(item(cost, 'read-ios')).toEqual({ quantity: 2_000_000, cost: 0.4 });
    expect(item(cost, 'write-ios')).toEqual({ quantity: 1_000_000, cost: 0.2 });
    expect(cost.usage).toMatchObject({ measured: true, volumeBytes: 3 * gib });

    cp.advance(365 * hourMs); // half a month at 3 GiB; a server restarted, its counter begins again
    cp.volumes.set('grow', { volumeBytes: 3 * gib, readIOs: 100, writeIOs: 1_000_600 });
    cost = await cp.cost('grow');
    expect(item(cost, 'storage').quantity).toBeCloseTo(2, 6);
    expect(item(cost, 'read-ios').quantity).toBe(2_000_100);
    expect(item(cost, 'write-ios').quantity).toBe(1_000_100);
  });

  it('a stopped cluster pays storage only', async () => {
    cp = await meteredControlPlane();
    cp.volumes.set('idle', { volumeBytes: 10 * gib, readIOs: 0, writeIOs: 0 });
    await clusterWith(cp, 'idle', ['db.r6g.large']);
    await cp.call('StopDBCluster', { DBClusterIdentifier: 'idle' });
    await cp.settle();
    const before = await cp.cost('idle');
    cp.advance(73 * hourMs);
    const after = await cp.cost('idle');
    expect(after.status).toBe('stopped');
    expect(item(after, 'instance-hours').quantity).toBe(item(before, 'instance-hours').quantity); // the 10-minute minimum of the one start
    expect(item(after, 'storage').quantity).toBeCloseTo(1, 6); // 10 GiB for a tenth of a month
    expect(after.total - before.total).toBeCloseTo(0.1, 6);
  });

  it('counts as 0, and says so, when no data plane measures the volume', async () => {
    cp = await meteredControlPlane();
    await clusterWith(cp, 'blind', ['db.r6g.large']);
    cp.advance(hourMs);
    const cost = await cp.cost('blind');
    expect(cost.usage.measured).toBe(false);
    expect(item(cost, 'storage').quantity).toBe(0);
    expect(cost.notes[0]).toContain('Storage and I/O not measured');
  });
});

describe('backtrack and snapshots', () => {
  it('bill Backtrack change records per million per hour', async () => {
    cp = await meteredControlPlane();
    await cp.call('CreateDBCluster', { DBClusterIdentifier: 'rewind', Engine: 'aurora-mysql', MasterUsername: 'admin', MasterUserPassword: 'secret-pass-1', BacktrackWindow: 3600 });
    await cp.settle();
    cp.partition().clusters.rewind.backtrackConsumedChangeRecords = 2_000_000;
    await cp.cost('rewind');
    cp.advance(10 * hourMs);
    const cost = await cp.cost('rewind');
    expect(item(cost, 'backtrack-change-records')).toEqual({ quantity: 20, cost: 0.24 });
  });

  it('bill manual snapshots beyond the free 100% of the volume, and all of them once the cluster is gone', async () => {
    cp = await meteredControlPlane();
    cp.volumes.set('kept', { volumeBytes: 10 * gib, readIOs: 0, writeIOs: 0 });
    await clusterWith(cp, 'kept', []);
    await cp.cost('kept'); // measures the volume
    await cp.call('CreateDBClusterSnapshot', { DBClusterIdentifier: 'kept', DBClusterSnapshotIdentifier: 'kept-copy' });
    await cp.settle();
    cp.advance(73 * hourMs);
    let cost = await cp.cost('kept');
    expect(cost.usage.snapshotBytes).toBe(10 * gib);
    expect(item(cost, 'backup-storage').quantity).toBe(0); // as large as the volume: free

    await cp.call('DeleteDBCluster', { DBClusterIdentifier: 'kept', SkipFinalSnapshot: true });
    await cp.settle();
    cp.advance(73 * hourMs);
    cost = await cp.cost('kept');
    expect(cost.status).toBe('deleted');
    expect(item(cost, 'storage').quantity).toBeCloseTo(1, 6); // 10 GiB until the deletion
    expect(item(cost, 'backup-storage').quantity).toBeCloseTo(1, 6);
    expect(item(cost, 'backup-storage').cost).toBeCloseTo(0.021, 6);
    expect(cost.projected30Days).toBeCloseTo((10 * 0.021 * 720) / 730, 4);
  });
});

describe('across restarts', () => {
  it('keeps the counts, and bills nothing for the time the emulator was down', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'aurora-meter-'));
    try {
      const start = Date.parse('2026-01-01T00:00:00Z');
      cp = await meteredControlPlane({ dataDir, start });
      cp.volumes.set('durable', { volumeBytes: gib, readIOs: 0, writeIOs: 0 });
      await clusterWith(cp, 'durable', ['db.r6g.large']);
      cp.advance(hourMs);
      cp.volumes.set('durable', { volumeBytes: gib, readIOs: 40, writeIOs: 30 });
      await cp.close();

      cp = await meteredControlPlane({ dataDir, start: start + 3 * hourMs }); // down for two hours
      cp.volumes.set('durable', { volumeBytes: gib, readIOs: 50, writeIOs: 40 });
      cp.advance(hourMs);
      const cost = await cp.cost('durable');
      expect(item(cost, 'instance-hours').quantity).toBeCloseTo(2, 6);
      expect(item(cost, 'read-ios').quantity).toBe(50);
      expect(item(cost, 'write-ios').quantity).toBe(40);
    } finally {
      await cp?.close();
      cp = undefined;
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
