// The catalogues through @aws-sdk/client-rds: DB subnet groups, engine versions, orderable
// instance options, account quotas and event categories, with every error they answer
// (class, wire Code, HTTP status).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CreateDBClusterCommand,
  CreateDBClusterParameterGroupCommand,
  CreateDBInstanceCommand,
  CreateDBSubnetGroupCommand,
  DBSubnetGroupAlreadyExistsFault,
  DBSubnetGroupDoesNotCoverEnoughAZs,
  DBSubnetGroupNotFoundFault,
  DBSubnetGroupQuotaExceededFault,
  DBSubnetQuotaExceededFault,
  DeleteDBClusterCommand,
  waitUntilDBClusterDeleted,
  DeleteDBInstanceCommand,
  DeleteDBSubnetGroupCommand,
  DescribeAccountAttributesCommand,
  DescribeDBEngineVersionsCommand,
  DescribeDBInstancesCommand,
  DescribeDBSubnetGroupsCommand,
  DescribeEventCategoriesCommand,
  DescribeEventsCommand,
  DescribeOrderableDBInstanceOptionsCommand,
  InvalidDBSubnetGroupStateFault,
  InvalidSubnet,
  ListTagsForResourceCommand,
  ModifyDBSubnetGroupCommand,
  SubnetAlreadyInUse,
  paginateDescribeDBEngineVersions,
  paginateDescribeOrderableDBInstanceOptions,
  waitUntilDBClusterAvailable,
  waitUntilDBInstanceAvailable,
  waitUntilDBInstanceDeleted,
  type DescribeDBEngineVersionsCommandInput,
  type RDSClient,
} from '@aws-sdk/client-rds';
import { engineInfo } from '../src/control-plane/engines.js';
import { baseCluster, baseInstance, caught, rdsClient, startTestEmulator, waitOptions, type TestEmulator } from './helpers.js';

let emulator: TestEmulator;
let rds: RDSClient;

beforeAll(async () => {
  emulator = await startTestEmulator({ quotas: { clustersPerRegion: 7, subnetGroups: 3, manualClusterSnapshots: 11, customEndpointsPerCluster: 4 } });
  rds = rdsClient(emulator.url);
});

afterAll(async () => {
  rds?.destroy();
  await emulator?.close();
  expect(emulator?.logs.filter((line) => /failed/i.test(line)) ?? []).toEqual([]);
});

const shape = (error: any) => ({ name: error.name, code: error.Code, status: error.$metadata?.httpStatusCode, message: error.message });

