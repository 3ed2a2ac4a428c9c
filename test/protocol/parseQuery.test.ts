// awsQuery form decoding, driven by the model: what the SDK and the CLI send (protocol.md §2)
// becomes the operation's typed input, with the client's own key names remembered.
import { describe, expect, it } from 'vitest';
import { AwsError } from '../../src/protocol/errors.js';
import { parseQueryInput, parseTimestamp } from '../../src/protocol/parseQuery.js';
import { apiSpec } from '../../src/protocol/spec.js';

const inputShape = (operation: string) => apiSpec.operations[operation].input!;

function parse(operation: string, body: string) {
  return parseQueryInput(new URLSearchParams(`Action=${operation}&Version=2014-10-31&${body}`), inputShape(operation));
}

function parseError(operation: string, body: string): AwsError {
  try {
    parse(operation, body);
  } catch (error) {
    expect(error).toBeInstanceOf(AwsError);
    return error as AwsError;
  }
  throw new Error(`parsing ${body} did not fail`);
}

describe('parseQueryInput', () => {
  it('decodes the captured SDK CreateDBCluster body of protocol.md', () => {
    const body =
      'DBClusterIdentifier=aurora-demo&Engine=aurora-postgresql&AvailabilityZones.AvailabilityZone.1=us-east-1a&AvailabilityZones.AvailabilityZone.2=us-east-1b' +
      '&VpcSecurityGroupIds.VpcSecurityGroupId.1=sg-111&VpcSecurityGroupIds.VpcSecurityGroupId.2=sg-222&EngineVersion=15.4&Port=5432&MasterUsername=postgres' +
      '&MasterUserPassword=p%40ss%20w%2Frd%26%3D%2B&Tags.Tag.1.Key=env&Tags.Tag.1.Value=dev&Tags.Tag.2.Key=team&Tags.Tag.2.Value=db%20ops&StorageEncrypted=true' +
      '&BacktrackWindow=3600&EnableCloudwatchLogsExports.member.1=postgresql&EnableCloudwatchLogsExports.member.2=upgrade&DeletionProtection=false' +
      '&ServerlessV2ScalingConfiguration.MinCapacity=0.5&ServerlessV2ScalingConfiguration.MaxCapacity=16';
    expect(parse('CreateDBCluster', body).input).toEqual({
      DBClusterIdentifier: 'aurora-demo',
      Engine: 'aurora-postgresql',
      AvailabilityZones: ['us-east-1a', 'us-east-1b'],
      VpcSecurityGroupIds: ['sg-111', 'sg-222'],
      EngineVersion: '15.4',
      Port: 5432,
      MasterUsername: 'postgres',
      MasterUserPassword: 'p@ss w/rd&=+',
      Tags: [
        { Key: 'env', Value: 'dev' },
        { Key: 'team', Value: 'db ops' },
      ],
      StorageEncrypted: true,
      BacktrackWindow: 3600,
      EnableCloudwatchLogsExports: ['postgresql', 'upgrade'],
      DeletionProtection: false,
      ServerlessV2ScalingConfiguration: { MinCapacity: 0.5, MaxCapacity: 16 },
    });
  });

  it('decodes %20 (SDK) and + (CLI) as spaces, and %2B as a plus', () => {
    expect(parse('AddTagsToResource', 'ResourceName=r&Tags.Tag.1.Key=a%20b&Tags.Tag.1.Value=c+d+%2B').input.Tags).toEqual([{ Key: 'a b', Value: 'c d +' }]);
  });

  it('takes `Filters=` as an empty list, and an absent list as absent', () => {
    expect(parse('DescribeDBClusters', 'Filters=').input).toEqual({ Filters: [] });
    expect(parse('DescribeDBClusters', '').input).toEqual({});
    expect(parse('ListTagsForResource', 'ResourceName=r&Filters.Filter.1.Name=tag-key&Filters.Filter.1.Values=').input).toEqual({
      ResourceName: 'r',
      Filters: [{ Name: 'tag-key', Values: [] }],
    });
  });

  it('orders list items by index, numerically, whatever the key order and gaps', () => {
    const { input, wireNames } = parse('AddTagsToResource', 'ResourceName=r&Tags.Tag.10.Key=j&Tags.Tag.3.Key=c&Tags.Tag.1.Key=a&Tags.Tag.3.Value=cv&Tags.Tag.2.Key=b');
    expect(input.Tags).toEqual([{ Key: 'a' }, { Key: 'b' }, { Key: 'c', Value: 'cv' }, { Key: 'j' }]);
    // The client's own names are kept for messages: position 3 was sent as index 10.
    expect(wireNames.get('/Tags/3/Key')).toBe('Tags.Tag.10.Key');
    expect(wireNames.get('/Tags/2/Value')).toBe('Tags.Tag.3.Value');
    expect(wireNames.get('/Tags')).toBe('Tags');
  });

  it('decodes lists of structures containing lists (Filters.Filter.N.Values.Value.N)', () => {
    const body =
      'Filters.Filter.1.Name=engine&Filters.Filter.1.Values.Value.1=aurora-postgresql&Filters.Filter.1.Values.Value.2=aurora-mysql' +
      '&Filters.Filter.2.Name=db-cluster-id&Filters.Filter.2.Values.Value.1=aurora-demo&MaxRecords=20';
    expect(parse('DescribeDBClusters', body).input).toEqual({
      Filters: [
        { Name: 'engine', Values: ['aurora-postgresql', 'aurora-mysql'] },
        { Name: 'db-cluster-id', Values: ['aurora-demo'] },
      ],
      MaxRecords: 20,
    });
  });

  it('decodes `member` lists (EnableCloudwatchLogsExports, TagKeys, DomainDnsIps) and `item` lists (TagSpecifications)', () => {
    expect(parse('RemoveTagsFromResource', 'ResourceName=r&TagKeys.member.2=b&TagKeys.member.1=a').input).toEqual({ ResourceName: 'r', TagKeys: ['a', 'b'] });
    const instance = parse(
      'CreateDBInstance',
      'DBInstanceIdentifier=i&DBInstanceClass=db.r6g.large&Engine=aurora-postgresql&DomainDnsIps.member.1=10.0.0.1' +
        '&TagSpecifications.item.1.ResourceType=auto-backup&TagSpecifications.item.1.Tags.Tag.1.Key=k&TagSpecifications.item.1.Tags.Tag.1.Value=v',
    ).input;
    expect(instance.DomainDnsIps).toEqual(['10.0.0.1']);
    expect(instance.TagSpecifications).toEqual([{ ResourceType: 'auto-backup', Tags: [{ Key: 'k', Value: 'v' }] }]);
  });

  it('decodes nested structures, with doubles as the SDK (16) and the CLI (16.0) send them', () => {
    const sdk = parse('ModifyDBCluster', 'DBClusterIdentifier=c&ServerlessV2ScalingConfiguration.MinCapacity=0.5&ServerlessV2ScalingConfiguration.MaxCapacity=16').input;
    const cli = parse('ModifyDBCluster', 'DBClusterIdentifier=c&ServerlessV2ScalingConfiguration.MinCapacity=0.5&ServerlessV2ScalingConfiguration.MaxCapacity=16.0').input;
    expect(sdk).toEqual({ DBClusterIdentifier: 'c', ServerlessV2ScalingConfiguration: { MinCapacity: 0.5, MaxCapacity: 16 } });
    expect(cli).toEqual(sdk);
    expect(
      parse('ModifyDBCluster', 'DBClusterIdentifier=c&CloudwatchLogsExportConfiguration.EnableLogTypes.member.1=audit&CloudwatchLogsExportConfiguration.DisableLogTypes=').input
        .CloudwatchLogsExportConfiguration,
    ).toEqual({ EnableLogTypes: ['audit'], DisableLogTypes: [] });
  });

  it('converts integers, longs and booleans to their types, and keeps unconvertible text for validation to report', () => {
    const { input } = parse('CreateDBCluster', 'DBClusterIdentifier=c&Engine=e&Port=%205432%20&BacktrackWindow=12345678901&StorageEncrypted=true&DeletionProtection=false&CopyTagsToSnapshot=TRUE');
    expect(input).toMatchObject({ Port: 5432, BacktrackWindow: 12_345_678_901, StorageEncrypted: true, DeletionProtection: false, CopyTagsToSnapshot: true });
    const bad = parse('CreateDBCluster', 'Port=abc&StorageEncrypted=yes&BacktrackWindow=1.5&ServerlessV2ScalingConfiguration.MinCapacity=lots').input;
    expect(bad).toMatchObject({ Port: 'abc', StorageEncrypted: 'yes', BacktrackWindow: '1.5', ServerlessV2ScalingConfiguration: { MinCapacity: 'lots' } });
  });

  it('parses timestamps with milliseconds (SDK), microseconds (CLI), no fraction, and offsets', () => {
    const at = (text: string) => parse('BacktrackDBCluster', `DBClusterIdentifier=c&BacktrackTo=${encodeURIComponent(text)}`).input.BacktrackTo;
    const expected = new Date('2024-05-01T12:34:56.789Z');
    expect(at('2024-05-01T12:34:56.789Z')).toEqual(expected);
    expect(at('2024-05-01T12:34:56.789000Z')).toEqual(expected);
    expect(at('2024-05-01T12:34:56.789123Z')).toEqual(expected); // truncated to ms, like the SDK
    expect(at('2024-05-01T14:34:56.789+02:00')).toEqual(expected);
    expect(at('2024-05-01T07:34:56.789000-05:00')).toEqual(expected);
    expect(at('2024-05-01T12:34:56Z')).toEqual(new Date('2024-05-01T12:34:56.000Z'));
    expect(at('2024-05-01T12:34:56.5Z')).toEqual(new Date('2024-05-01T12:34:56.500Z'));
    expect(at('2024-05-01T12:34:56.789Z')).toBeInstanceOf(Date);
  });

  it('leaves timestamps without a zone, epoch seconds and impossible times as text (validation rejects them)', () => {
    for (const text of ['2024-05-01T12:34:56', '1714464550', 'Wed, 01 May 2024 12:34:56 GMT', '2024-13-01T00:00:00Z', 'yesterday']) {
      expect(parseTimestamp(text), text).toBeUndefined();
    }
  });

  it('refuses calendar dates that do not exist instead of rolling them over', () => {
    for (const text of ['2024-02-30T00:00:00Z', '2023-02-29T12:00:00Z', '2024-01-01T24:00:00Z', '2024-01-01T23:60:00Z', '2024-13-01T00:00:00Z']) {
      expect(parseTimestamp(text), text).toBeUndefined();
    }
    expect(parseTimestamp('2024-02-29T23:59:59.999999Z')?.toISOString()).toBe('2024-02-29T23:59:59.999Z');
  });

  it('keeps a scalar sent where the model wants a structure, so validation refuses it', () => {
    const { input } = parse('ModifyDBCluster', 'DBClusterIdentifier=a&ServerlessV2ScalingConfiguration=abc');
    expect(input.ServerlessV2ScalingConfiguration).toBe('abc');
  });

  it('ignores keys the model does not know, at any depth', () => {
    const { input } = parse('CreateDBCluster', 'DBClusterIdentifier=c&Engine=e&Bogus=1&Tags.Tag.1.Key=k&Tags.Tag.1.Colour=red&ServerlessV2ScalingConfiguration.Turbo=true&SourceRegion=us-west-2');
    expect(input).toEqual({ DBClusterIdentifier: 'c', Engine: 'e', Tags: [{ Key: 'k' }], ServerlessV2ScalingConfiguration: {} });
  });

  it('does not take Action and Version as input members', () => {
    expect(parse('DescribeDBClusters', '').input).toEqual({});
    expect(parseQueryInput(new URLSearchParams('Action=x&Version=y'), undefined).input).toEqual({});
  });

  it('keeps the first of repeated keys', () => {
    expect(parse('DescribeDBClusters', 'DBClusterIdentifier=first&DBClusterIdentifier=second').input).toEqual({ DBClusterIdentifier: 'first' });
  });

  it.each(['0', '01', 'x', '-1', ''])('rejects the list index "%s" with InvalidParameterValue naming the key', (index) => {
    const error = parseError('AddTagsToResource', `ResourceName=r&Tags.Tag.${index}.Key=k`);
    expect(error.code).toBe('InvalidParameterValue');
    expect(error.httpStatus).toBe(400);
    expect(error.message).toContain(`Tags.Tag.${index}`);
  });

  it('rejects a bad index deep inside a nested list too', () => {
    const error = parseError('DescribeDBClusters', 'Filters.Filter.1.Name=engine&Filters.Filter.1.Values.Value.0=x');
    expect(error.message).toContain('Filters.Filter.1.Values.Value.0');
  });

  it('decodes maps (entry.N.key / entry.N.value)', () => {
    const { input } = parse(
      'CreateIntegration',
      'SourceArn=s&TargetArn=t&IntegrationName=n&AdditionalEncryptionContext.entry.2.key=b&AdditionalEncryptionContext.entry.2.value=2&AdditionalEncryptionContext.entry.1.key=a&AdditionalEncryptionContext.entry.1.value=1',
    );
    expect(input.AdditionalEncryptionContext).toEqual({ a: '1', b: '2' });
  });
});
