// The AWS CLI v2 (Debian's awscli, /usr/bin/aws) against the emulator: commands, JSON output,
// waiters and an error. botocore's RDS waiters poll, then sleep 30 s between polls, so the
// lifecycle delays here are long enough that each waiter's first poll sees the resource still
// changing (it really waits once), and independent waits run side by side.
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateDBClusterCommand } from '@aws-sdk/client-rds';
import { baseCluster, killLiveChildren, rdsClient, run, startTestEmulator, type ProcessResult, type TestEmulator } from './helpers.js';

// Always Debian's CLI v2, never whatever `aws` is first on PATH (the override exists to check
// the missing-CLI paths of this file).
const awsPath = process.env.AURORA_LOCAL_TEST_AWS_CLI || '/usr/bin/aws';
const hasAws = existsSync(awsPath);
const onCi = Boolean(process.env.CI);
const missingReason = `${awsPath} (AWS CLI v2) is not installed; install Debian's awscli package to run these tests`;

// CLI waiters poll every 30 s: one wait that sees the resource changing lasts 30 s or more.
const waiterDelayMs = 30_000;
const delays = {
  createClusterMs: 10_000,
  createInstanceMs: 10_000,
  modifyClusterMs: 1_000,
  modifyInstanceMs: 1_000,
  rebootInstanceMs: 1_000,
  deleteInstanceMs: 8_000,
  deleteClusterMs: 10_000, // after the instance's, as the instance goes first on AWS
};

let emulator: TestEmulator;
let home: string;
let env: NodeJS.ProcessEnv;

/** Runs `aws rds …` against the emulator; killed after `timeoutMs`. */
async function aws(args: string[], { timeoutMs = 20_000, region }: { timeoutMs?: number; region?: string } = {}): Promise<ProcessResult> {
  const result = await run(awsPath, ['rds', ...args, '--endpoint-url', emulator.url, '--output', 'json', ...(region ? ['--region', region] : [])], {
    env,
    timeoutMs,
  });
  if (result.timedOut) throw new Error(`aws rds ${args.join(' ')} timed out after ${timeoutMs} ms (killed)\nstderr: ${result.stderr}`);
  return result;
}

/** Runs a command that must succeed and returns its parsed JSON output. */
async function awsJson(args: string[], options?: { region?: string }): Promise<any> {
  const result = await aws(args, options);
  if (result.code !== 0) throw new Error(`aws rds ${args.join(' ')} exited ${result.code}\nstderr: ${result.stderr}`);
  return JSON.parse(result.stdout);
}

/** Runs a waiter; returns how long it took. */
async function wait(args: string[]): Promise<number> {
  const result = await aws(['wait', ...args], { timeoutMs: 75_000 });
  expect(result.stderr, `aws rds wait ${args.join(' ')}`).toBe('');
  expect(result.code, `aws rds wait ${args.join(' ')}`).toBe(0);
  return result.ms;
}

if (!hasAws && onCi) {
  describe('AWS CLI v2', () => {
    it('is installed on CI', () => {
      expect.fail(`${missingReason} (CI is set, so this is a failure, not a skip)`);
    });
  });
}

if (!hasAws && !onCi) {
  describe('AWS CLI v2', () => {
    it.skip(`skipped: ${missingReason}`, () => {});
  });
}

