// Backtrack through @aws-sdk/client-rds: BacktrackDBCluster, DescribeDBClusterBacktracks, the
// cluster's backtrack fields, and ModifyDBCluster BacktrackWindow.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BacktrackDBClusterCommand,
  CreateDBClusterCommand,
  DBClusterBacktrackNotFoundFault,
  DBClusterNotFoundFault,
  DescribeDBClusterBacktracksCommand,
  DescribeDBClustersCommand,
  InvalidDBClusterStateFault,
  ModifyDBClusterCommand,
  paginateDescribeDBClusterBacktracks,
  RDSServiceException,
  waitUntilDBClusterAvailable,
  type RDSClient,
} from '@aws-sdk/client-rds';
import { baseCluster, caught, eventually, rdsClient, sleep, startTestEmulator, waitOptions, settleMs, type TestEmulator } from './helpers.js';

let emulator: TestEmulator;
let rds: RDSClient;
let fast: TestEmulator; // backtracks complete at once: many of them for pagination
let fastRds: RDSClient;

beforeAll(async () => {
  emulator = await startTestEmulator({ delays: { createClusterMs: 50, modifyClusterMs: 100, backtrackMs: 600 } });
  rds = rdsClient(emulator.url);
  fast = await startTestEmulator({ delays: { createClusterMs: 0, backtrackMs: 0 } });
  fastRds = rdsClient(fast.url);
});

afterAll(async () => {
  rds?.destroy();
  fastRds?.destroy();
  await emulator?.close();
  await fast?.close();
  expect([...(emulator?.logs ?? []), ...(fast?.logs ?? [])].filter((line) => /failed/i.test(line))).toEqual([]);
});

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const describeCluster = async (client: RDSClient, id: string) => (await client.send(new DescribeDBClustersCommand({ DBClusterIdentifier: id }))).DBClusters![0];
const available = (client: RDSClient, id: string) => eventually(async () => (await describeCluster(client, id)).Status === 'available', settleMs, 20);

async function mysqlCluster(client: RDSClient, id: string, extra: Record<string, unknown> = { BacktrackWindow: 3600 }) {
  await client.send(new CreateDBClusterCommand({ ...baseCluster(id, 'aurora-mysql'), ...extra }));
  await available(client, id);
  return describeCluster(client, id);
}

/** Every distinct value `read` returns until `done` holds for one of them. */
async function observe<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 10_000): Promise<T[]> {
  const seen: T[] = [];
  await eventually(async () => {
    const value = await read();
    if (!seen.length || seen[seen.length - 1] !== value) seen.push(value);
    return done(value);
  }, timeoutMs, 20);
  return seen;
}

describe('the cluster shows its backtrack window', () => {
  it('BacktrackWindow, EarliestBacktrackTime (creation time while young) and BacktrackConsumedChangeRecords', async () => {
    await rds.send(new CreateDBClusterCommand({ ...baseCluster('bt-fields', 'aurora-mysql'), BacktrackWindow: 3600 }));
    expect((await waitUntilDBClusterAvailable({ client: rds, ...waitOptions }, { DBClusterIdentifier: 'bt-fields' })).state).toBe('SUCCESS');
    const cluster = await describeCluster(rds, 'bt-fields');
    expect(cluster.BacktrackWindow).toBe(3600);
    expect(cluster.BacktrackConsumedChangeRecords).toBe(0);
    expect(cluster.EarliestBacktrackTime).toEqual(cluster.ClusterCreateTime);
  });

  it('EarliestBacktrackTime moves to now − window once the cluster is older than its window', async () => {
    const cluster = await mysqlCluster(rds, 'bt-short', { BacktrackWindow: 1 });
    await sleep(1300);
    const before = Date.now();
    const later = await describeCluster(rds, 'bt-short');
    const after = Date.now();
    expect(later.EarliestBacktrackTime!.getTime()).toBeGreaterThan(cluster.ClusterCreateTime!.getTime());
    expect(later.EarliestBacktrackTime!.getTime()).toBeGreaterThanOrEqual(before - 1000);
    expect(later.EarliestBacktrackTime!.getTime()).toBeLessThanOrEqual(after - 1000);
  });

  it('has no backtrack fields without Backtrack', async () => {
    const cluster = await mysqlCluster(rds, 'bt-none', {});
    expect(cluster.EarliestBacktrackTime).toBeUndefined();
    expect(cluster.BacktrackConsumedChangeRecords).toBeUndefined();
  });
});