describe('DB subnet groups', () => {
  it('the default group exists, with a subnet in each zone of the region', async () => {
    const groups = (await rds.send(new DescribeDBSubnetGroupsCommand({}))).DBSubnetGroups;
    expect(groups).toEqual([
      {
        DBSubnetGroupName: 'default',
        DBSubnetGroupDescription: 'default',
        VpcId: 'vpc-00000000',
        SubnetGroupStatus: 'Complete',
        Subnets: ['a', 'b', 'c'].map((zone, i) => ({
          SubnetIdentifier: `subnet-0000000${i}`,
          SubnetAvailabilityZone: { Name: `us-east-1${zone}` },
          SubnetOutpost: {},
          SubnetStatus: 'Active',
        })),
        DBSubnetGroupArn: 'arn:aws:rds:us-east-1:000000000000:subgrp:default',
        SupportedNetworkTypes: ['IPV4'],
      },
    ]);
    // Each region has its own default group.
    const west = rdsClient(emulator.url, { region: 'eu-west-1' });
    const westGroup = (await west.send(new DescribeDBSubnetGroupsCommand({ DBSubnetGroupName: 'default' }))).DBSubnetGroups![0];
    expect(westGroup.Subnets?.map((s) => s.SubnetAvailabilityZone?.Name)).toEqual(['eu-west-1a', 'eu-west-1b', 'eu-west-1c']);
    west.destroy();
  });

  it('create, describe, modify, tag and delete a group; subnets keep their zones', async () => {
    const created = await rds.send(
      new CreateDBSubnetGroupCommand({
        DBSubnetGroupName: 'App-Private',
        DBSubnetGroupDescription: 'private subnets',
        SubnetIds: ['subnet-0a0a0a0a', 'subnet-0b0b0b0b'],
        Tags: [{ Key: 'tier', Value: 'data' }],
      }),
    );
    expect(created.DBSubnetGroup).toMatchObject({
      DBSubnetGroupName: 'app-private',
      DBSubnetGroupDescription: 'private subnets',
      VpcId: 'vpc-00000000',
      SubnetGroupStatus: 'Complete',
      DBSubnetGroupArn: 'arn:aws:rds:us-east-1:000000000000:subgrp:app-private',
    });
    expect(created.DBSubnetGroup?.Subnets?.map((s) => [s.SubnetIdentifier, s.SubnetAvailabilityZone?.Name])).toEqual([
      ['subnet-0a0a0a0a', 'us-east-1a'],
      ['subnet-0b0b0b0b', 'us-east-1b'],
    ]);
    expect((await rds.send(new ListTagsForResourceCommand({ ResourceName: created.DBSubnetGroup!.DBSubnetGroupArn! }))).TagList).toEqual([{ Key: 'tier', Value: 'data' }]);

    const modified = await rds.send(
      new ModifyDBSubnetGroupCommand({ DBSubnetGroupName: 'app-private', DBSubnetGroupDescription: 'three zones', SubnetIds: ['subnet-0b0b0b0b', 'subnet-0c0c0c0c', 'subnet-0a0a0a0a'] }),
    );
    expect(modified.DBSubnetGroup?.DBSubnetGroupDescription).toBe('three zones');
    expect(modified.DBSubnetGroup?.Subnets?.map((s) => [s.SubnetIdentifier, s.SubnetAvailabilityZone?.Name])).toEqual([
      ['subnet-0b0b0b0b', 'us-east-1b'],
      ['subnet-0c0c0c0c', 'us-east-1c'],
      ['subnet-0a0a0a0a', 'us-east-1a'],
    ]);
    const described = (await rds.send(new DescribeDBSubnetGroupsCommand({ DBSubnetGroupName: 'APP-PRIVATE' }))).DBSubnetGroups;
    expect(described).toEqual([modified.DBSubnetGroup]);

    await rds.send(new DeleteDBSubnetGroupCommand({ DBSubnetGroupName: 'app-private' }));
    const gone = await caught(rds.send(new DescribeDBSubnetGroupsCommand({ DBSubnetGroupName: 'app-private' })));
    expect(gone).toBeInstanceOf(DBSubnetGroupNotFoundFault);
    expect(shape(gone)).toEqual({ name: 'DBSubnetGroupNotFoundFault', code: 'DBSubnetGroupNotFoundFault', status: 404, message: 'DBSubnetGroup not found: app-private' });
    for (const call of [
      rds.send(new ModifyDBSubnetGroupCommand({ DBSubnetGroupName: 'app-private', SubnetIds: ['subnet-0a0a0a0a', 'subnet-0b0b0b0b'] })),
      rds.send(new DeleteDBSubnetGroupCommand({ DBSubnetGroupName: 'app-private' })),
    ]) {
      expect(shape(await caught(call))).toMatchObject({ code: 'DBSubnetGroupNotFoundFault', status: 404 });
    }
  });

  it('refuses: existing names, too few zones, no or malformed subnets, more than 20 subnets', async () => {
    const existing = await caught(rds.send(new CreateDBSubnetGroupCommand({ DBSubnetGroupName: 'default', DBSubnetGroupDescription: 'd', SubnetIds: ['subnet-01010101', 'subnet-02020202'] })));
    expect(existing).toBeInstanceOf(DBSubnetGroupAlreadyExistsFault);
    expect(shape(existing)).toEqual({ name: 'DBSubnetGroupAlreadyExistsFault', code: 'DBSubnetGroupAlreadyExists', status: 400, message: "The DB subnet group 'default' already exists." });
    const oneZone = await caught(rds.send(new CreateDBSubnetGroupCommand({ DBSubnetGroupName: 'one', DBSubnetGroupDescription: 'd', SubnetIds: ['subnet-00000001'] })));
    expect(oneZone).toBeInstanceOf(DBSubnetGroupDoesNotCoverEnoughAZs);
    expect(shape(oneZone)).toEqual({
      name: 'DBSubnetGroupDoesNotCoverEnoughAZs',
      code: 'DBSubnetGroupDoesNotCoverEnoughAZs',
      status: 400,
      message: "The DB subnet group doesn't meet Availability Zone (AZ) coverage requirement. Current AZ coverage: us-east-1b. Add subnets to cover at least 2 AZs.",
    });
    const none = await caught(rds.send(new CreateDBSubnetGroupCommand({ DBSubnetGroupName: 'none', DBSubnetGroupDescription: 'd', SubnetIds: [] })));
    expect(none).toBeInstanceOf(InvalidSubnet);
    expect(shape(none)).toEqual({ name: 'InvalidSubnet', code: 'InvalidSubnet', status: 400, message: 'Subnet IDs are required.' });
    const malformed = await caught(rds.send(new CreateDBSubnetGroupCommand({ DBSubnetGroupName: 'bad', DBSubnetGroupDescription: 'd', SubnetIds: ['subnet-01010101', 'net-1'] })));
    expect(shape(malformed)).toMatchObject({ name: 'InvalidSubnet', code: 'InvalidSubnet', status: 400 });
    const many = Array.from({ length: 21 }, (_, i) => `subnet-${(0xa0000000 + i).toString(16)}`);
    const tooMany = await caught(rds.send(new CreateDBSubnetGroupCommand({ DBSubnetGroupName: 'many', DBSubnetGroupDescription: 'd', SubnetIds: many })));
    expect(tooMany).toBeInstanceOf(DBSubnetQuotaExceededFault);
    expect(shape(tooMany)).toMatchObject({ code: 'DBSubnetQuotaExceededFault', status: 400 });
    const name = await caught(rds.send(new CreateDBSubnetGroupCommand({ DBSubnetGroupName: 'no/slashes', DBSubnetGroupDescription: 'd', SubnetIds: ['subnet-01010101', 'subnet-02020202'] })));
    expect(shape(name)).toMatchObject({ code: 'InvalidParameterValue', status: 400 });
    const groups = (await rds.send(new DescribeDBSubnetGroupsCommand({}))).DBSubnetGroups?.map((g) => g.DBSubnetGroupName);
    expect(groups).toEqual(['default']);
  });

  it('the default group can be neither modified nor deleted', async () => {
    const modify = await caught(rds.send(new ModifyDBSubnetGroupCommand({ DBSubnetGroupName: 'default', SubnetIds: ['subnet-00000000', 'subnet-00000001'] })));
    expect(modify).toBeInstanceOf(InvalidDBSubnetGroupStateFault);
    expect(shape(modify)).toMatchObject({ code: 'InvalidDBSubnetGroupStateFault', status: 400 });
    const deleted = await caught(rds.send(new DeleteDBSubnetGroupCommand({ DBSubnetGroupName: 'default' })));
    expect(shape(deleted)).toEqual({ name: 'InvalidDBSubnetGroupStateFault', code: 'InvalidDBSubnetGroupStateFault', status: 400, message: 'Default DBSubnetGroup cannot be deleted: default' });
  });

  it('a group in use: clusters get its zones, instances show it; it cannot be deleted, nor lose a zone in use', async () => {
    const missing = await caught(rds.send(new CreateDBClusterCommand({ ...baseCluster('no-subnets'), DBSubnetGroupName: 'nope' })));
    expect(missing).toBeInstanceOf(DBSubnetGroupNotFoundFault);
    expect(shape(missing)).toMatchObject({ code: 'DBSubnetGroupNotFoundFault', status: 404 });

    await rds.send(new CreateDBSubnetGroupCommand({ DBSubnetGroupName: 'in-use', DBSubnetGroupDescription: 'd', SubnetIds: ['subnet-1a1a1a1a', 'subnet-1b1b1b1b'] }));
    const cluster = (await rds.send(new CreateDBClusterCommand({ ...baseCluster('in-subnets'), DBSubnetGroupName: 'in-use' }))).DBCluster!;
    expect(cluster.DBSubnetGroup).toBe('in-use');
    expect(cluster.AvailabilityZones).toEqual(['us-east-1a', 'us-east-1b']);
    await waitUntilDBClusterAvailable({ client: rds, ...waitOptions }, { DBClusterIdentifier: 'in-subnets' });
    await rds.send(new CreateDBInstanceCommand({ ...baseInstance('in-subnets-1', 'in-subnets'), AvailabilityZone: 'us-east-1b' }));
    await waitUntilDBInstanceAvailable({ client: rds, ...waitOptions }, { DBInstanceIdentifier: 'in-subnets-1' });
    const instance = (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'in-subnets-1' }))).DBInstances![0];
    expect(instance.DBSubnetGroup?.DBSubnetGroupName).toBe('in-use');
    expect(instance.DBSubnetGroup?.Subnets?.map((s) => s.SubnetIdentifier)).toEqual(['subnet-1a1a1a1a', 'subnet-1b1b1b1b']);

    const deleting = await caught(rds.send(new DeleteDBSubnetGroupCommand({ DBSubnetGroupName: 'in-use' })));
    expect(deleting).toBeInstanceOf(InvalidDBSubnetGroupStateFault);
    expect(shape(deleting)).toEqual({
      name: 'InvalidDBSubnetGroupStateFault',
      code: 'InvalidDBSubnetGroupStateFault',
      status: 400,
      message: "Cannot delete the subnet group 'in-use' because at least one database cluster: in-subnets is still using it.",
    });
    // us-east-1b holds the instance: its only subnet cannot go (subnet-00000002, of the default group, is in us-east-1c).
    const dropZone = await caught(rds.send(new ModifyDBSubnetGroupCommand({ DBSubnetGroupName: 'in-use', SubnetIds: ['subnet-1a1a1a1a', 'subnet-00000002'] })));
    expect(dropZone).toBeInstanceOf(SubnetAlreadyInUse);
    expect(shape(dropZone)).toMatchObject({ code: 'SubnetAlreadyInUse', status: 400 });
    // Keeping a subnet in us-east-1b is fine.
    await rds.send(new ModifyDBSubnetGroupCommand({ DBSubnetGroupName: 'in-use', SubnetIds: ['subnet-1a1a1a1a', 'subnet-1b1b1b1b', 'subnet-1d1d1d1d'] }));

    await rds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: 'in-subnets-1', SkipFinalSnapshot: true }));
    await waitUntilDBInstanceDeleted({ client: rds, ...waitOptions }, { DBInstanceIdentifier: 'in-subnets-1' });
    await rds.send(new DeleteDBClusterCommand({ DBClusterIdentifier: 'in-subnets', SkipFinalSnapshot: true }));
    // Gone before the next tests count the region's clusters (DescribeAccountAttributes' Used).
    await waitUntilDBClusterDeleted({ client: rds, ...waitOptions }, { DBClusterIdentifier: 'in-subnets' });
  });

  it('DBSubnetGroupQuotaExceeded past config.quotas.subnetGroups (3 here; default not counted)', async () => {
    const before = (await rds.send(new DescribeDBSubnetGroupsCommand({}))).DBSubnetGroups!.filter((g) => g.DBSubnetGroupName !== 'default').length;
    for (let i = before; i < 3; i++) {
      await rds.send(new CreateDBSubnetGroupCommand({ DBSubnetGroupName: `quota-${i}`, DBSubnetGroupDescription: 'q', SubnetIds: ['subnet-2a2a2a2a', 'subnet-2b2b2b2b'] }));
    }
    const error = await caught(rds.send(new CreateDBSubnetGroupCommand({ DBSubnetGroupName: 'quota-x', DBSubnetGroupDescription: 'q', SubnetIds: ['subnet-2a2a2a2a', 'subnet-2b2b2b2b'] })));
    expect(error).toBeInstanceOf(DBSubnetGroupQuotaExceededFault);
    expect(shape(error)).toEqual({
      name: 'DBSubnetGroupQuotaExceededFault',
      code: 'DBSubnetGroupQuotaExceeded',
      status: 400,
      message: 'The request would result in the user exceeding the allowed number of DB subnet groups.',
    });
  });
});

