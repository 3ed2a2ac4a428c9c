// Parameter groups as pure logic: the catalogue per family and kind, which values a parameter
// allows, the checks on a list of changes, and the reboot status a change leaves behind.
import { afterEach, describe, expect, it } from 'vitest';
import { defaultParameterGroupName, engineInfo, supportedEngines } from '../../src/control-plane/engines.js';
import {
  catalogueOf,
  checkFamily,
  checkGroupName,
  familyOf,
  findParameterGroup,
  parameterApplyStatus,
  parameterGroupFamilies,
  resolveChanges,
  valueAllowed,
} from '../../src/control-plane/parameterGroups.js';
import { AwsError } from '../../src/protocol/errors.js';
import { controlPlane, type ControlPlane } from './helpers/context.js';

function thrown(f: () => unknown): AwsError {
  try {
    f();
  } catch (error) {
    if (error instanceof AwsError) return error;
    throw error;
  }
  throw new Error('expected an AwsError');
}

describe('families and catalogues', () => {
  it('has a family with a catalogue for every engine version, and the default group CreateDBCluster names exists', async () => {
    expect(parameterGroupFamilies).toEqual([
      'aurora-mysql5.7',
      'aurora-mysql8.0',
      'aurora-postgresql11',
      'aurora-postgresql12',
      'aurora-postgresql13',
      'aurora-postgresql14',
      'aurora-postgresql15',
      'aurora-postgresql16',
      'aurora-postgresql17',
    ]);
    const cp = await controlPlane();
    for (const engine of supportedEngines) {
      for (const version of engineInfo(engine).versions) {
        const name = defaultParameterGroupName(engine, version);
        expect(name).toBe(`default.${familyOf(engine, version)}`);
        expect(findParameterGroup(cp.partition, 'cluster', name)?.family).toBe(familyOf(engine, version));
        expect(findParameterGroup(cp.partition, 'instance', name)?.family).toBe(familyOf(engine, version));
      }
    }
    cp.close();
  });

  it('splits parameters between cluster and instance groups', () => {
    const clusterNames = catalogueOf('aurora-mysql8.0', 'cluster').map((p) => p.ParameterName);
    const instanceNames = catalogueOf('aurora-mysql8.0', 'instance').map((p) => p.ParameterName);
    expect(clusterNames).toContain('binlog_format'); // cluster-level only
    expect(instanceNames).not.toContain('binlog_format');
    expect(instanceNames).toContain('innodb_buffer_pool_size'); // instance-level only
    expect(clusterNames).not.toContain('innodb_buffer_pool_size');
    expect(clusterNames).toContain('slow_query_log'); // both
    expect(instanceNames).toContain('slow_query_log');
    expect(catalogueOf('aurora-postgresql16', 'cluster').length).toBeGreaterThanOrEqual(40);
    const pg = catalogueOf('aurora-postgresql16', 'cluster');
    for (const name of ['max_connections', 'shared_preload_libraries', 'log_min_duration_statement', 'rds.force_ssl', 'work_mem', 'timezone']) {
      expect(pg.map((p) => p.ParameterName)).toContain(name);
    }
    // Version differences: scram-sha-256 by default from PostgreSQL 14; tx_isolation became transaction_isolation in MySQL 8.0.
    const passwordDefault = (family: string) => catalogueOf(family, 'cluster').find((p) => p.ParameterName === 'password_encryption')?.ParameterValue;
    expect(passwordDefault('aurora-postgresql13')).toBe('md5');
    expect(passwordDefault('aurora-postgresql14')).toBe('scram-sha-256');
    expect(catalogueOf('aurora-mysql5.7', 'instance').map((p) => p.ParameterName)).toContain('tx_isolation');
    expect(catalogueOf('aurora-mysql8.0', 'instance').map((p) => p.ParameterName)).toContain('transaction_isolation');
  });

  it('refuses unknown families with AWS wording', () => {
    const error = thrown(() => checkFamily('postgres16'));
    expect(error).toMatchObject({ code: 'InvalidParameterValue', httpStatus: 400, message: 'ParameterGroupFamily postgres16 is not a valid parameter group family' });
  });
});

