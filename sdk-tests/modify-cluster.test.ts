// ModifyDBCluster's breadth (ApplyImmediately vs PendingModifiedValues, Serverless v2 capacity,
// storage types, deletion protection, tags to snapshots), IAM roles, RebootDBCluster and
// StopDBCluster / StartDBCluster through @aws-sdk/client-rds.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AddRoleToDBClusterCommand,
  CreateDBClusterCommand,
  CreateDBInstanceCommand,
  DBClusterNotFoundFault,
  DBClusterRoleAlreadyExistsFault,
  DBClusterRoleNotFoundFault,
  DBClusterRoleQuotaExceededFault,
  DeleteDBClusterCommand,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  DescribeEventsCommand,
  InvalidDBClusterStateFault,
  InvalidDBInstanceStateFault,
  ModifyDBClusterCommand,
  ModifyDBInstanceCommand,
  RebootDBClusterCommand,
  RemoveRoleFromDBClusterCommand,
  StartDBClusterCommand,
  StopDBClusterCommand,
  StorageTypeNotAvailableFault,
  StorageTypeNotSupportedFault,
  type RDSClient,
} from '@aws-sdk/client-rds';
import { baseCluster, baseInstance, caught, eventually, rdsClient, startTestEmulator, settleMs, type TestEmulator } from './helpers.js';

let emulator: TestEmulator;
let rds: RDSClient;

beforeAll(async () => {
  emulator = await startTestEmulator({
    // A new cluster stays `creating` for a second: long enough for the state checks that
    // need it, on a loaded machine (50 ms let it turn available between two requests in CI).
    delays: { createClusterMs: 1000, createInstanceMs: 50, modifyClusterMs: 300, rebootInstanceMs: 300, rebootClusterMs: 400, stopClusterMs: 300, startClusterMs: 300 },
  });
  rds = rdsClient(emulator.url);
});

afterAll(async () => {
  rds?.destroy();
  await emulator?.close();
  expect(emulator?.logs.filter((line) => /failed/i.test(line)) ?? []).toEqual([]);
});

const describeCluster = async (id: string) => (await rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: id }))).DBClusters![0];
const describeInstance = async (id: string) => (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }))).DBInstances![0];
const until = <T>(check: () => Promise<T | undefined | false>) => eventually(check, settleMs, 20);

async function cluster(id: string, extra: Record<string, unknown> = {}, instances: string[] = []) {
  await rds.send(new CreateDBClusterCommand({ ...baseCluster(id), ...extra }));
  for (const instance of instances) await rds.send(new CreateDBInstanceCommand(baseInstance(instance, id)));
  await until(async () => (await describeCluster(id)).Status === 'available');
  for (const instance of instances) await until(async () => (await describeInstance(instance)).DBInstanceStatus === 'available');
}

/** Every distinct value `read` returns until `done` holds for one of them. */
async function observe<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T[]> {
  const seen: T[] = [];
  await until(async () => {
    const value = await read();
    if (!seen.length || JSON.stringify(seen[seen.length - 1]) !== JSON.stringify(value)) seen.push(value);
    return done(value);
  });
  return seen;
}

describe('ApplyImmediately', () => {
  it('without it, engine version and IAM authentication wait in PendingModifiedValues; deletion protection and tag copying apply at once', async () => {
    await cluster('later');
    const { DBCluster } = await rds.send(
      new ModifyDBClusterCommand({ DBClusterIdentifier: 'later', EngineVersion: '16.8', EnableIAMDatabaseAuthentication: true, DeletionProtection: true, CopyTagsToSnapshot: true }),
    );
    expect(DBCluster).toMatchObject({
      Status: 'available',
      EngineVersion: '16.6',
      IAMDatabaseAuthenticationEnabled: false,
      DeletionProtection: true,
      CopyTagsToSnapshot: true,
      PendingModifiedValues: { EngineVersion: '16.8', IAMDatabaseAuthenticationEnabled: true },
    });
    expect((await describeCluster('later')).PendingModifiedValues).toEqual({ EngineVersion: '16.8', IAMDatabaseAuthenticationEnabled: true });

    const { DBCluster: now } = await rds.send(
      new ModifyDBClusterCommand({ DBClusterIdentifier: 'later', EngineVersion: '16.8', EnableIAMDatabaseAuthentication: true, ApplyImmediately: true }),
    );
    expect(now).toMatchObject({ Status: 'modifying', EngineVersion: '16.8', IAMDatabaseAuthenticationEnabled: true });
    expect(now!.PendingModifiedValues).toBeUndefined();
    await until(async () => (await describeCluster('later')).Status === 'available');

    const refused = await caught(rds.send(new DeleteDBClusterCommand({ DBClusterIdentifier: 'later', SkipFinalSnapshot: true })));
    expect(refused.name).toBe('InvalidParameterCombination');
    expect(refused.message).toBe('Cannot delete protected Cluster, please disable deletion protection and try again.');
  });
});