describe('DescribeDBEngineVersions', () => {
  it('lists every version of both engines with their family and details; the SDK paginator walks them', async () => {
    const versions = [];
    for await (const page of paginateDescribeDBEngineVersions({ client: rds, pageSize: 20 }, {})) versions.push(...(page.DBEngineVersions ?? []));
    const expected = engineInfo('aurora-mysql').versions.length + engineInfo('aurora-postgresql').versions.length;
    expect(versions).toHaveLength(expected);
    expect(versions.map((v) => v.Engine)).toEqual([...versions.map((v) => v.Engine!)].sort());
    const pg166 = versions.find((v) => v.Engine === 'aurora-postgresql' && v.EngineVersion === '16.6')!;
    expect(pg166).toMatchObject({
      MajorEngineVersion: '16',
      DBParameterGroupFamily: 'aurora-postgresql16',
      DBEngineDescription: 'Aurora (PostgreSQL)',
      DBEngineVersionDescription: 'Aurora PostgreSQL (Compatible with PostgreSQL 16.6)',
      SupportedEngineModes: ['provisioned'],
      SupportsGlobalDatabases: true,
      SupportsReadReplica: false,
      Status: 'available',
      ExportableLogTypes: ['instance', 'postgresql'],
      ServerlessV2FeaturesSupport: { MinCapacity: 0, MaxCapacity: 256 },
    });
    const targets = pg166.ValidUpgradeTarget!;
    expect(targets.find((t) => t.EngineVersion === '16.8')).toMatchObject({ Engine: 'aurora-postgresql', IsMajorVersionUpgrade: false, AutoUpgrade: false });
    expect(targets.find((t) => t.EngineVersion === '17.4')).toMatchObject({ IsMajorVersionUpgrade: true });
    expect(targets.map((t) => t.EngineVersion)).not.toContain('16.4'); // no downgrades
    const mysql = versions.find((v) => v.EngineVersion === '8.0.mysql_aurora.3.08.2')!;
    expect(mysql).toMatchObject({ MajorEngineVersion: '8.0', DBParameterGroupFamily: 'aurora-mysql8.0', DBEngineVersionDescription: 'Aurora MySQL 3.08.2 (compatible with MySQL 8.0.39)' });
  });

  it('filters by Engine, EngineVersion (full or major), DBParameterGroupFamily, DefaultOnly and Filters', async () => {
    const list = async (input: DescribeDBEngineVersionsCommandInput) =>
      ((await rds.send(new DescribeDBEngineVersionsCommand(input))).DBEngineVersions ?? []).map((v) => `${v.Engine} ${v.EngineVersion}`);
    expect(await list({ Engine: 'aurora-postgresql', EngineVersion: '16.2' })).toEqual(['aurora-postgresql 16.2']);
    expect(await list({ Engine: 'aurora-postgresql', EngineVersion: '17' })).toEqual(['aurora-postgresql 17.4', 'aurora-postgresql 17.5']);
    expect(await list({ DBParameterGroupFamily: 'aurora-mysql5.7' })).toEqual(
      engineInfo('aurora-mysql').versions.filter((v) => v.startsWith('5.7')).map((v) => `aurora-mysql ${v}`),
    );
    expect(await list({ Engine: 'aurora-postgresql', DefaultOnly: true })).toEqual(['aurora-postgresql 16.6']);
    expect(await list({ Engine: 'aurora-mysql', DefaultOnly: true })).toEqual(['aurora-mysql 8.0.mysql_aurora.3.08.2']);
    expect(await list({ Engine: 'aurora-postgresql', EngineVersion: '15', DefaultOnly: true })).toEqual(['aurora-postgresql 15.12']);
    expect(await list({ DefaultOnly: true })).toEqual(['aurora-mysql 8.0.mysql_aurora.3.08.2', 'aurora-postgresql 16.6']);
    expect(await list({ Filters: [{ Name: 'engine-mode', Values: ['parallelquery'] }] })).toEqual(
      engineInfo('aurora-mysql').versions.filter((v) => v.startsWith('5.7')).map((v) => `aurora-mysql ${v}`),
    );
    expect(await list({ Filters: [{ Name: 'db-parameter-group-family', Values: ['aurora-postgresql11'] }, { Name: 'status', Values: ['available'] }] })).toEqual([
      'aurora-postgresql 11.9',
      'aurora-postgresql 11.21',
    ]);
    expect(await list({ Engine: 'postgres' })).toEqual([]);
    const charsets = (await rds.send(new DescribeDBEngineVersionsCommand({ Engine: 'aurora-mysql', DefaultOnly: true, ListSupportedCharacterSets: true }))).DBEngineVersions![0];
    expect(charsets.SupportedCharacterSets).toEqual([{ CharacterSetName: 'utf8mb4', CharacterSetDescription: 'UTF-8 Unicode' }]);
    const badFilter = await caught(rds.send(new DescribeDBEngineVersionsCommand({ Filters: [{ Name: 'nope', Values: ['x'] }] })));
    expect(shape(badFilter)).toMatchObject({ code: 'InvalidParameterValue', status: 400 });
    const maxRecords = await caught(rds.send(new DescribeDBEngineVersionsCommand({ MaxRecords: 101 })));
    expect(shape(maxRecords)).toEqual({ name: 'InvalidParameterValue', code: 'InvalidParameterValue', status: 400, message: 'Invalid value 101 for MaxRecords. Must be between 20 and 100' });
  });
});

