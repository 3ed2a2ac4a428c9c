// Round trips through the official SDK's own code, without a network (see helpers/sdkHarness):
//  (a) SDK serializer → our parser: the input object the SDK was given comes back;
//  (b) our renderer → SDK deserializer: the output we rendered comes back, typed;
//  (c) our error envelope → the SDK's exception classes.
// Every operation in the operation table is covered: a new operation without a sample fails here.
import type {
  AddTagsToResourceCommandInput,
  CreateDBClusterCommandInput,
  CreateDBInstanceCommandInput,
  DeleteDBClusterCommandInput,
  DeleteDBInstanceCommandInput,
  DescribeDBClustersCommandInput,
  DescribeDBInstancesCommandInput,
  ListTagsForResourceCommandInput,
  ModifyDBClusterCommandInput,
  ModifyDBInstanceCommandInput,
  RebootDBInstanceCommandInput,
  RemoveTagsFromResourceCommandInput,
  BacktrackDBClusterCommandInput,
  DescribeEventsCommandInput,
  FailoverDBClusterCommandInput,
  StartDBClusterCommandInput,
  StopDBClusterCommandInput,
} from '@aws-sdk/client-rds';
import { DBClusterNotFoundFault, DBInstanceNotFoundFault, RDSServiceException } from '@aws-sdk/client-rds';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AwsError, fault, invalidAction, invalidParameterValue, missingParameter } from '../../src/protocol/errors.js';
import { parseQueryInput } from '../../src/protocol/parseQuery.js';
import { renderError, renderResponse } from '../../src/protocol/renderXml.js';
import { apiSpec } from '../../src/protocol/spec.js';
import { operations } from '../../src/operations/index.js';
import { modelSample, withoutUndefined } from './helpers/modelSamples.js';
import { runScenario, type Scenario } from './helpers/scenario.js';
import { sdkCommand, sdkExport, sdkHarness, sendThroughSdk } from './helpers/sdkHarness.js';

const tableOperations = Object.keys(operations).sort();
const arn = 'arn:aws:rds:us-east-1:123456789012:cluster:aurora-demo';

