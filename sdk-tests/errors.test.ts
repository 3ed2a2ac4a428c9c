// Errors as the SDK sees them: modelled faults become their exception classes (looked up by the
// wire <Code>, which differs from the class name for instance faults), with the model's HTTP
// status; unmodelled RDS errors arrive as RDSServiceException named after the code.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CreateDBClusterCommand,
  CreateDBInstanceCommand,
  DBClusterAlreadyExistsFault,
  DBClusterNotFoundFault,
  DBClusterQuotaExceededFault,
  DBInstanceAlreadyExistsFault,
  DBInstanceNotFoundFault,
  DeleteDBClusterCommand,
  DeleteDBInstanceCommand,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  InvalidDBClusterStateFault,
  ModifyDBClusterCommand,
  RDSServiceException,
  type CreateDBClusterCommandInput,
  type RDSClient,
} from '@aws-sdk/client-rds';
import { baseCluster, baseInstance, caught, rdsClient, remote, startTestEmulator, type TestEmulator } from './helpers.js';

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

const listClusterIds = async () => ((await rds.send(new DescribeDBClustersCommand({}))).DBClusters ?? []).map((c) => c.DBClusterIdentifier);

describe('modelled faults', () => {
  it('DBClusterNotFoundFault: class, code, 404, message', async () => {
    const error = await caught(rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: 'nope' })));
    expect(error).toBeInstanceOf(DBClusterNotFoundFault);
    expect(error).toBeInstanceOf(RDSServiceException);
    expect(error.name).toBe('DBClusterNotFoundFault');
    expect(error.Code).toBe('DBClusterNotFoundFault');
    expect(error.$fault).toBe('client');
    expect(error.$metadata.httpStatusCode).toBe(404);
    expect(error.$metadata.attempts).toBe(1);
    expect(error.$metadata.requestId).toMatch(/\S/);
    expect(error.message).toBe('DBCluster nope not found.');
  });

  it('DBInstanceNotFoundFault arrives with the wire code DBInstanceNotFound', async () => {
    const error = await caught(rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'missing-instance' })));
    expect(error).toBeInstanceOf(DBInstanceNotFoundFault);
    expect(error.name).toBe('DBInstanceNotFoundFault');
    expect(error.Code).toBe('DBInstanceNotFound');
    expect(error.$metadata.httpStatusCode).toBe(404);
    expect(error.message).toBe('DBInstance missing-instance not found.');

    const onDelete = await caught(rds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: 'missing-instance' })));
    expect(onDelete).toBeInstanceOf(DBInstanceNotFoundFault);
  });

  it('DBClusterNotFoundFault from CreateDBInstance into a missing cluster and from ModifyDBCluster', async () => {
    const create = await caught(rds.send(new CreateDBInstanceCommand(baseInstance('orphan', 'no-such-cluster'))));
    expect(create).toBeInstanceOf(DBClusterNotFoundFault);
    expect(create.message).toBe('DBCluster no-such-cluster not found.');
    const modify = await caught(rds.send(new ModifyDBClusterCommand({ DBClusterIdentifier: 'no-such-cluster', DeletionProtection: true })));
    expect(modify).toBeInstanceOf(DBClusterNotFoundFault);
  });

  it('DBClusterAlreadyExistsFault, also for the same identifier in another case', async () => {
    await rds.send(new CreateDBClusterCommand(baseCluster('dup-cluster')));
    for (const id of ['dup-cluster', 'DUP-Cluster']) {
      const error = await caught(rds.send(new CreateDBClusterCommand(baseCluster(id))));
      expect(error).toBeInstanceOf(DBClusterAlreadyExistsFault);
      expect(error.Code).toBe('DBClusterAlreadyExistsFault');
      expect(error.$metadata.httpStatusCode).toBe(400);
      expect(error.message).toBe('DB Cluster already exists');
    }
  });

  it('DBInstanceAlreadyExistsFault arrives with the wire code DBInstanceAlreadyExists', async () => {
    await rds.send(new CreateDBClusterCommand(baseCluster('dup-inst-cluster')));
    await rds.send(new CreateDBInstanceCommand(baseInstance('dup-inst', 'dup-inst-cluster')));
    const error = await caught(rds.send(new CreateDBInstanceCommand(baseInstance('dup-inst', 'dup-inst-cluster'))));
    expect(error).toBeInstanceOf(DBInstanceAlreadyExistsFault);
    expect(error.name).toBe('DBInstanceAlreadyExistsFault');
    expect(error.Code).toBe('DBInstanceAlreadyExists');
    expect(error.$metadata.httpStatusCode).toBe(400);
    expect(error.message).toBe('DB instance already exists');
  });

  it('InvalidDBClusterStateFault when deleting a cluster that has instances', async () => {
    const error = await caught(rds.send(new DeleteDBClusterCommand({ DBClusterIdentifier: 'dup-inst-cluster', SkipFinalSnapshot: true })));
    expect(error).toBeInstanceOf(InvalidDBClusterStateFault);
    expect(error.Code).toBe('InvalidDBClusterStateFault');
    expect(error.$metadata.httpStatusCode).toBe(400);
    expect(error.message).toBe('Cluster cannot be deleted, it still contains DB instances in non-deleting state.');
  });
});