describe('valueAllowed', () => {
  it('checks ranges, including negative minimums, and integers', () => {
    const p = { DataType: 'integer', AllowedValues: '-1-2147483647' };
    expect(valueAllowed(p, '-1')).toBe(true);
    expect(valueAllowed(p, '2147483647')).toBe(true);
    expect(valueAllowed(p, '-2')).toBe(false);
    expect(valueAllowed(p, '2147483648')).toBe(false);
    expect(valueAllowed(p, '1.5')).toBe(false);
    expect(valueAllowed(p, 'ten')).toBe(false);
    expect(valueAllowed({ DataType: 'float', AllowedValues: '0-31536000' }, '2.5')).toBe(true);
  });

  it('accepts formulas where a number is expected', () => {
    const p = { DataType: 'integer', AllowedValues: '6-262143' };
    expect(valueAllowed(p, 'LEAST({DBInstanceClassMemory/9531392},5000)')).toBe(true);
    expect(valueAllowed(p, '{DBInstanceClassMemory/12038}')).toBe(true);
    expect(valueAllowed(p, 'DROP TABLE')).toBe(false);
  });

  it('checks choices case-insensitively, and each item of a list', () => {
    expect(valueAllowed({ DataType: 'string', AllowedValues: 'ROW,STATEMENT,MIXED,OFF' }, 'row')).toBe(true);
    expect(valueAllowed({ DataType: 'string', AllowedValues: 'ROW,STATEMENT,MIXED,OFF' }, 'ROWS')).toBe(false);
    const list = { DataType: 'list', AllowedValues: 'pg_stat_statements,pg_cron,pgaudit' };
    expect(valueAllowed(list, 'pg_stat_statements,pg_cron')).toBe(true);
    expect(valueAllowed(list, 'pg_stat_statements,nope')).toBe(false);
    expect(valueAllowed({ DataType: 'string', AllowedValues: undefined }, 'anything at all')).toBe(true);
  });
});

describe('resolveChanges', () => {
  const catalogue = catalogueOf('aurora-postgresql16', 'cluster');

  it('defaults ApplyMethod to immediate for dynamic and pending-reboot for static parameters', () => {
    const resolved = resolveChanges(catalogue, [
      { ParameterName: 'work_mem', ParameterValue: '8192' },
      { ParameterName: 'shared_buffers', ParameterValue: '262144' },
      { ParameterName: 'log_min_duration_statement', ParameterValue: '500', ApplyMethod: 'pending-reboot' },
    ]);
    expect(resolved.map((c) => [c.parameter.ParameterName, c.value, c.applyMethod])).toEqual([
      ['work_mem', '8192', 'immediate'],
      ['shared_buffers', '262144', 'pending-reboot'],
      ['log_min_duration_statement', '500', 'pending-reboot'],
    ]);
  });

  it('refuses immediate for a static parameter (InvalidParameterCombination, AWS wording)', () => {
    const error = thrown(() => resolveChanges(catalogue, [{ ParameterName: 'max_connections', ParameterValue: '100', ApplyMethod: 'immediate' }]));
    expect(error).toMatchObject({ code: 'InvalidParameterCombination', httpStatus: 400, message: 'cannot use immediate apply method for static parameter' });
  });

  it('refuses unknown names, values out of range, unmodifiable parameters, missing values and more than 20 changes', () => {
    expect(thrown(() => resolveChanges(catalogue, [{ ParameterName: 'character_set_server', ParameterValue: 'utf8' }]))).toMatchObject({
      code: 'InvalidParameterValue',
      message: 'Could not find parameter with name: character_set_server',
    });
    expect(thrown(() => resolveChanges(catalogue, [{ ParameterName: 'rds.force_ssl', ParameterValue: '2' }])).message).toBe(
      'Invalid parameter value: 2 for: rds.force_ssl allowed values are: 0,1',
    );
    expect(thrown(() => resolveChanges(catalogue, [{ ParameterName: 'ssl', ParameterValue: '0' }])).message).toBe('The parameter ssl cannot be modified.');
    expect(thrown(() => resolveChanges(catalogue, [{ ParameterName: 'work_mem' }])).code).toBe('InvalidParameterValue');
    expect(thrown(() => resolveChanges(catalogue, [{ ParameterName: 'work_mem', ParameterValue: '1', ApplyMethod: 'later' }])).code).toBe('InvalidParameterValue');
    const many = Array.from({ length: 21 }, () => ({ ParameterName: 'work_mem', ParameterValue: '8192' }));
    expect(thrown(() => resolveChanges(catalogue, many))).toMatchObject({ code: 'InvalidParameterValue', httpStatus: 400 });
    expect(resolveChanges(catalogue, many.slice(0, 20))).toHaveLength(20);
  });

  it('needs no value when resetting', () => {
    expect(resolveChanges(catalogue, [{ ParameterName: 'work_mem', ApplyMethod: 'immediate' }], { reset: true })).toEqual([
      { parameter: expect.objectContaining({ ParameterName: 'work_mem' }), applyMethod: 'immediate' },
    ]);
  });
});

