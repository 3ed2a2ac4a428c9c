// Aurora global databases through @aws-sdk/client-rds, with clients in several regions of one
// emulator: create (empty or from a cluster), secondaries, describe, modify, switchover,
// failover, remove, delete, and what their members may not do.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CreateDBClusterCommand,
  CreateDBInstanceCommand,
  CreateGlobalClusterCommand,
  DBClusterNotFoundFault,
  DeleteDBClusterCommand,
  DeleteGlobalClusterCommand,
  DescribeDBClustersCommand,
  DescribeEventsCommand,
  DescribeGlobalClustersCommand,
  FailoverDBClusterCommand,
  FailoverGlobalClusterCommand,
  GlobalClusterAlreadyExistsFault,
  GlobalClusterNotFoundFault,
  InvalidDBClusterStateFault,
  InvalidGlobalClusterStateFault,
  ModifyGlobalClusterCommand,
  paginateDescribeGlobalClusters,
  RDSServiceException,
  RemoveFromGlobalClusterCommand,
  StopDBClusterCommand,
  SwitchoverGlobalClusterCommand,
  type GlobalCluster,
  type RDSClient,
} from '@aws-sdk/client-rds';
import { baseCluster, baseInstance, caught, eventually, rdsClient, startTestEmulator, settleMs, type TestEmulator } from './helpers.js';

const account = '000000000000';
let emulator: TestEmulator;
const clients: Record<string, RDSClient> = {};
const rds = (region = 'us-east-1') => (clients[region] ??= rdsClient(emulator.url, { region }));

beforeAll(async () => {
  emulator = await startTestEmulator({ delays: { createClusterMs: 50, createInstanceMs: 50, modifyClusterMs: 300, globalFailoverMs: 600 } });
});

afterAll(async () => {
  for (const client of Object.values(clients)) client.destroy();
  await emulator?.close();
  expect(emulator?.logs.filter((line) => /failed/i.test(line)) ?? []).toEqual([]);
});

const arn = (region: string, id: string) => `arn:aws:rds:${region}:${account}:cluster:${id}`;
const describeCluster = async (region: string, id: string) => (await rds(region).send(new DescribeDBClustersCommand({ DBClusterIdentifier: id }))).DBClusters![0];
const describeGlobal = async (id: string, region = 'us-east-1') =>
  (await rds(region).send(new DescribeGlobalClustersCommand({ GlobalClusterIdentifier: id }))).GlobalClusters![0];
const until = <T>(check: () => Promise<T | undefined | false>) => eventually(check, settleMs, 20);
const clusterAvailable = (region: string, id: string) => until(async () => (await describeCluster(region, id)).Status === 'available');

async function instance(region: string, id: string, clusterId: string, engine: 'aurora-postgresql' | 'aurora-mysql' = 'aurora-postgresql') {
  await rds(region).send(new CreateDBInstanceCommand(baseInstance(id, clusterId, engine)));
}

/** A global database: `primary` in us-east-1 (with an instance), optional secondaries (with an instance each). */
async function globalDatabase(id: string, secondaries: string[] = ['eu-west-1']) {
  await rds().send(new CreateGlobalClusterCommand({ GlobalClusterIdentifier: id, Engine: 'aurora-postgresql', EngineVersion: '16.6' }));
  await rds().send(new CreateDBClusterCommand({ ...baseCluster(`${id}-p`), EngineVersion: '16.6', GlobalClusterIdentifier: id }));
  await instance('us-east-1', `${id}-p-1`, `${id}-p`);
  for (const region of secondaries) {
    await rds(region).send(new CreateDBClusterCommand({ DBClusterIdentifier: `${id}-s`, Engine: 'aurora-postgresql', GlobalClusterIdentifier: id }));
    await instance(region, `${id}-s-1`, `${id}-s`);
  }
  for (const region of ['us-east-1', ...secondaries]) await clusterAvailable(region, region === 'us-east-1' ? `${id}-p` : `${id}-s`);
  await until(async () => {
    for (const region of ['us-east-1', ...secondaries]) {
      const members = (await describeCluster(region, region === 'us-east-1' ? `${id}-p` : `${id}-s`)).DBClusterMembers!;
      if (!members.length) return false;
    }
    return true;
  });
}

/** Every distinct value `read` returns until `done` holds for one of them. */
async function observe<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T[]> {
  const seen: T[] = [];
  await until(async () => {
    const value = await read();
    if (!seen.length || JSON.stringify(seen[seen.length - 1]) !== JSON.stringify(value)) seen.push(value);
    return done(value);
  });
  return seen;
}