describe('DescribeOrderableDBInstanceOptions', () => {
  it('one option per version, class and storage type; MaxRecords up to 1000; the SDK paginator walks them', async () => {
    const info = engineInfo('aurora-mysql');
    const options = [];
    let pages = 0;
    for await (const page of paginateDescribeOrderableDBInstanceOptions({ client: rds, pageSize: 1000 }, { Engine: 'aurora-mysql' })) {
      pages++;
      options.push(...(page.OrderableDBInstanceOptions ?? []));
    }
    expect(options).toHaveLength(info.versions.length * info.instanceClasses.length * 2);
    expect(pages).toBe(Math.ceil(options.length / 1000));
    expect(new Set(options.map((o) => `${o.EngineVersion} ${o.DBInstanceClass} ${o.StorageType}`)).size).toBe(options.length);
    expect(options[0]).toMatchObject({
      Engine: 'aurora-mysql',
      LicenseModel: 'general-public-license',
      AvailabilityZones: [{ Name: 'us-east-1a' }, { Name: 'us-east-1b' }, { Name: 'us-east-1c' }],
      Vpc: true,
      SupportsStorageEncryption: true,
      SupportsIAMDatabaseAuthentication: true,
      SupportsGlobalDatabases: true,
    });
    expect(new Set(options.map((o) => o.StorageType))).toEqual(new Set(['aurora', 'aurora-iopt1']));
  });

  it('filters by EngineVersion, DBInstanceClass, LicenseModel and Vpc; checks MaxRecords 20–1000', async () => {
    const one = await rds.send(new DescribeOrderableDBInstanceOptionsCommand({ Engine: 'aurora-postgresql', EngineVersion: '16.6', DBInstanceClass: 'db.r7g.large' }));
    expect(one.OrderableDBInstanceOptions?.map((o) => [o.EngineVersion, o.DBInstanceClass, o.StorageType])).toEqual([
      ['16.6', 'db.r7g.large', 'aurora'],
      ['16.6', 'db.r7g.large', 'aurora-iopt1'],
    ]);
    expect(one.Marker).toBeUndefined();
    const serverless = await rds.send(new DescribeOrderableDBInstanceOptionsCommand({ Engine: 'aurora-postgresql', DBInstanceClass: 'db.serverless', MaxRecords: 1000 }));
    expect(serverless.OrderableDBInstanceOptions).toHaveLength(engineInfo('aurora-postgresql').versions.length * 2);
    const wrongLicense = await rds.send(new DescribeOrderableDBInstanceOptionsCommand({ Engine: 'aurora-postgresql', LicenseModel: 'general-public-license' }));
    expect(wrongLicense.OrderableDBInstanceOptions).toEqual([]);
    expect((await rds.send(new DescribeOrderableDBInstanceOptionsCommand({ Engine: 'aurora-mysql', Vpc: false }))).OrderableDBInstanceOptions).toEqual([]);
    expect((await rds.send(new DescribeOrderableDBInstanceOptionsCommand({ Engine: 'mysql' }))).OrderableDBInstanceOptions).toEqual([]);
    const firstPage = await rds.send(new DescribeOrderableDBInstanceOptionsCommand({ Engine: 'aurora-postgresql' }));
    expect(firstPage.OrderableDBInstanceOptions).toHaveLength(100); // the default page size
    expect(firstPage.Marker).toBeTruthy();
    for (const [value, max] of [
      [1001, 1000],
      [19, 1000],
    ]) {
      const error = await caught(rds.send(new DescribeOrderableDBInstanceOptionsCommand({ Engine: 'aurora-postgresql', MaxRecords: value })));
      expect(shape(error)).toEqual({ name: 'InvalidParameterValue', code: 'InvalidParameterValue', status: 400, message: `Invalid value ${value} for MaxRecords. Must be between 20 and ${max}` });
    }
  });
});