describe('BacktrackDBCluster', () => {
  it('goes pending → applying → completed while the cluster shows backtracking, then available', async () => {
    await mysqlCluster(rds, 'bt-run');
    await sleep(30);
    const target = new Date(Date.now() - 10);
    const started = await rds.send(new BacktrackDBClusterCommand({ DBClusterIdentifier: 'bt-run', BacktrackTo: target }));
    expect(started.DBClusterIdentifier).toBe('bt-run');
    expect(started.BacktrackIdentifier).toMatch(uuid);
    expect(started.BacktrackTo).toEqual(target);
    expect(started.BacktrackedFrom!.getTime()).toBeGreaterThanOrEqual(target.getTime());
    expect(started.BacktrackRequestCreationTime).toEqual(started.BacktrackedFrom);
    expect(started.Status).toBe('pending');
    expect((await describeCluster(rds, 'bt-run')).Status).toBe('backtracking');

    const statuses = await observe(
      async () =>
        (await rds.send(new DescribeDBClusterBacktracksCommand({ DBClusterIdentifier: 'bt-run', BacktrackIdentifier: started.BacktrackIdentifier }))).DBClusterBacktracks![0]
          .Status!,
      (status) => status === 'completed',
    );
    expect(statuses).toEqual(['pending', 'applying', 'completed']);
    const cluster = await describeCluster(rds, 'bt-run');
    expect(cluster.Status).toBe('available');

    const { DBClusterBacktracks } = await rds.send(new DescribeDBClusterBacktracksCommand({ DBClusterIdentifier: 'bt-run' }));
    const { $metadata: _, ...record } = started;
    expect(DBClusterBacktracks).toEqual([{ ...record, Status: 'completed' }]);
  });

  it('refuses a second backtrack while one runs', async () => {
    await mysqlCluster(rds, 'bt-busy');
    await rds.send(new BacktrackDBClusterCommand({ DBClusterIdentifier: 'bt-busy', BacktrackTo: new Date() }));
    const error = await caught(rds.send(new BacktrackDBClusterCommand({ DBClusterIdentifier: 'bt-busy', BacktrackTo: new Date() })));
    expect(error).toBeInstanceOf(InvalidDBClusterStateFault);
    expect(error.Code).toBe('InvalidDBClusterStateFault');
    expect(error.$metadata.httpStatusCode).toBe(400);
    expect(error.message).toBe('DbCluster bt-busy is in backtracking state but expected it to be one of available.');
  });

  it('refuses a time in the future and, unless told to use the earliest time, one before the earliest backtrack time', async () => {
    const cluster = await mysqlCluster(rds, 'bt-bounds');
    const future = await caught(rds.send(new BacktrackDBClusterCommand({ DBClusterIdentifier: 'bt-bounds', BacktrackTo: new Date(Date.now() + 60_000) })));
    expect(future).toBeInstanceOf(RDSServiceException);
    expect(future.name).toBe('InvalidParameterValue');
    expect(future.$metadata.httpStatusCode).toBe(400);
    expect(future.message).toMatch(/is in the future/);

    const tooEarly = new Date(cluster.ClusterCreateTime!.getTime() - 60_000);
    const early = await caught(rds.send(new BacktrackDBClusterCommand({ DBClusterIdentifier: 'bt-bounds', BacktrackTo: tooEarly })));
    expect(early.name).toBe('InvalidParameterValue');
    expect(early.$metadata.httpStatusCode).toBe(400);
    expect(early.message).toContain(`earlier than the earliest backtrack time ${cluster.EarliestBacktrackTime!.toISOString()}`);
    expect((await describeCluster(rds, 'bt-bounds')).Status).toBe('available');

    const clamped = await rds.send(
      new BacktrackDBClusterCommand({ DBClusterIdentifier: 'bt-bounds', BacktrackTo: tooEarly, UseEarliestTimeOnPointInTimeUnavailable: true }),
    );
    expect(clamped.BacktrackTo).toEqual(cluster.EarliestBacktrackTime);
  });

  it('is refused for aurora-postgresql and for clusters created without a BacktrackWindow (InvalidDBClusterStateFault)', async () => {
    await rds.send(new CreateDBClusterCommand(baseCluster('bt-pg')));
    await available(rds, 'bt-pg');
    const pg = await caught(rds.send(new BacktrackDBClusterCommand({ DBClusterIdentifier: 'bt-pg', BacktrackTo: new Date() })));
    expect(pg).toBeInstanceOf(InvalidDBClusterStateFault);
    expect(pg.$metadata.httpStatusCode).toBe(400);
    expect(pg.message).toBe('Backtrack is not enabled for the aurora-postgresql engine.');

    await mysqlCluster(rds, 'bt-off', {});
    const off = await caught(rds.send(new BacktrackDBClusterCommand({ DBClusterIdentifier: 'bt-off', BacktrackTo: new Date() })));
    expect(off).toBeInstanceOf(InvalidDBClusterStateFault);
    expect(off.Code).toBe('InvalidDBClusterStateFault');
    expect(off.message).toMatch(/^Backtrack is not enabled for DB cluster bt-off/);
  });

  it('DBClusterNotFoundFault (404) for an unknown cluster', async () => {
    const error = await caught(rds.send(new BacktrackDBClusterCommand({ DBClusterIdentifier: 'bt-nope', BacktrackTo: new Date() })));
    expect(error).toBeInstanceOf(DBClusterNotFoundFault);
    expect(error.Code).toBe('DBClusterNotFoundFault');
    expect(error.$metadata.httpStatusCode).toBe(404);
    expect(error.message).toBe('DBCluster bt-nope not found.');
  });
});