// One rich, representative input per operation of the table, typed against the SDK's own input
// types. Members only the SDK knows (newer than our botocore model) are left out: our parser
// ignores them by design.
const sampleInputs: Record<string, Record<string, unknown>> = {
  AddTagsToResource: {
    ResourceName: arn,
    Tags: [
      { Key: 'env', Value: 'dev' },
      { Key: 'team', Value: 'db ops & friends = +1/2%' },
      { Key: 'empty', Value: '' },
      { Key: 'unicode', Value: 'é☃ <b>' },
    ],
  } satisfies AddTagsToResourceCommandInput,
  CreateDBCluster: {
    DBClusterIdentifier: 'aurora-demo',
    Engine: 'aurora-postgresql',
    AvailabilityZones: ['us-east-1a', 'us-east-1b'],
    VpcSecurityGroupIds: ['sg-111', 'sg-222'],
    EngineVersion: '15.4',
    Port: 5432,
    MasterUsername: 'postgres',
    MasterUserPassword: 'p@ss w/rd&=+',
    DatabaseName: 'appdb',
    BackupRetentionPeriod: 7,
    PreferredBackupWindow: '03:00-03:30',
    Tags: [
      { Key: 'env', Value: 'dev' },
      { Key: 'team', Value: 'db ops' },
    ],
    StorageEncrypted: true,
    KmsKeyId: 'arn:aws:kms:us-east-1:123456789012:key/abc',
    BacktrackWindow: 3600,
    EnableCloudwatchLogsExports: ['postgresql', 'upgrade'],
    DeletionProtection: false,
    CopyTagsToSnapshot: true,
    EnableIAMDatabaseAuthentication: false,
    EngineMode: 'provisioned',
    ScalingConfiguration: { MinCapacity: 2, MaxCapacity: 8, AutoPause: true, SecondsUntilAutoPause: 300, TimeoutAction: 'RollbackCapacityChange' },
    ServerlessV2ScalingConfiguration: { MinCapacity: 0.5, MaxCapacity: 16, SecondsUntilAutoPause: 600 },
    DatabaseInsightsMode: 'standard',
    ClusterScalabilityType: 'standard',
    MasterUserAuthenticationType: 'password',
    TagSpecifications: [{ ResourceType: 'cluster-auto-backup', Tags: [{ Key: 'backup', Value: 'yes' }] }],
  } satisfies CreateDBClusterCommandInput,
  CreateDBInstance: {
    DBInstanceIdentifier: 'aurora-demo-1',
    DBInstanceClass: 'db.r6g.large',
    Engine: 'aurora-postgresql',
    DBClusterIdentifier: 'aurora-demo',
    AvailabilityZone: 'us-east-1a',
    PromotionTier: 2,
    DBSecurityGroups: ['default'],
    DomainDnsIps: ['10.0.0.1', '10.0.0.2'],
    EnableCloudwatchLogsExports: [],
    ProcessorFeatures: [
      { Name: 'coreCount', Value: '4' },
      { Name: 'threadsPerCore', Value: '2' },
    ],
    AdditionalStorageVolumes: [{ VolumeName: 'rdsdbdata2', AllocatedStorage: 100, StorageType: 'gp3', IOPS: 3000 }],
    PubliclyAccessible: false,
    MonitoringInterval: 60,
    EnablePerformanceInsights: true,
    PerformanceInsightsRetentionPeriod: 7,
    CACertificateIdentifier: 'rds-ca-rsa2048-g1',
    MultiTenant: false,
    Tags: [{ Key: 'role', Value: 'writer' }],
  } satisfies CreateDBInstanceCommandInput,
  DeleteDBCluster: {
    DBClusterIdentifier: 'aurora-demo',
    SkipFinalSnapshot: false,
    FinalDBSnapshotIdentifier: 'aurora-demo-final',
    DeleteAutomatedBackups: true,
  } satisfies DeleteDBClusterCommandInput,
  DeleteDBInstance: { DBInstanceIdentifier: 'aurora-demo-1', SkipFinalSnapshot: true, DeleteAutomatedBackups: false } satisfies DeleteDBInstanceCommandInput,
  DescribeDBClusters: {
    DBClusterIdentifier: 'aurora-demo',
    Filters: [
      { Name: 'engine', Values: ['aurora-postgresql', 'aurora-mysql'] },
      { Name: 'db-cluster-id', Values: ['aurora-demo'] },
    ],
    MaxRecords: 20,
    Marker: 'eyJhZnRlciI6ImEifQ+/=',
    IncludeShared: true,
  } satisfies DescribeDBClustersCommandInput,
  DescribeDBInstances: { DBInstanceIdentifier: 'aurora-demo-1', Filters: [], MaxRecords: 100, Marker: 'm' } satisfies DescribeDBInstancesCommandInput,
  ListTagsForResource: { ResourceName: arn, Filters: [{ Name: 'tag-key', Values: [] }] } satisfies ListTagsForResourceCommandInput,
  ModifyDBCluster: {
    DBClusterIdentifier: 'aurora-demo',
    NewDBClusterIdentifier: 'aurora-demo-2',
    ApplyImmediately: true,
    BackupRetentionPeriod: 14,
    VpcSecurityGroupIds: ['sg-333'],
    Port: 5433,
    MasterUserPassword: 'n3w password',
    BacktrackWindow: 0,
    CloudwatchLogsExportConfiguration: { EnableLogTypes: ['postgresql'], DisableLogTypes: [] },
    EngineVersion: '16.6',
    AllowMajorVersionUpgrade: true,
    ServerlessV2ScalingConfiguration: { MinCapacity: 1.5, MaxCapacity: 128 },
    DeletionProtection: true,
    AwsBackupRecoveryPointArn: 'arn:aws:backup:us-east-1:123456789012:recovery-point:abc',
    DatabaseInsightsMode: 'advanced',
  } satisfies ModifyDBClusterCommandInput,
  ModifyDBInstance: {
    DBInstanceIdentifier: 'aurora-demo-1',
    DBInstanceClass: 'db.r6g.xlarge',
    ApplyImmediately: false,
    PromotionTier: 0,
    DomainDnsIps: ['10.0.0.3'],
    CloudwatchLogsExportConfiguration: { EnableLogTypes: [], DisableLogTypes: ['postgresql'] },
    ProcessorFeatures: [{ Name: 'coreCount', Value: '8' }],
    UseDefaultProcessorFeatures: false,
    ReplicaMode: 'open-read-only',
    AutomationMode: 'full',
    ResumeFullAutomationModeMinutes: 60,
    AdditionalStorageVolumes: [{ VolumeName: 'rdsdbdata2', SetForDelete: true }],
    CertificateRotationRestart: false,
  } satisfies ModifyDBInstanceCommandInput,
  RebootDBInstance: { DBInstanceIdentifier: 'aurora-demo-1', ForceFailover: false } satisfies RebootDBInstanceCommandInput,
  DescribeEvents: {
    SourceIdentifier: 'aurora-demo',
    SourceType: 'db-cluster',
    StartTime: new Date('2024-05-01T00:00:00.000Z'),
    EndTime: new Date('2024-05-02T23:59:59.999Z'),
    Duration: 1440,
    EventCategories: ['creation', 'deletion'],
    Filters: [],
    MaxRecords: 20,
    Marker: 'bWFya2Vy',
  } satisfies DescribeEventsCommandInput,
  FailoverDBCluster: { DBClusterIdentifier: 'aurora-demo', TargetDBInstanceIdentifier: 'aurora-demo-2' } satisfies FailoverDBClusterCommandInput,
  StartDBCluster: { DBClusterIdentifier: 'aurora-demo' } satisfies StartDBClusterCommandInput,
  StopDBCluster: { DBClusterIdentifier: 'aurora-demo' } satisfies StopDBClusterCommandInput,
  RemoveTagsFromResource: { ResourceName: arn, TagKeys: ['env', 'team name', 'a&b=c'] } satisfies RemoveTagsFromResourceCommandInput,
  // Backtrack, global databases, cluster reboot and IAM roles.
  BacktrackDBCluster: { DBClusterIdentifier: 'aurora-demo', BacktrackTo: new Date('2024-05-01T12:34:56.789Z'), Force: false, UseEarliestTimeOnPointInTimeUnavailable: true },
  DescribeDBClusterBacktracks: {
    DBClusterIdentifier: 'aurora-demo',
    BacktrackIdentifier: '123e4567-e89b-12d3-a456-426655440000',
    Filters: [{ Name: 'db-cluster-backtrack-status', Values: ['applying', 'completed'] }],
    MaxRecords: 20,
    Marker: 'bWFya2Vy',
  },
  CreateGlobalCluster: {
    GlobalClusterIdentifier: 'global-demo',
    Engine: 'aurora-postgresql',
    EngineVersion: '16.6',
    DeletionProtection: true,
    DatabaseName: 'appdb',
    StorageEncrypted: false,
    Tags: [{ Key: 'scope', Value: 'global & wide' }],
  },
  DescribeGlobalClusters: { GlobalClusterIdentifier: 'global-demo', Filters: [{ Name: 'region', Values: ['us-east-1', 'eu-west-1'] }], MaxRecords: 20, Marker: 'bWFya2Vy' },
  ModifyGlobalCluster: { GlobalClusterIdentifier: 'global-demo', NewGlobalClusterIdentifier: 'global-demo-2', DeletionProtection: false, EngineVersion: '17.4', AllowMajorVersionUpgrade: true },
  RemoveFromGlobalCluster: { GlobalClusterIdentifier: 'global-demo', DbClusterIdentifier: 'arn:aws:rds:eu-west-1:123456789012:cluster:aurora-demo-eu' },
  DeleteGlobalCluster: { GlobalClusterIdentifier: 'global-demo' },
  FailoverGlobalCluster: { GlobalClusterIdentifier: 'global-demo', TargetDbClusterIdentifier: 'arn:aws:rds:eu-west-1:123456789012:cluster:aurora-demo-eu', AllowDataLoss: true },
  SwitchoverGlobalCluster: { GlobalClusterIdentifier: 'global-demo', TargetDbClusterIdentifier: 'arn:aws:rds:eu-west-1:123456789012:cluster:aurora-demo-eu' },
  RebootDBCluster: { DBClusterIdentifier: 'aurora-demo' },
  AddRoleToDBCluster: { DBClusterIdentifier: 'aurora-demo', RoleArn: 'arn:aws:iam::123456789012:role/s3-import', FeatureName: 's3Import' },
  RemoveRoleFromDBCluster: { DBClusterIdentifier: 'aurora-demo', RoleArn: 'arn:aws:iam::123456789012:role/s3-import', FeatureName: 's3Import' },
  CreateDBClusterSnapshot: { DBClusterIdentifier: 'aurora-demo', DBClusterSnapshotIdentifier: 'snap-1', Tags: [{ Key: 'kind', Value: 'before upgrade' }] },
  CreateDBClusterEndpoint: { DBClusterIdentifier: 'aurora-demo', DBClusterEndpointIdentifier: 'reports', EndpointType: 'READER', StaticMembers: ['aurora-demo-2', 'aurora-demo-3'], ExcludedMembers: [], Tags: [{ Key: 'use', Value: 'bi tools' }] },
  ModifyDBClusterEndpoint: { DBClusterEndpointIdentifier: 'reports', EndpointType: 'ANY', ExcludedMembers: ['aurora-demo-1'] },
  DeleteDBClusterEndpoint: { DBClusterEndpointIdentifier: 'reports' },
  DescribeDBClusterEndpoints: { DBClusterIdentifier: 'aurora-demo', Filters: [{ Name: 'db-cluster-endpoint-type', Values: ['custom', 'reader'] }], MaxRecords: 20, Marker: 'bWFya2Vy' },
  DescribeDBClusterSnapshots: { DBClusterIdentifier: 'aurora-demo', SnapshotType: 'manual', Filters: [{ Name: 'engine', Values: ['aurora-mysql'] }], MaxRecords: 20, Marker: 'bWFya2Vy', IncludeShared: false, IncludePublic: false },
  DeleteDBClusterSnapshot: { DBClusterSnapshotIdentifier: 'snap-1' },
  CopyDBClusterSnapshot: { SourceDBClusterSnapshotIdentifier: 'snap-1', TargetDBClusterSnapshotIdentifier: 'snap-1-copy', CopyTags: true, Tags: [{ Key: 'copy', Value: 'yes' }] },
  ModifyDBClusterSnapshotAttribute: { DBClusterSnapshotIdentifier: 'snap-1', AttributeName: 'restore', ValuesToAdd: ['123456789012', '210987654321'], ValuesToRemove: ['all'] },
  DescribeDBClusterSnapshotAttributes: { DBClusterSnapshotIdentifier: 'snap-1' },
  RestoreDBClusterFromSnapshot: {
    DBClusterIdentifier: 'restored',
    SnapshotIdentifier: 'snap-1',
    Engine: 'aurora-mysql',
    AvailabilityZones: ['us-east-1a', 'us-east-1b'],
    VpcSecurityGroupIds: ['sg-1'],
    Tags: [{ Key: 'from', Value: 'snapshot' }],
    BacktrackWindow: 3600,
    DeletionProtection: false,
    ServerlessV2ScalingConfiguration: { MinCapacity: 0.5, MaxCapacity: 16 },
  },
  RestoreDBClusterToPointInTime: {
    DBClusterIdentifier: 'pitr',
    SourceDBClusterIdentifier: 'aurora-demo',
    RestoreToTime: new Date('2024-05-01T12:34:56.789Z'),
    RestoreType: 'full-copy',
    Port: 3307,
    Tags: [{ Key: 'from', Value: 'pitr' }],
  },
  // Parameter groups, subnet groups, engine catalogues, quotas, event categories.
  CreateDBClusterParameterGroup: { DBClusterParameterGroupName: 'mysql-tuned', DBParameterGroupFamily: 'aurora-mysql8.0', Description: 'tuned <mysql> & co', Tags: [{ Key: 'team', Value: 'db' }] } satisfies import('@aws-sdk/client-rds').CreateDBClusterParameterGroupCommandInput,
  CreateDBParameterGroup: { DBParameterGroupName: 'mysql-instance', DBParameterGroupFamily: 'aurora-mysql8.0', Description: 'instance "tuned"', Tags: [] } satisfies import('@aws-sdk/client-rds').CreateDBParameterGroupCommandInput,
  DescribeDBClusterParameterGroups: { DBClusterParameterGroupName: 'mysql-tuned', Filters: [{ Name: 'x', Values: ['y'] }], MaxRecords: 20, Marker: 'bWFya2Vy' } satisfies import('@aws-sdk/client-rds').DescribeDBClusterParameterGroupsCommandInput,
  DescribeDBParameterGroups: { DBParameterGroupName: 'mysql-instance', MaxRecords: 100, Marker: 'bWFya2Vy' } satisfies import('@aws-sdk/client-rds').DescribeDBParameterGroupsCommandInput,
  ModifyDBClusterParameterGroup: {
    DBClusterParameterGroupName: 'mysql-tuned',
    Parameters: [
      { ParameterName: 'binlog_format', ParameterValue: 'ROW', ApplyMethod: 'pending-reboot' },
      { ParameterName: 'sql_mode', ParameterValue: 'STRICT_TRANS_TABLES,NO_ZERO_DATE', ApplyMethod: 'immediate' },
    ],
  } satisfies import('@aws-sdk/client-rds').ModifyDBClusterParameterGroupCommandInput,
  ModifyDBParameterGroup: { DBParameterGroupName: 'mysql-instance', Parameters: [{ ParameterName: 'max_connections', ParameterValue: 'GREATEST({DBInstanceClassMemory/12582880},1000)', ApplyMethod: 'pending-reboot' }] } satisfies import('@aws-sdk/client-rds').ModifyDBParameterGroupCommandInput,
  ResetDBClusterParameterGroup: { DBClusterParameterGroupName: 'mysql-tuned', ResetAllParameters: false, Parameters: [{ ParameterName: 'time_zone', ApplyMethod: 'immediate' }] } satisfies import('@aws-sdk/client-rds').ResetDBClusterParameterGroupCommandInput,
  ResetDBParameterGroup: { DBParameterGroupName: 'mysql-instance', ResetAllParameters: true } satisfies import('@aws-sdk/client-rds').ResetDBParameterGroupCommandInput,
  CopyDBClusterParameterGroup: { SourceDBClusterParameterGroupIdentifier: 'arn:aws:rds:us-east-1:123456789012:cluster-pg:mysql-tuned', TargetDBClusterParameterGroupIdentifier: 'mysql-tuned-copy', TargetDBClusterParameterGroupDescription: 'copy', Tags: [{ Key: 'copy', Value: 'yes' }] } satisfies import('@aws-sdk/client-rds').CopyDBClusterParameterGroupCommandInput,
  CopyDBParameterGroup: { SourceDBParameterGroupIdentifier: 'default.aurora-postgresql16', TargetDBParameterGroupIdentifier: 'pg16-copy', TargetDBParameterGroupDescription: 'copy of the default' } satisfies import('@aws-sdk/client-rds').CopyDBParameterGroupCommandInput,
  DeleteDBClusterParameterGroup: { DBClusterParameterGroupName: 'mysql-tuned-copy' } satisfies import('@aws-sdk/client-rds').DeleteDBClusterParameterGroupCommandInput,
  DeleteDBParameterGroup: { DBParameterGroupName: 'pg16-copy' } satisfies import('@aws-sdk/client-rds').DeleteDBParameterGroupCommandInput,
  DescribeDBClusterParameters: { DBClusterParameterGroupName: 'mysql-tuned', Source: 'user', Filters: [{ Name: 'parameter-name', Values: ['binlog_format', 'time_zone'] }], MaxRecords: 20, Marker: 'bWFya2Vy' } satisfies import('@aws-sdk/client-rds').DescribeDBClusterParametersCommandInput,
  DescribeDBParameters: { DBParameterGroupName: 'mysql-instance', Source: 'engine-default', MaxRecords: 20 } satisfies import('@aws-sdk/client-rds').DescribeDBParametersCommandInput,
  DescribeEngineDefaultClusterParameters: { DBParameterGroupFamily: 'aurora-postgresql16', MaxRecords: 20, Marker: 'bWFya2Vy' } satisfies import('@aws-sdk/client-rds').DescribeEngineDefaultClusterParametersCommandInput,
  DescribeEngineDefaultParameters: { DBParameterGroupFamily: 'aurora-mysql8.0', Filters: [{ Name: 'parameter-name', Values: ['max_connections'] }], MaxRecords: 100 } satisfies import('@aws-sdk/client-rds').DescribeEngineDefaultParametersCommandInput,
  CreateDBSubnetGroup: { DBSubnetGroupName: 'App Subnets', DBSubnetGroupDescription: 'private & isolated', SubnetIds: ['subnet-0a1b2c3d', 'subnet-4e5f6a7b'], Tags: [{ Key: 'tier', Value: 'data' }] } satisfies import('@aws-sdk/client-rds').CreateDBSubnetGroupCommandInput,
  DescribeDBSubnetGroups: { DBSubnetGroupName: 'default', Filters: [], MaxRecords: 20, Marker: 'bWFya2Vy' } satisfies import('@aws-sdk/client-rds').DescribeDBSubnetGroupsCommandInput,
  ModifyDBSubnetGroup: { DBSubnetGroupName: 'app subnets', DBSubnetGroupDescription: 'three zones', SubnetIds: ['subnet-0a1b2c3d', 'subnet-4e5f6a7b', 'subnet-8c9d0e1f'] } satisfies import('@aws-sdk/client-rds').ModifyDBSubnetGroupCommandInput,
  DeleteDBSubnetGroup: { DBSubnetGroupName: 'app subnets' } satisfies import('@aws-sdk/client-rds').DeleteDBSubnetGroupCommandInput,
  DescribeDBEngineVersions: {
    Engine: 'aurora-postgresql',
    EngineVersion: '16',
    DBParameterGroupFamily: 'aurora-postgresql16',
    Filters: [{ Name: 'engine-mode', Values: ['provisioned'] }],
    MaxRecords: 20,
    Marker: 'bWFya2Vy',
    DefaultOnly: true,
    ListSupportedCharacterSets: true,
    ListSupportedTimezones: false,
    IncludeAll: false,
  } satisfies import('@aws-sdk/client-rds').DescribeDBEngineVersionsCommandInput,
  DescribeOrderableDBInstanceOptions: { Engine: 'aurora-mysql', EngineVersion: '8.0.mysql_aurora.3.08.2', DBInstanceClass: 'db.r6g.large', LicenseModel: 'general-public-license', Vpc: true, MaxRecords: 1000, Marker: 'bWFya2Vy' } satisfies import('@aws-sdk/client-rds').DescribeOrderableDBInstanceOptionsCommandInput,
  DescribeAccountAttributes: {} satisfies import('@aws-sdk/client-rds').DescribeAccountAttributesCommandInput,
  DescribeEventCategories: { SourceType: 'db-cluster', Filters: [] } satisfies import('@aws-sdk/client-rds').DescribeEventCategoriesCommandInput,
};