describe('Serverless v2 capacity', () => {
  it('is set at creation, changed one bound at a time, and shown as ServerlessV2ScalingConfiguration', async () => {
    await cluster('elastic', { ServerlessV2ScalingConfiguration: { MinCapacity: 0.5, MaxCapacity: 16 } });
    expect((await describeCluster('elastic')).ServerlessV2ScalingConfiguration).toEqual({ MinCapacity: 0.5, MaxCapacity: 16 });
    const { DBCluster } = await rds.send(new ModifyDBClusterCommand({ DBClusterIdentifier: 'elastic', ServerlessV2ScalingConfiguration: { MinCapacity: 2.5 } }));
    expect(DBCluster).toMatchObject({ Status: 'available', ServerlessV2ScalingConfiguration: { MinCapacity: 2.5, MaxCapacity: 16 } });
    // 0 ACUs (automatic pause) on a version that supports it, with the default pause delay.
    const { DBCluster: paused } = await rds.send(
      new ModifyDBClusterCommand({ DBClusterIdentifier: 'elastic', ServerlessV2ScalingConfiguration: { MinCapacity: 0, MaxCapacity: 256 } }),
    );
    expect(paused!.ServerlessV2ScalingConfiguration).toEqual({ MinCapacity: 0, MaxCapacity: 256, SecondsUntilAutoPause: 300 });
    // db.serverless instances run in it.
    await rds.send(new CreateDBInstanceCommand({ ...baseInstance('elastic-1', 'elastic'), DBInstanceClass: 'db.serverless' }));
    expect((await describeInstance('elastic-1')).DBInstanceClass).toBe('db.serverless');
  });

  it('refuses capacities outside the rules (InvalidParameterValue), at creation and on modification', async () => {
    await cluster('rigid');
    const cases: [Record<string, number>, RegExp | string][] = [
      [{ MinCapacity: 0.5, MaxCapacity: 0.5 }, "Serverless v2 maximum capacity 0.5 isn't valid. The maximum capacity must be at least 1.0."],
      [{ MinCapacity: 0.75, MaxCapacity: 8 }, /minimum capacity 0.75 isn't valid. Capacity values must be in increments of 0.5 ACUs/],
      [{ MinCapacity: 0.5, MaxCapacity: 300 }, /maximum capacity 300.0 isn't valid. The maximum capacity must be at most 256.0/],
      [{ MinCapacity: 32, MaxCapacity: 16 }, /must be less than or equal to the maximum capacity 16.0/],
      [{ MinCapacity: 4 }, 'Both MinCapacity and MaxCapacity must be specified when you initialize Serverless v2 scaling configuration.'],
    ];
    for (const [configuration, message] of cases) {
      const modified = await caught(rds.send(new ModifyDBClusterCommand({ DBClusterIdentifier: 'rigid', ServerlessV2ScalingConfiguration: configuration })));
      expect(modified.name).toBe('InvalidParameterValue');
      expect(modified.$metadata.httpStatusCode).toBe(400);
      if (typeof message === 'string') expect(modified.message).toBe(message);
      else expect(modified.message).toMatch(message);
      const created = await caught(rds.send(new CreateDBClusterCommand({ ...baseCluster('rigid-2'), ServerlessV2ScalingConfiguration: configuration })));
      expect(created.name).toBe('InvalidParameterValue');
    }
    // 0 ACUs where the engine version cannot pause.
    const old = await caught(
      rds.send(new CreateDBClusterCommand({ ...baseCluster('rigid-3'), EngineVersion: '15.4', ServerlessV2ScalingConfiguration: { MinCapacity: 0, MaxCapacity: 8 } })),
    );
    expect(old.name).toBe('InvalidParameterValue');
    expect(old.message).toMatch(/doesn't support automatic pause/);
    expect((await describeCluster('rigid')).ServerlessV2ScalingConfiguration).toBeUndefined();
  });

  it('db.serverless instances need a capacity range on their cluster (InvalidDBClusterStateFault)', async () => {
    await cluster('fixed', {}, ['fixed-1']);
    const created = await caught(rds.send(new CreateDBInstanceCommand({ ...baseInstance('fixed-2', 'fixed'), DBInstanceClass: 'db.serverless' })));
    expect(created).toBeInstanceOf(InvalidDBClusterStateFault);
    expect(created.Code).toBe('InvalidDBClusterStateFault');
    expect(created.$metadata.httpStatusCode).toBe(400);
    expect(created.message).toBe('Set the Serverless v2 scaling configuration on the parent DB cluster before creating a Serverless v2 DB instance.');
    const modified = await caught(rds.send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: 'fixed-1', DBInstanceClass: 'db.serverless', ApplyImmediately: true })));
    expect(modified).toBeInstanceOf(InvalidDBClusterStateFault);
    expect(modified.message).toBe(created.message);
  });
});