describe('DescribeDBClusterBacktracks', () => {
  beforeAll(async () => {
    await mysqlCluster(fastRds, 'bt-many');
    for (let i = 0; i < 23; i++) {
      await fastRds.send(new BacktrackDBClusterCommand({ DBClusterIdentifier: 'bt-many', BacktrackTo: new Date() }));
      await eventually(async () => (await describeCluster(fastRds, 'bt-many')).Status === 'available', 5000, 5);
    }
  });

  it('pages with MaxRecords and Marker, newest first', async () => {
    const first = await fastRds.send(new DescribeDBClusterBacktracksCommand({ DBClusterIdentifier: 'bt-many', MaxRecords: 20 }));
    expect(first.DBClusterBacktracks).toHaveLength(20);
    expect(first.Marker).toEqual(expect.any(String));
    const second = await fastRds.send(new DescribeDBClusterBacktracksCommand({ DBClusterIdentifier: 'bt-many', MaxRecords: 20, Marker: first.Marker }));
    expect(second.DBClusterBacktracks).toHaveLength(3);
    expect(second.Marker).toBeUndefined();
    const all = [...first.DBClusterBacktracks!, ...second.DBClusterBacktracks!];
    expect(new Set(all.map((b) => b.BacktrackIdentifier)).size).toBe(23);
    const times = all.map((b) => b.BacktrackRequestCreationTime!.getTime());
    expect(times).toEqual([...times].sort((a, b) => b - a));

    let pages = 0;
    let items = 0;
    for await (const page of paginateDescribeDBClusterBacktracks({ client: fastRds, pageSize: 20 }, { DBClusterIdentifier: 'bt-many' })) {
      pages++;
      items += page.DBClusterBacktracks!.length;
    }
    expect([pages, items]).toEqual([2, 23]);

    const badSize = await caught(fastRds.send(new DescribeDBClusterBacktracksCommand({ DBClusterIdentifier: 'bt-many', MaxRecords: 19 })));
    expect(badSize.name).toBe('InvalidParameterValue');
    expect(badSize.message).toBe('Invalid value 19 for MaxRecords. Must be between 20 and 100');
  });

  it('filters by db-cluster-backtrack-id and db-cluster-backtrack-status', async () => {
    const { DBClusterBacktracks: all } = await fastRds.send(new DescribeDBClusterBacktracksCommand({ DBClusterIdentifier: 'bt-many' }));
    const picked = [all![3].BacktrackIdentifier!, all![7].BacktrackIdentifier!];
    const byId = await fastRds.send(
      new DescribeDBClusterBacktracksCommand({ DBClusterIdentifier: 'bt-many', Filters: [{ Name: 'db-cluster-backtrack-id', Values: picked }] }),
    );
    expect(byId.DBClusterBacktracks!.map((b) => b.BacktrackIdentifier).sort()).toEqual([...picked].sort());
    const completed = await fastRds.send(
      new DescribeDBClusterBacktracksCommand({ DBClusterIdentifier: 'bt-many', Filters: [{ Name: 'db-cluster-backtrack-status', Values: ['completed'] }] }),
    );
    expect(completed.DBClusterBacktracks).toHaveLength(23);
    const pending = await fastRds.send(
      new DescribeDBClusterBacktracksCommand({ DBClusterIdentifier: 'bt-many', Filters: [{ Name: 'db-cluster-backtrack-status', Values: ['pending', 'applying'] }] }),
    );
    expect(pending.DBClusterBacktracks).toEqual([]);
    const unknown = await caught(
      fastRds.send(new DescribeDBClusterBacktracksCommand({ DBClusterIdentifier: 'bt-many', Filters: [{ Name: 'status', Values: ['completed'] }] })),
    );
    expect(unknown.name).toBe('InvalidParameterValue');
    expect(unknown.$metadata.httpStatusCode).toBe(400);
  });

  it('DBClusterBacktrackNotFoundFault (404) for an unknown BacktrackIdentifier; DBClusterNotFoundFault (404) for an unknown cluster', async () => {
    const missing = await caught(
      fastRds.send(new DescribeDBClusterBacktracksCommand({ DBClusterIdentifier: 'bt-many', BacktrackIdentifier: '123e4567-e89b-12d3-a456-426655440000' })),
    );
    expect(missing).toBeInstanceOf(DBClusterBacktrackNotFoundFault);
    expect(missing.Code).toBe('DBClusterBacktrackNotFoundFault');
    expect(missing.$metadata.httpStatusCode).toBe(404);

    const noCluster = await caught(fastRds.send(new DescribeDBClusterBacktracksCommand({ DBClusterIdentifier: 'bt-nope' })));
    expect(noCluster).toBeInstanceOf(DBClusterNotFoundFault);
    expect(noCluster.$metadata.httpStatusCode).toBe(404);
  });

  it('refuses a cluster without Backtrack with InvalidParameterCombination (400)', async () => {
    await rds.send(new CreateDBClusterCommand(baseCluster('bt-pg-describe')));
    const error = await caught(rds.send(new DescribeDBClusterBacktracksCommand({ DBClusterIdentifier: 'bt-pg-describe' })));
    expect(error).toBeInstanceOf(RDSServiceException);
    expect(error.name).toBe('InvalidParameterCombination');
    expect(error.$metadata.httpStatusCode).toBe(400);
    expect(error.message).toBe('Backtrack is not enabled for the aurora-postgresql engine.');
  });
});

