// DB cluster parameter groups and DB parameter groups through @aws-sdk/client-rds: AWS's default
// groups, user groups, parameter changes and their rules, the reboot they may need, and every
// error the operations answer (class, wire Code, HTTP status).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AddTagsToResourceCommand,
  CopyDBClusterParameterGroupCommand,
  CopyDBParameterGroupCommand,
  CreateDBClusterCommand,
  CreateDBClusterParameterGroupCommand,
  CreateDBInstanceCommand,
  CreateDBParameterGroupCommand,
  DBClusterParameterGroupNotFoundFault,
  DBParameterGroupAlreadyExistsFault,
  DBParameterGroupNotFoundFault,
  DBParameterGroupQuotaExceededFault,
  DeleteDBClusterParameterGroupCommand,
  DeleteDBParameterGroupCommand,
  DescribeDBClusterParameterGroupsCommand,
  DescribeDBClusterParametersCommand,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  DescribeDBParameterGroupsCommand,
  DescribeDBParametersCommand,
  DescribeEngineDefaultClusterParametersCommand,
  DescribeEngineDefaultParametersCommand,
  InvalidDBParameterGroupStateFault,
  ListTagsForResourceCommand,
  ModifyDBClusterCommand,
  ModifyDBClusterParameterGroupCommand,
  ModifyDBInstanceCommand,
  ModifyDBParameterGroupCommand,
  RDSServiceException,
  RebootDBInstanceCommand,
  ResetDBClusterParameterGroupCommand,
  ResetDBParameterGroupCommand,
  paginateDescribeDBClusterParameters,
  paginateDescribeEngineDefaultClusterParameters,
  waitUntilDBClusterAvailable,
  waitUntilDBInstanceAvailable,
  type RDSClient,
} from '@aws-sdk/client-rds';
import { baseCluster, baseInstance, caught, rdsClient, startTestEmulator, waitOptions, type TestEmulator } from './helpers.js';

let emulator: TestEmulator;
let rds: RDSClient;

beforeAll(async () => {
  emulator = await startTestEmulator();
  rds = rdsClient(emulator.url);
});

afterAll(async () => {
  rds?.destroy();
  await emulator?.close();
  expect(emulator?.logs.filter((line) => /failed/i.test(line)) ?? []).toEqual([]);
});

/** The error's class, wire code, status and message, for one expect. */
const shape = (error: any) => ({ name: error.name, code: error.Code, status: error.$metadata?.httpStatusCode, message: error.message });