describe('DescribeAccountAttributes', () => {
  it('reports each quota with what the region uses and config.quotas as Max', async () => {
    const quotas = async (client = rds) =>
      Object.fromEntries(((await client.send(new DescribeAccountAttributesCommand({}))).AccountQuotas ?? []).map((q) => [q.AccountQuotaName, [q.Used, q.Max]]));
    const before = await quotas();
    expect(Object.keys(before)).toEqual([
      'DBInstances',
      'DBParameterGroups',
      'DBSubnetGroups',
      'SubnetsPerDBSubnetGroup',
      'DBClusters',
      'DBClusterParameterGroups',
      'ManualClusterSnapshots',
      'CustomEndpointsPerDBCluster',
    ]);
    expect(before.DBClusters[1]).toBe(7);
    expect(before.DBInstances[1]).toBe(40);
    expect(before.DBSubnetGroups[1]).toBe(3);
    expect(before.ManualClusterSnapshots[1]).toBe(11);
    expect(before.CustomEndpointsPerDBCluster[1]).toBe(4);
    expect(before.DBClusterParameterGroups[1]).toBe(50);
    expect(before.SubnetsPerDBSubnetGroup[1]).toBe(20);

    await rds.send(new CreateDBClusterCommand(baseCluster('counted')));
    await rds.send(new CreateDBClusterParameterGroupCommand({ DBClusterParameterGroupName: 'counted', DBParameterGroupFamily: 'aurora-postgresql16', Description: 'c' }));
    const after = await quotas();
    expect(after.DBClusters[0]).toBe(before.DBClusters[0]! + 1);
    expect(after.DBClusterParameterGroups[0]).toBe(before.DBClusterParameterGroups[0]! + 1);
    expect(after.DBParameterGroups[0]).toBe(before.DBParameterGroups[0]);

    // Per region and account.
    const other = rdsClient(emulator.url, { region: 'ap-southeast-2', accessKeyId: '111122223333' });
    expect((await quotas(other)).DBClusters).toEqual([0, 7]);
    other.destroy();
  });
});

