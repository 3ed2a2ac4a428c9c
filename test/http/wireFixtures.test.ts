// Recorded wire traffic (fixtures/wire/): request bodies exactly as @aws-sdk/client-rds
// serialized them, and the responses the emulator gave. The test replays every recorded
// request, in order, against a fresh emulator and checks each answer has the recorded status,
// error code and XML structure (element names and nesting; values such as ids, request ids and
// timestamps are ignored).
//
// Re-record after an intended change of the responses:
//   RECORD_WIRE=1 npx vitest run test/http/wireFixtures.test.ts
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import request from 'supertest';
import { parseStringPromise } from 'xml2js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { delayOptionNames, type Delays } from '../../src/config.js';
import { startEmulator, type Emulator } from '../../src/emulator.js';
import { sdkHarness, sendThroughSdk } from '../protocol/helpers/sdkHarness.js';

const wireDir = join(dirname(fileURLToPath(import.meta.url)), '../../fixtures/wire');
const recording = Boolean(process.env.RECORD_WIRE);
// Nothing completes during a run, so every status (and so every element) is deterministic.
const delays = Object.fromEntries(delayOptionNames.map((name) => [name, 3_600_000])) as Partial<Delays>;
const clusterArn = 'arn:aws:rds:us-east-1:000000000000:cluster:wire-demo';

// The recorded conversation: [file name, operation, SDK input].
const conversation: [string, string, Record<string, unknown>][] = [
  [
    '01-CreateDBCluster',
    'CreateDBCluster',
    {
      DBClusterIdentifier: 'Wire-Demo',
      Engine: 'aurora-postgresql',
      EngineVersion: '16.6',
      MasterUsername: 'postgres',
      MasterUserPassword: 'p4ss&w0rd=+',
      DatabaseName: 'appdb',
      AvailabilityZones: ['us-east-1a', 'us-east-1b'],
      VpcSecurityGroupIds: ['sg-111', 'sg-222'],
      StorageEncrypted: true,
      EnableCloudwatchLogsExports: ['postgresql'],
      ServerlessV2ScalingConfiguration: { MinCapacity: 0.5, MaxCapacity: 16 },
      Tags: [
        { Key: 'env', Value: 'dev' },
        { Key: 'team', Value: 'db ops @ friends/+1' },
      ],
    },
  ],
  ['02-CreateDBInstance-writer', 'CreateDBInstance', { DBInstanceIdentifier: 'wire-demo-1', DBClusterIdentifier: 'wire-demo', Engine: 'aurora-postgresql', DBInstanceClass: 'db.r6g.large', PromotionTier: 0, Tags: [{ Key: 'role', Value: 'writer' }] }],
  ['03-CreateDBInstance-reader', 'CreateDBInstance', { DBInstanceIdentifier: 'wire-demo-2', DBClusterIdentifier: 'wire-demo', Engine: 'aurora-postgresql', DBInstanceClass: 'db.serverless' }],
  [
    '04-DescribeDBClusters-filters',
    'DescribeDBClusters',
    { Filters: [{ Name: 'engine', Values: ['aurora-postgresql', 'aurora-mysql'] }, { Name: 'db-cluster-id', Values: ['wire-demo'] }], MaxRecords: 20 },
  ],
  ['05-DescribeDBInstances', 'DescribeDBInstances', { DBInstanceIdentifier: 'wire-demo-1' }],
  ['06-AddTagsToResource', 'AddTagsToResource', { ResourceName: clusterArn, Tags: [{ Key: 'cost-centre', Value: '42' }] }],
  ['07-ListTagsForResource', 'ListTagsForResource', { ResourceName: clusterArn }],
  ['08-RemoveTagsFromResource', 'RemoveTagsFromResource', { ResourceName: clusterArn, TagKeys: ['env'] }],
  ['09-ModifyDBCluster-while-creating', 'ModifyDBCluster', { DBClusterIdentifier: 'wire-demo', ApplyImmediately: true, BackupRetentionPeriod: 7 }],
  ['10-DescribeDBInstances-not-found', 'DescribeDBInstances', { DBInstanceIdentifier: 'nope' }],
  ['11-CreateDBCluster-duplicate', 'CreateDBCluster', { DBClusterIdentifier: 'wire-demo', Engine: 'aurora-postgresql', MasterUsername: 'postgres', MasterUserPassword: 'secret-password' }],
  ['12-DescribeDBClusters-MaxRecords-19', 'DescribeDBClusters', { MaxRecords: 19 }],
  ['13-DeleteDBInstance', 'DeleteDBInstance', { DBInstanceIdentifier: 'wire-demo-2' }],
  ['14-DeleteDBCluster-with-members', 'DeleteDBCluster', { DBClusterIdentifier: 'wire-demo', SkipFinalSnapshot: true }],
];

interface Recorded {
  name: string;
  body: string;
  status: number;
  xml: string;
}

const responseText = (status: number, xml: string) => `HTTP/1.1 ${status}\n\n${xml}\n`;