describe('default groups', () => {
  it('exist for every family, cluster and instance kinds, with AWS names and ARNs', async () => {
    const cluster = (await rds.send(new DescribeDBClusterParameterGroupsCommand({}))).DBClusterParameterGroups ?? [];
    const names = cluster.map((g) => g.DBClusterParameterGroupName);
    for (const name of ['default.aurora-postgresql16', 'default.aurora-postgresql17', 'default.aurora-mysql8.0', 'default.aurora-mysql5.7']) {
      expect(names).toContain(name);
    }
    expect(cluster.find((g) => g.DBClusterParameterGroupName === 'default.aurora-postgresql16')).toEqual({
      DBClusterParameterGroupName: 'default.aurora-postgresql16',
      DBParameterGroupFamily: 'aurora-postgresql16',
      Description: 'Default cluster parameter group for aurora-postgresql16',
      DBClusterParameterGroupArn: 'arn:aws:rds:us-east-1:000000000000:cluster-pg:default.aurora-postgresql16',
    });
    const instance = await rds.send(new DescribeDBParameterGroupsCommand({ DBParameterGroupName: 'default.aurora-mysql8.0' }));
    expect(instance.DBParameterGroups).toEqual([
      {
        DBParameterGroupName: 'default.aurora-mysql8.0',
        DBParameterGroupFamily: 'aurora-mysql8.0',
        Description: 'Default parameter group for aurora-mysql8.0',
        DBParameterGroupArn: 'arn:aws:rds:us-east-1:000000000000:pg:default.aurora-mysql8.0',
      },
    ]);
  });

  it('are the groups new clusters and instances use', async () => {
    const cluster = (await rds.send(new CreateDBClusterCommand(baseCluster('uses-defaults', 'aurora-mysql')))).DBCluster!;
    expect(cluster.DBClusterParameterGroup).toBe('default.aurora-mysql8.0');
    const groups = await rds.send(new DescribeDBClusterParameterGroupsCommand({ DBClusterParameterGroupName: cluster.DBClusterParameterGroup }));
    expect(groups.DBClusterParameterGroups).toHaveLength(1);
  });

  it('can be neither modified, reset nor deleted', async () => {
    const modify = await caught(
      rds.send(new ModifyDBClusterParameterGroupCommand({ DBClusterParameterGroupName: 'default.aurora-postgresql16', Parameters: [{ ParameterName: 'work_mem', ParameterValue: '8192', ApplyMethod: 'immediate' }] })),
    );
    expect(modify).toBeInstanceOf(RDSServiceException);
    expect(shape(modify)).toEqual({ name: 'InvalidParameterValue', code: 'InvalidParameterValue', status: 400, message: 'Cannot modify a default parameter group.' });
    const reset = await caught(rds.send(new ResetDBParameterGroupCommand({ DBParameterGroupName: 'default.aurora-mysql8.0', ResetAllParameters: true })));
    expect(shape(reset)).toMatchObject({ code: 'InvalidParameterValue', status: 400 });
    const deleted = await caught(rds.send(new DeleteDBParameterGroupCommand({ DBParameterGroupName: 'default.aurora-mysql5.7' })));
    expect(deleted).toBeInstanceOf(InvalidDBParameterGroupStateFault);
    expect(shape(deleted)).toEqual({
      name: 'InvalidDBParameterGroupStateFault',
      code: 'InvalidDBParameterGroupState',
      status: 400,
      message: 'Default DBParameterGroup cannot be deleted: default.aurora-mysql5.7',
    });
    const deletedCluster = await caught(rds.send(new DeleteDBClusterParameterGroupCommand({ DBClusterParameterGroupName: 'default.aurora-postgresql17' })));
    expect(shape(deletedCluster)).toMatchObject({ name: 'InvalidDBParameterGroupStateFault', code: 'InvalidDBParameterGroupState', status: 400 });
  });
});

