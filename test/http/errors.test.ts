// The HTTP front door, through supertest against a real emulator on port 0: protocol-level
// errors are XML with the right status, nothing a client sends gives a 500 or hangs, the
// request id header matches the body, callers are partitioned by the SigV4 scope, and the
// /_aurora admin routes work.
import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { parseStringPromise } from 'xml2js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { delayOptionNames, type Delays } from '../../src/config.js';
import { startEmulator, type Emulator } from '../../src/emulator.js';

const version = 'Version=2014-10-31';
// Nothing completes during a test: statuses stay put.
const longDelays = Object.fromEntries(delayOptionNames.map((name) => [name, 600_000])) as Partial<Delays>;
const sigV4 = (accessKeyId: string, region: string) =>
  `AWS4-HMAC-SHA256 Credential=${accessKeyId}/20261124/${region}/rds/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=${'0'.repeat(64)}`;

let emulator: Emulator;
let logged: string[] = [];
const started: Emulator[] = [];

async function start(options: Parameters<typeof startEmulator>[0] = {}): Promise<Emulator> {
  const instance = await startEmulator({ port: 0, delays: longDelays, log: (line) => logged.push(line), ...options });
  started.push(instance);
  return instance;
}

beforeAll(async () => {
  emulator = await start();
});
afterAll(async () => {
  await Promise.all(started.map((e) => e.close()));
});
beforeEach(async () => {
  logged = [];
  await request(emulator.url).post('/_aurora/reset').expect(200);
});

const post = (body: string | Buffer, authorization?: string, url = emulator.url) => {
  const req = request(url).post('/').timeout({ response: 5000, deadline: 10_000 }).type('form');
  if (authorization) req.set('Authorization', authorization);
  return req.send(body as string);
};

interface XmlError {
  status: number;
  type: string;
  code: string;
  message: string;
  requestId: string;
  headerRequestId: string | undefined;
}

async function xmlError(response: request.Response): Promise<XmlError> {
  expect(response.headers['content-type']).toMatch(/^text\/xml/);
  const doc = await parseStringPromise(response.text);
  const error = doc.ErrorResponse.Error[0];
  return {
    status: response.status,
    type: error.Type[0],
    code: error.Code[0],
    message: error.Message[0],
    requestId: doc.ErrorResponse.RequestId[0],
    headerRequestId: response.headers['x-amzn-requestid'],
  };
}

const createCluster = (id: string, authorization?: string) =>
  post(`Action=CreateDBCluster&${version}&DBClusterIdentifier=${id}&Engine=aurora-postgresql&MasterUsername=postgres&MasterUserPassword=secret-password`, authorization);