const eventMessages = async (region: string, clusterId: string) =>
  ((await rds(region).send(new DescribeEventsCommand({ SourceType: 'db-cluster', SourceIdentifier: clusterId }))).Events ?? [])
    .filter((e) => e.EventCategories?.includes('global failover'))
    .map((e) => e.Message);

/**
 * The states a poller saw follow the documented order, from the first to the last; a short
 * middle state may fall between two polls on a loaded machine, so it is allowed to be missed.
 */
function expectInOrder(seen: string[], order: string[]) {
  expect(seen[0]).toBe(order[0]);
  expect(seen.at(-1)).toBe(order.at(-1));
  const positions = seen.map((state) => order.indexOf(state));
  expect(positions.every((p) => p >= 0)).toBe(true);
  expect(positions.every((p, i) => i === 0 || p > positions[i - 1])).toBe(true);
}

describe('CreateGlobalCluster', () => {
  it('creates an empty global database, available at once, with a region-less ARN every region of the account sees', async () => {
    const { GlobalCluster } = await rds().send(
      new CreateGlobalClusterCommand({ GlobalClusterIdentifier: 'Empty-Global', Engine: 'aurora-mysql', DeletionProtection: false, Tags: [{ Key: 'env', Value: 'test' }] }),
    );
    expect(GlobalCluster).toMatchObject({
      GlobalClusterIdentifier: 'empty-global',
      GlobalClusterArn: `arn:aws:rds::${account}:global-cluster:empty-global`,
      Status: 'available',
      Engine: 'aurora-mysql',
      EngineVersion: '8.0.mysql_aurora.3.08.2',
      StorageEncrypted: false,
      DeletionProtection: false,
      GlobalClusterMembers: [],
      TagList: [{ Key: 'env', Value: 'test' }],
    });
    expect(GlobalCluster!.GlobalClusterResourceId).toMatch(/^cluster-[0-9a-f]{16}$/);
    expect(await describeGlobal('empty-global', 'eu-west-1')).toEqual(GlobalCluster);
    expect(await describeGlobal(`arn:aws:rds::${account}:global-cluster:empty-global`, 'ap-southeast-2')).toEqual(GlobalCluster);

    // Another account does not see it.
    const other = rdsClient(emulator.url, { accessKeyId: '111122223333' });
    try {
      const error = await caught(other.send(new DescribeGlobalClustersCommand({ GlobalClusterIdentifier: 'empty-global' })));
      expect(error).toBeInstanceOf(GlobalClusterNotFoundFault);
      expect((await other.send(new DescribeGlobalClustersCommand({}))).GlobalClusters).toEqual([]);
    } finally {
      other.destroy();
    }
  });

  it('GlobalClusterAlreadyExistsFault (400) for a taken identifier, from any region', async () => {
    await rds().send(new CreateGlobalClusterCommand({ GlobalClusterIdentifier: 'taken', Engine: 'aurora-postgresql' }));
    const error = await caught(rds('eu-west-1').send(new CreateGlobalClusterCommand({ GlobalClusterIdentifier: 'Taken', Engine: 'aurora-postgresql' })));
    expect(error).toBeInstanceOf(GlobalClusterAlreadyExistsFault);
    expect(error.Code).toBe('GlobalClusterAlreadyExistsFault');
    expect(error.$metadata.httpStatusCode).toBe(400);
  });

  it('refuses SourceDBClusterIdentifier with Engine, EngineVersion, DatabaseName or StorageEncrypted, and neither Engine nor source', async () => {
    const combined = await caught(
      rds().send(new CreateGlobalClusterCommand({ GlobalClusterIdentifier: 'combo', SourceDBClusterIdentifier: arn('us-east-1', 'x'), Engine: 'aurora-mysql', StorageEncrypted: true })),
    );
    expect(combined).toBeInstanceOf(RDSServiceException);
    expect(combined.name).toBe('InvalidParameterCombination');
    expect(combined.$metadata.httpStatusCode).toBe(400);
    expect(combined.message).toMatch(/^Engine, StorageEncrypted can't be specified with SourceDBClusterIdentifier/);
    const neither = await caught(rds().send(new CreateGlobalClusterCommand({ GlobalClusterIdentifier: 'neither' })));
    expect(neither.name).toBe('InvalidParameterValue');
    expect(neither.$metadata.httpStatusCode).toBe(400);
  });

  it('makes a source cluster (by ARN) its primary; a cluster can belong to one global database only', async () => {
    await rds('eu-central-1').send(new CreateDBClusterCommand({ ...baseCluster('src-cluster', 'aurora-mysql'), DatabaseName: 'appdb' }));
    await clusterAvailable('eu-central-1', 'src-cluster');
    const { GlobalCluster } = await rds().send(
      new CreateGlobalClusterCommand({ GlobalClusterIdentifier: 'from-source', SourceDBClusterIdentifier: arn('eu-central-1', 'src-cluster') }),
    );
    expect(GlobalCluster).toMatchObject({
      Engine: 'aurora-mysql',
      EngineVersion: '8.0.mysql_aurora.3.08.2',
      DatabaseName: 'appdb',
      GlobalClusterMembers: [{ DBClusterArn: arn('eu-central-1', 'src-cluster'), IsWriter: true, Readers: [], SynchronizationStatus: 'connected' }],
    });
    expect((await describeCluster('eu-central-1', 'src-cluster')).GlobalClusterIdentifier).toBe('from-source');

    const again = await caught(
      rds().send(new CreateGlobalClusterCommand({ GlobalClusterIdentifier: 'from-source-2', SourceDBClusterIdentifier: arn('eu-central-1', 'src-cluster') })),
    );
    expect(again).toBeInstanceOf(InvalidDBClusterStateFault);
    expect(again.$metadata.httpStatusCode).toBe(400);
    await rds().send(new CreateDBClusterCommand({ ...baseCluster('rewinder', 'aurora-mysql'), BacktrackWindow: 3600 }));
    await clusterAvailable('us-east-1', 'rewinder');
    const backtrack = await caught(rds().send(new CreateGlobalClusterCommand({ GlobalClusterIdentifier: 'from-rewinder', SourceDBClusterIdentifier: 'rewinder' })));
    expect(backtrack).toBeInstanceOf(InvalidDBClusterStateFault);
    expect(backtrack.message).toMatch(/don't support Backtrack/);
    const secondary = await caught(
      rds('eu-west-1').send(new CreateDBClusterCommand({ ...baseCluster('rewinder-2', 'aurora-mysql'), BacktrackWindow: 3600, GlobalClusterIdentifier: 'empty-global' })),
    );
    expect(secondary.name).toBe('InvalidParameterCombination');
    expect(secondary.$metadata.httpStatusCode).toBe(400);
    const missing = await caught(rds().send(new CreateGlobalClusterCommand({ GlobalClusterIdentifier: 'from-nothing', SourceDBClusterIdentifier: arn('eu-central-1', 'nope') })));
    expect(missing).toBeInstanceOf(DBClusterNotFoundFault);
    expect(missing.$metadata.httpStatusCode).toBe(404);
  });
});

describe('primary and secondary clusters', () => {
  beforeAll(() => globalDatabase('gdb'));

  it('a secondary needs no master user, has no writer, and takes its database from the primary', async () => {
    const primary = await describeCluster('us-east-1', 'gdb-p');
    const secondary = await describeCluster('eu-west-1', 'gdb-s');
    expect(primary).toMatchObject({ GlobalClusterIdentifier: 'gdb', DBClusterMembers: [{ DBInstanceIdentifier: 'gdb-p-1', IsClusterWriter: true }] });
    expect(primary.GlobalWriteForwardingStatus).toBeUndefined();
    expect(secondary).toMatchObject({
      GlobalClusterIdentifier: 'gdb',
      DBClusterArn: arn('eu-west-1', 'gdb-s'),
      MasterUsername: 'postgres',
      EngineVersion: '16.6',
      GlobalWriteForwardingStatus: 'disabled',
      GlobalWriteForwardingRequested: false,
      DBClusterMembers: [{ DBInstanceIdentifier: 'gdb-s-1', IsClusterWriter: false }],
    });
    // A second instance of the secondary is a reader too.
    await instance('eu-west-1', 'gdb-s-2', 'gdb-s');
    const members = (await describeCluster('eu-west-1', 'gdb-s')).DBClusterMembers!;
    expect(members.map((m) => m.IsClusterWriter)).toEqual([false, false]);
  });

  it('DescribeGlobalClusters lists the members: the writer with its Readers, the secondaries with their write forwarding', async () => {
    const global = await describeGlobal('gdb', 'eu-west-1');
    expect(global.Status).toBe('available');
    expect(global.Endpoint).toMatch(/^gdb\.global-[a-z0-9]+\.global\.rds\.amazonaws\.com$/);
    expect(global.FailoverState).toBeUndefined();
    expect(global.GlobalClusterMembers).toEqual([
      { DBClusterArn: arn('us-east-1', 'gdb-p'), Readers: [arn('eu-west-1', 'gdb-s')], IsWriter: true, SynchronizationStatus: 'connected' },
      { DBClusterArn: arn('eu-west-1', 'gdb-s'), Readers: [], IsWriter: false, GlobalWriteForwardingStatus: 'disabled', SynchronizationStatus: 'connected' },
    ]);
  });

  it('refuses a master user, a password or a database name on a secondary, with AWS wording', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ MasterUsername: 'someone' }, 'Cannot specify user name for cross region replication cluster'],
      [{ MasterUserPassword: 'secret-pass-2' }, 'Cannot specify password for cross region replication cluster'],
      [{ DatabaseName: 'other' }, 'Cannot specify database name for cross region replication cluster'],
    ];
    for (const [extra, message] of cases) {
      const error = await caught(
        rds('ap-southeast-2').send(new CreateDBClusterCommand({ DBClusterIdentifier: 'gdb-bad', Engine: 'aurora-postgresql', GlobalClusterIdentifier: 'gdb', ...extra })),
      );
      expect(error.name).toBe('InvalidParameterCombination');
      expect(error.$metadata.httpStatusCode).toBe(400);
      expect(error.message).toBe(message);
    }
  });

  it('refuses a second cluster in a region that has one, another engine, and an unknown global cluster', async () => {
    for (const region of ['eu-west-1', 'us-east-1']) {
      const error = await caught(rds(region).send(new CreateDBClusterCommand({ DBClusterIdentifier: 'gdb-twice', Engine: 'aurora-postgresql', GlobalClusterIdentifier: 'gdb' })));
      expect(error).toBeInstanceOf(InvalidGlobalClusterStateFault);
      expect(error.Code).toBe('InvalidGlobalClusterStateFault');
      expect(error.$metadata.httpStatusCode).toBe(400);
    }
    const engine = await caught(rds('us-west-2').send(new CreateDBClusterCommand({ DBClusterIdentifier: 'gdb-mysql', Engine: 'aurora-mysql', GlobalClusterIdentifier: 'gdb' })));
    expect(engine.name).toBe('InvalidParameterCombination');
    const unknown = await caught(rds('us-west-2').send(new CreateDBClusterCommand({ DBClusterIdentifier: 'gdb-x', Engine: 'aurora-postgresql', GlobalClusterIdentifier: 'no-such-global' })));
    expect(unknown).toBeInstanceOf(GlobalClusterNotFoundFault);
    expect(unknown.Code).toBe('GlobalClusterNotFoundFault');
    expect(unknown.$metadata.httpStatusCode).toBe(404);
  });

  it('members cannot be stopped, deleted, or failed over within their region (InvalidDBClusterStateFault)', async () => {
    const stop = await caught(rds().send(new StopDBClusterCommand({ DBClusterIdentifier: 'gdb-p' })));
    expect(stop).toBeInstanceOf(InvalidDBClusterStateFault);
    expect(stop.$metadata.httpStatusCode).toBe(400);
    expect(stop.message).toMatch(/can't be stopped/);
    const remove = await caught(rds('eu-west-1').send(new DeleteDBClusterCommand({ DBClusterIdentifier: 'gdb-s', SkipFinalSnapshot: true })));
    expect(remove).toBeInstanceOf(InvalidDBClusterStateFault);
    expect(remove.message).toBe('This cluster is a part of a global cluster, please remove it from globalcluster first');
    const failover = await caught(rds('eu-west-1').send(new FailoverDBClusterCommand({ DBClusterIdentifier: 'gdb-s' })));
    expect(failover).toBeInstanceOf(InvalidDBClusterStateFault);
  });

  it('allows at most five secondary regions', async () => {
    await rds().send(new CreateGlobalClusterCommand({ GlobalClusterIdentifier: 'wide', Engine: 'aurora-mysql' }));
    await rds().send(new CreateDBClusterCommand({ ...baseCluster('wide-p', 'aurora-mysql'), GlobalClusterIdentifier: 'wide' }));
    const regions = ['eu-west-1', 'eu-central-1', 'us-west-2', 'ap-southeast-1', 'ap-northeast-1'];
    for (const region of regions) {
      await rds(region).send(new CreateDBClusterCommand({ DBClusterIdentifier: 'wide-s', Engine: 'aurora-mysql', GlobalClusterIdentifier: 'wide' }));
    }
    const sixth = await caught(rds('us-east-2').send(new CreateDBClusterCommand({ DBClusterIdentifier: 'wide-s', Engine: 'aurora-mysql', GlobalClusterIdentifier: 'wide' })));
    expect(sixth).toBeInstanceOf(InvalidGlobalClusterStateFault);
    expect(sixth.$metadata.httpStatusCode).toBe(400);
    expect(sixth.message).toMatch(/already has 5 secondary regions/);
    const global = await describeGlobal('wide');
    expect(global.GlobalClusterMembers).toHaveLength(6);
    expect(global.GlobalClusterMembers![0].Readers).toHaveLength(5);
  });
});

