// Validation against the model (ajv): a missing required member is MissingParameter, any other
// violation InvalidParameterValue; both 400, naming the parameter as the client sent it and,
// unless it is sensitive, the value.
import type { ErrorObject } from 'ajv';
import { describe, expect, it } from 'vitest';
import { AwsError } from '../../src/protocol/errors.js';
import { parseQueryInput } from '../../src/protocol/parseQuery.js';
import { apiSpec } from '../../src/protocol/spec.js';
import { precompileValidators, toAwsError, validateInput } from '../../src/protocol/validate.js';
import { operations } from '../../src/operations/index.js';

function check(operation: string, body: string): AwsError | undefined {
  const { input, wireNames } = parseQueryInput(new URLSearchParams(body), apiSpec.operations[operation].input);
  try {
    validateInput(operation, input, wireNames);
  } catch (error) {
    expect(error).toBeInstanceOf(AwsError);
    return error as AwsError;
  }
  return undefined;
}

function rejected(operation: string, body: string): AwsError {
  const error = check(operation, body);
  if (!error) throw new Error(`${operation} accepted ${body}`);
  expect(error.httpStatus).toBe(400);
  expect(error.type).toBe('Sender');
  return error;
}

describe('validateInput', () => {
  it('compiles a validator for every operation of the table', () => {
    expect(() => precompileValidators(Object.keys(operations))).not.toThrow();
  });

  it('accepts complete, well-typed input', () => {
    expect(check('CreateDBCluster', 'DBClusterIdentifier=c&Engine=aurora-postgresql&Port=5432&StorageEncrypted=true&ServerlessV2ScalingConfiguration.MinCapacity=0.5')).toBeUndefined();
    expect(check('DescribeDBClusters', '')).toBeUndefined();
    expect(check('DescribeDBClusters', 'Filters=')).toBeUndefined();
    expect(check('BacktrackDBCluster', 'DBClusterIdentifier=c&BacktrackTo=2024-05-01T12%3A34%3A56.789000Z')).toBeUndefined();
  });

  describe('missing required members → MissingParameter', () => {
    it('names a top-level parameter', () => {
      const error = rejected('CreateDBCluster', 'DBClusterIdentifier=c');
      expect(error.code).toBe('MissingParameter');
      expect(error.message).toBe('The request must contain the parameter Engine');
      expect(rejected('CreateDBCluster', '').message).toBe('The request must contain the parameter DBClusterIdentifier');
      expect(rejected('AddTagsToResource', 'ResourceName=arn').message).toBe('The request must contain the parameter Tags');
    });

    it('names a nested parameter by its wire name (Filters.Filter.N.Name, with the index the client sent)', () => {
      const first = rejected('DescribeDBClusters', 'Filters.Filter.1.Values.Value.1=x');
      expect(first.code).toBe('MissingParameter');
      expect(first.message).toBe('The request must contain the parameter Filters.Filter.1.Name');
      const gap = rejected('DescribeDBClusters', 'Filters.Filter.1.Name=engine&Filters.Filter.1.Values.Value.1=x&Filters.Filter.4.Values.Value.1=y');
      expect(gap.message).toBe('The request must contain the parameter Filters.Filter.4.Name');
      const values = rejected('DescribeDBInstances', 'Filters.Filter.1.Name=engine');
      expect(values.message).toBe('The request must contain the parameter Filters.Filter.1.Values');
    });
  });

  describe('invalid values → InvalidParameterValue naming the parameter and the value', () => {
    it.each([
      ['CreateDBCluster', 'DBClusterIdentifier=c&Engine=e&Port=abc', 'Invalid value abc for Port. Must be an integer'],
      ['CreateDBCluster', 'DBClusterIdentifier=c&Engine=e&Port=54.32', 'Invalid value 54.32 for Port. Must be an integer'],
      ['CreateDBCluster', 'DBClusterIdentifier=c&Engine=e&StorageEncrypted=yes', 'Invalid value yes for StorageEncrypted. Must be true or false'],
      ['CreateDBCluster', 'DBClusterIdentifier=c&Engine=e&BacktrackWindow=soon', 'Invalid value soon for BacktrackWindow. Must be an integer'],
      ['CreateDBCluster', 'DBClusterIdentifier=c&Engine=e&ServerlessV2ScalingConfiguration.MinCapacity=lots', 'Invalid value lots for ServerlessV2ScalingConfiguration.MinCapacity. Must be a number'],
      ['CreateDBCluster', 'DBClusterIdentifier=c&Engine=e&VpcSecurityGroupIds=sg-1', 'Invalid value sg-1 for VpcSecurityGroupIds. Must be of type array'],
    ])('%s %s (type)', (operation, body, message) => {
      const error = rejected(operation, body);
      expect(error.code).toBe('InvalidParameterValue');
      expect(error.message).toBe(message);
    });

    it('names list items as sent: AdditionalStorageVolumes.member.7.IOPS after member.3', () => {
      const error = rejected(
        'CreateDBInstance',
        'DBInstanceIdentifier=i&DBInstanceClass=db.r6g.large&Engine=aurora-postgresql&AdditionalStorageVolumes.member.3.VolumeName=a&AdditionalStorageVolumes.member.7.VolumeName=b&AdditionalStorageVolumes.member.7.IOPS=fast',
      );
      expect(error.message).toBe('Invalid value fast for AdditionalStorageVolumes.member.7.IOPS. Must be an integer');
    });

    it('enums', () => {
      const error = rejected('CreateDBCluster', 'DBClusterIdentifier=c&Engine=e&DatabaseInsightsMode=turbo');
      expect(error.code).toBe('InvalidParameterValue');
      expect(error.message).toMatch(/^Invalid value turbo for DatabaseInsightsMode\. Must be one of: /);
      expect(error.message).toContain('standard');
      expect(error.message).toContain('advanced');
      const nested = rejected('CreateDBCluster', 'DBClusterIdentifier=c&Engine=e&RdsCustomClusterConfiguration.ReplicaMode=sideways');
      expect(nested.message).toMatch(/^Invalid value sideways for RdsCustomClusterConfiguration\.ReplicaMode\. Must be one of: /);
      expect(rejected('DescribeEvents', 'SourceType=cluster').message).toMatch(/^Invalid value cluster for SourceType\. Must be one of: .*db-cluster/);
    });

    it('numeric ranges', () => {
      expect(rejected('DescribeDBProxies', 'MaxRecords=19').message).toBe('Invalid value 19 for MaxRecords. Must be at least 20');
      expect(rejected('DescribeDBProxies', 'MaxRecords=101').message).toBe('Invalid value 101 for MaxRecords. Must be at most 100');
      expect(check('DescribeDBProxies', 'MaxRecords=20')).toBeUndefined();
    });

    it('string lengths', () => {
      const short = rejected('ModifyDBCluster', 'DBClusterIdentifier=c&AwsBackupRecoveryPointArn=arn%3Ashort');
      expect(short.message).toBe('Invalid value arn:short for AwsBackupRecoveryPointArn. Must be at least 43 characters long');
      expect(rejected('CreateDBCluster', 'DBClusterIdentifier=c&Engine=e&GlobalClusterIdentifier=').message).toBe(
        'Invalid value  for GlobalClusterIdentifier. Must be at least 1 characters long',
      );
      expect(rejected('DescribeDBMajorEngineVersions', 'Engine=').message).toBe('Invalid value  for Engine. Must be at least 1 characters long');
      const long = 'a'.repeat(256);
      expect(rejected('CreateDBCluster', `DBClusterIdentifier=c&Engine=e&GlobalClusterIdentifier=${long}`).message).toBe(
        `Invalid value ${long} for GlobalClusterIdentifier. Must be at most 255 characters long`,
      );
    });

    it('patterns (unanchored, as Smithy/botocore patterns are: a match anywhere in the value passes)', () => {
      const error = rejected('CreateDBCluster', 'DBClusterIdentifier=c&Engine=e&GlobalClusterIdentifier=1234');
      expect(error.code).toBe('InvalidParameterValue');
      expect(error.message).toBe('Invalid value 1234 for GlobalClusterIdentifier. Must match the pattern [A-Za-z][0-9A-Za-z-:._]*');
      expect(check('CreateDBCluster', 'DBClusterIdentifier=c&Engine=e&GlobalClusterIdentifier=1global')).toBeUndefined();
    });

    it('timestamps that are not ISO-8601 with a zone', () => {
      for (const text of ['2024-05-01T12:34:56', '1714464550']) {
        const error = rejected('BacktrackDBCluster', `DBClusterIdentifier=c&BacktrackTo=${text}`);
        expect(error.code).toBe('InvalidParameterValue');
        expect(error.message).toBe(`Invalid value ${text} for BacktrackTo. Must be an ISO-8601 timestamp such as 2024-05-01T12:34:56.789Z`);
      }
    });
  });

  describe('sensitive values are never echoed', () => {
    const password = 'hunter2-SECRET';

    it('a violation on MasterUserPassword (SensitiveString) says (hidden)', () => {
      const { input, wireNames } = parseQueryInput(
        new URLSearchParams(`DBClusterIdentifier=c&Engine=e&MasterUserPassword=${password}`),
        apiSpec.operations.CreateDBCluster.input,
      );
      // The model puts no constraint on the password itself, so feed toAwsError the violation ajv would report.
      const violation = { keyword: 'maxLength', instancePath: '/MasterUserPassword', schemaPath: '#', params: { limit: 8 } } as ErrorObject;
      const error = toAwsError('CreateDBCluster', violation, input, wireNames);
      expect(error.code).toBe('InvalidParameterValue');
      expect(error.message).toBe('Invalid value (hidden) for MasterUserPassword. Must be at most 8 characters long');
      expect(error.message).not.toContain(password);
      // Same for the other sensitive members, nested ones included.
      const presigned = toAwsError('CreateDBCluster', { ...violation, instancePath: '/PreSignedUrl' }, { PreSignedUrl: password }, new Map());
      expect(presigned.message).not.toContain(password);
    });

    it('an ordinary member next to it is echoed', () => {
      const violation = { keyword: 'maxLength', instancePath: '/MasterUsername', schemaPath: '#', params: { limit: 3 } } as ErrorObject;
      const error = toAwsError('CreateDBCluster', violation, { MasterUsername: 'postgres' }, new Map([['/MasterUsername', 'MasterUsername']]));
      expect(error.message).toBe('Invalid value postgres for MasterUsername. Must be at most 3 characters long');
    });
  });
});