describe('protocol errors are XML with the right status', () => {
  it('unknown Action → 400 InvalidAction', async () => {
    const error = await xmlError(await post(`Action=DescribeNothing&${version}`));
    expect(error).toMatchObject({ status: 400, type: 'Sender', code: 'InvalidAction', message: 'The action DescribeNothing is not valid for this web service.' });
  });

  it('missing Action → 400 MissingAction', async () => {
    const error = await xmlError(await post(version));
    expect(error).toMatchObject({ status: 400, code: 'MissingAction' });
    expect((await xmlError(await post(`Action=&${version}`))).code).toBe('MissingAction');
    expect((await xmlError(await post(''))).status).toBe(400);
  });

  it('missing Version → 400 MissingParameter; a wrong Version → 400 InvalidParameterValue', async () => {
    const missing = await xmlError(await post('Action=DescribeDBClusters'));
    expect(missing).toMatchObject({ status: 400, code: 'MissingParameter', message: 'The request must contain the parameter Version' });
    const wrong = await xmlError(await post('Action=DescribeDBClusters&Version=2013-09-09'));
    expect(wrong.status).toBe(400);
    expect(wrong.code).toBe('InvalidParameterValue');
    expect(wrong.message).toContain('2013-09-09');
  });

  it('a JSON body (JSON-protocol clients) → 4xx XML, not 500', async () => {
    const json = await request(emulator.url)
      .post('/')
      .set('Content-Type', 'application/x-amz-json-1.0')
      .set('X-Amz-Target', 'AmazonRDSv19.DescribeDBClusters')
      .send('{"Action":"DescribeDBClusters","Version":"2014-10-31"}');
    const error = await xmlError(json);
    expect(error.status).toBeGreaterThanOrEqual(400);
    expect(error.status).toBeLessThan(500);
    expect(error.code).toBe('MalformedQueryString');
    const plain = await request(emulator.url).post('/').set('Content-Type', 'application/json').send({ Action: 'DescribeDBClusters', Version: '2014-10-31' });
    expect((await xmlError(plain)).status).toBeLessThan(500);
  });

  it('a body over maxBodyBytes → 413 XML, at the limit → answered', async () => {
    const small = await start({ maxBodyBytes: 1024 });
    const base = `Action=DescribeDBClusters&${version}&Marker=`;
    const tooBig = await post(base + 'x'.repeat(64 * 1024), undefined, small.url);
    const error = await xmlError(tooBig);
    expect(error).toMatchObject({ status: 413, code: 'RequestEntityTooLarge' });
    expect(error.message).toContain('1024');
    const prefix = `Action=DescribeDBClusters&${version}&DBClusterIdentifier=`;
    const exactly = prefix + 'a'.repeat(1024 - prefix.length);
    expect(Buffer.byteLength(exactly)).toBe(1024);
    const atLimit = await post(exactly, undefined, small.url);
    expect(atLimit.status).toBe(404); // parsed and answered: no such cluster
    expect((await xmlError(await post(exactly + 'a', undefined, small.url))).status).toBe(413);
    // The emulator still answers afterwards.
    expect((await post(`Action=DescribeDBClusters&${version}`, undefined, small.url)).status).toBe(200);
  });

  it('a 16 MiB body against the default 1 MiB limit → 413 promptly, and the emulator keeps answering', async () => {
    const started = Date.now();
    const error = await xmlError(await post(`Action=DescribeDBClusters&${version}&Marker=${'x'.repeat(16 * 1024 * 1024)}`));
    expect(error).toMatchObject({ status: 413, code: 'RequestEntityTooLarge' });
    expect(Date.now() - started).toBeLessThan(5000);
    expect((await post(`Action=DescribeDBClusters&${version}`)).status).toBe(200);
  });

  it('a model operation we do not implement (CreateDBProxy) → 501 NotImplemented naming it', async () => {
    const error = await xmlError(await post(`Action=CreateDBProxy&${version}&DBProxyName=p&EngineFamily=POSTGRESQL`));
    expect(error).toMatchObject({ status: 501, type: 'Receiver', code: 'NotImplemented' });
    expect(error.message).toContain('CreateDBProxy');
  });

  it('a bad MasterUserPassword is refused without echoing it', async () => {
    for (const password of ['s3cr!t', 'secret with spaces', 'secret/with/slash', 'x'.repeat(42)]) {
      const body = `Action=CreateDBCluster&${version}&DBClusterIdentifier=c&Engine=aurora-postgresql&MasterUsername=postgres&MasterUserPassword=${encodeURIComponent(password)}`;
      const response = await post(body);
      const error = await xmlError(response);
      expect(error).toMatchObject({ status: 400, code: 'InvalidParameterValue' });
      expect(error.message).toContain('MasterUserPassword');
      expect(response.text).not.toContain(password);
    }
  });

  it('a modelled fault carries the model wire code and status (DescribeDBInstances of nothing → 404 DBInstanceNotFound)', async () => {
    const error = await xmlError(await post(`Action=DescribeDBInstances&${version}&DBInstanceIdentifier=nope`));
    expect(error).toMatchObject({ status: 404, type: 'Sender', code: 'DBInstanceNotFound', message: 'DBInstance nope not found.' });
  });
});

