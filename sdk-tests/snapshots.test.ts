// Cluster snapshots and restores through the SDK: statuses over time, waiters, errors,
// automated backups and the restore window. (Their data is tested in data-plane-postgres.)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CopyDBClusterSnapshotCommand,
  CreateDBClusterCommand,
  CreateDBClusterSnapshotCommand,
  DBClusterAlreadyExistsFault,
  DBClusterSnapshotAlreadyExistsFault,
  DBClusterSnapshotNotFoundFault,
  DeleteDBClusterCommand,
  DeleteDBClusterSnapshotCommand,
  DescribeDBClusterSnapshotAttributesCommand,
  DescribeDBClusterSnapshotsCommand,
  DescribeDBClustersCommand,
  DescribeEventsCommand,
  InvalidDBClusterSnapshotStateFault,
  InvalidRestoreFault,
  ModifyDBClusterSnapshotAttributeCommand,
  RDSServiceException,
  RestoreDBClusterFromSnapshotCommand,
  RestoreDBClusterToPointInTimeCommand,
  paginateDescribeDBClusterSnapshots,
  waitUntilDBClusterAvailable,
  waitUntilDBClusterDeleted,
  waitUntilDBClusterSnapshotAvailable,
  waitUntilDBClusterSnapshotDeleted,
  type RDSClient,
} from '@aws-sdk/client-rds';
import { baseCluster, caught, rdsClient, startTestEmulator, waitOptions, type TestEmulator } from './helpers.js';

let emulator: TestEmulator;
let rds: RDSClient;

beforeAll(async () => {
  emulator = await startTestEmulator({ quotas: { manualClusterSnapshots: 30 } });
  rds = rdsClient(emulator.url);
  await rds.send(new CreateDBClusterCommand({ ...baseCluster('source'), DatabaseName: 'app', Tags: [{ Key: 'team', Value: 'db' }], CopyTagsToSnapshot: true }));
  await waitUntilDBClusterAvailable({ client: rds, ...waitOptions }, { DBClusterIdentifier: 'source' });
});
afterAll(async () => {
  await emulator?.close();
});

