// Cluster endpoints through the SDK: the built-in WRITER and READER endpoints, custom endpoints
// with their statuses, members, filters, quota and errors. (Routing is tested in data-plane-postgres.)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CreateDBClusterCommand,
  CreateDBClusterEndpointCommand,
  CreateDBInstanceCommand,
  DBClusterEndpointAlreadyExistsFault,
  DBClusterEndpointNotFoundFault,
  DBClusterEndpointQuotaExceededFault,
  DBInstanceNotFoundFault,
  DeleteDBClusterEndpointCommand,
  DescribeDBClusterEndpointsCommand,
  DescribeDBClustersCommand,
  ModifyDBClusterEndpointCommand,
  waitUntilDBClusterAvailable,
  waitUntilDBInstanceAvailable,
  type RDSClient,
} from '@aws-sdk/client-rds';
import { baseCluster, baseInstance, caught, eventually, rdsClient, startTestEmulator, waitOptions, type TestEmulator } from './helpers.js';

let emulator: TestEmulator;
let rds: RDSClient;

beforeAll(async () => {
  emulator = await startTestEmulator();
  rds = rdsClient(emulator.url);
  await rds.send(new CreateDBClusterCommand(baseCluster('web')));
  for (const id of ['web-1', 'web-2', 'web-3']) await rds.send(new CreateDBInstanceCommand(baseInstance(id, 'web')));
  await waitUntilDBClusterAvailable({ client: rds, ...waitOptions }, { DBClusterIdentifier: 'web' });
  for (const id of ['web-1', 'web-2', 'web-3']) await waitUntilDBInstanceAvailable({ client: rds, ...waitOptions }, { DBInstanceIdentifier: id });
});
afterAll(async () => {
  await emulator?.close();
});

describe('cluster endpoints', () => {
  it('lists the built-in WRITER and READER endpoints with the cluster Endpoint and ReaderEndpoint', async () => {
    const cluster = (await rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: 'web' }))).DBClusters![0];
    const endpoints = (await rds.send(new DescribeDBClusterEndpointsCommand({ DBClusterIdentifier: 'web' }))).DBClusterEndpoints!;
    expect(endpoints.slice(0, 2)).toEqual([
      { DBClusterIdentifier: 'web', Endpoint: cluster.Endpoint, Status: 'available', EndpointType: 'WRITER' },
      { DBClusterIdentifier: 'web', Endpoint: cluster.ReaderEndpoint, Status: 'available', EndpointType: 'READER' },
    ]);
  });

  it('creates a custom endpoint creating → available, shown in CustomEndpoints', async () => {
    const created = await rds.send(new CreateDBClusterEndpointCommand({ DBClusterIdentifier: 'web', DBClusterEndpointIdentifier: 'Reports', EndpointType: 'READER', StaticMembers: ['web-2'] }));
    expect(created).toMatchObject({
      DBClusterEndpointIdentifier: 'reports',
      DBClusterIdentifier: 'web',
      Status: 'creating',
      EndpointType: 'CUSTOM',
      CustomEndpointType: 'READER',
      StaticMembers: ['web-2'],
      ExcludedMembers: [],
      DBClusterEndpointArn: 'arn:aws:rds:us-east-1:000000000000:cluster-endpoint:reports',
    });
    expect(created.DBClusterEndpointResourceIdentifier).toMatch(/^cluster-endpoint-/);
    await eventually(async () => (await rds.send(new DescribeDBClusterEndpointsCommand({ DBClusterEndpointIdentifier: 'reports' }))).DBClusterEndpoints![0].Status === 'available');
    const cluster = (await rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: 'web' }))).DBClusters![0];
    expect(cluster.CustomEndpoints).toEqual([created.Endpoint]);
  });

  it('modifies members, filters by type, and deletes', async () => {
    const modified = await rds.send(new ModifyDBClusterEndpointCommand({ DBClusterEndpointIdentifier: 'reports', EndpointType: 'ANY', ExcludedMembers: ['web-1'] }));
    expect(modified).toMatchObject({ Status: 'modifying', CustomEndpointType: 'ANY', StaticMembers: [], ExcludedMembers: ['web-1'] });
    const custom = (await rds.send(new DescribeDBClusterEndpointsCommand({ Filters: [{ Name: 'db-cluster-endpoint-type', Values: ['custom'] }] }))).DBClusterEndpoints!;
    expect(custom.map((e) => e.DBClusterEndpointIdentifier)).toEqual(['reports']);
    await eventually(async () => (await rds.send(new DescribeDBClusterEndpointsCommand({ DBClusterEndpointIdentifier: 'reports' }))).DBClusterEndpoints![0].Status === 'available');
    expect((await rds.send(new DeleteDBClusterEndpointCommand({ DBClusterEndpointIdentifier: 'reports' }))).Status).toBe('deleting');
    await eventually(async () => (await rds.send(new DescribeDBClusterEndpointsCommand({ DBClusterIdentifier: 'web' }))).DBClusterEndpoints!.length === 2);
  });

  it('answers AWS faults: unknown member, duplicate, unknown endpoint, and the quota of 5 (403)', async () => {
    const unknownMember = await caught(rds.send(new CreateDBClusterEndpointCommand({ DBClusterIdentifier: 'web', DBClusterEndpointIdentifier: 'bad', EndpointType: 'READER', StaticMembers: ['nope'] })));
    expect(unknownMember).toBeInstanceOf(DBInstanceNotFoundFault);
    expect(unknownMember.Code).toBe('DBInstanceNotFound');
    for (let i = 1; i <= 5; i++) await rds.send(new CreateDBClusterEndpointCommand({ DBClusterIdentifier: 'web', DBClusterEndpointIdentifier: `ep-${i}`, EndpointType: 'ANY' }));
    const duplicate = await caught(rds.send(new CreateDBClusterEndpointCommand({ DBClusterIdentifier: 'web', DBClusterEndpointIdentifier: 'ep-1', EndpointType: 'ANY' })));
    expect(duplicate).toBeInstanceOf(DBClusterEndpointAlreadyExistsFault);
    const sixth = await caught(rds.send(new CreateDBClusterEndpointCommand({ DBClusterIdentifier: 'web', DBClusterEndpointIdentifier: 'ep-6', EndpointType: 'ANY' })));
    expect(sixth).toBeInstanceOf(DBClusterEndpointQuotaExceededFault);
    expect(sixth.$metadata.httpStatusCode).toBe(403);
    const missing = await caught(rds.send(new DeleteDBClusterEndpointCommand({ DBClusterEndpointIdentifier: 'ghost' })));
    expect(missing).toBeInstanceOf(DBClusterEndpointNotFoundFault);
    expect(missing.$metadata.httpStatusCode).toBe(400); // the model's status for this fault
    const both = await caught(rds.send(new CreateDBClusterEndpointCommand({ DBClusterIdentifier: 'web', DBClusterEndpointIdentifier: 'both', EndpointType: 'ANY', StaticMembers: ['web-1'], ExcludedMembers: ['web-2'] })));
    expect(both.name).toBe('InvalidParameterCombination');
  });
});