describe('nothing a client sends gives a 500 or hangs', () => {
  const bodies: [string, string | Buffer][] = [
    ['malformed percent-encoding', `Action=Describe%ZZDBClusters&${version}&DBClusterIdentifier=%E0%A4%A&Filters.Filter.1.Name=%`],
    ['percent-encoded invalid UTF-8', `Action=DescribeDBClusters&${version}&DBClusterIdentifier=%FF%FE%00`],
    ['binary garbage', randomBytes(4096)],
    ['NUL bytes and control characters', Buffer.from(`Action=DescribeDBClusters\u0000&${version}\u0001\u0002&\u001b[31m`)],
    ['keys without values and stray separators', `&&==&Action&Version&=x&${version}`],
    ['deeply nested unknown keys', `Action=DescribeDBClusters&${version}&${'a.'.repeat(2000)}b=c`],
    ['a huge list index', `Action=AddTagsToResource&${version}&ResourceName=arn:aws:rds:us-east-1:000000000000:cluster:x&Tags.Tag.99999999999999999999999.Key=k`],
    ['a list where a scalar belongs', `Action=DescribeDBClusters&${version}&DBClusterIdentifier.member.1=x&MaxRecords.member.1=5`],
    ['a scalar where a list belongs', `Action=DescribeDBClusters&${version}&Filters=engine`],
    ['a prototype key', `Action=DescribeDBClusters&${version}&__proto__.polluted=yes&constructor.prototype.polluted=yes`],
  ];

  it.each(bodies)('%s', async (_name, body) => {
    const response = await post(body);
    expect(response.status).toBeLessThan(500);
    expect(response.headers['content-type']).toMatch(/^text\/xml/);
    await expect(parseStringPromise(response.text)).resolves.toBeTruthy();
    expect(logged).toEqual([]); // no internal failure was logged
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('a path that does not percent-decode (POST /%) → 404 MalformedQueryString in XML, not an HTML stack trace', async () => {
    const response = await request(emulator.url).post('/a%ZZ').type('form').send(`Action=DescribeDBClusters&${version}`).timeout(5000);
    const error = await xmlError(response);
    expect(error).toMatchObject({ status: 404, code: 'MalformedQueryString' });
    expect(response.text).not.toContain('URIError');
  });

  it('names that are also JavaScript object properties (__proto__, constructor, toString) are names like any other', async () => {
    const id = (name: string) => `DBInstanceIdentifier=${name}`;
    // The request that once marked Object.prototype itself "deleting", for every object in the process.
    for (const name of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
      const deleted = await xmlError(await post(`Action=DeleteDBInstance&${version}&${id(name)}&SkipFinalSnapshot=true`));
      expect(deleted, name).toMatchObject({ status: 404, code: 'DBInstanceNotFound' });
      expect(await xmlError(await post(`Action=DescribeDBClusters&${version}&DBClusterIdentifier=${name}`)), name).toMatchObject({ status: 404, code: 'DBClusterNotFoundFault' });
      expect((await post(`Action=DescribeDBClusters&${version}&Filters.Filter.1.Name=${name}&Filters.Filter.1.Values.Value.1=x`)).status, name).toBe(400);
      expect((await post(`Action=DescribeEventCategories&${version}&SourceType=${name}`)).status, name).toBe(400);
      expect(await xmlError(await post(`Action=${name}&${version}`)), name).toMatchObject({ status: 400, code: 'InvalidAction' });
    }
    expect(({} as Record<string, unknown>).status).toBeUndefined();
    // `constructor` is a valid identifier: created, described and deleted as one.
    const engine = await xmlError(await post(`Action=CreateDBCluster&${version}&DBClusterIdentifier=c1&Engine=constructor`));
    expect(engine).toMatchObject({ status: 400, code: 'InvalidParameterValue' });
    const created = await post(`Action=CreateDBCluster&${version}&DBClusterIdentifier=constructor&Engine=aurora-postgresql&MasterUsername=master&MasterUserPassword=password1`);
    expect(created.status).toBe(200);
    const described = await post(`Action=DescribeDBClusters&${version}&DBClusterIdentifier=constructor`);
    expect(described.text).toContain('<DBClusterIdentifier>constructor</DBClusterIdentifier>');
    expect(logged).toEqual([]);
  });

  it('a tag without a Key, or with characters the Tag shape does not allow, is InvalidParameterValue', async () => {
    const create = `Action=CreateDBCluster&${version}&DBClusterIdentifier=tagged&Engine=aurora-postgresql&MasterUsername=master&MasterUserPassword=password1`;
    for (const tags of ['Tags.Tag.1.Value=v', 'Tags.Tag.1.Key=&Tags.Tag.1.Value=v', 'Tags.Tag.1.Key=rds:owner', `Tags.Tag.1.Key=k&Tags.Tag.1.Value=a%01b`, `Tags.Tag.1.Key=${'k'.repeat(129)}`]) {
      expect(await xmlError(await post(`${create}&${tags}`)), tags).toMatchObject({ status: 400, code: 'InvalidParameterValue' });
    }
    expect((await post(`${create}&Tags.Tag.1.Key=team name:a/b=c+d-e@f_g.h&Tags.Tag.1.Value=`)).status).toBe(200);
    expect(logged).toEqual([]);
  });

  it('characters XML cannot carry are replaced in the response, which stays well-formed', async () => {
    const error = await xmlError(await post(`Action=DescribeDBClusters&${version}&DBClusterIdentifier=a%00b%01c%EF%BF%BF`));
    expect(error).toMatchObject({ status: 404, code: 'DBClusterNotFoundFault' });
    expect(error.message).toContain('a\uFFFDb\uFFFDc\uFFFD');
  });

  it('values outside their documented set or format are refused (windows, NetworkType, EngineMode, MonitoringInterval and its role)', async () => {
    const create = `Action=CreateDBCluster&${version}&DBClusterIdentifier=ruled&Engine=aurora-postgresql&MasterUsername=master&MasterUserPassword=password1`;
    for (const extra of ['PreferredBackupWindow=A--b', 'PreferredMaintenanceWindow=garbage', 'PreferredBackupWindow=05:00-06:00&PreferredMaintenanceWindow=mon:05:30-mon:06:30', 'NetworkType=bogus', 'EngineMode=bogus']) {
      expect(await xmlError(await post(`${create}&${extra}`)), extra).toMatchObject({ status: 400, code: 'InvalidParameterValue' });
    }
    expect((await post(`${create}&PreferredBackupWindow=05:00-06:00`)).status).toBe(200);
    const instance = `Action=CreateDBInstance&${version}&DBInstanceIdentifier=ruled-1&DBClusterIdentifier=ruled&Engine=aurora-postgresql&DBInstanceClass=db.r6g.large`;
    expect(await xmlError(await post(`${instance}&MonitoringInterval=7`))).toMatchObject({ status: 400, code: 'InvalidParameterValue' });
    // Enhanced Monitoring needs its role (AWS's message); the role is shown back, as IaC tools read it.
    expect(await xmlError(await post(`${instance}&MonitoringInterval=60`))).toMatchObject({
      status: 400,
      code: 'InvalidParameterCombination',
      message: 'A MonitoringRoleARN value is required if you specify a MonitoringInterval value other than 0.',
    });
    const role = 'arn:aws:iam::000000000000:role/emaccess';
    expect((await post(`${instance}&MonitoringInterval=60&MonitoringRoleArn=${encodeURIComponent(role)}`)).status).toBe(200);
    const described = await post(`Action=DescribeDBInstances&${version}&DBInstanceIdentifier=ruled-1`);
    expect(described.text).toContain(`<MonitoringInterval>60</MonitoringInterval><MonitoringRoleArn>${role}</MonitoringRoleArn>`);
    expect(logged).toEqual([]);
  });

  it('GET with the parameters in the query string is answered', async () => {
    const response = await request(emulator.url).get(`/?Action=DescribeDBClusters&${version}`).timeout(5000);
    expect(response.status).toBe(200);
    expect(response.text).toContain('<DescribeDBClustersResult>');
  });

  it('the SDK path with a trailing slash (/rds/) is answered', async () => {
    const response = await request(emulator.url).post('/rds/').type('form').send(`Action=DescribeDBClusters&${version}`).timeout(5000);
    expect(response.status).toBe(200);
  });
});

describe('request ids', () => {
  it('x-amzn-RequestId equals the body RequestId on success, and differs per request', async () => {
    const first = await post(`Action=DescribeDBClusters&${version}`);
    const second = await post(`Action=DescribeDBClusters&${version}`);
    for (const response of [first, second]) {
      expect(response.status).toBe(200);
      const doc = await parseStringPromise(response.text);
      expect(doc.DescribeDBClustersResponse.ResponseMetadata[0].RequestId[0]).toBe(response.headers['x-amzn-requestid']);
    }
    expect(first.headers['x-amzn-requestid']).toMatch(/^[0-9a-f-]{36}$/);
    expect(first.headers['x-amzn-requestid']).not.toBe(second.headers['x-amzn-requestid']);
  });

  it('x-amzn-RequestId equals the body RequestId on errors', async () => {
    for (const body of [`Action=DescribeNothing&${version}`, `Action=DescribeDBClusters&${version}&DBClusterIdentifier=nope`, `Action=CreateDBCluster&${version}`]) {
      const error = await xmlError(await post(body));
      expect(error.requestId).toBeTruthy();
      expect(error.headerRequestId).toBe(error.requestId);
    }
  });

  it('x-amzn-RequestId equals the body RequestId on a 413', async () => {
    const small = await start({ maxBodyBytes: 100 });
    const error = await xmlError(await post('x'.repeat(10_000), undefined, small.url));
    expect(error.status).toBe(413);
    expect(error.headerRequestId).toBe(error.requestId);
  });
});

describe('callers are partitioned by the SigV4 credential scope', () => {
  it('a cluster created in eu-west-1 is invisible in us-east-1 (and without Authorization)', async () => {
    const created = await createCluster('regional', sigV4('AKIDEXAMPLE', 'eu-west-1'));
    expect(created.status).toBe(200);
    expect(created.text).toContain('<DBClusterArn>arn:aws:rds:eu-west-1:000000000000:cluster:regional</DBClusterArn>');
    expect(created.text).toContain('.eu-west-1.rds.amazonaws.com</Endpoint>');

    const inEu = await post(`Action=DescribeDBClusters&${version}&DBClusterIdentifier=regional`, sigV4('AKIDEXAMPLE', 'eu-west-1'));
    expect(inEu.status).toBe(200);
    const inUs = await xmlError(await post(`Action=DescribeDBClusters&${version}&DBClusterIdentifier=regional`, sigV4('AKIDEXAMPLE', 'us-east-1')));
    expect(inUs).toMatchObject({ status: 404, code: 'DBClusterNotFoundFault', message: 'DBCluster regional not found.' });
    const anonymous = await post(`Action=DescribeDBClusters&${version}`);
    expect(anonymous.text).not.toContain('regional');
    // The same name is free in another region.
    expect((await createCluster('regional', sigV4('AKIDEXAMPLE', 'us-east-1'))).status).toBe(200);
  });

  it('a 12-digit access key id is the account (in the ARN, and a partition of its own); any other is 000000000000', async () => {
    const created = await createCluster('accounted', sigV4('123456789012', 'us-west-2'));
    expect(created.text).toContain('<DBClusterArn>arn:aws:rds:us-west-2:123456789012:cluster:accounted</DBClusterArn>');
    const otherAccount = await xmlError(await post(`Action=DescribeDBClusters&${version}&DBClusterIdentifier=accounted`, sigV4('AKIDEXAMPLE', 'us-west-2')));
    expect(otherAccount.code).toBe('DBClusterNotFoundFault');

    const defaulted = await createCluster('defaulted', sigV4('AKIAIOSFODNN7EXAMPLE', 'us-west-2'));
    expect(defaulted.text).toContain('<DBClusterArn>arn:aws:rds:us-west-2:000000000000:cluster:defaulted</DBClusterArn>');
    const noAuth = await createCluster('no-auth');
    expect(noAuth.text).toContain('<DBClusterArn>arn:aws:rds:us-east-1:000000000000:cluster:no-auth</DBClusterArn>');
  });
});

describe('/_aurora admin routes', () => {
  it('GET /_aurora/health answers JSON', async () => {
    const response = await request(emulator.url).get('/_aurora/health').timeout(5000);
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    expect(response.body).toMatchObject({ status: 'ok', dataPlane: 'none', persistent: false });
    expect(response.body.version).toEqual(expect.any(String));
    expect(Date.parse(response.body.startedAt)).not.toBeNaN();
    expect(response.body.implementedOperations).toBeGreaterThanOrEqual(12);
  });

  it('POST /_aurora/reset clears every partition', async () => {
    await createCluster('before-reset');
    await createCluster('before-reset', sigV4('123456789012', 'eu-west-1'));
    expect((await post(`Action=DescribeDBClusters&${version}`)).text).toContain('before-reset');
    const reset = await request(emulator.url).post('/_aurora/reset').timeout(5000);
    expect(reset.status).toBe(200);
    expect(reset.body).toEqual({ status: 'reset' });
    expect((await post(`Action=DescribeDBClusters&${version}`)).text).not.toContain('before-reset');
    expect((await post(`Action=DescribeDBClusters&${version}`, sigV4('123456789012', 'eu-west-1'))).text).not.toContain('before-reset');
    expect(emulator.store.allPartitions().every((p) => Object.keys(p.clusters).length === 0 && p.transitions.length === 0)).toBe(true);
    // The same identifier can be created again.
    expect((await createCluster('before-reset')).status).toBe(200);
  });
});