// The quota is lowered on the emulator; a real account's quota of 40 is not worth reaching.
describe.skipIf(remote)('DBClusterQuotaExceededFault', () => {
  let limited: TestEmulator;
  let client: RDSClient;
  beforeAll(async () => {
    limited = await startTestEmulator({ quotas: { clustersPerRegion: 2 } });
    client = rdsClient(limited.url);
  });
  afterAll(async () => {
    client?.destroy();
    await limited?.close();
  });

  it('refuses the third cluster of a region with 403; other regions have their own quota', async () => {
    await client.send(new CreateDBClusterCommand(baseCluster('quota-1')));
    await client.send(new CreateDBClusterCommand(baseCluster('quota-2')));
    const error = await caught(client.send(new CreateDBClusterCommand(baseCluster('quota-3'))));
    expect(error).toBeInstanceOf(DBClusterQuotaExceededFault);
    expect(error.name).toBe('DBClusterQuotaExceededFault');
    expect(error.Code).toBe('DBClusterQuotaExceededFault');
    expect(error.$metadata.httpStatusCode).toBe(403);
    expect(error.$fault).toBe('client');
    expect(((await client.send(new DescribeDBClustersCommand({}))).DBClusters ?? []).map((c) => c.DBClusterIdentifier)).toEqual(['quota-1', 'quota-2']);

    const elsewhere = rdsClient(limited.url, { region: 'eu-central-1' });
    try {
      const { DBCluster } = await elsewhere.send(new CreateDBClusterCommand(baseCluster('quota-3')));
      expect(DBCluster!.DBClusterArn).toBe('arn:aws:rds:eu-central-1:000000000000:cluster:quota-3');
    } finally {
      elsewhere.destroy();
    }
  });
});