describe('StorageType', () => {
  it('switches to I/O-Optimized (modifying, then available) once in 30 days, and back to Standard at any time', async () => {
    await cluster('io');
    const before = Date.now();
    const { DBCluster } = await rds.send(new ModifyDBClusterCommand({ DBClusterIdentifier: 'io', StorageType: 'aurora-iopt1', ApplyImmediately: true }));
    expect(DBCluster!.StorageType).toBe('aurora-iopt1');
    const next = DBCluster!.IOOptimizedNextAllowedModificationTime!.getTime();
    expect(next).toBeGreaterThanOrEqual(before + 30 * 24 * 3600 * 1000);
    expect(next).toBeLessThanOrEqual(Date.now() + 30 * 24 * 3600 * 1000);
    const statuses = await observe(async () => (await describeCluster('io')).Status!, (s) => s === 'available');
    expect(statuses).toEqual(['modifying', 'available']);

    const { DBCluster: standard } = await rds.send(new ModifyDBClusterCommand({ DBClusterIdentifier: 'io', StorageType: 'aurora', ApplyImmediately: true }));
    expect(standard!.StorageType).toBeUndefined(); // "isn't returned when you set it to aurora"
    expect(standard!.IOOptimizedNextAllowedModificationTime!.getTime()).toBe(next);
    await until(async () => (await describeCluster('io')).Status === 'available');

    const again = await caught(rds.send(new ModifyDBClusterCommand({ DBClusterIdentifier: 'io', StorageType: 'aurora-iopt1', ApplyImmediately: true })));
    expect(again).toBeInstanceOf(StorageTypeNotAvailableFault);
    expect(again.Code).toBe('StorageTypeNotAvailableFault');
    expect(again.$metadata.httpStatusCode).toBe(400);
    expect(again.message).toMatch(/^The aurora-iopt1 storage type isn't available, because you modified the DB cluster to use this storage type less than one month ago/);
    expect((await describeCluster('io')).StorageType).toBeUndefined();

    const unknown = await caught(rds.send(new ModifyDBClusterCommand({ DBClusterIdentifier: 'io', StorageType: 'gp3' })));
    expect(unknown).toBeInstanceOf(StorageTypeNotSupportedFault);
    expect(unknown.Code).toBe('StorageTypeNotSupported');
  });
});

describe('AddRoleToDBCluster and RemoveRoleFromDBCluster', () => {
  const role = (name: string) => `arn:aws:iam::000000000000:role/${name}`;

  it('associates roles (ACTIVE, with their feature) and removes them', async () => {
    await cluster('roles');
    await rds.send(new AddRoleToDBClusterCommand({ DBClusterIdentifier: 'roles', RoleArn: role('s3-import'), FeatureName: 's3Import' }));
    await rds.send(new AddRoleToDBClusterCommand({ DBClusterIdentifier: 'roles', RoleArn: role('lambda') }));
    expect((await describeCluster('roles')).AssociatedRoles).toEqual([
      { RoleArn: role('s3-import'), Status: 'ACTIVE', FeatureName: 's3Import' },
      { RoleArn: role('lambda'), Status: 'ACTIVE' },
    ]);
    await rds.send(new RemoveRoleFromDBClusterCommand({ DBClusterIdentifier: 'roles', RoleArn: role('s3-import'), FeatureName: 's3Import' }));
    expect((await describeCluster('roles')).AssociatedRoles).toEqual([{ RoleArn: role('lambda'), Status: 'ACTIVE' }]);
  });

  it('DBClusterRoleAlreadyExists (400), DBClusterRoleQuotaExceeded (400) past 5 roles, DBClusterRoleNotFound (404)', async () => {
    await cluster('roles-2');
    await rds.send(new AddRoleToDBClusterCommand({ DBClusterIdentifier: 'roles-2', RoleArn: role('r0'), FeatureName: 's3Import' }));
    const twice = await caught(rds.send(new AddRoleToDBClusterCommand({ DBClusterIdentifier: 'roles-2', RoleArn: role('r0'), FeatureName: 's3Export' })));
    expect(twice).toBeInstanceOf(DBClusterRoleAlreadyExistsFault);
    expect(twice.Code).toBe('DBClusterRoleAlreadyExists');
    expect(twice.$metadata.httpStatusCode).toBe(400);
    expect(twice.message).toBe(`Role ARN ${role('r0')} is already associated with DB Cluster: roles-2. Verify your role ARN and try again.`);

    for (let i = 1; i < 5; i++) await rds.send(new AddRoleToDBClusterCommand({ DBClusterIdentifier: 'roles-2', RoleArn: role(`r${i}`) }));
    const sixth = await caught(rds.send(new AddRoleToDBClusterCommand({ DBClusterIdentifier: 'roles-2', RoleArn: role('r5') })));
    expect(sixth).toBeInstanceOf(DBClusterRoleQuotaExceededFault);
    expect(sixth.Code).toBe('DBClusterRoleQuotaExceeded');
    expect(sixth.$metadata.httpStatusCode).toBe(400);
    expect((await describeCluster('roles-2')).AssociatedRoles).toHaveLength(5);

    const missing = await caught(rds.send(new RemoveRoleFromDBClusterCommand({ DBClusterIdentifier: 'roles-2', RoleArn: role('r9') })));
    expect(missing).toBeInstanceOf(DBClusterRoleNotFoundFault);
    expect(missing.Code).toBe('DBClusterRoleNotFound');
    expect(missing.$metadata.httpStatusCode).toBe(404);
    const wrongFeature = await caught(rds.send(new RemoveRoleFromDBClusterCommand({ DBClusterIdentifier: 'roles-2', RoleArn: role('r0'), FeatureName: 'Lambda' })));
    expect(wrongFeature).toBeInstanceOf(DBClusterRoleNotFoundFault);
  });

  it('needs an available cluster (InvalidDBClusterStateFault) that exists (DBClusterNotFoundFault)', async () => {
    await rds.send(new CreateDBClusterCommand(baseCluster('roles-new')));
    const creating = await caught(rds.send(new AddRoleToDBClusterCommand({ DBClusterIdentifier: 'roles-new', RoleArn: role('early') })));
    expect(creating).toBeInstanceOf(InvalidDBClusterStateFault);
    expect(creating.$metadata.httpStatusCode).toBe(400);
    expect(creating.message).toBe('DB Cluster roles-new is not available for IAM role association, disassociation, or updates. Current DB cluster status: creating');
    const removing = await caught(rds.send(new RemoveRoleFromDBClusterCommand({ DBClusterIdentifier: 'roles-new', RoleArn: role('early') })));
    expect(removing).toBeInstanceOf(InvalidDBClusterStateFault);
    for (const command of [
      new AddRoleToDBClusterCommand({ DBClusterIdentifier: 'roles-nope', RoleArn: role('x') }),
      new RemoveRoleFromDBClusterCommand({ DBClusterIdentifier: 'roles-nope', RoleArn: role('x') }),
    ]) {
      const error = await caught(rds.send(command as any));
      expect(error).toBeInstanceOf(DBClusterNotFoundFault);
      expect(error.$metadata.httpStatusCode).toBe(404);
    }
  });
});

describe('RebootDBCluster', () => {
  it('reboots every instance: the cluster and its instances show rebooting, then available', async () => {
    await cluster('bounce', {}, ['bounce-1', 'bounce-2']);
    const { DBCluster } = await rds.send(new RebootDBClusterCommand({ DBClusterIdentifier: 'bounce' }));
    expect(DBCluster!.Status).toBe('rebooting');
    expect((await describeInstance('bounce-1')).DBInstanceStatus).toBe('rebooting');
    expect((await describeInstance('bounce-2')).DBInstanceStatus).toBe('rebooting');
    const statuses = await observe(
      async () => [(await describeCluster('bounce')).Status, (await describeInstance('bounce-1')).DBInstanceStatus, (await describeInstance('bounce-2')).DBInstanceStatus].join('/'),
      (s) => s === 'available/available/available',
    );
    // The instances restart one after the other; the cluster is available once they all have.
    expect(statuses[0]).toBe('rebooting/rebooting/rebooting');
    expect(statuses.at(-1)).toBe('available/available/available');
    expect(statuses.filter((s) => s.startsWith('available/') && s.includes('rebooting'))).toEqual([]);
    const { Events } = await rds.send(new DescribeEventsCommand({ SourceType: 'db-instance', SourceIdentifier: 'bounce-2' }));
    expect(Events!.map((e) => e.Message)).toContain('DB instance restarted');
  });

  it('needs an available cluster and available instances', async () => {
    await rds.send(new CreateDBClusterCommand(baseCluster('bounce-new')));
    const creating = await caught(rds.send(new RebootDBClusterCommand({ DBClusterIdentifier: 'bounce-new' })));
    expect(creating).toBeInstanceOf(InvalidDBClusterStateFault);
    expect(creating.$metadata.httpStatusCode).toBe(400);
    expect(creating.message).toBe('DbCluster bounce-new is in creating state but expected it to be one of available.');

    await until(async () => (await describeCluster('bounce-new')).Status === 'available');
    await rds.send(new CreateDBInstanceCommand(baseInstance('bounce-new-1', 'bounce-new')));
    const busy = await caught(rds.send(new RebootDBClusterCommand({ DBClusterIdentifier: 'bounce-new' })));
    expect(busy).toBeInstanceOf(InvalidDBInstanceStateFault);
    expect(busy.Code).toBe('InvalidDBInstanceState');
    expect(busy.$metadata.httpStatusCode).toBe(400);

    const missing = await caught(rds.send(new RebootDBClusterCommand({ DBClusterIdentifier: 'bounce-nope' })));
    expect(missing).toBeInstanceOf(DBClusterNotFoundFault);
    expect(missing.$metadata.httpStatusCode).toBe(404);
  });
});

describe('StopDBCluster and StartDBCluster', () => {
  it('stop and start the instances with the cluster, over time, with their events', async () => {
    await cluster('nightly', {}, ['nightly-1', 'nightly-2']);
    // Three calls are not one snapshot: a status change landing between them shows a mix that no
    // moment had (the emulator changes the cluster and its instances together), so read again.
    const state = async (): Promise<string> => {
      for (;;) {
        const before = (await describeCluster('nightly')).Status;
        const sample = [before, (await describeInstance('nightly-1')).DBInstanceStatus, (await describeInstance('nightly-2')).DBInstanceStatus];
        if ((await describeCluster('nightly')).Status === before && new Set(sample).size === 1) return sample.join('/');
      }
    };

    const { DBCluster: stopping } = await rds.send(new StopDBClusterCommand({ DBClusterIdentifier: 'nightly' }));
    expect(stopping!.Status).toBe('stopping');
    expect(await observe(state, (s) => s === 'stopped/stopped/stopped')).toEqual(['stopping/stopping/stopping', 'stopped/stopped/stopped']);

    const again = await caught(rds.send(new StopDBClusterCommand({ DBClusterIdentifier: 'nightly' })));
    expect(again).toBeInstanceOf(InvalidDBClusterStateFault);
    expect(again.message).toBe('DbCluster nightly is in stopped state but expected it to be one of available.');
    const reboot = await caught(rds.send(new RebootDBClusterCommand({ DBClusterIdentifier: 'nightly' })));
    expect(reboot).toBeInstanceOf(InvalidDBClusterStateFault);

    const { DBCluster: starting } = await rds.send(new StartDBClusterCommand({ DBClusterIdentifier: 'nightly' }));
    expect(starting!.Status).toBe('starting');
    expect(await observe(state, (s) => s === 'available/available/available')).toEqual(['starting/starting/starting', 'available/available/available']);
    const started = await caught(rds.send(new StartDBClusterCommand({ DBClusterIdentifier: 'nightly' })));
    expect(started).toBeInstanceOf(InvalidDBClusterStateFault);
    expect(started.message).toBe('DbCluster nightly is in available state but expected it to be one of stopped,inaccessible-encryption-credentials-recoverable.');

    const { Events } = await rds.send(new DescribeEventsCommand({ SourceType: 'db-cluster', SourceIdentifier: 'nightly' }));
    const messages = Events!.map((e) => e.Message);
    expect(messages.indexOf('DB cluster stopped')).toBeGreaterThanOrEqual(0);
    expect(messages.indexOf('DB cluster started')).toBeGreaterThan(messages.indexOf('DB cluster stopped'));
  });
});
