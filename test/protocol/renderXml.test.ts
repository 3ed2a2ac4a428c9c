// awsQuery XML rendering from the model (protocol.md §3, §4): the <{Op}Result> wrapper, list
// item element names, lowercase booleans, ISO timestamps with Z, omitted absent members,
// escaping, and the error envelope.
import { parseStringPromise } from 'xml2js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fault, invalidParameterValue } from '../../src/protocol/errors.js';
import { escapeXml, renderError, renderMembers, renderResponse } from '../../src/protocol/renderXml.js';
import { apiSpec } from '../../src/protocol/spec.js';
import { runScenario, type Scenario } from './helpers/scenario.js';

const ns = 'http://rds.amazonaws.com/doc/2014-10-31/';
const parseXml = (xml: string) => parseStringPromise(xml, { explicitArray: true });

let scenario: Scenario;
beforeAll(async () => {
  scenario = await runScenario();
});
afterAll(() => scenario?.close());

describe('renderResponse', () => {
  it('wraps the output in <{Op}Response xmlns><{Op}Result> and adds ResponseMetadata/RequestId', async () => {
    const xml = renderResponse('DescribeDBClusters', { DBClusters: [] }, 'rid-1');
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>')).toBe(true);
    const doc = await parseXml(xml);
    const root = doc.DescribeDBClustersResponse;
    expect(root.$.xmlns).toBe(ns);
    expect(Object.keys(root).filter((k) => k !== '$')).toEqual(['DescribeDBClustersResult', 'ResponseMetadata']);
    expect(root.ResponseMetadata[0].RequestId[0]).toBe('rid-1');
    // The result wrapper is the model's resultWrapper for every operation that has an output.
    for (const [operation, spec] of Object.entries(apiSpec.operations)) {
      if (!spec.output) continue;
      expect(spec.resultWrapper, operation).toBeTruthy();
      expect(renderResponse(operation, {}, 'r')).toContain(`<${operation}Response xmlns="${ns}"><${spec.resultWrapper}></${spec.resultWrapper}>`);
    }
  });

  it('has no Result element for operations without output (AddTagsToResource, RemoveTagsFromResource)', async () => {
    for (const operation of ['AddTagsToResource', 'RemoveTagsFromResource']) {
      expect(apiSpec.operations[operation].output).toBeUndefined();
      const xml = renderResponse(operation, undefined, 'rid-2');
      expect(xml).not.toContain('Result');
      const doc = await parseXml(xml);
      expect(Object.keys(doc[`${operation}Response`]).filter((k) => k !== '$')).toEqual(['ResponseMetadata']);
    }
  });

  it('names list items after the model: DBClusters/DBCluster, DBClusterMembers/DBClusterMember, VpcSecurityGroups/VpcSecurityGroupMembership, AvailabilityZones/AvailabilityZone, EnabledCloudwatchLogsExports/member, TagList/Tag', async () => {
    const output = scenario.outputs.get('DescribeDBClusters')!;
    const doc = await parseXml(renderResponse('DescribeDBClusters', output, 'rid-3'));
    const result = doc.DescribeDBClustersResponse.DescribeDBClustersResult[0];
    expect(Object.keys(result.DBClusters[0])).toEqual(['DBCluster']);
    expect(result.Marker[0]).toEqual(output.Marker);
    const demo = result.DBClusters[0].DBCluster.find((c: any) => c.DBClusterIdentifier[0] === 'aurora-demo');
    expect(Object.keys(demo.DBClusterMembers[0])).toEqual(['DBClusterMember']);
    expect(demo.DBClusterMembers[0].DBClusterMember).toHaveLength(16);
    expect(demo.DBClusterMembers[0].DBClusterMember[0]).toEqual({
      DBInstanceIdentifier: ['aurora-demo-1'],
      IsClusterWriter: ['true'],
      DBClusterParameterGroupStatus: ['in-sync'],
      PromotionTier: ['0'],
    });
    expect(demo.VpcSecurityGroups[0]).toEqual({
      VpcSecurityGroupMembership: [
        { VpcSecurityGroupId: ['sg-111'], Status: ['active'] },
        { VpcSecurityGroupId: ['sg-222'], Status: ['active'] },
      ],
    });
    expect(demo.AvailabilityZones[0]).toEqual({ AvailabilityZone: ['us-east-1a', 'us-east-1b', 'us-east-1c'] });
    expect(demo.EnabledCloudwatchLogsExports[0]).toEqual({ member: ['audit', 'error'] });
    expect(demo.TagList[0].Tag[0]).toEqual({ Key: ['env'], Value: ['dev'] });
    // Empty lists are present and empty (the SDK reads <AssociatedRoles></AssociatedRoles> as []).
    expect(demo.AssociatedRoles).toEqual(['']);
  });

  it('renders instance lists as DBInstances/DBInstance with nested structures and their own lists', async () => {
    const doc = await parseXml(renderResponse('DescribeDBInstances', scenario.outputs.get('DescribeDBInstances')!, 'rid-4'));
    const instances = doc.DescribeDBInstancesResponse.DescribeDBInstancesResult[0].DBInstances[0].DBInstance;
    expect(instances).toHaveLength(20);
    const first = instances[0];
    expect(first.DBParameterGroups[0].DBParameterGroup[0].ParameterApplyStatus).toEqual(['in-sync']);
    expect(first.OptionGroupMemberships[0].OptionGroupMembership[0].Status).toEqual(['in-sync']);
    expect(first.DBSubnetGroup[0].Subnets[0].Subnet).toHaveLength(3);
    expect(first.DBSubnetGroup[0].Subnets[0].Subnet[0].SubnetAvailabilityZone[0].Name).toEqual(['us-east-1a']);
    expect(first.DBSubnetGroup[0].SupportedNetworkTypes[0]).toEqual({ member: ['IPV4'] });
    expect(first.Endpoint[0].Port).toEqual(['3307']);
  });

  it('writes booleans in lowercase, including false', () => {
    const xml = renderMembers('DBClusterMember', { DBInstanceIdentifier: 'a', IsClusterWriter: false, PromotionTier: 0 });
    expect(xml).toBe('<DBInstanceIdentifier>a</DBInstanceIdentifier><IsClusterWriter>false</IsClusterWriter><PromotionTier>0</PromotionTier>');
    expect(renderMembers('DBClusterMember', { IsClusterWriter: true })).toBe('<IsClusterWriter>true</IsClusterWriter>');
  });

  it('writes timestamps as ISO-8601 UTC with Z, from Dates, ISO strings with offsets and epoch ms', () => {
    const expected = '<ClusterCreateTime>2024-04-30T08:09:10.123Z</ClusterCreateTime>';
    expect(renderMembers('DBCluster', { ClusterCreateTime: new Date('2024-04-30T08:09:10.123Z') })).toBe(expected);
    expect(renderMembers('DBCluster', { ClusterCreateTime: '2024-04-30T10:09:10.123+02:00' })).toBe(expected);
    expect(renderMembers('DBCluster', { ClusterCreateTime: Date.parse('2024-04-30T08:09:10.123Z') })).toBe(expected);
  });

  it('writes numbers as numbers: integers, longs beyond 32 bits, fractional doubles', () => {
    expect(renderMembers('DBCluster', { Port: 5432, BacktrackConsumedChangeRecords: 12_345_678_901 })).toBe(
      '<Port>5432</Port><BacktrackConsumedChangeRecords>12345678901</BacktrackConsumedChangeRecords>',
    );
    expect(renderMembers('ServerlessV2ScalingConfigurationInfo', { MinCapacity: 0.5, MaxCapacity: 16 })).toBe('<MinCapacity>0.5</MinCapacity><MaxCapacity>16</MaxCapacity>');
  });

  it('omits undefined and null members, keeps empty strings and zeros, ignores keys the model does not know, and follows model order', () => {
    const xml = renderMembers('DBCluster', {
      Port: 0,
      DBClusterIdentifier: 'c',
      DatabaseName: undefined,
      MasterUsername: null,
      CharacterSetName: '',
      NotAMember: 'x',
      masterUserPassword: 'secret',
    });
    // DBCluster's model order: CharacterSetName before DBClusterIdentifier before Port.
    expect(xml).toBe('<CharacterSetName></CharacterSetName><DBClusterIdentifier>c</DBClusterIdentifier><Port>0</Port>');
  });

  it('escapes text and map keys', async () => {
    const nasty = `a & b < c > d " e ' f ]]> é☃`;
    const xml = renderResponse('ListTagsForResource', { TagList: [{ Key: nasty, Value: '<script>&amp;</script>' }] }, 'rid-5');
    expect(xml).toContain('<Key>a &amp; b &lt; c &gt; d &quot; e &apos; f ]]&gt; é☃</Key>');
    const doc = await parseXml(xml);
    const tag = doc.ListTagsForResourceResponse.ListTagsForResourceResult[0].TagList[0].Tag[0];
    expect(tag).toEqual({ Key: [nasty], Value: ['<script>&amp;</script>'] });
    expect(escapeXml('plain')).toBe('plain');
    const map = renderMembers('Integration', { AdditionalEncryptionContext: { 'k&<': 'v>"' } });
    expect(map).toBe('<AdditionalEncryptionContext><entry><key>k&amp;&lt;</key><value>v&gt;&quot;</value></entry></AdditionalEncryptionContext>');
  });

  it('renders every output shape of the model into well-formed XML', async () => {
    for (const [operation, spec] of Object.entries(apiSpec.operations)) {
      if (!spec.output) continue;
      const xml = renderResponse(operation, { Marker: 'm&<>' }, 'r');
      await expect(parseXml(xml), operation).resolves.toBeTruthy();
    }
  });
});