function readFixtures(): Recorded[] {
  const names = readdirSync(wireDir)
    .filter((f) => f.endsWith('.request.txt'))
    .map((f) => f.replace(/\.request\.txt$/, ''))
    .sort();
  return names.map((name) => {
    const body = readFileSync(join(wireDir, `${name}.request.txt`), 'utf8').replace(/\n$/, '');
    const response = readFileSync(join(wireDir, `${name}.response.txt`), 'utf8');
    const match = /^HTTP\/1\.1 (\d{3})\n\n([\s\S]*)\n$/.exec(response);
    if (!match) throw new Error(`fixtures/wire/${name}.response.txt is not "HTTP/1.1 <status>\\n\\n<xml>\\n"`);
    return { name, body, status: Number(match[1]), xml: match[2] };
  });
}

type Skeleton = { name: string; children: Skeleton[] };

/** Element names and nesting only: values (ids, request ids, timestamps, …) are ignored. */
async function skeleton(xml: string): Promise<Skeleton> {
  const doc = await parseStringPromise(xml, { explicitChildren: true, preserveChildrenOrder: true, explicitArray: true });
  const walk = (name: string, node: any): Skeleton => ({
    name,
    children: ((node && typeof node === 'object' && node.$$) || []).map((child: any) => walk(child['#name'], child)),
  });
  const [rootName] = Object.keys(doc);
  return walk(rootName, doc[rootName]);
}

const render = (s: Skeleton, depth = 0): string => `${'  '.repeat(depth)}${s.name}\n${s.children.map((c) => render(c, depth + 1)).join('')}`;

async function errorCode(xml: string): Promise<string | undefined> {
  const doc = await parseStringPromise(xml);
  return doc.ErrorResponse?.Error?.[0]?.Code?.[0];
}

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator({ port: 0, delays, log: () => {} });
});
afterAll(async () => {
  await emulator?.close();
});

describe('fixtures/wire', () => {
  if (recording) {
    it('records the SDK conversation (RECORD_WIRE is set)', async () => {
      await request(emulator.url).post('/_aurora/reset').expect(200);
      const harness = sdkHarness('us-east-1', 'AKIDEXAMPLE');
      // Forward what the SDK serialized to the emulator, and its answer back to the SDK.
      let last: { status: number; text: string } | undefined;
      harness.respondWith(async (captured) => {
        const response = await request(emulator.url)
          .post(captured.path)
          .set('Content-Type', captured.headers['content-type'])
          .set('Authorization', captured.headers.authorization)
          .send(captured.body);
        last = { status: response.status, text: response.text };
        return { statusCode: response.status, headers: { 'x-amzn-RequestId': response.headers['x-amzn-requestid'] }, body: response.text };
      });
      mkdirSync(wireDir, { recursive: true });
      for (const file of readdirSync(wireDir)) if (/\.(request|response)\.txt$/.test(file)) rmSync(join(wireDir, file));
      for (const [name, operation, input] of conversation) {
        const before = harness.requests.length;
        last = undefined;
        await sendThroughSdk(harness, operation, input).catch(() => undefined); // errors are part of the conversation
        expect(harness.requests.length, name).toBe(before + 1);
        expect(last!.status, name).toBeLessThan(500);
        writeFileSync(join(wireDir, `${name}.request.txt`), `${harness.requests[before].body}\n`);
        writeFileSync(join(wireDir, `${name}.response.txt`), responseText(last!.status, last!.text));
      }
    });
  }

  it('has a recorded request and response for every step of the conversation', () => {
    const fixtures = readFixtures();
    expect(fixtures.map((f) => f.name)).toEqual(conversation.map(([name]) => name));
    for (const fixture of fixtures) {
      const operation = conversation.find(([name]) => name === fixture.name)![1];
      expect(fixture.body.startsWith(`Action=${operation}&Version=2014-10-31`), fixture.name).toBe(true);
    }
  });

  it('replays every recorded request: same status, error code and XML structure', async () => {
    await request(emulator.url).post('/_aurora/reset').expect(200);
    const fixtures = readFixtures();
    expect(fixtures.length).toBeGreaterThanOrEqual(10);
    for (const fixture of fixtures) {
      const response = await request(emulator.url).post('/').type('form').send(fixture.body).timeout(5000);
      expect(response.status, fixture.name).toBe(fixture.status);
      expect(await errorCode(response.text), fixture.name).toBe(await errorCode(fixture.xml));
      expect(render(await skeleton(response.text)), fixture.name).toBe(render(await skeleton(fixture.xml)));
    }
  });

  it('the structure comparison notices a missing element', async () => {
    const [first] = readFixtures();
    const withoutPort = first.xml.replace(/<Port>\d+<\/Port>/, '');
    expect(withoutPort).not.toBe(first.xml);
    expect(render(await skeleton(withoutPort))).not.toBe(render(await skeleton(first.xml)));
    // …and ignores values.
    const otherValues = first.xml.replace(/<Port>\d+<\/Port>/, '<Port>1</Port>').replace(/<RequestId>[^<]*<\/RequestId>/, '<RequestId>x</RequestId>');
    expect(render(await skeleton(otherValues))).toBe(render(await skeleton(first.xml)));
  });
});
