// Describe* filters: AND across filters, OR across a filter's values, unknown names refused.
import { afterEach, describe, expect, it } from 'vitest';
import { applyFilters } from '../../src/control-plane/filters.js';
import { AwsError } from '../../src/protocol/errors.js';
import { controlPlane, type ControlPlane } from './helpers/context.js';

interface Item {
  id: string;
  engine: string;
}
const items: Item[] = [
  { id: 'a', engine: 'aurora-postgresql' },
  { id: 'b', engine: 'aurora-mysql' },
  { id: 'c', engine: 'aurora-postgresql' },
];
const definitions = { 'db-cluster-id': (i: Item) => [i.id], engine: (i: Item) => [i.engine] };

describe('applyFilters', () => {
  it('passes everything without filters, or with an empty filter list', () => {
    expect(applyFilters(items, undefined, definitions)).toEqual(items);
    expect(applyFilters(items, [], definitions)).toEqual(items);
  });

  it('ORs the values of one filter and ANDs filters', () => {
    expect(applyFilters(items, [{ Name: 'db-cluster-id', Values: ['a', 'b', 'zzz'] }], definitions).map((i) => i.id)).toEqual(['a', 'b']);
    expect(
      applyFilters(
        items,
        [
          { Name: 'db-cluster-id', Values: ['a', 'b'] },
          { Name: 'engine', Values: ['aurora-mysql'] },
        ],
        definitions,
      ).map((i) => i.id),
    ).toEqual(['b']);
    expect(applyFilters(items, [{ Name: 'engine', Values: ['oracle-ee'] }], definitions)).toEqual([]);
  });

  it('refuses an unknown filter name with InvalidParameterValue, even when other filters are fine', () => {
    let error: unknown;
    try {
      applyFilters(items, [{ Name: 'engine', Values: ['aurora-mysql'] }, { Name: 'bogus-name', Values: ['x'] }], definitions);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(AwsError);
    expect(error).toMatchObject({ code: 'InvalidParameterValue', httpStatus: 400 });
    expect((error as AwsError).message).toContain('bogus-name');
  });

  it('is case-sensitive about filter names', () => {
    expect(() => applyFilters(items, [{ Name: 'Engine', Values: ['aurora-mysql'] }], definitions)).toThrow(/Engine/);
  });
});

describe('filters of the Describe operations', () => {
  let cp: ControlPlane;
  afterEach(() => cp?.close());

  it('DescribeDBClusters: engine, db-cluster-id (id in any case, or ARN), unknown names refused', async () => {
    cp = await controlPlane(0);
    for (const [id, engine, user] of [
      ['pg-one', 'aurora-postgresql', 'postgres'],
      ['my-one', 'aurora-mysql', 'admin'],
      ['pg-two', 'aurora-postgresql', 'postgres'],
    ]) {
      await cp.call('CreateDBCluster', { DBClusterIdentifier: id, Engine: engine, MasterUsername: user, MasterUserPassword: 'secret-password' });
    }
    const describe = async (Filters: unknown) => (await cp.call('DescribeDBClusters', { Filters })).DBClusters.map((c: any) => c.DBClusterIdentifier);
    expect(await describe([{ Name: 'engine', Values: ['aurora-postgresql'] }])).toEqual(['pg-one', 'pg-two']);
    expect(await describe([{ Name: 'db-cluster-id', Values: ['PG-TWO', 'arn:aws:rds:us-east-1:000000000000:cluster:my-one'] }])).toEqual(['my-one', 'pg-two']);
    expect(await describe([])).toEqual(['my-one', 'pg-one', 'pg-two']);
    const resourceId = cp.partition.clusters['pg-one'].resourceId;
    expect(await describe([{ Name: 'db-cluster-resource-id', Values: [resourceId] }])).toEqual(['pg-one']);
    await expect(describe([{ Name: 'dbcluster-id', Values: ['pg-one'] }])).rejects.toMatchObject({ code: 'InvalidParameterValue', httpStatus: 400 });
  });

  it('DescribeDBInstances: db-cluster-id and db-instance-id, unknown names refused', async () => {
    cp = await controlPlane(0);
    await cp.call('CreateDBCluster', { DBClusterIdentifier: 'pg', Engine: 'aurora-postgresql', MasterUsername: 'postgres', MasterUserPassword: 'secret-password' });
    await cp.call('CreateDBCluster', { DBClusterIdentifier: 'other', Engine: 'aurora-postgresql', MasterUsername: 'postgres', MasterUserPassword: 'secret-password' });
    await cp.settle();
    for (const [id, cluster] of [
      ['pg-1', 'pg'],
      ['pg-2', 'pg'],
      ['other-1', 'other'],
    ]) {
      await cp.call('CreateDBInstance', { DBInstanceIdentifier: id, DBClusterIdentifier: cluster, Engine: 'aurora-postgresql', DBInstanceClass: 'db.r6g.large' });
    }
    const describe = async (Filters: unknown) => (await cp.call('DescribeDBInstances', { Filters })).DBInstances.map((i: any) => i.DBInstanceIdentifier);
    expect(await describe([{ Name: 'db-cluster-id', Values: ['PG'] }])).toEqual(['pg-1', 'pg-2']);
    expect(await describe([{ Name: 'db-instance-id', Values: ['pg-2', 'other-1'] }])).toEqual(['other-1', 'pg-2']);
    await expect(describe([{ Name: 'instance-class', Values: ['x'] }])).rejects.toMatchObject({ code: 'InvalidParameterValue' });
  });
});