// Operations outside the table: more timestamps.
const extraSampleInputs: Record<string, Record<string, unknown>> = {
  BacktrackDBCluster: {
    DBClusterIdentifier: 'aurora-demo',
    BacktrackTo: new Date('2024-05-01T12:34:56.789Z'),
    Force: true,
  } satisfies BacktrackDBClusterCommandInput,
};

async function serializeAndParse(operation: string, input: Record<string, unknown>) {
  const harness = sdkHarness();
  await sendThroughSdk(harness, operation, input);
  expect(harness.requests).toHaveLength(1);
  const { body, method, headers } = harness.requests[0];
  expect(method).toBe('POST');
  expect(headers['content-type']).toBe('application/x-www-form-urlencoded');
  expect(body.startsWith(`Action=${operation}&Version=2014-10-31`)).toBe(true);
  const parsed = parseQueryInput(new URLSearchParams(body), apiSpec.operations[operation].input);
  return { body, parsed: parsed.input };
}

async function renderAndDeserialize(operation: string, output: Record<string, unknown> | undefined) {
  const harness = sdkHarness();
  const requestId = `req-${operation}-0001`;
  const xml = renderResponse(operation, output, requestId);
  harness.respondWith({ statusCode: 200, headers: { 'x-amzn-RequestId': requestId }, body: xml });
  const { $metadata, ...rest } = (await sendThroughSdk(harness, operation, {})) as { $metadata: { requestId?: string; httpStatusCode?: number } };
  expect($metadata.requestId).toBe(requestId);
  expect($metadata.httpStatusCode).toBe(200);
  return { xml, parsed: rest as Record<string, unknown> };
}