describe('ModifyDBCluster BacktrackWindow', () => {
  it('changes the window; 0 turns Backtrack off, and raising it again starts a new record of changes', async () => {
    await mysqlCluster(rds, 'bt-modify');
    const { DBCluster: longer } = await rds.send(new ModifyDBClusterCommand({ DBClusterIdentifier: 'bt-modify', BacktrackWindow: 259_200 }));
    expect(longer!.BacktrackWindow).toBe(259_200);
    expect(longer!.Status).toBe('available');

    const { DBCluster: off } = await rds.send(new ModifyDBClusterCommand({ DBClusterIdentifier: 'bt-modify', BacktrackWindow: 0 }));
    expect(off!.BacktrackWindow).toBe(0);
    expect(off!.EarliestBacktrackTime).toBeUndefined();
    const refused = await caught(rds.send(new BacktrackDBClusterCommand({ DBClusterIdentifier: 'bt-modify', BacktrackTo: new Date() })));
    expect(refused).toBeInstanceOf(InvalidDBClusterStateFault);
    expect(refused.message).toMatch(/BacktrackWindow is 0/);

    await sleep(20);
    const reenabledAt = Date.now();
    const { DBCluster: on } = await rds.send(new ModifyDBClusterCommand({ DBClusterIdentifier: 'bt-modify', BacktrackWindow: 7200 }));
    expect(on!.BacktrackWindow).toBe(7200);
    expect(on!.EarliestBacktrackTime!.getTime()).toBeGreaterThanOrEqual(reenabledAt);
    expect(on!.EarliestBacktrackTime!.getTime()).toBeGreaterThan(on!.ClusterCreateTime!.getTime());
  });

  it('cannot turn Backtrack on for a cluster created without it', async () => {
    await mysqlCluster(rds, 'bt-never', {});
    const error = await caught(rds.send(new ModifyDBClusterCommand({ DBClusterIdentifier: 'bt-never', BacktrackWindow: 3600 })));
    expect(error).toBeInstanceOf(InvalidDBClusterStateFault);
    expect(error.$metadata.httpStatusCode).toBe(400);
    expect(error.message).toBe('Backtrack cannot currently be enabled for this cluster');
    expect((await describeCluster(rds, 'bt-never')).BacktrackWindow).toBeUndefined();
  });

  it('refuses a window over 72 hours, and any window on aurora-postgresql (InvalidParameterValue)', async () => {
    await mysqlCluster(rds, 'bt-range');
    const tooLong = await caught(rds.send(new ModifyDBClusterCommand({ DBClusterIdentifier: 'bt-range', BacktrackWindow: 259_201 })));
    expect(tooLong.name).toBe('InvalidParameterValue');
    expect(tooLong.$metadata.httpStatusCode).toBe(400);
    expect(tooLong.message).toBe('The specified value (259201) is not a valid Backtrack Window. Allowed values are within the range of 0 to 259200');
    const created = await caught(rds.send(new CreateDBClusterCommand({ ...baseCluster('bt-too-long', 'aurora-mysql'), BacktrackWindow: 259_201 })));
    expect(created.name).toBe('InvalidParameterValue');

    await rds.send(new CreateDBClusterCommand(baseCluster('bt-pg-modify')));
    await available(rds, 'bt-pg-modify');
    const pg = await caught(rds.send(new ModifyDBClusterCommand({ DBClusterIdentifier: 'bt-pg-modify', BacktrackWindow: 60 })));
    expect(pg.name).toBe('InvalidParameterValue');
    expect(pg.message).toBe('Backtrack is not enabled for the aurora-postgresql engine.');
  });
});