describe('names and reboot status', () => {
  it('checks parameter group names as AWS does and stores them lowercase', () => {
    expect(checkGroupName('DBParameterGroupName', 'My-Group-1')).toBe('my-group-1');
    for (const bad of ['1group', 'my--group', 'group-', 'my_group', 'default.mine']) {
      expect(thrown(() => checkGroupName('DBParameterGroupName', bad)).message).toMatch(/^The parameter DBParameterGroupName is not a valid identifier\. Identifiers must begin with a letter;/);
    }
    expect(thrown(() => checkGroupName('DBParameterGroupName', 'a'.repeat(256))).code).toBe('InvalidParameterValue');
  });

  it('shows pending-reboot until a reboot, applying while it runs, in-sync after', () => {
    expect(parameterApplyStatus(undefined, 'available')).toBe('in-sync');
    expect(parameterApplyStatus('pending-reboot', 'available')).toBe('pending-reboot');
    expect(parameterApplyStatus('pending-reboot', 'modifying')).toBe('pending-reboot');
    expect(parameterApplyStatus('applying', 'rebooting')).toBe('applying');
    expect(parameterApplyStatus('applying', 'available')).toBe('in-sync');
  });
});

describe('in the control plane', () => {
  let cp: ControlPlane;
  afterEach(() => cp?.close());

  it('a pending-reboot change marks the members of clusters using the group; a reboot clears it', async () => {
    cp = await controlPlane({ createClusterMs: 0, createInstanceMs: 0, rebootInstanceMs: 0 });
    await cp.call('CreateDBClusterParameterGroup', { DBClusterParameterGroupName: 'tuned', DBParameterGroupFamily: 'aurora-postgresql16', Description: 'd' });
    await cp.call('CreateDBParameterGroup', { DBParameterGroupName: 'tuned-instance', DBParameterGroupFamily: 'aurora-postgresql16', Description: 'd' });
    await cp.call('CreateDBCluster', { DBClusterIdentifier: 'c', Engine: 'aurora-postgresql', MasterUsername: 'postgres', MasterUserPassword: 'secret-pass', DBClusterParameterGroupName: 'tuned' });
    await cp.call('CreateDBCluster', { DBClusterIdentifier: 'other', Engine: 'aurora-postgresql', MasterUsername: 'postgres', MasterUserPassword: 'secret-pass' });
    await cp.settle();
    await cp.call('CreateDBInstance', { DBInstanceIdentifier: 'c-1', DBClusterIdentifier: 'c', Engine: 'aurora-postgresql', DBInstanceClass: 'db.r6g.large', DBParameterGroupName: 'tuned-instance' });
    await cp.call('CreateDBInstance', { DBInstanceIdentifier: 'other-1', DBClusterIdentifier: 'other', Engine: 'aurora-postgresql', DBInstanceClass: 'db.r6g.large' });
    await cp.settle();

    // Immediate changes to dynamic parameters need no reboot.
    await cp.call('ModifyDBClusterParameterGroup', { DBClusterParameterGroupName: 'tuned', Parameters: [{ ParameterName: 'work_mem', ParameterValue: '8192', ApplyMethod: 'immediate' }] });
    expect(cp.partition.instances['c-1'].clusterParameterApply).toBeUndefined();
    await cp.call('ModifyDBClusterParameterGroup', { DBClusterParameterGroupName: 'tuned', Parameters: [{ ParameterName: 'shared_buffers', ParameterValue: '262144', ApplyMethod: 'pending-reboot' }] });
    await cp.call('ModifyDBParameterGroup', { DBParameterGroupName: 'tuned-instance', Parameters: [{ ParameterName: 'max_connections', ParameterValue: '500', ApplyMethod: 'pending-reboot' }] });
    const members = async (id: string) => (await cp.call('DescribeDBClusters', { DBClusterIdentifier: id })).DBClusters[0].DBClusterMembers;
    const instance = async (id: string) => (await cp.call('DescribeDBInstances', { DBInstanceIdentifier: id })).DBInstances[0];
    expect((await members('c'))[0].DBClusterParameterGroupStatus).toBe('pending-reboot');
    expect((await instance('c-1')).DBParameterGroups).toEqual([{ DBParameterGroupName: 'tuned-instance', ParameterApplyStatus: 'pending-reboot' }]);
    expect((await members('other'))[0].DBClusterParameterGroupStatus).toBe('in-sync'); // a cluster on another group
    expect((await instance('other-1')).DBParameterGroups[0].ParameterApplyStatus).toBe('in-sync');

    // The event of a DB parameter group change.
    const events = (await cp.call('DescribeEvents', { SourceType: 'db-parameter-group' })).Events;
    expect(events.map((e: any) => [e.SourceIdentifier, e.Message, e.EventCategories])).toEqual([
      ['tuned-instance', 'Updated parameter max_connections to 500 with apply method pending-reboot', ['configuration change']],
    ]);

    const rebooting = (await cp.call('RebootDBInstance', { DBInstanceIdentifier: 'c-1' })).DBInstance;
    expect(rebooting.DBParameterGroups[0].ParameterApplyStatus).toBe('applying');
    await cp.settle();
    expect((await members('c'))[0].DBClusterParameterGroupStatus).toBe('in-sync');
    expect((await instance('c-1')).DBParameterGroups[0].ParameterApplyStatus).toBe('in-sync');

    // ResetAllParameters: the static value waits for a reboot again, the dynamic one does not.
    await cp.call('ResetDBClusterParameterGroup', { DBClusterParameterGroupName: 'tuned', ResetAllParameters: true });
    expect((await members('c'))[0].DBClusterParameterGroupStatus).toBe('pending-reboot');
    expect((await cp.call('DescribeDBClusterParameters', { DBClusterParameterGroupName: 'tuned', Source: 'user' })).Parameters).toEqual([]);
  });

  it('associating another group with a cluster or instance waits for a reboot too', async () => {
    cp = await controlPlane({ createClusterMs: 0, createInstanceMs: 0 });
    await cp.call('CreateDBClusterParameterGroup', { DBClusterParameterGroupName: 'tuned', DBParameterGroupFamily: 'aurora-mysql8.0', Description: 'd' });
    await cp.call('CreateDBParameterGroup', { DBParameterGroupName: 'tuned-instance', DBParameterGroupFamily: 'aurora-mysql8.0', Description: 'd' });
    await cp.call('CreateDBCluster', { DBClusterIdentifier: 'm', Engine: 'aurora-mysql', MasterUsername: 'admin', MasterUserPassword: 'secret-pass' });
    await cp.settle();
    await cp.call('CreateDBInstance', { DBInstanceIdentifier: 'm-1', DBClusterIdentifier: 'm', Engine: 'aurora-mysql', DBInstanceClass: 'db.r6g.large' });
    await cp.settle();
    const cluster = (await cp.call('ModifyDBCluster', { DBClusterIdentifier: 'm', DBClusterParameterGroupName: 'TUNED' })).DBCluster;
    expect(cluster.DBClusterParameterGroup).toBe('tuned');
    expect(cluster.DBClusterMembers[0].DBClusterParameterGroupStatus).toBe('pending-reboot');
    const instance = (await cp.call('ModifyDBInstance', { DBInstanceIdentifier: 'm-1', DBParameterGroupName: 'tuned-instance' })).DBInstance;
    expect(instance.DBParameterGroups).toEqual([{ DBParameterGroupName: 'tuned-instance', ParameterApplyStatus: 'pending-reboot' }]);
  });
});