describe('renderError', () => {
  it('is <ErrorResponse xmlns><Error><Type/><Code/><Message/></Error><RequestId/></ErrorResponse>', async () => {
    const xml = renderError(fault('DBInstanceNotFoundFault', 'DBInstance <nope> & "x" not found.'), 'rid-err');
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>')).toBe(true);
    const doc = await parseXml(xml);
    expect(Object.keys(doc)).toEqual(['ErrorResponse']);
    const root = doc.ErrorResponse;
    expect(root.$.xmlns).toBe(ns);
    expect(Object.keys(root).filter((k) => k !== '$')).toEqual(['Error', 'RequestId']);
    expect(root.Error[0]).toEqual({ Type: ['Sender'], Code: ['DBInstanceNotFound'], Message: ['DBInstance <nope> & "x" not found.'] });
    expect(root.RequestId).toEqual(['rid-err']);
  });

  it('uses the model wire code, not the shape name', async () => {
    expect(renderError(fault('InvalidDBInstanceStateFault', 'm'), 'r')).toContain('<Code>InvalidDBInstanceState</Code>');
    expect(renderError(fault('DBClusterNotFoundFault', 'm'), 'r')).toContain('<Code>DBClusterNotFoundFault</Code>');
    expect(renderError(fault('DBSecurityGroupQuotaExceededFault', 'm'), 'r')).toContain('<Code>QuotaExceeded.DBSecurityGroup</Code>');
    expect(renderError(invalidParameterValue('bad'), 'r')).toContain('<Type>Sender</Type><Code>InvalidParameterValue</Code><Message>bad</Message>');
  });
});
