// Which replica becomes the writer: lowest promotion tier, then the largest class, then the
// oldest (a stable choice).
import { afterEach, describe, expect, it } from 'vitest';
import { instanceClassSize } from '../../src/control-plane/engines.js';
import { choosePromotionTarget } from '../../src/control-plane/promotion.js';
import { controlPlane, instanceRecord, type ControlPlane } from './helpers/context.js';

describe('choosePromotionTarget', () => {
  it('has no target without candidates', () => {
    expect(choosePromotionTarget([])).toBeUndefined();
  });

  it('prefers the lowest promotion tier over a larger class and an older instance', () => {
    const target = choosePromotionTarget([
      instanceRecord({ id: 'big-tier-2', promotionTier: 2, instanceClass: 'db.r6g.16xlarge', createdAt: '2020-01-01T00:00:00.000Z' }),
      instanceRecord({ id: 'small-tier-0', promotionTier: 0, instanceClass: 'db.t4g.medium', createdAt: '2024-06-01T00:00:00.000Z' }),
      instanceRecord({ id: 'mid-tier-1', promotionTier: 1, instanceClass: 'db.r6g.4xlarge' }),
    ]);
    expect(target?.id).toBe('small-tier-0');
  });

  it('within a tier, prefers the largest instance class', () => {
    const target = choosePromotionTarget([
      instanceRecord({ id: 'large', instanceClass: 'db.r6g.large', createdAt: '2020-01-01T00:00:00.000Z' }),
      instanceRecord({ id: 'x16', instanceClass: 'db.r6g.16xlarge' }),
      instanceRecord({ id: 'x2', instanceClass: 'db.r6g.2xlarge' }),
      instanceRecord({ id: 'x12', instanceClass: 'db.r6g.12xlarge' }),
    ]);
    expect(target?.id).toBe('x16');
  });

  it('within a tier and size, prefers the oldest; the input order does not matter', () => {
    const a = instanceRecord({ id: 'b-newer', createdAt: '2024-03-01T00:00:00.000Z' });
    const b = instanceRecord({ id: 'a-newest', createdAt: '2024-05-01T00:00:00.000Z' });
    const c = instanceRecord({ id: 'c-oldest', createdAt: '2024-01-01T00:00:00.000Z' });
    expect(choosePromotionTarget([a, b, c])?.id).toBe('c-oldest');
    expect(choosePromotionTarget([c, b, a])?.id).toBe('c-oldest');
    expect(choosePromotionTarget([b, a, c])?.id).toBe('c-oldest');
  });

  it('counts an instance still being created (no creation time yet) as the newest, not the oldest', () => {
    const available = instanceRecord({ id: 'b-available', createdAt: '2024-01-01T00:00:00.000Z' });
    const creating = instanceRecord({ id: 'a-creating', status: 'creating', createdAt: undefined, endpointReady: false });
    expect(choosePromotionTarget([creating, available])?.id).toBe('b-available');
    expect(choosePromotionTarget([available, creating])?.id).toBe('b-available');
  });

  it('breaks a full tie by identifier', () => {
    const twins = [instanceRecord({ id: 'twin-b' }), instanceRecord({ id: 'twin-a' })];
    expect(choosePromotionTarget(twins)?.id).toBe('twin-a');
  });

  it('does not reorder its input', () => {
    const input = [instanceRecord({ id: 'z', promotionTier: 5 }), instanceRecord({ id: 'y', promotionTier: 0 })];
    choosePromotionTarget(input);
    expect(input.map((i) => i.id)).toEqual(['z', 'y']);
  });
});

describe('promotion through the operations', () => {
  let cp: ControlPlane;
  afterEach(() => cp?.close());

  const setUp = async () => {
    await cp.call('CreateDBCluster', { DBClusterIdentifier: 'c', Engine: 'aurora-postgresql', MasterUsername: 'postgres', MasterUserPassword: 'secret-password' });
    await cp.settle();
    const member = (id: string, extra: Record<string, unknown> = {}) =>
      cp.call('CreateDBInstance', { DBInstanceIdentifier: id, DBClusterIdentifier: 'c', Engine: 'aurora-postgresql', DBInstanceClass: 'db.r6g.large', ...extra });
    return member;
  };

  it('deleting the writer promotes the available replica, not one still being created', async () => {
    cp = await controlPlane({ createClusterMs: 0, createInstanceMs: 0, deleteInstanceMs: 0 });
    const member = await setUp();
    await member('writer');
    await member('old-replica');
    await cp.settle();
    cp.partition.instances['old-replica'].createdAt = '2024-01-01T00:00:00.000Z';
    await member('a-new-replica');
    // The new replica is still creating when the writer's deletion completes.
    cp.partition.transitions.find((t) => t.resourceId === 'a-new-replica')!.dueAt = Date.now() + 600_000;
    await cp.call('DeleteDBInstance', { DBInstanceIdentifier: 'writer' });
    await cp.settle();
    expect(cp.partition.instances.writer).toBeUndefined();
    expect(cp.partition.instances['a-new-replica'].status).toBe('creating');
    expect(cp.partition.instances['old-replica'].isWriter).toBe(true);
    expect(cp.partition.instances['a-new-replica'].isWriter).toBe(false);
  });

  it('FailoverDBCluster without a target picks by tier, then size', async () => {
    cp = await controlPlane({ createClusterMs: 0, createInstanceMs: 0, failoverMs: 0 });
    const member = await setUp();
    await member('writer', { PromotionTier: 0 });
    await member('tier2-big', { PromotionTier: 2, DBInstanceClass: 'db.r6g.16xlarge' });
    await member('tier1-small', { PromotionTier: 1 });
    await member('tier1-big', { PromotionTier: 1, DBInstanceClass: 'db.r6g.4xlarge' });
    await cp.settle();
    const started = await cp.call('FailoverDBCluster', { DBClusterIdentifier: 'c' });
    expect(started.DBCluster.Status).toBe('failing-over');
    await cp.settle();
    expect(cp.partition.instances['tier1-big'].isWriter).toBe(true);
    expect(Object.values(cp.partition.instances).filter((i) => i.isWriter).map((i) => i.id)).toEqual(['tier1-big']);
  });
});

describe('instanceClassSize', () => {
  it('orders classes by size', () => {
    const ordered = ['db.t3.micro', 'db.t3.small', 'db.t4g.medium', 'db.r6g.large', 'db.r6g.xlarge', 'db.r6g.2xlarge', 'db.r6g.4xlarge', 'db.r6g.8xlarge', 'db.r6g.12xlarge', 'db.r6g.16xlarge', 'db.r6i.32xlarge', 'db.serverless'];
    const sizes = ordered.map(instanceClassSize);
    for (let i = 1; i < sizes.length; i++) expect(sizes[i], `${ordered[i]} > ${ordered[i - 1]}`).toBeGreaterThan(sizes[i - 1]);
  });
});