async function sdkErrorFor(operation: string, error: AwsError, requestId = 'err-req-1'): Promise<any> {
  const harness = sdkHarness();
  harness.respondWith({ statusCode: error.httpStatus, headers: { 'x-amzn-RequestId': requestId }, body: renderError(error, requestId) });
  try {
    await sendThroughSdk(harness, operation, {});
  } catch (caught) {
    expect(harness.requests).toHaveLength(1); // 4xx: no retries
    return caught;
  }
  throw new Error(`the SDK accepted a ${error.httpStatus} ${error.code} response for ${operation}`);
}

let scenario: Scenario;
beforeAll(async () => {
  scenario = await runScenario();
});
afterAll(() => scenario?.close());

describe('the operation table', () => {
  it('is not empty and every operation has an SDK command', () => {
    expect(tableOperations.length).toBeGreaterThanOrEqual(12);
    expect(tableOperations.filter((op) => !sdkCommand(op))).toEqual([]);
  });

  it('has a sample input for every operation, and a scenario output for every operation with output', () => {
    expect(tableOperations.filter((op) => !sampleInputs[op])).toEqual([]);
    expect(tableOperations.filter((op) => apiSpec.operations[op].output && !scenario.outputs.get(op))).toEqual([]);
  });
});

describe.each(tableOperations)('%s', (operation) => {
  it('(a) SDK serializer → parseQueryInput gives back the SDK input', async () => {
    const input = sampleInputs[operation];
    if (!input) throw new Error(`no sample input for ${operation}: add one to sampleInputs in ${import.meta.url}`);
    const { parsed } = await serializeAndParse(operation, input);
    expect(parsed).toEqual(input);
  });

  it('(a) SDK serializer → parseQueryInput, every member of the input shape', async () => {
    const input = modelSample(apiSpec.operations[operation].input!) as Record<string, unknown>;
    const { parsed } = await serializeAndParse(operation, input);
    expect(parsed).toEqual(input);
  });

  it('(b) renderResponse → SDK deserializer gives back the scenario output, typed', async () => {
    const spec = apiSpec.operations[operation];
    if (!spec.output) {
      const { xml, parsed } = await renderAndDeserialize(operation, undefined);
      expect(parsed).toEqual({});
      expect(xml).not.toContain('Result>');
      return;
    }
    const output = scenario.outputs.get(operation);
    if (!output) throw new Error(`the scenario (helpers/scenario.ts) produced no output for ${operation}`);
    const { xml, parsed } = await renderAndDeserialize(operation, output);
    expect(xml).toContain(`<${spec.resultWrapper}>`);
    // Everything the presenters produced is in the model (the renderer drops unknown keys) and
    // comes back with the same type: numbers, booleans, Dates.
    expect(parsed).toEqual(withoutUndefined(output));
  });

  if (apiSpec.operations[operation].output) {
    it('(b) renderResponse → SDK deserializer, every member of the output shape', async () => {
      const output = modelSample(apiSpec.operations[operation].output!) as Record<string, unknown>;
      const { parsed } = await renderAndDeserialize(operation, output);
      expect(parsed).toEqual(output);
    });
  }

  const modelledErrors = apiSpec.operations[operation].errors;
  // (DescribeEvents models no errors: nothing to map.)
  if (modelledErrors.length) {
    it('(c) every modelled error of the operation becomes its SDK exception class', async () => {
      for (const shape of modelledErrors) {
        const message = `${shape} for ${operation}: "quoted" & <escaped>`;
        const error = fault(shape, message);
        const caught = await sdkErrorFor(operation, error);
        const ExceptionClass = sdkExport(shape) as (new (...args: never[]) => Error) | undefined;
        expect(ExceptionClass, `@aws-sdk/client-rds exports ${shape}`).toBeTypeOf('function');
        expect(caught, shape).toBeInstanceOf(ExceptionClass!);
        expect(caught).toBeInstanceOf(RDSServiceException);
        expect(caught.name).toBe(shape);
        expect(caught.message).toBe(message);
        expect(caught.Code).toBe(apiSpec.errors[shape].code);
        expect(caught.$fault).toBe('client');
        expect(caught.$metadata.httpStatusCode).toBe(apiSpec.errors[shape].httpStatusCode);
        expect(caught.$metadata.requestId).toBe('err-req-1');
      }
    });
  }
});