describe('manual cluster snapshots', () => {
  it('go creating → available, copy the cluster tags when CopyTagsToSnapshot, and emit their events', async () => {
    const created = (await rds.send(new CreateDBClusterSnapshotCommand({ DBClusterIdentifier: 'source', DBClusterSnapshotIdentifier: 'Snap-A', Tags: [{ Key: 'why', Value: 'test' }] }))).DBClusterSnapshot!;
    expect(created).toMatchObject({
      DBClusterSnapshotIdentifier: 'snap-a',
      DBClusterIdentifier: 'source',
      Status: 'creating',
      SnapshotType: 'manual',
      Engine: 'aurora-postgresql',
      MasterUsername: 'postgres',
      DBClusterSnapshotArn: 'arn:aws:rds:us-east-1:000000000000:cluster-snapshot:snap-a',
    });
    expect(created.TagList).toEqual([{ Key: 'team', Value: 'db' }, { Key: 'why', Value: 'test' }]);
    await waitUntilDBClusterSnapshotAvailable({ client: rds, ...waitOptions }, { DBClusterSnapshotIdentifier: 'snap-a' });
    const events = (await rds.send(new DescribeEventsCommand({ SourceType: 'db-cluster-snapshot', SourceIdentifier: 'snap-a' }))).Events!.map((e) => e.Message);
    expect(events).toEqual(['Creating manual cluster snapshot', 'Manual cluster snapshot created']);
  });

  it('refuses a duplicate identifier, an unknown cluster and an unknown snapshot with the model faults', async () => {
    const duplicate = await caught(rds.send(new CreateDBClusterSnapshotCommand({ DBClusterIdentifier: 'source', DBClusterSnapshotIdentifier: 'snap-a' })));
    expect(duplicate).toBeInstanceOf(DBClusterSnapshotAlreadyExistsFault);
    expect(duplicate.$metadata.httpStatusCode).toBe(400);
    const missing = await caught(rds.send(new DescribeDBClusterSnapshotsCommand({ DBClusterSnapshotIdentifier: 'nope' })));
    expect(missing).toBeInstanceOf(DBClusterSnapshotNotFoundFault);
    expect(missing.$metadata.httpStatusCode).toBe(404);
    expect(missing.message).toBe('DBClusterSnapshot not found: nope');
    const noCluster = await caught(rds.send(new CreateDBClusterSnapshotCommand({ DBClusterIdentifier: 'ghost', DBClusterSnapshotIdentifier: 'x' })));
    expect(noCluster.name).toBe('DBClusterNotFoundFault');
  });

  it('copies a snapshot (manual, with its source ARN), shares it, and deletes it with the waiter', async () => {
    const copy = (await rds.send(new CopyDBClusterSnapshotCommand({ SourceDBClusterSnapshotIdentifier: 'snap-a', TargetDBClusterSnapshotIdentifier: 'snap-a-copy', CopyTags: true }))).DBClusterSnapshot!;
    expect(copy.SourceDBClusterSnapshotArn).toBe('arn:aws:rds:us-east-1:000000000000:cluster-snapshot:snap-a');
    await waitUntilDBClusterSnapshotAvailable({ client: rds, ...waitOptions }, { DBClusterSnapshotIdentifier: 'snap-a-copy' });
    const shared = await rds.send(new ModifyDBClusterSnapshotAttributeCommand({ DBClusterSnapshotIdentifier: 'snap-a-copy', AttributeName: 'restore', ValuesToAdd: ['111122223333'] }));
    expect(shared.DBClusterSnapshotAttributesResult!.DBClusterSnapshotAttributes).toEqual([{ AttributeName: 'restore', AttributeValues: ['111122223333'] }]);
    const attributes = await rds.send(new DescribeDBClusterSnapshotAttributesCommand({ DBClusterSnapshotIdentifier: 'snap-a-copy' }));
    expect(attributes.DBClusterSnapshotAttributesResult!.DBClusterSnapshotAttributes![0].AttributeValues).toEqual(['111122223333']);
    const badAttribute = await caught(rds.send(new ModifyDBClusterSnapshotAttributeCommand({ DBClusterSnapshotIdentifier: 'snap-a-copy', AttributeName: 'public' })));
    expect(badAttribute).toBeInstanceOf(RDSServiceException);
    expect(badAttribute.name).toBe('InvalidParameterValue');
    expect((await rds.send(new DeleteDBClusterSnapshotCommand({ DBClusterSnapshotIdentifier: 'snap-a-copy' }))).DBClusterSnapshot!.Status).toBe('deleting');
    await waitUntilDBClusterSnapshotDeleted({ client: rds, ...waitOptions }, { DBClusterSnapshotIdentifier: 'snap-a-copy' });
  });

  it('refuses to delete a snapshot that is still being created', async () => {
    await rds.send(new CreateDBClusterSnapshotCommand({ DBClusterIdentifier: 'source', DBClusterSnapshotIdentifier: 'young' }));
    const error = await caught(rds.send(new DeleteDBClusterSnapshotCommand({ DBClusterSnapshotIdentifier: 'young' })));
    expect(error).toBeInstanceOf(InvalidDBClusterSnapshotStateFault);
  });

  it('lists automated and manual snapshots, filters by type and paginates with Marker', async () => {
    for (let i = 0; i < 21; i++) await rds.send(new CreateDBClusterSnapshotCommand({ DBClusterIdentifier: 'source', DBClusterSnapshotIdentifier: `bulk-${String(i).padStart(2, '0')}` }));
    const all = (await rds.send(new DescribeDBClusterSnapshotsCommand({ DBClusterIdentifier: 'source' }))).DBClusterSnapshots!;
    expect(all.some((s) => s.SnapshotType === 'automated' && s.DBClusterSnapshotIdentifier!.startsWith('rds:source-'))).toBe(true);
    const automated = (await rds.send(new DescribeDBClusterSnapshotsCommand({ SnapshotType: 'automated' }))).DBClusterSnapshots!;
    expect(automated.every((s) => s.SnapshotType === 'automated')).toBe(true);
    const pages = [];
    for await (const page of paginateDescribeDBClusterSnapshots({ client: rds, pageSize: 20 }, { SnapshotType: 'manual' })) pages.push(page);
    expect(pages.length).toBe(2);
    expect(pages.at(-1)!.Marker).toBeUndefined();
    expect(pages.flatMap((p) => p.DBClusterSnapshots!).length).toBe(all.filter((s) => s.SnapshotType === 'manual').length);
  });
});