describe('user groups', () => {
  it('create, describe by name or ARN, tag and delete (cluster kind)', async () => {
    const created = await rds.send(
      new CreateDBClusterParameterGroupCommand({ DBClusterParameterGroupName: 'PG-Tuned', DBParameterGroupFamily: 'aurora-postgresql16', Description: 'tuned', Tags: [{ Key: 'env', Value: 'dev' }] }),
    );
    expect(created.DBClusterParameterGroup).toEqual({
      DBClusterParameterGroupName: 'pg-tuned',
      DBParameterGroupFamily: 'aurora-postgresql16',
      Description: 'tuned',
      DBClusterParameterGroupArn: 'arn:aws:rds:us-east-1:000000000000:cluster-pg:pg-tuned',
    });
    const arn = created.DBClusterParameterGroup!.DBClusterParameterGroupArn!;
    expect((await rds.send(new DescribeDBClusterParameterGroupsCommand({ DBClusterParameterGroupName: arn }))).DBClusterParameterGroups?.[0].DBClusterParameterGroupName).toBe('pg-tuned');
    await rds.send(new AddTagsToResourceCommand({ ResourceName: arn, Tags: [{ Key: 'team', Value: 'db' }] }));
    expect((await rds.send(new ListTagsForResourceCommand({ ResourceName: arn }))).TagList).toEqual([
      { Key: 'env', Value: 'dev' },
      { Key: 'team', Value: 'db' },
    ]);
    const duplicate = await caught(rds.send(new CreateDBClusterParameterGroupCommand({ DBClusterParameterGroupName: 'pg-tuned', DBParameterGroupFamily: 'aurora-postgresql16', Description: 'again' })));
    expect(duplicate).toBeInstanceOf(DBParameterGroupAlreadyExistsFault);
    expect(shape(duplicate)).toEqual({ name: 'DBParameterGroupAlreadyExistsFault', code: 'DBParameterGroupAlreadyExists', status: 400, message: 'Parameter group pg-tuned already exists' });
    await rds.send(new DeleteDBClusterParameterGroupCommand({ DBClusterParameterGroupName: 'pg-tuned' }));
    const gone = await caught(rds.send(new DescribeDBClusterParameterGroupsCommand({ DBClusterParameterGroupName: 'pg-tuned' })));
    expect(gone).toBeInstanceOf(DBParameterGroupNotFoundFault);
    expect(shape(gone)).toEqual({ name: 'DBParameterGroupNotFoundFault', code: 'DBParameterGroupNotFound', status: 404, message: 'DBClusterParameterGroup not found: pg-tuned' });
  });

  it('refuses bad names and unknown families', async () => {
    const name = await caught(rds.send(new CreateDBParameterGroupCommand({ DBParameterGroupName: 'bad--name', DBParameterGroupFamily: 'aurora-mysql8.0', Description: 'd' })));
    expect(shape(name)).toMatchObject({ code: 'InvalidParameterValue', status: 400 });
    expect(name.message).toMatch(/^The parameter DBParameterGroupName is not a valid identifier/);
    const family = await caught(rds.send(new CreateDBParameterGroupCommand({ DBParameterGroupName: 'pg12', DBParameterGroupFamily: 'postgres12', Description: 'd' })));
    expect(shape(family)).toEqual({ name: 'InvalidParameterValue', code: 'InvalidParameterValue', status: 400, message: 'ParameterGroupFamily postgres12 is not a valid parameter group family' });
  });

  it('copy a group with its values (from a user group, or from a default group); errors for a missing source or an existing target', async () => {
    await rds.send(new CreateDBParameterGroupCommand({ DBParameterGroupName: 'copy-source', DBParameterGroupFamily: 'aurora-mysql8.0', Description: 'source' }));
    await rds.send(new ModifyDBParameterGroupCommand({ DBParameterGroupName: 'copy-source', Parameters: [{ ParameterName: 'long_query_time', ParameterValue: '2', ApplyMethod: 'immediate' }] }));
    const copy = await rds.send(
      new CopyDBParameterGroupCommand({ SourceDBParameterGroupIdentifier: 'copy-source', TargetDBParameterGroupIdentifier: 'copy-target', TargetDBParameterGroupDescription: 'the copy', Tags: [{ Key: 'c', Value: '1' }] }),
    );
    expect(copy.DBParameterGroup).toMatchObject({ DBParameterGroupName: 'copy-target', DBParameterGroupFamily: 'aurora-mysql8.0', Description: 'the copy' });
    const user = await rds.send(new DescribeDBParametersCommand({ DBParameterGroupName: 'copy-target', Source: 'user' }));
    expect(user.Parameters?.map((p) => [p.ParameterName, p.ParameterValue, p.ApplyMethod])).toEqual([['long_query_time', '2', 'immediate']]);
    expect((await rds.send(new ListTagsForResourceCommand({ ResourceName: copy.DBParameterGroup!.DBParameterGroupArn! }))).TagList).toEqual([{ Key: 'c', Value: '1' }]);

    const fromDefault = await rds.send(
      new CopyDBClusterParameterGroupCommand({
        SourceDBClusterParameterGroupIdentifier: 'arn:aws:rds:us-east-1:000000000000:cluster-pg:default.aurora-postgresql16',
        TargetDBClusterParameterGroupIdentifier: 'from-default',
        TargetDBClusterParameterGroupDescription: 'copied',
      }),
    );
    expect(fromDefault.DBClusterParameterGroup).toMatchObject({ DBClusterParameterGroupName: 'from-default', DBParameterGroupFamily: 'aurora-postgresql16' });

    const missing = await caught(rds.send(new CopyDBClusterParameterGroupCommand({ SourceDBClusterParameterGroupIdentifier: 'nope', TargetDBClusterParameterGroupIdentifier: 'x', TargetDBClusterParameterGroupDescription: 'x' })));
    expect(shape(missing)).toEqual({ name: 'DBParameterGroupNotFoundFault', code: 'DBParameterGroupNotFound', status: 404, message: 'DBClusterParameterGroup not found: nope' });
    const exists = await caught(rds.send(new CopyDBParameterGroupCommand({ SourceDBParameterGroupIdentifier: 'copy-source', TargetDBParameterGroupIdentifier: 'copy-target', TargetDBParameterGroupDescription: 'x' })));
    expect(shape(exists)).toMatchObject({ name: 'DBParameterGroupAlreadyExistsFault', code: 'DBParameterGroupAlreadyExists', status: 400 });
  });

  it('a missing group: 404 DBParameterGroupNotFound from every operation on groups', async () => {
    const calls = [
      rds.send(new DescribeDBParameterGroupsCommand({ DBParameterGroupName: 'missing' })),
      rds.send(new DescribeDBParametersCommand({ DBParameterGroupName: 'missing' })),
      rds.send(new DescribeDBClusterParametersCommand({ DBClusterParameterGroupName: 'missing' })),
      rds.send(new ModifyDBParameterGroupCommand({ DBParameterGroupName: 'missing', Parameters: [{ ParameterName: 'x', ParameterValue: '1' }] })),
      rds.send(new ModifyDBClusterParameterGroupCommand({ DBClusterParameterGroupName: 'missing', Parameters: [{ ParameterName: 'x', ParameterValue: '1' }] })),
      rds.send(new ResetDBParameterGroupCommand({ DBParameterGroupName: 'missing', ResetAllParameters: true })),
      rds.send(new ResetDBClusterParameterGroupCommand({ DBClusterParameterGroupName: 'missing', ResetAllParameters: true })),
      rds.send(new DeleteDBParameterGroupCommand({ DBParameterGroupName: 'missing' })),
      rds.send(new DeleteDBClusterParameterGroupCommand({ DBClusterParameterGroupName: 'missing' })),
    ];
    for (const call of calls) {
      const error = await caught(call);
      expect(error).toBeInstanceOf(DBParameterGroupNotFoundFault);
      expect(shape(error)).toMatchObject({ code: 'DBParameterGroupNotFound', status: 404 });
      expect(error.message).toMatch(/^DB(Cluster)?ParameterGroup not found: missing$/);
    }
  });

  it('describing pages through groups with Marker (MaxRecords 20–100)', async () => {
    for (let i = 0; i < 12; i++) {
      await rds.send(new CreateDBClusterParameterGroupCommand({ DBClusterParameterGroupName: `page-${String(i).padStart(2, '0')}`, DBParameterGroupFamily: 'aurora-mysql8.0', Description: 'p' }));
    }
    const first = await rds.send(new DescribeDBClusterParameterGroupsCommand({ MaxRecords: 20 }));
    expect(first.DBClusterParameterGroups).toHaveLength(20);
    expect(first.Marker).toBeTruthy();
    const second = await rds.send(new DescribeDBClusterParameterGroupsCommand({ MaxRecords: 20, Marker: first.Marker }));
    const all = [...first.DBClusterParameterGroups!, ...second.DBClusterParameterGroups!].map((g) => g.DBClusterParameterGroupName);
    expect(second.Marker).toBeUndefined();
    expect(all).toEqual([...all].sort());
    expect(new Set(all).size).toBe(all.length);
    const tooFew = await caught(rds.send(new DescribeDBParameterGroupsCommand({ MaxRecords: 19 })));
    expect(shape(tooFew)).toEqual({ name: 'InvalidParameterValue', code: 'InvalidParameterValue', status: 400, message: 'Invalid value 19 for MaxRecords. Must be between 20 and 100' });
    for (let i = 0; i < 12; i++) await rds.send(new DeleteDBClusterParameterGroupCommand({ DBClusterParameterGroupName: `page-${String(i).padStart(2, '0')}` }));
  });
});