describe('request validation', () => {
  it('MissingParameter for CreateDBCluster without its required members', async () => {
    const error = await caught(rds.send(new CreateDBClusterCommand({} as CreateDBClusterCommandInput)));
    expect(error).toBeInstanceOf(RDSServiceException);
    expect(error.name).toBe('MissingParameter');
    expect(error.Code).toBe('MissingParameter');
    expect(error.$metadata.httpStatusCode).toBe(400);
    expect(error.message).toBe('The request must contain the parameter DBClusterIdentifier');

    const noEngine = await caught(rds.send(new CreateDBClusterCommand({ DBClusterIdentifier: 'no-engine' } as CreateDBClusterCommandInput)));
    expect(noEngine.name).toBe('MissingParameter');
    expect(noEngine.message).toBe('The request must contain the parameter Engine');
  });

  it.each(['1starts-with-digit', 'double--hyphen', 'trailing-', 'under_score', 'a'.repeat(64)])(
    'InvalidParameterValue for the identifier %s',
    async (id) => {
      const error = await caught(rds.send(new CreateDBClusterCommand(baseCluster(id))));
      expect(error).toBeInstanceOf(RDSServiceException);
      expect(error.name).toBe('InvalidParameterValue');
      expect(error.Code).toBe('InvalidParameterValue');
      expect(error.$metadata.httpStatusCode).toBe(400);
      expect(error.message).toMatch(/^The parameter DBClusterIdentifier is not a valid identifier/);
      if (id.length > 63) expect(error.message).toBe('The parameter DBClusterIdentifier is not a valid identifier because it is longer than 63 characters.');
      else {
        expect(error.message).toBe(
          'The parameter DBClusterIdentifier is not a valid identifier. Identifiers must begin with a letter; must contain only ASCII letters, digits, and hyphens; and must not end with a hyphen or contain two consecutive hyphens.',
        );
      }
    },
  );

  it('accepts a 63-character identifier', async () => {
    const id = `a${'b'.repeat(62)}`;
    const { DBCluster } = await rds.send(new CreateDBClusterCommand(baseCluster(id)));
    expect(DBCluster!.DBClusterIdentifier).toBe(id);
  });

  it('InvalidParameterValue for an unknown engine', async () => {
    const error = await caught(rds.send(new CreateDBClusterCommand({ ...baseCluster('bad-engine'), Engine: 'garbage' })));
    expect(error.name).toBe('InvalidParameterValue');
    expect(error.$metadata.httpStatusCode).toBe(400);
    expect(error.message).toContain('Invalid DB engine');
  });

  it('InvalidParameterCombination for an engine version that does not exist', async () => {
    const error = await caught(rds.send(new CreateDBClusterCommand({ ...baseCluster('bad-version'), EngineVersion: '15.5' })));
    expect(error.name).toBe('InvalidParameterCombination');
    expect(error.Code).toBe('InvalidParameterCombination');
    expect(error.$metadata.httpStatusCode).toBe(400);
    expect(error.message).toBe('Cannot find version 15.5 for aurora-postgresql');
  });

  it('InvalidParameterValue for a password shorter than 8 characters', async () => {
    const error = await caught(rds.send(new CreateDBClusterCommand({ ...baseCluster('short-pass'), MasterUserPassword: 'short' })));
    expect(error.name).toBe('InvalidParameterValue');
    expect(error.$metadata.httpStatusCode).toBe(400);
    expect(error.message).toBe('The parameter MasterUserPassword is not a valid password because it is shorter than 8 characters.');
    expect(error.message).not.toContain('short.'); // the password itself is never echoed
  });

  it('InvalidParameterValue for BacktrackWindow on aurora-postgresql', async () => {
    const error = await caught(rds.send(new CreateDBClusterCommand({ ...baseCluster('pg-backtrack'), BacktrackWindow: 3600 })));
    expect(error.name).toBe('InvalidParameterValue');
    expect(error.$metadata.httpStatusCode).toBe(400);
    expect(error.message).toBe('Backtrack is not enabled for the aurora-postgresql engine.');
  });

  it('InvalidParameterValue for MaxRecords outside 20–100', async () => {
    for (const command of [new DescribeDBClustersCommand({ MaxRecords: 5 }), new DescribeDBInstancesCommand({ MaxRecords: 5 })]) {
      const error = await caught(rds.send(command as DescribeDBClustersCommand));
      expect(error.name).toBe('InvalidParameterValue');
      expect(error.$metadata.httpStatusCode).toBe(400);
      expect(error.message).toBe('Invalid value 5 for MaxRecords. Must be between 20 and 100');
    }
    const tooMany = await caught(rds.send(new DescribeDBClustersCommand({ MaxRecords: 101 })));
    expect(tooMany.message).toBe('Invalid value 101 for MaxRecords. Must be between 20 and 100');
  });

  it('creates nothing when a request is refused', async () => {
    const ids = await listClusterIds();
    for (const refused of ['1starts-with-digit', 'bad-engine', 'bad-version', 'short-pass', 'pg-backtrack', 'no-engine']) expect(ids).not.toContain(refused);
  });
});
