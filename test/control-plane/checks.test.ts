// RDS's rules on identifiers and other values, with AWS's wording (aws-errors.md #2, #2b, #7, #12).
import { afterEach, describe, expect, it } from 'vitest';
import { checkDatabaseName, checkIdentifier, checkMasterPassword, checkMasterUsername, checkRange } from '../../src/control-plane/checks.js';
import { AwsError } from '../../src/protocol/errors.js';
import { controlPlane, type ControlPlane } from './helpers/context.js';

const invalidIdentifier = (parameter: string) =>
  `The parameter ${parameter} is not a valid identifier. Identifiers must begin with a letter; must contain only ASCII letters, digits, and hyphens; and must not end with a hyphen or contain two consecutive hyphens.`;

function thrown(fn: () => unknown): AwsError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(AwsError);
    expect((error as AwsError).httpStatus).toBe(400);
    return error as AwsError;
  }
  throw new Error('did not throw');
}

describe('checkIdentifier', () => {
  it.each(['1cluster', '-cluster', 'my--cluster', 'cluster-', 'my_cluster', 'my.cluster', 'my cluster', 'clüster', ''])('refuses %j with the AWS message', (value) => {
    const error = thrown(() => checkIdentifier('DBClusterIdentifier', value));
    expect(error.code).toBe('InvalidParameterValue');
    expect(error.message).toBe(invalidIdentifier('DBClusterIdentifier'));
  });

  it('allows 63 characters and refuses 64 with the length message', () => {
    expect(checkIdentifier('DBInstanceIdentifier', `a${'b'.repeat(62)}`)).toHaveLength(63);
    const error = thrown(() => checkIdentifier('DBInstanceIdentifier', `a${'b'.repeat(63)}`));
    expect(error.message).toBe('The parameter DBInstanceIdentifier is not a valid identifier because it is longer than 63 characters.');
  });

  it('stores identifiers lowercase', () => {
    expect(checkIdentifier('DBClusterIdentifier', 'Aurora-Demo-1')).toBe('aurora-demo-1');
    expect(checkIdentifier('DBClusterIdentifier', 'a')).toBe('a');
    expect(checkIdentifier('DBClusterIdentifier', 'a-1-b')).toBe('a-1-b');
  });

  it('lets an ARN through only where allowed', () => {
    const arn = 'arn:aws:rds:us-east-1:000000000000:cluster:x';
    expect(checkIdentifier('SourceDBClusterIdentifier', arn, { allowArn: true })).toBe(arn);
    expect(() => checkIdentifier('DBClusterIdentifier', arn)).toThrow(AwsError);
  });
});