describe('restores', () => {
  it('restores a snapshot into a new cluster with the snapshot settings, refusing an existing identifier', async () => {
    const restored = (await rds.send(new RestoreDBClusterFromSnapshotCommand({ DBClusterIdentifier: 'from-snap', SnapshotIdentifier: 'snap-a', Engine: 'aurora-postgresql' }))).DBCluster!;
    expect(restored).toMatchObject({ DBClusterIdentifier: 'from-snap', Status: 'creating', MasterUsername: 'postgres', DatabaseName: 'app', Engine: 'aurora-postgresql' });
    await waitUntilDBClusterAvailable({ client: rds, ...waitOptions }, { DBClusterIdentifier: 'from-snap' });
    const again = await caught(rds.send(new RestoreDBClusterFromSnapshotCommand({ DBClusterIdentifier: 'from-snap', SnapshotIdentifier: 'snap-a', Engine: 'aurora-postgresql' })));
    expect(again).toBeInstanceOf(DBClusterAlreadyExistsFault);
    const wrongEngine = await caught(rds.send(new RestoreDBClusterFromSnapshotCommand({ DBClusterIdentifier: 'x', SnapshotIdentifier: 'snap-a', Engine: 'aurora-mysql' })));
    expect(wrongEngine.name).toBe('InvalidParameterCombination');
  });

  it('restores to a point in time inside the window, and refuses one outside it', async () => {
    const source = (await rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: 'source' }))).DBClusters![0];
    expect(source.EarliestRestorableTime).toBeInstanceOf(Date);
    expect(source.LatestRestorableTime!.getTime()).toBeGreaterThanOrEqual(source.EarliestRestorableTime!.getTime());
    const outside = await caught(
      rds.send(new RestoreDBClusterToPointInTimeCommand({ DBClusterIdentifier: 'too-old', SourceDBClusterIdentifier: 'source', RestoreToTime: new Date(source.EarliestRestorableTime!.getTime() - 3_600_000) })),
    );
    expect(outside).toBeInstanceOf(InvalidRestoreFault);
    const both = await caught(
      rds.send(new RestoreDBClusterToPointInTimeCommand({ DBClusterIdentifier: 'both', SourceDBClusterIdentifier: 'source', RestoreToTime: source.EarliestRestorableTime, UseLatestRestorableTime: true })),
    );
    expect(both.name).toBe('InvalidParameterCombination');
    const inside = (await rds.send(new RestoreDBClusterToPointInTimeCommand({ DBClusterIdentifier: 'at-start', SourceDBClusterIdentifier: 'source', RestoreToTime: source.EarliestRestorableTime }))).DBCluster!;
    expect(inside.Status).toBe('creating');
    const clone = (await rds.send(new RestoreDBClusterToPointInTimeCommand({ DBClusterIdentifier: 'clone', SourceDBClusterIdentifier: 'source', UseLatestRestorableTime: true, RestoreType: 'copy-on-write' }))).DBCluster!;
    const group = clone.CloneGroupId!;
    const inGroup = (await rds.send(new DescribeDBClustersCommand({ Filters: [{ Name: 'clone-group-id', Values: [group] }] }))).DBClusters!.map((c) => c.DBClusterIdentifier);
    expect(inGroup.sort()).toEqual(['clone', 'source']);
  });

  it('takes a final snapshot when a cluster is deleted with FinalDBSnapshotIdentifier, and drops its automated backups', async () => {
    await rds.send(new CreateDBClusterCommand(baseCluster('doomed')));
    await waitUntilDBClusterAvailable({ client: rds, ...waitOptions }, { DBClusterIdentifier: 'doomed' });
    const taken = await caught(rds.send(new DeleteDBClusterCommand({ DBClusterIdentifier: 'doomed', FinalDBSnapshotIdentifier: 'snap-a' })));
    expect(taken).toBeInstanceOf(DBClusterSnapshotAlreadyExistsFault);
    await rds.send(new DeleteDBClusterCommand({ DBClusterIdentifier: 'doomed', FinalDBSnapshotIdentifier: 'doomed-final' }));
    await waitUntilDBClusterDeleted({ client: rds, ...waitOptions }, { DBClusterIdentifier: 'doomed' });
    const final = (await rds.send(new DescribeDBClusterSnapshotsCommand({ DBClusterSnapshotIdentifier: 'doomed-final' }))).DBClusterSnapshots![0];
    expect(final).toMatchObject({ DBClusterIdentifier: 'doomed', SnapshotType: 'manual' });
    const automated = (await rds.send(new DescribeDBClusterSnapshotsCommand({ DBClusterIdentifier: 'doomed', SnapshotType: 'automated' }))).DBClusterSnapshots!;
    expect(automated).toEqual([]);
  });
});