describe('DescribeEventCategories', () => {
  it('lists the categories per source type, or for one source type', async () => {
    const all = (await rds.send(new DescribeEventCategoriesCommand({}))).EventCategoriesMapList ?? [];
    expect(all.map((m) => m.SourceType)).toEqual(['db-instance', 'db-parameter-group', 'db-cluster', 'db-cluster-snapshot']);
    const cluster = (await rds.send(new DescribeEventCategoriesCommand({ SourceType: 'db-cluster' }))).EventCategoriesMapList;
    expect(cluster).toEqual([
      {
        SourceType: 'db-cluster',
        EventCategories: ['configuration change', 'creation', 'deletion', 'failover', 'failure', 'global-failover', 'maintenance', 'migration', 'notification', 'serverless'],
      },
    ]);
    const error = await caught(rds.send(new DescribeEventCategoriesCommand({ SourceType: 'db-toaster' })));
    expect(shape(error)).toMatchObject({ code: 'InvalidParameterValue', status: 400 });
  });

  it('the events the emulator records use those categories', async () => {
    await rds.send(new CreateDBClusterCommand(baseCluster('categorised')));
    await waitUntilDBClusterAvailable({ client: rds, ...waitOptions }, { DBClusterIdentifier: 'categorised' });
    await rds.send(new CreateDBInstanceCommand(baseInstance('categorised-1', 'categorised')));
    await waitUntilDBInstanceAvailable({ client: rds, ...waitOptions }, { DBInstanceIdentifier: 'categorised-1' });
    const categories = Object.fromEntries(((await rds.send(new DescribeEventCategoriesCommand({}))).EventCategoriesMapList ?? []).map((m) => [m.SourceType, m.EventCategories]));
    const events = (await rds.send(new DescribeEventsCommand({ Duration: 60 }))).Events ?? [];
    expect(events.length).toBeGreaterThanOrEqual(2);
    for (const event of events) {
      for (const category of event.EventCategories ?? []) expect(categories[event.SourceType!], `${event.SourceType} ${category}`).toContain(category);
    }
  });
});