describe.runIf(hasAws)('AWS CLI v2 against the emulator', () => {
  beforeAll(async () => {
    emulator = await startTestEmulator({ delays });
    home = await mkdtemp(join(tmpdir(), 'aurora-local-aws-cli-'));
    const empty = join(home, 'empty');
    await writeFile(empty, '');
    env = {
      PATH: process.env.PATH,
      HOME: home,
      LANG: 'C.UTF-8',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_PAGER: '',
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_CONFIG_FILE: empty,
      AWS_SHARED_CREDENTIALS_FILE: empty,
    };
  });

  afterAll(async () => {
    killLiveChildren(); // any aws process still running after a failure
    await emulator?.close();
    if (home) await rm(home, { recursive: true, force: true });
  });

  it('reports a missing cluster with exit code 254 and the fault on stderr', async () => {
    const result = await aws(['describe-db-clusters', '--db-cluster-identifier', 'missing-cluster']);
    expect(result.code).toBe(254);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('(DBClusterNotFoundFault)');
    expect(result.stderr).toContain('when calling the DescribeDBClusters operation: DBCluster missing-cluster not found.');

    const instance = await aws(['describe-db-instances', '--db-instance-identifier', 'missing-instance']);
    expect(instance.code).toBe(254);
    expect(instance.stderr).toContain('(DBInstanceNotFound)'); // the CLI shows the wire code
    expect(instance.stderr).toContain('DBInstance missing-instance not found.');
  });

  it('auto-paginates describe-db-clusters across pages', async () => {
    const sdk = rdsClient(emulator.url, { region: 'eu-west-2' });
    try {
      for (let i = 0; i < 25; i++) await sdk.send(new CreateDBClusterCommand(baseCluster(`cli-page-${String(i).padStart(2, '0')}`)));
    } finally {
      sdk.destroy();
    }
    const output = await awsJson(['describe-db-clusters', '--page-size', '20'], { region: 'eu-west-2' });
    const ids: string[] = output.DBClusters.map((c: any) => c.DBClusterIdentifier);
    expect(ids).toHaveLength(25);
    expect(new Set(ids).size).toBe(25);
    expect(output.Marker ?? output.NextToken).toBeUndefined();

    // One page at a time: the server's Marker, then a last page without one.
    const first = await awsJson(['describe-db-clusters', '--no-paginate', '--max-records', '20'], { region: 'eu-west-2' });
    expect(first.DBClusters).toHaveLength(20);
    expect(first.Marker).toEqual(expect.any(String));
    const last = await awsJson(['describe-db-clusters', '--no-paginate', '--max-records', '20', '--marker', first.Marker], { region: 'eu-west-2' });
    expect(last.DBClusters).toHaveLength(5);
    expect(last.Marker).toBeUndefined();
    expect([...first.DBClusters, ...last.DBClusters].map((c: any) => c.DBClusterIdentifier).sort()).toEqual([...ids].sort());
  });

  it('creates a cluster and an instance; wait db-cluster-available and db-instance-available wait for them', async () => {
    const created = await awsJson([
      'create-db-cluster',
      '--db-cluster-identifier',
      'cli-cluster',
      '--engine',
      'aurora-postgresql',
      '--master-username',
      'postgres',
      '--master-user-password',
      'secret-pass-1',
      '--tags',
      'Key=env,Value=cli test',
    ]);
    expect(created.DBCluster).toMatchObject({
      DBClusterIdentifier: 'cli-cluster',
      Engine: 'aurora-postgresql',
      Status: 'creating',
      Port: 5432,
      AllocatedStorage: 1,
      DBClusterMembers: [],
      DBClusterArn: 'arn:aws:rds:us-east-1:000000000000:cluster:cli-cluster',
      TagList: [{ Key: 'env', Value: 'cli test' }],
    });

    const described = await awsJson(['describe-db-clusters', '--db-cluster-identifier', 'cli-cluster']);
    expect(described.DBClusters).toHaveLength(1);
    expect(described.DBClusters[0]).toMatchObject({ DBClusterIdentifier: 'cli-cluster', Status: 'creating', DbClusterResourceId: created.DBCluster.DbClusterResourceId });
    expect(described.DBClusters[0].ClusterCreateTime).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}/);

    const instance = await awsJson([
      'create-db-instance',
      '--db-instance-identifier',
      'cli-instance',
      '--db-cluster-identifier',
      'cli-cluster',
      '--engine',
      'aurora-postgresql',
      '--db-instance-class',
      'db.r6g.large',
    ]);
    expect(instance.DBInstance).toMatchObject({ DBInstanceIdentifier: 'cli-instance', DBClusterIdentifier: 'cli-cluster', DBInstanceStatus: 'creating', PromotionTier: 1 });
    expect(instance.DBInstance.Endpoint).toBeUndefined();

    const [clusterMs, instanceMs] = await Promise.all([
      wait(['db-cluster-available', '--db-cluster-identifier', 'cli-cluster']),
      wait(['db-instance-available', '--db-instance-identifier', 'cli-instance']),
    ]);
    // The first poll saw `creating`: each waiter slept once before it saw `available`.
    expect(clusterMs).toBeGreaterThanOrEqual(waiterDelayMs - 1000);
    expect(instanceMs).toBeGreaterThanOrEqual(waiterDelayMs - 1000);

    const after = await awsJson(['describe-db-clusters', '--db-cluster-identifier', 'cli-cluster']);
    expect(after.DBClusters[0].Status).toBe('available');
    expect(after.DBClusters[0].DBClusterMembers).toEqual([
      { DBInstanceIdentifier: 'cli-instance', IsClusterWriter: true, DBClusterParameterGroupStatus: 'in-sync', PromotionTier: 1 },
    ]);
    const instances = await awsJson(['describe-db-instances', '--db-instance-identifier', 'cli-instance']);
    expect(instances.DBInstances[0].DBInstanceStatus).toBe('available');
    expect(instances.DBInstances[0].Endpoint).toMatchObject({ Port: 5432 });
    expect(instances.DBInstances[0].Endpoint.Address).toMatch(/^cli-instance\./);
  }, 90_000);

  it('deletes the instance and the cluster; wait db-instance-deleted and db-cluster-deleted wait for them', async () => {
    const instance = await awsJson(['delete-db-instance', '--db-instance-identifier', 'cli-instance']);
    expect(instance.DBInstance).toMatchObject({ DBInstanceIdentifier: 'cli-instance', DBInstanceStatus: 'deleting' });

    // Without --skip-final-snapshot or a final snapshot name, RDS refuses (the CLI sends neither).
    const refused = await aws(['delete-db-cluster', '--db-cluster-identifier', 'cli-cluster']);
    expect(refused.code).toBe(254);
    expect(refused.stderr).toContain('(InvalidParameterCombination)');

    const cluster = await awsJson(['delete-db-cluster', '--db-cluster-identifier', 'cli-cluster', '--skip-final-snapshot']);
    expect(cluster.DBCluster).toMatchObject({ DBClusterIdentifier: 'cli-cluster', Status: 'deleting' });

    const [instanceMs, clusterMs] = await Promise.all([
      wait(['db-instance-deleted', '--db-instance-identifier', 'cli-instance']),
      wait(['db-cluster-deleted', '--db-cluster-identifier', 'cli-cluster']),
    ]);
    // The first poll saw `deleting`; the last got DBInstanceNotFound / DBClusterNotFoundFault.
    expect(instanceMs).toBeGreaterThanOrEqual(waiterDelayMs - 1000);
    expect(clusterMs).toBeGreaterThanOrEqual(waiterDelayMs - 1000);

    const gone = await aws(['describe-db-clusters', '--db-cluster-identifier', 'cli-cluster']);
    expect(gone.code).toBe(254);
    expect(gone.stderr).toContain('(DBClusterNotFoundFault)');
    const list = await awsJson(['describe-db-instances']);
    expect(list.DBInstances).toEqual([]);
  }, 90_000);
});