describe('parameters', () => {
  beforeAll(async () => {
    await rds.send(new CreateDBClusterParameterGroupCommand({ DBClusterParameterGroupName: 'params', DBParameterGroupFamily: 'aurora-postgresql16', Description: 'parameters' }));
  });

  it('modify: values show with Source user and their ApplyMethod; other parameters keep their defaults', async () => {
    const result = await rds.send(
      new ModifyDBClusterParameterGroupCommand({
        DBClusterParameterGroupName: 'params',
        Parameters: [
          { ParameterName: 'log_min_duration_statement', ParameterValue: '250', ApplyMethod: 'immediate' },
          { ParameterName: 'shared_preload_libraries', ParameterValue: 'pg_stat_statements,pg_cron', ApplyMethod: 'pending-reboot' },
          { ParameterName: 'timezone', ParameterValue: 'Europe/Paris' },
        ],
      }),
    );
    expect(result.DBClusterParameterGroupName).toBe('params');
    const user = await rds.send(new DescribeDBClusterParametersCommand({ DBClusterParameterGroupName: 'params', Source: 'user' }));
    expect(user.Parameters?.map((p) => [p.ParameterName, p.ParameterValue, p.ApplyMethod, p.Source])).toEqual([
      ['log_min_duration_statement', '250', 'immediate', 'user'],
      ['shared_preload_libraries', 'pg_stat_statements,pg_cron', 'pending-reboot', 'user'],
      ['timezone', 'Europe/Paris', 'immediate', 'user'],
    ]);
    const byName = await rds.send(
      new DescribeDBClusterParametersCommand({ DBClusterParameterGroupName: 'params', Filters: [{ Name: 'parameter-name', Values: ['max_connections', 'rds.force_ssl'] }] }),
    );
    expect(byName.Parameters).toEqual([
      {
        ParameterName: 'max_connections',
        ParameterValue: 'LEAST({DBInstanceClassMemory/9531392},5000)',
        Description: 'Sets the maximum number of concurrent connections.',
        Source: 'engine-default',
        ApplyType: 'static',
        DataType: 'integer',
        AllowedValues: '6-262143',
        IsModifiable: true,
        ApplyMethod: 'pending-reboot',
        SupportedEngineModes: ['provisioned'],
      },
      expect.objectContaining({ ParameterName: 'rds.force_ssl', ParameterValue: '0', ApplyType: 'dynamic', DataType: 'boolean', AllowedValues: '0,1', Source: 'engine-default' }),
    ]);
    const system = await rds.send(new DescribeDBClusterParametersCommand({ DBClusterParameterGroupName: 'params', Source: 'system' }));
    expect(system.Parameters?.map((p) => p.ParameterName)).toEqual(['log_destination', 'rds.extensions', 'ssl']);
    const badSource = await caught(rds.send(new DescribeDBClusterParametersCommand({ DBClusterParameterGroupName: 'params', Source: 'customer-defined' })));
    expect(shape(badSource)).toMatchObject({ code: 'InvalidParameterValue', status: 400 });
  });

  it('modify refuses: unknown names, values not allowed, immediate for a static parameter, unmodifiable parameters, more than 20 parameters', async () => {
    const modify = (Parameters: { ParameterName: string; ParameterValue?: string; ApplyMethod?: 'immediate' | 'pending-reboot' }[]) =>
      caught(rds.send(new ModifyDBClusterParameterGroupCommand({ DBClusterParameterGroupName: 'params', Parameters })));
    expect(shape(await modify([{ ParameterName: 'character_set_server', ParameterValue: 'utf8mb4' }]))).toEqual({
      name: 'InvalidParameterValue',
      code: 'InvalidParameterValue',
      status: 400,
      message: 'Could not find parameter with name: character_set_server',
    });
    expect(shape(await modify([{ ParameterName: 'work_mem', ParameterValue: '32' }]))).toEqual({
      name: 'InvalidParameterValue',
      code: 'InvalidParameterValue',
      status: 400,
      message: 'Invalid parameter value: 32 for: work_mem allowed values are: 64-2147483647',
    });
    expect(shape(await modify([{ ParameterName: 'max_connections', ParameterValue: '100', ApplyMethod: 'immediate' }]))).toEqual({
      name: 'InvalidParameterCombination',
      code: 'InvalidParameterCombination',
      status: 400,
      message: 'cannot use immediate apply method for static parameter',
    });
    expect(shape(await modify([{ ParameterName: 'rds.extensions', ParameterValue: 'hstore', ApplyMethod: 'pending-reboot' }]))).toMatchObject({ code: 'InvalidParameterValue', status: 400 });
    const many = Array.from({ length: 21 }, (_, i) => ({ ParameterName: 'work_mem', ParameterValue: String(1024 + i), ApplyMethod: 'immediate' as const }));
    expect(shape(await modify(many))).toMatchObject({ code: 'InvalidParameterValue', status: 400 });
    // Nothing was changed by the refused calls.
    const user = await rds.send(new DescribeDBClusterParametersCommand({ DBClusterParameterGroupName: 'params', Source: 'user' }));
    expect(user.Parameters?.map((p) => p.ParameterName)).not.toContain('work_mem');
  });

  it('reset: some parameters, or all; not both', async () => {
    await rds.send(new ResetDBClusterParameterGroupCommand({ DBClusterParameterGroupName: 'params', Parameters: [{ ParameterName: 'timezone', ApplyMethod: 'immediate' }] }));
    const names = async () => (await rds.send(new DescribeDBClusterParametersCommand({ DBClusterParameterGroupName: 'params', Source: 'user' }))).Parameters?.map((p) => p.ParameterName);
    expect(await names()).toEqual(['log_min_duration_statement', 'shared_preload_libraries']);
    const both = await caught(
      rds.send(new ResetDBClusterParameterGroupCommand({ DBClusterParameterGroupName: 'params', ResetAllParameters: true, Parameters: [{ ParameterName: 'timezone', ApplyMethod: 'immediate' }] })),
    );
    expect(shape(both)).toMatchObject({ name: 'InvalidParameterCombination', code: 'InvalidParameterCombination', status: 400 });
    const staticNow = await caught(
      rds.send(new ResetDBClusterParameterGroupCommand({ DBClusterParameterGroupName: 'params', Parameters: [{ ParameterName: 'shared_buffers', ApplyMethod: 'immediate' }] })),
    );
    expect(shape(staticNow)).toMatchObject({ code: 'InvalidParameterCombination', message: 'cannot use immediate apply method for static parameter' });
    await rds.send(new ResetDBClusterParameterGroupCommand({ DBClusterParameterGroupName: 'params', ResetAllParameters: true }));
    expect(await names()).toEqual([]);
  });

  it('pages through parameters with the SDK paginators, engine defaults included (EngineDefaults.Marker)', async () => {
    const pages = [];
    for await (const page of paginateDescribeDBClusterParameters({ client: rds, pageSize: 20 }, { DBClusterParameterGroupName: 'params' })) pages.push(page);
    const parameters = pages.flatMap((p) => p.Parameters ?? []);
    expect(pages.length).toBe(3);
    expect(parameters).toHaveLength(50);
    expect(parameters.map((p) => p.ParameterName)).toEqual([...parameters.map((p) => p.ParameterName!)].sort());

    const defaults = [];
    for await (const page of paginateDescribeEngineDefaultClusterParameters({ client: rds, pageSize: 20 }, { DBParameterGroupFamily: 'aurora-mysql8.0' })) defaults.push(page);
    expect(defaults.length).toBeGreaterThan(1);
    expect(defaults[0].EngineDefaults?.DBParameterGroupFamily).toBe('aurora-mysql8.0');
    const clusterLevel = defaults.flatMap((p) => p.EngineDefaults?.Parameters ?? []).map((p) => p.ParameterName);
    expect(clusterLevel).toContain('binlog_format');
    expect(clusterLevel).not.toContain('innodb_buffer_pool_size'); // instance-level only

    const instanceDefaults = await rds.send(new DescribeEngineDefaultParametersCommand({ DBParameterGroupFamily: 'aurora-mysql8.0', Filters: [{ Name: 'parameter-name', Values: ['innodb_buffer_pool_size', 'binlog_format'] }] }));
    expect(instanceDefaults.EngineDefaults?.Parameters?.map((p) => [p.ParameterName, p.ParameterValue])).toEqual([['innodb_buffer_pool_size', '{DBInstanceClassMemory*3/4}']]);
    const unknown = await caught(rds.send(new DescribeEngineDefaultClusterParametersCommand({ DBParameterGroupFamily: 'aurora-postgresql9' })));
    expect(shape(unknown)).toEqual({ name: 'InvalidParameterValue', code: 'InvalidParameterValue', status: 400, message: 'ParameterGroupFamily aurora-postgresql9 is not a valid parameter group family' });
  });
});