describe('DescribeGlobalClusters', () => {
  beforeAll(async () => {
    for (let i = 0; i < 22; i++) await rds().send(new CreateGlobalClusterCommand({ GlobalClusterIdentifier: `page-${String(i).padStart(2, '0')}`, Engine: 'aurora-mysql' }));
  });

  it('pages with MaxRecords and Marker, from any region', async () => {
    const first = await rds('eu-west-1').send(new DescribeGlobalClustersCommand({ MaxRecords: 20 }));
    expect(first.GlobalClusters).toHaveLength(20);
    expect(first.Marker).toEqual(expect.any(String));
    const ids: string[] = [];
    for await (const page of paginateDescribeGlobalClusters({ client: rds('eu-west-1'), pageSize: 20 }, {})) ids.push(...page.GlobalClusters!.map((g) => g.GlobalClusterIdentifier!));
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.filter((id) => id.startsWith('page-'))).toHaveLength(22);
    expect(ids).toEqual([...ids].sort());
  });

  it('filters by region: global clusters with a member there', async () => {
    const { GlobalClusters } = await rds().send(new DescribeGlobalClustersCommand({ Filters: [{ Name: 'region', Values: ['ap-northeast-1'] }] }));
    expect(GlobalClusters!.map((g) => g.GlobalClusterIdentifier)).toEqual(['wide']);
    const unknown = await caught(rds().send(new DescribeGlobalClustersCommand({ Filters: [{ Name: 'engine', Values: ['aurora-mysql'] }] })));
    expect(unknown.name).toBe('InvalidParameterValue');
    expect(unknown.$metadata.httpStatusCode).toBe(400);
  });

  it('GlobalClusterNotFoundFault (404) for an unknown identifier', async () => {
    const error = await caught(rds().send(new DescribeGlobalClustersCommand({ GlobalClusterIdentifier: 'nope' })));
    expect(error).toBeInstanceOf(GlobalClusterNotFoundFault);
    expect(error.$metadata.httpStatusCode).toBe(404);
    expect(error.message).toBe('GlobalCluster nope not found.');
  });
});