describe('the scenario outputs carry the types the SDK must see', () => {
  it('DescribeDBClusters: members, tags, timestamps, booleans, longs, doubles and Marker', async () => {
    const { parsed } = await renderAndDeserialize('DescribeDBClusters', scenario.outputs.get('DescribeDBClusters'));
    const clusters = parsed.DBClusters as any[];
    expect(clusters).toHaveLength(20);
    expect(parsed.Marker).toEqual(expect.any(String));
    const demo = clusters.find((c) => c.DBClusterIdentifier === 'aurora-demo');
    expect(demo.Port).toBe(3307);
    expect(demo.StorageEncrypted).toBe(true);
    expect(demo.DeletionProtection).toBe(false);
    expect(demo.ClusterCreateTime).toBeInstanceOf(Date);
    expect(demo.BacktrackWindow).toBe(3600);
    expect(demo.BacktrackConsumedChangeRecords).toBe(0);
    expect(demo.ServerlessV2ScalingConfiguration).toEqual({ MinCapacity: 0.5, MaxCapacity: 16 });
    expect(demo.EnabledCloudwatchLogsExports).toEqual(['audit', 'error']);
    expect(demo.DBClusterMembers).toHaveLength(16);
    expect(demo.DBClusterMembers.filter((m: any) => m.IsClusterWriter === true)).toHaveLength(1);
    expect(demo.DBClusterMembers[0]).toEqual({ DBInstanceIdentifier: 'aurora-demo-1', IsClusterWriter: true, DBClusterParameterGroupStatus: 'in-sync', PromotionTier: 0 });
    expect(demo.VpcSecurityGroups).toEqual([
      { VpcSecurityGroupId: 'sg-111', Status: 'active' },
      { VpcSecurityGroupId: 'sg-222', Status: 'active' },
    ]);
    expect(demo.TagList).toEqual([
      { Key: 'env', Value: 'dev' },
      { Key: 'team', Value: 'db ops: friends + co' },
      { Key: 'cost-centre', Value: '42' },
    ]);
    expect(demo.PendingModifiedValues).toEqual({ EngineVersion: '8.0.mysql_aurora.3.09.0' });
    expect(demo.AssociatedRoles).toEqual([]);
  });

  it('DescribeDBInstances: Endpoint struct, pending class, nested subnet group', async () => {
    const { parsed } = await renderAndDeserialize('DescribeDBInstances', scenario.outputs.get('DescribeDBInstances'));
    const instances = parsed.DBInstances as any[];
    expect(instances).toHaveLength(20);
    expect(parsed.Marker).toEqual(expect.any(String));
    const reader = instances.find((i) => i.DBInstanceIdentifier === 'aurora-demo-2');
    expect(reader.Endpoint).toEqual({ Address: expect.stringMatching(/^aurora-demo-2\./), Port: 3307, HostedZoneId: expect.any(String) });
    expect(reader.InstanceCreateTime).toBeInstanceOf(Date);
    expect(reader.PendingModifiedValues).toEqual({ DBInstanceClass: 'db.r6g.2xlarge' });
    expect(reader.PromotionTier).toBe(1);
    expect(reader.DBSubnetGroup.Subnets).toHaveLength(3);
    expect(reader.DBSubnetGroup.Subnets[0].SubnetAvailabilityZone).toEqual({ Name: 'us-east-1a' });
    expect(reader.TagList).toEqual([{ Key: 'role', Value: 'reader' }]);
  });
});