describe('groups in use', () => {
  it('clusters and instances must name existing groups of their family', async () => {
    const missing = await caught(rds.send(new CreateDBClusterCommand({ ...baseCluster('missing-group'), DBClusterParameterGroupName: 'no-such-group' })));
    expect(missing).toBeInstanceOf(DBClusterParameterGroupNotFoundFault);
    expect(shape(missing)).toEqual({ name: 'DBClusterParameterGroupNotFoundFault', code: 'DBClusterParameterGroupNotFound', status: 404, message: 'DBClusterParameterGroup not found: no-such-group' });
    const wrongFamily = await caught(rds.send(new CreateDBClusterCommand({ ...baseCluster('wrong-family'), EngineVersion: '15.4', DBClusterParameterGroupName: 'default.aurora-postgresql16' })));
    expect(shape(wrongFamily)).toEqual({
      name: 'InvalidParameterCombination',
      code: 'InvalidParameterCombination',
      status: 400,
      message:
        "The parameter group default.aurora-postgresql16 with DBParameterGroupFamily aurora-postgresql16 can't be used for this instance. Use a parameter group with DBParameterGroupFamily aurora-postgresql15.",
    });
    expect((await rds.send(new DescribeDBClustersCommand({}))).DBClusters?.map((c) => c.DBClusterIdentifier)).not.toContain('wrong-family');

    await rds.send(new CreateDBClusterCommand({ ...baseCluster('grouped'), EngineVersion: '15.4', DBClusterParameterGroupName: 'default.aurora-postgresql15' }));
    await waitUntilDBClusterAvailable({ client: rds, ...waitOptions }, { DBClusterIdentifier: 'grouped' });
    const modifyMissing = await caught(rds.send(new ModifyDBClusterCommand({ DBClusterIdentifier: 'grouped', DBClusterParameterGroupName: 'no-such-group' })));
    expect(shape(modifyMissing)).toMatchObject({ name: 'DBClusterParameterGroupNotFoundFault', code: 'DBClusterParameterGroupNotFound', status: 404 });
    const instanceMissing = await caught(rds.send(new CreateDBInstanceCommand({ ...baseInstance('grouped-1', 'grouped'), DBParameterGroupName: 'no-such-group' })));
    expect(instanceMissing).toBeInstanceOf(DBParameterGroupNotFoundFault);
    expect(shape(instanceMissing)).toEqual({ name: 'DBParameterGroupNotFoundFault', code: 'DBParameterGroupNotFound', status: 404, message: 'DBParameterGroup not found: no-such-group' });
    const instanceFamily = await caught(rds.send(new CreateDBInstanceCommand({ ...baseInstance('grouped-1', 'grouped'), DBParameterGroupName: 'default.aurora-postgresql16' })));
    expect(shape(instanceFamily)).toMatchObject({ code: 'InvalidParameterCombination', status: 400 });
  });

  it('a static change waits for a reboot of every member: pending-reboot, applying, in-sync', async () => {
    await rds.send(new CreateDBClusterParameterGroupCommand({ DBClusterParameterGroupName: 'live', DBParameterGroupFamily: 'aurora-mysql8.0', Description: 'in use' }));
    await rds.send(new CreateDBParameterGroupCommand({ DBParameterGroupName: 'live-instance', DBParameterGroupFamily: 'aurora-mysql8.0', Description: 'in use' }));
    await rds.send(new CreateDBClusterCommand({ ...baseCluster('live', 'aurora-mysql'), DBClusterParameterGroupName: 'live' }));
    await rds.send(new CreateDBInstanceCommand({ ...baseInstance('live-1', 'live', 'aurora-mysql'), DBParameterGroupName: 'live-instance' }));
    await rds.send(new CreateDBInstanceCommand(baseInstance('live-2', 'live', 'aurora-mysql')));
    await waitUntilDBInstanceAvailable({ client: rds, ...waitOptions }, { DBInstanceIdentifier: 'live-1' });
    await waitUntilDBInstanceAvailable({ client: rds, ...waitOptions }, { DBInstanceIdentifier: 'live-2' });

    await rds.send(new ModifyDBClusterParameterGroupCommand({ DBClusterParameterGroupName: 'live', Parameters: [{ ParameterName: 'binlog_format', ParameterValue: 'ROW', ApplyMethod: 'pending-reboot' }] }));
    await rds.send(new ModifyDBParameterGroupCommand({ DBParameterGroupName: 'live-instance', Parameters: [{ ParameterName: 'innodb_buffer_pool_size', ParameterValue: '{DBInstanceClassMemory*1/2}', ApplyMethod: 'pending-reboot' }] }));
    const memberStatus = async () =>
      Object.fromEntries(((await rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: 'live' }))).DBClusters?.[0].DBClusterMembers ?? []).map((m) => [m.DBInstanceIdentifier, m.DBClusterParameterGroupStatus]));
    const applyStatus = async (id: string) => (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }))).DBInstances?.[0].DBParameterGroups;
    expect(await memberStatus()).toEqual({ 'live-1': 'pending-reboot', 'live-2': 'pending-reboot' });
    expect(await applyStatus('live-1')).toEqual([{ DBParameterGroupName: 'live-instance', ParameterApplyStatus: 'pending-reboot' }]);
    expect(await applyStatus('live-2')).toEqual([{ DBParameterGroupName: 'default.aurora-mysql8.0', ParameterApplyStatus: 'in-sync' }]);

    const rebooting = await rds.send(new RebootDBInstanceCommand({ DBInstanceIdentifier: 'live-1' }));
    expect(rebooting.DBInstance?.DBParameterGroups?.[0].ParameterApplyStatus).toBe('applying');
    await waitUntilDBInstanceAvailable({ client: rds, ...waitOptions }, { DBInstanceIdentifier: 'live-1' });
    expect(await memberStatus()).toEqual({ 'live-1': 'in-sync', 'live-2': 'pending-reboot' });
    expect(await applyStatus('live-1')).toEqual([{ DBParameterGroupName: 'live-instance', ParameterApplyStatus: 'in-sync' }]);

    // Another instance group waits for a reboot too.
    await rds.send(new CopyDBParameterGroupCommand({ SourceDBParameterGroupIdentifier: 'live-instance', TargetDBParameterGroupIdentifier: 'live-instance-2', TargetDBParameterGroupDescription: 'next' }));
    const modified = await rds.send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: 'live-2', DBParameterGroupName: 'live-instance-2' }));
    expect(modified.DBInstance?.DBParameterGroups).toEqual([{ DBParameterGroupName: 'live-instance-2', ParameterApplyStatus: 'pending-reboot' }]);
  });

  it('a group in use cannot be deleted', async () => {
    const cluster = await caught(rds.send(new DeleteDBClusterParameterGroupCommand({ DBClusterParameterGroupName: 'live' })));
    expect(cluster).toBeInstanceOf(InvalidDBParameterGroupStateFault);
    expect(shape(cluster)).toEqual({
      name: 'InvalidDBParameterGroupStateFault',
      code: 'InvalidDBParameterGroupState',
      status: 400,
      message: 'One or more DB clusters are still members of this parameter group live, so the group cannot be deleted',
    });
    const instance = await caught(rds.send(new DeleteDBParameterGroupCommand({ DBParameterGroupName: 'live-instance' })));
    expect(shape(instance)).toEqual({
      name: 'InvalidDBParameterGroupStateFault',
      code: 'InvalidDBParameterGroupState',
      status: 400,
      message: 'One or more database instances are still members of this parameter group live-instance, so the group cannot be deleted',
    });
  });
});