describe('SwitchoverGlobalCluster and FailoverGlobalCluster', () => {
  beforeAll(() => globalDatabase('swap'));

  it('switches over: switching-over, FailoverState pending then switching-over, then the roles are swapped', async () => {
    const { GlobalCluster } = await rds().send(new SwitchoverGlobalClusterCommand({ GlobalClusterIdentifier: 'swap', TargetDbClusterIdentifier: arn('eu-west-1', 'swap-s') }));
    expect(GlobalCluster!.Status).toBe('switching-over');
    expect(GlobalCluster!.FailoverState).toEqual({ Status: 'pending', FromDbClusterArn: arn('us-east-1', 'swap-p'), ToDbClusterArn: arn('eu-west-1', 'swap-s'), IsDataLossAllowed: false });

    // Nothing else may happen to the global database meanwhile.
    const again = await caught(rds().send(new SwitchoverGlobalClusterCommand({ GlobalClusterIdentifier: 'swap', TargetDbClusterIdentifier: arn('eu-west-1', 'swap-s') })));
    expect(again).toBeInstanceOf(InvalidGlobalClusterStateFault);
    const modify = await caught(rds().send(new ModifyGlobalClusterCommand({ GlobalClusterIdentifier: 'swap', DeletionProtection: true })));
    expect(modify).toBeInstanceOf(InvalidGlobalClusterStateFault);
    const remove = await caught(rds().send(new RemoveFromGlobalClusterCommand({ GlobalClusterIdentifier: 'swap', DbClusterIdentifier: arn('eu-west-1', 'swap-s') })));
    expect(remove).toBeInstanceOf(InvalidGlobalClusterStateFault);

    const states = await observe(
      async () => {
        const g = await describeGlobal('swap');
        return `${g.Status}/${g.FailoverState?.Status ?? '-'}`;
      },
      (state) => state === 'available/-',
    );
    expectInOrder(states, ['switching-over/pending', 'switching-over/switching-over', 'available/-']);

    const global = await describeGlobal('swap', 'eu-west-1');
    expect(global.GlobalClusterMembers).toEqual([
      { DBClusterArn: arn('eu-west-1', 'swap-s'), Readers: [arn('us-east-1', 'swap-p')], IsWriter: true, SynchronizationStatus: 'connected' },
      { DBClusterArn: arn('us-east-1', 'swap-p'), Readers: [], IsWriter: false, GlobalWriteForwardingStatus: 'disabled', SynchronizationStatus: 'connected' },
    ]);
    expect((await describeCluster('eu-west-1', 'swap-s')).DBClusterMembers).toMatchObject([{ DBInstanceIdentifier: 'swap-s-1', IsClusterWriter: true }]);
    expect((await describeCluster('us-east-1', 'swap-p')).DBClusterMembers).toMatchObject([{ DBInstanceIdentifier: 'swap-p-1', IsClusterWriter: false }]);
    // A new instance of the old primary is a reader: it is a secondary now.
    await instance('us-east-1', 'swap-p-2', 'swap-p');
    expect((await describeCluster('us-east-1', 'swap-p')).DBClusterMembers!.every((m) => m.IsClusterWriter === false)).toBe(true);

    expect(await eventMessages('eu-west-1', 'swap-s')).toEqual([
      'Global switchover to DB cluster swap-s in Region eu-west-1 started.',
      'New primary DB cluster swap-s in Region eu-west-1 was successfully promoted.',
      'Global switchover to DB cluster swap-s in Region eu-west-1 finished.',
    ]);
    expect(await eventMessages('us-east-1', 'swap-p')).toEqual([
      'Global switchover to DB cluster swap-s in Region eu-west-1 started.',
      'Old primary DB cluster swap-p in Region us-east-1 successfully shut down.',
    ]);
  });

  it('fails over with AllowDataLoss: failing-over, then the target is the primary again', async () => {
    await until(async () => (await describeCluster('us-east-1', 'swap-p')).DBClusterMembers!.length === 2);
    await until(async () => (await describeCluster('us-east-1', 'swap-p')).Status === 'available');
    const { GlobalCluster } = await rds().send(
      new FailoverGlobalClusterCommand({ GlobalClusterIdentifier: 'swap', TargetDbClusterIdentifier: arn('us-east-1', 'swap-p'), AllowDataLoss: true }),
    );
    expect(GlobalCluster!.Status).toBe('failing-over');
    expect(GlobalCluster!.FailoverState).toMatchObject({ Status: 'pending', IsDataLossAllowed: true, ToDbClusterArn: arn('us-east-1', 'swap-p') });
    const states = await observe(
      async () => {
        const g = await describeGlobal('swap');
        return `${g.Status}/${g.FailoverState?.Status ?? '-'}`;
      },
      (state) => state === 'available/-',
    );
    expectInOrder(states, ['failing-over/pending', 'failing-over/failing-over', 'available/-']);
    const writer = (await describeGlobal('swap')).GlobalClusterMembers!.find((m) => m.IsWriter);
    expect(writer!.DBClusterArn).toBe(arn('us-east-1', 'swap-p'));
    expect((await describeCluster('us-east-1', 'swap-p')).DBClusterMembers!.filter((m) => m.IsClusterWriter)).toHaveLength(1);
    expect((await describeCluster('eu-west-1', 'swap-s')).DBClusterMembers!.every((m) => m.IsClusterWriter === false)).toBe(true);
    expect(await eventMessages('us-east-1', 'swap-p')).toContain('Global failover to DB cluster swap-p in Region us-east-1 completed.');
    expect(await eventMessages('eu-west-1', 'swap-s')).toContain('Finished resynchronizing members of DB cluster swap-s in Region eu-west-1 after global failover.');
  });

  it('FailoverGlobalCluster takes AllowDataLoss or Switchover, not both (InvalidParameterCombination)', async () => {
    const error = await caught(
      rds().send(new FailoverGlobalClusterCommand({ GlobalClusterIdentifier: 'swap', TargetDbClusterIdentifier: arn('eu-west-1', 'swap-s'), AllowDataLoss: true, Switchover: true })),
    );
    expect(error.name).toBe('InvalidParameterCombination');
    expect(error.$metadata.httpStatusCode).toBe(400);
    // Switchover alone is a switchover.
    const { GlobalCluster } = await rds().send(
      new FailoverGlobalClusterCommand({ GlobalClusterIdentifier: 'swap', TargetDbClusterIdentifier: arn('eu-west-1', 'swap-s'), Switchover: true }),
    );
    expect(GlobalCluster).toMatchObject({ Status: 'switching-over', FailoverState: { IsDataLossAllowed: false } });
    await until(async () => (await describeGlobal('swap')).Status === 'available');
  });

  it('refuses the current primary, a non-member, an unknown cluster, a secondary without instances and an unknown global cluster', async () => {
    const current = (await describeGlobal('swap')).GlobalClusterMembers!.find((m) => m.IsWriter)!.DBClusterArn!;
    const primary = await caught(rds().send(new SwitchoverGlobalClusterCommand({ GlobalClusterIdentifier: 'swap', TargetDbClusterIdentifier: current })));
    expect(primary).toBeInstanceOf(InvalidDBClusterStateFault);
    expect(primary.$metadata.httpStatusCode).toBe(400);

    await rds().send(new CreateDBClusterCommand(baseCluster('loner')));
    const stranger = await caught(rds().send(new SwitchoverGlobalClusterCommand({ GlobalClusterIdentifier: 'swap', TargetDbClusterIdentifier: arn('us-east-1', 'loner') })));
    expect(stranger).toBeInstanceOf(InvalidDBClusterStateFault);
    const unknown = await caught(rds().send(new FailoverGlobalClusterCommand({ GlobalClusterIdentifier: 'swap', TargetDbClusterIdentifier: arn('sa-east-1', 'nope'), AllowDataLoss: true })));
    expect(unknown).toBeInstanceOf(DBClusterNotFoundFault);
    expect(unknown.$metadata.httpStatusCode).toBe(404);
    const noGlobal = await caught(rds().send(new SwitchoverGlobalClusterCommand({ GlobalClusterIdentifier: 'nope', TargetDbClusterIdentifier: current })));
    expect(noGlobal).toBeInstanceOf(GlobalClusterNotFoundFault);
    expect(noGlobal.$metadata.httpStatusCode).toBe(404);
    const noGlobalFailover = await caught(rds().send(new FailoverGlobalClusterCommand({ GlobalClusterIdentifier: 'nope', TargetDbClusterIdentifier: current, AllowDataLoss: true })));
    expect(noGlobalFailover).toBeInstanceOf(GlobalClusterNotFoundFault);

    await rds('ca-central-1').send(new CreateDBClusterCommand({ DBClusterIdentifier: 'headless', Engine: 'aurora-postgresql', GlobalClusterIdentifier: 'swap' }));
    await clusterAvailable('ca-central-1', 'headless');
    const headless = await caught(rds().send(new SwitchoverGlobalClusterCommand({ GlobalClusterIdentifier: 'swap', TargetDbClusterIdentifier: arn('ca-central-1', 'headless') })));
    expect(headless).toBeInstanceOf(InvalidDBClusterStateFault);
    expect(headless.message).toMatch(/has no available DB instance/);
    expect((await describeGlobal('swap')).Status).toBe('available');
  });
});