describe('round trips outside the table', () => {
  it.each(Object.keys(extraSampleInputs))('%s: timestamps survive', async (operation) => {
    const input = extraSampleInputs[operation];
    const { body, parsed } = await serializeAndParse(operation, input);
    expect(parsed).toEqual(input);
    expect(body).toContain('BacktrackTo=2024-05-01T12%3A34%3A56.789Z');
  });

  it('DescribeEvents: the SDK drops a zero fraction (…00Z), and the parser takes both forms', async () => {
    const { body, parsed } = await serializeAndParse('DescribeEvents', sampleInputs.DescribeEvents);
    expect(body).toContain('StartTime=2024-05-01T00%3A00%3A00Z&');
    expect(body).toContain('EndTime=2024-05-02T23%3A59%3A59.999Z&');
    expect(body).toContain('EventCategories.EventCategory.2=deletion');
    expect(parsed.StartTime).toEqual(new Date('2024-05-01T00:00:00Z'));
  });

  it('CreateDBCluster: the wire forms of protocol.md (modelled member names, member lists, nested doubles)', async () => {
    const { body } = await serializeAndParse('CreateDBCluster', sampleInputs.CreateDBCluster);
    for (const fragment of [
      'AvailabilityZones.AvailabilityZone.2=us-east-1b',
      'VpcSecurityGroupIds.VpcSecurityGroupId.1=sg-111',
      'Tags.Tag.2.Key=team&Tags.Tag.2.Value=db%20ops',
      'EnableCloudwatchLogsExports.member.2=upgrade',
      'ServerlessV2ScalingConfiguration.MinCapacity=0.5',
      'ServerlessV2ScalingConfiguration.MaxCapacity=16&',
      'TagSpecifications.item.1.Tags.Tag.1.Key=backup',
      'MasterUserPassword=p%40ss%20w%2Frd%26%3D%2B',
      'StorageEncrypted=true',
    ]) {
      expect(body).toContain(fragment);
    }
    const { body: emptyList } = await serializeAndParse('DescribeDBInstances', sampleInputs.DescribeDBInstances);
    expect(emptyList).toContain('&Filters=&');
  });

  // Every operation of the model, with every member filled: the parser and the renderer agree
  // with the SDK on all of it (maps, nested lists, timestamps, longs), implemented or not.
  const modelOperations = Object.keys(apiSpec.operations).filter((op) => sdkCommand(op));
  it('covers nearly the whole model', () => {
    expect(modelOperations.length).toBeGreaterThanOrEqual(160);
  });
  it.each(modelOperations)('%s: whole input and output shapes', async (operation) => {
    const spec = apiSpec.operations[operation];
    if (spec.input) {
      const input = modelSample(spec.input) as Record<string, unknown>;
      expect((await serializeAndParse(operation, input)).parsed).toEqual(input);
    }
    if (spec.output) {
      const output = modelSample(spec.output) as Record<string, unknown>;
      expect((await renderAndDeserialize(operation, output)).parsed).toEqual(output);
    }
  });
});