describe('other value checks', () => {
  it('checkRange uses the MaxRecords wording and accepts its bounds', () => {
    expect(thrown(() => checkRange('MaxRecords', 3, 20, 100)).message).toBe('Invalid value 3 for MaxRecords. Must be between 20 and 100');
    expect(() => checkRange('MaxRecords', 20, 20, 100)).not.toThrow();
    expect(() => checkRange('MaxRecords', 100, 20, 100)).not.toThrow();
    expect(() => checkRange('MaxRecords', undefined, 20, 100)).not.toThrow();
  });

  it('checkMasterPassword: AWS messages, and never the password itself', () => {
    const cases: [string, string][] = [
      ['short7!', 'The parameter MasterUserPassword is not a valid password because it is shorter than 8 characters.'],
      ['x'.repeat(42), 'The parameter MasterUserPassword is not a valid password because it is longer than 41 characters.'],
      ['has space1', `The parameter MasterUserPassword is not a valid password. Only printable ASCII characters besides '/', '@', '"', ' ' may be used.`],
      ['with/slash', `The parameter MasterUserPassword is not a valid password. Only printable ASCII characters besides '/', '@', '"', ' ' may be used.`],
      ['at@sign12', `The parameter MasterUserPassword is not a valid password. Only printable ASCII characters besides '/', '@', '"', ' ' may be used.`],
      ['quote"d123', `The parameter MasterUserPassword is not a valid password. Only printable ASCII characters besides '/', '@', '"', ' ' may be used.`],
    ];
    for (const [password, message] of cases) {
      const error = thrown(() => checkMasterPassword(password));
      expect(error.code).toBe('InvalidParameterValue');
      expect(error.message).toBe(message);
      expect(error.message).not.toContain(password);
    }
    expect(() => checkMasterPassword('Aa1!#$%^&*()_+-=[]{}|;:,.<>?~`')).not.toThrow();
    expect(() => checkMasterPassword(undefined)).not.toThrow();
  });

  it('checkMasterUsername and checkDatabaseName', () => {
    expect(thrown(() => checkMasterUsername('', 16)).message).toBe('The parameter MasterUsername must be provided and must not be blank.');
    expect(thrown(() => checkMasterUsername('1admin', 16)).code).toBe('InvalidParameterValue');
    expect(thrown(() => checkMasterUsername('a'.repeat(17), 16)).code).toBe('InvalidParameterValue');
    expect(thrown(() => checkMasterUsername('rdsadmin', 16)).message).toContain('reserved word');
    expect(() => checkMasterUsername('admin_1', 16)).not.toThrow();
    expect(thrown(() => checkDatabaseName('1db', 63)).message).toBe('DatabaseName must begin with a letter and contain only alphanumeric characters.');
    expect(() => checkDatabaseName('app_db1', 63)).not.toThrow();
  });
});

describe('identifiers through the operations', () => {
  let cp: ControlPlane;
  afterEach(() => cp?.close());

  it('CreateDBCluster stores Aurora-Demo as aurora-demo and finds it in any case; bad ones are refused before anything is stored', async () => {
    cp = await controlPlane();
    const base = { Engine: 'aurora-postgresql', MasterUsername: 'postgres', MasterUserPassword: 'secret-password' };
    const created = await cp.call('CreateDBCluster', { ...base, DBClusterIdentifier: 'Aurora-Demo' });
    expect(created.DBCluster.DBClusterIdentifier).toBe('aurora-demo');
    expect(created.DBCluster.DBClusterArn).toBe('arn:aws:rds:us-east-1:000000000000:cluster:aurora-demo');
    expect(Object.keys(cp.partition.clusters)).toEqual(['aurora-demo']);
    expect((await cp.call('DescribeDBClusters', { DBClusterIdentifier: 'AURORA-DEMO' })).DBClusters[0].DBClusterIdentifier).toBe('aurora-demo');
    await expect(cp.call('CreateDBCluster', { ...base, DBClusterIdentifier: 'AURORA-demo' })).rejects.toMatchObject({ code: 'DBClusterAlreadyExistsFault', message: 'DB Cluster already exists' });
    for (const bad of ['9lives', 'two--hyphens', 'trailing-', 'x'.repeat(64)]) {
      await expect(cp.call('CreateDBCluster', { ...base, DBClusterIdentifier: bad })).rejects.toMatchObject({ code: 'InvalidParameterValue' });
    }
    expect(Object.keys(cp.partition.clusters)).toEqual(['aurora-demo']);
  });

  it('CreateDBInstance applies the same rules to DBInstanceIdentifier', async () => {
    cp = await controlPlane(0);
    await cp.call('CreateDBCluster', { DBClusterIdentifier: 'c', Engine: 'aurora-postgresql', MasterUsername: 'postgres', MasterUserPassword: 'secret-password' });
    await cp.settle();
    const base = { DBClusterIdentifier: 'c', Engine: 'aurora-postgresql', DBInstanceClass: 'db.r6g.large' };
    await expect(cp.call('CreateDBInstance', { ...base, DBInstanceIdentifier: 'inst--1' })).rejects.toMatchObject({ message: invalidIdentifier('DBInstanceIdentifier') });
    const created = await cp.call('CreateDBInstance', { ...base, DBInstanceIdentifier: 'Writer-1' });
    expect(created.DBInstance.DBInstanceIdentifier).toBe('writer-1');
  });
});