describe('ModifyGlobalCluster, RemoveFromGlobalCluster, DeleteGlobalCluster', () => {
  beforeAll(() => globalDatabase('life'));

  it('renames the global cluster; its members follow', async () => {
    const { GlobalCluster } = await rds().send(new ModifyGlobalClusterCommand({ GlobalClusterIdentifier: 'life', NewGlobalClusterIdentifier: 'Life-Renamed' }));
    expect(GlobalCluster).toMatchObject({ GlobalClusterIdentifier: 'life-renamed', GlobalClusterArn: `arn:aws:rds::${account}:global-cluster:life-renamed` });
    expect((await describeCluster('eu-west-1', 'life-s')).GlobalClusterIdentifier).toBe('life-renamed');
    expect(await caught(describeGlobal('life'))).toBeInstanceOf(GlobalClusterNotFoundFault);
    const taken = await caught(rds().send(new ModifyGlobalClusterCommand({ GlobalClusterIdentifier: 'life-renamed', NewGlobalClusterIdentifier: 'empty-global' })));
    expect(taken).toBeInstanceOf(GlobalClusterAlreadyExistsFault);
    const missing = await caught(rds().send(new ModifyGlobalClusterCommand({ GlobalClusterIdentifier: 'life', DeletionProtection: true })));
    expect(missing).toBeInstanceOf(GlobalClusterNotFoundFault);
  });

  it('upgrades every member with EngineVersion: upgrading, then available; a major version needs AllowMajorVersionUpgrade', async () => {
    const major = await caught(rds().send(new ModifyGlobalClusterCommand({ GlobalClusterIdentifier: 'life-renamed', EngineVersion: '17.4' })));
    expect(major.name).toBe('InvalidParameterCombination');
    expect(major.$metadata.httpStatusCode).toBe(400);
    const { GlobalCluster } = await rds().send(new ModifyGlobalClusterCommand({ GlobalClusterIdentifier: 'life-renamed', EngineVersion: '16.8' }));
    expect(GlobalCluster).toMatchObject({ Status: 'upgrading', EngineVersion: '16.8' });
    const statuses = await observe(async () => (await describeGlobal('life-renamed')).Status!, (s) => s === 'available');
    expect(statuses).toEqual(['upgrading', 'available']);
    expect((await describeCluster('us-east-1', 'life-p')).EngineVersion).toBe('16.8');
    expect((await describeCluster('eu-west-1', 'life-s')).EngineVersion).toBe('16.8');
  });

  it('removes a secondary: it stands alone, and its first instance becomes the writer', async () => {
    const primaryFirst = await caught(
      rds().send(new RemoveFromGlobalClusterCommand({ GlobalClusterIdentifier: 'life-renamed', DbClusterIdentifier: arn('us-east-1', 'life-p') })),
    );
    expect(primaryFirst).toBeInstanceOf(InvalidGlobalClusterStateFault);
    expect(primaryFirst.$metadata.httpStatusCode).toBe(400);

    const { GlobalCluster } = await rds('eu-west-1').send(
      new RemoveFromGlobalClusterCommand({ GlobalClusterIdentifier: 'life-renamed', DbClusterIdentifier: arn('eu-west-1', 'life-s') }),
    );
    expect(GlobalCluster!.GlobalClusterMembers).toEqual([{ DBClusterArn: arn('us-east-1', 'life-p'), Readers: [], IsWriter: true, SynchronizationStatus: 'connected' }]);
    const standalone = await describeCluster('eu-west-1', 'life-s');
    expect(standalone.GlobalClusterIdentifier).toBeUndefined();
    expect(standalone.GlobalWriteForwardingStatus).toBeUndefined();
    expect(standalone.DBClusterMembers).toMatchObject([{ DBInstanceIdentifier: 'life-s-1', IsClusterWriter: true }]);

    const notMember = await caught(
      rds().send(new RemoveFromGlobalClusterCommand({ GlobalClusterIdentifier: 'life-renamed', DbClusterIdentifier: arn('eu-west-1', 'life-s') })),
    );
    expect(notMember.name).toBe('InvalidParameterValue');
    expect(notMember.message).toContain('is not found in global cluster');
    const unknown = await caught(rds().send(new RemoveFromGlobalClusterCommand({ GlobalClusterIdentifier: 'life-renamed', DbClusterIdentifier: arn('eu-west-1', 'ghost') })));
    expect(unknown).toBeInstanceOf(DBClusterNotFoundFault);
    expect(unknown.$metadata.httpStatusCode).toBe(404);
    const noGlobal = await caught(rds().send(new RemoveFromGlobalClusterCommand({ GlobalClusterIdentifier: 'ghost-global', DbClusterIdentifier: arn('us-east-1', 'life-p') })));
    expect(noGlobal).toBeInstanceOf(GlobalClusterNotFoundFault);
    expect(noGlobal.$metadata.httpStatusCode).toBe(404);
  });

  it('refuses to delete while members remain or with deletion protection; then deletes at once', async () => {
    const withMembers = await caught(rds().send(new DeleteGlobalClusterCommand({ GlobalClusterIdentifier: 'life-renamed' })));
    expect(withMembers).toBeInstanceOf(InvalidGlobalClusterStateFault);
    expect(withMembers.$metadata.httpStatusCode).toBe(400);
    await rds().send(new RemoveFromGlobalClusterCommand({ GlobalClusterIdentifier: 'life-renamed', DbClusterIdentifier: arn('us-east-1', 'life-p') }));
    expect((await describeCluster('us-east-1', 'life-p')).DBClusterMembers).toMatchObject([{ DBInstanceIdentifier: 'life-p-1', IsClusterWriter: true }]);

    await rds().send(new ModifyGlobalClusterCommand({ GlobalClusterIdentifier: 'life-renamed', DeletionProtection: true }));
    const protectedError = await caught(rds().send(new DeleteGlobalClusterCommand({ GlobalClusterIdentifier: 'life-renamed' })));
    expect(protectedError.name).toBe('InvalidParameterCombination');
    await rds().send(new ModifyGlobalClusterCommand({ GlobalClusterIdentifier: 'life-renamed', DeletionProtection: false }));

    const { GlobalCluster } = await rds().send(new DeleteGlobalClusterCommand({ GlobalClusterIdentifier: 'life-renamed' }));
    expect(GlobalCluster).toMatchObject<GlobalCluster>({ GlobalClusterIdentifier: 'life-renamed', GlobalClusterMembers: [] });
    const gone = await caught(describeGlobal('life-renamed', 'eu-west-1'));
    expect(gone).toBeInstanceOf(GlobalClusterNotFoundFault);
    expect(gone.Code).toBe('GlobalClusterNotFoundFault');
    expect(gone.$metadata.httpStatusCode).toBe(404);
    const deleteAgain = await caught(rds().send(new DeleteGlobalClusterCommand({ GlobalClusterIdentifier: 'life-renamed' })));
    expect(deleteAgain).toBeInstanceOf(GlobalClusterNotFoundFault);
    expect(deleteAgain.$metadata.httpStatusCode).toBe(404);
    // The former members are ordinary clusters again: they can be stopped.
    const { DBCluster } = await rds().send(new StopDBClusterCommand({ DBClusterIdentifier: 'life-p' }));
    expect(DBCluster!.Status).toBe('stopping');
  });
});