describe('quota', () => {
  it('DBParameterGroupQuotaExceeded past config.quotas.parameterGroups (default groups not counted)', async () => {
    const small = await startTestEmulator({ quotas: { parameterGroups: 2 } });
    const client = rdsClient(small.url);
    try {
      for (const name of ['q1', 'q2']) await client.send(new CreateDBParameterGroupCommand({ DBParameterGroupName: name, DBParameterGroupFamily: 'aurora-mysql8.0', Description: 'q' }));
      const error = await caught(client.send(new CreateDBParameterGroupCommand({ DBParameterGroupName: 'q3', DBParameterGroupFamily: 'aurora-mysql8.0', Description: 'q' })));
      expect(error).toBeInstanceOf(DBParameterGroupQuotaExceededFault);
      expect(shape(error)).toEqual({
        name: 'DBParameterGroupQuotaExceededFault',
        code: 'DBParameterGroupQuotaExceeded',
        status: 400,
        message: 'The request would result in the user exceeding the allowed number of DB parameter groups.',
      });
      const copy = await caught(client.send(new CopyDBParameterGroupCommand({ SourceDBParameterGroupIdentifier: 'q1', TargetDBParameterGroupIdentifier: 'q3', TargetDBParameterGroupDescription: 'q' })));
      expect(shape(copy)).toMatchObject({ code: 'DBParameterGroupQuotaExceeded', status: 400 });
      // Cluster groups count separately.
      await client.send(new CreateDBClusterParameterGroupCommand({ DBClusterParameterGroupName: 'c1', DBParameterGroupFamily: 'aurora-mysql8.0', Description: 'q' }));
    } finally {
      client.destroy();
      await small.close();
    }
  });
});