describe('(c) error envelopes', () => {
  it('DBInstanceNotFoundFault: wire code DBInstanceNotFound, 404, the SDK class, Code/Type/message/RequestId', async () => {
    const error = fault('DBInstanceNotFoundFault', 'DBInstance nope not found.');
    expect(error.code).toBe('DBInstanceNotFound');
    expect(error.httpStatus).toBe(404);
    const caught = await sdkErrorFor('DescribeDBInstances', error, 'rid-404');
    expect(caught).toBeInstanceOf(DBInstanceNotFoundFault);
    expect(caught).toBeInstanceOf(RDSServiceException);
    expect(caught.name).toBe('DBInstanceNotFoundFault');
    expect(caught.message).toBe('DBInstance nope not found.');
    expect(caught.Code).toBe('DBInstanceNotFound');
    expect(caught.Type).toBe('Sender');
    expect(caught.RequestId).toBe('rid-404');
    expect(caught.$metadata).toMatchObject({ httpStatusCode: 404, requestId: 'rid-404', attempts: 1 });
  });

  it('DBClusterNotFoundFault (404) and DBClusterQuotaExceededFault (403)', async () => {
    const notFound = await sdkErrorFor('DescribeDBClusters', fault('DBClusterNotFoundFault', 'DBCluster nope not found.'));
    expect(notFound).toBeInstanceOf(DBClusterNotFoundFault);
    expect(notFound.$metadata.httpStatusCode).toBe(404);
    const quota = await sdkErrorFor('CreateDBCluster', fault('DBClusterQuotaExceededFault', 'Cannot create more than 40 DB clusters in this region.'));
    expect(quota.name).toBe('DBClusterQuotaExceededFault');
    expect(quota.$metadata.httpStatusCode).toBe(403);
  });

  it.each([
    ['InvalidParameterValue', invalidParameterValue('Invalid value 19 for MaxRecords. Must be between 20 and 100')],
    ['MissingParameter', missingParameter('DBClusterIdentifier')],
    ['InvalidAction', invalidAction('DescribeNothing')],
  ])('unmodelled %s becomes an RDSServiceException named after the code', async (code, error) => {
    const caught = await sdkErrorFor('DescribeDBClusters', error);
    expect(caught).toBeInstanceOf(RDSServiceException);
    expect(caught.constructor).toBe(RDSServiceException);
    expect(caught.name).toBe(code);
    expect(caught.message).toBe(error.message);
    expect(caught.$metadata.httpStatusCode).toBe(400);
  });

  it('an unknown fault shape is a programming error, not a silent 400', () => {
    expect(() => fault('NoSuchFault', 'x')).toThrow(/no error shape NoSuchFault/);
  });
});
