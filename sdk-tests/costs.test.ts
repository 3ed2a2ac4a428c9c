// Cost metering end to end: GET /_aurora/costs after SDK calls, `aurora-local costs` printing it
// as a table, and a bad price table refused at start-up (library and CLI).
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateDBClusterCommand, CreateDBInstanceCommand, RDSClient, waitUntilDBInstanceAvailable } from '@aws-sdk/client-rds';
import { main } from '../src/cli.js';
import { PriceTableError, startEmulator, type Emulator } from '../src/emulator.js';
import type { CostReport } from '../src/metering/costReport.js';
import { defaultPriceTableFile } from '../src/metering/priceTable.js';

const fast = { createClusterMs: 0, createInstanceMs: 0, deleteClusterMs: 0, deleteInstanceMs: 0 };

async function captured(stream: 'log' | 'error', run: () => Promise<number>): Promise<{ code: number; output: string }> {
  const lines: string[] = [];
  const spy = vi.spyOn(console, stream).mockImplementation((...args: unknown[]) => void lines.push(args.join(' ')));
  try {
    return { code: await run(), output: lines.join('\n') };
  } finally {
    spy.mockRestore();
  }
}

describe('GET /_aurora/costs and aurora-local costs', () => {
  let emulator: Emulator;
  beforeAll(async () => {
    emulator = await startEmulator({ port: 0, dataPlane: 'none', delays: fast, log: () => {} });
    const rds = new RDSClient({ endpoint: emulator.url, region: 'eu-west-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
    await rds.send(new CreateDBClusterCommand({ DBClusterIdentifier: 'billed', Engine: 'aurora-postgresql', MasterUsername: 'postgres', MasterUserPassword: 'secret-pass-1' }));
    await rds.send(new CreateDBInstanceCommand({ DBInstanceIdentifier: 'billed-1', DBClusterIdentifier: 'billed', Engine: 'aurora-postgresql', DBInstanceClass: 'db.t4g.medium' }));
    await waitUntilDBInstanceAvailable({ client: rds, minDelay: 1, maxWaitTime: 30 }, { DBInstanceIdentifier: 'billed-1' });
  });
  afterAll(() => emulator?.close());

  it('answers line items per account, region and cluster, with totals, the period and the comparisons', async () => {
    const response = await fetch(`${emulator.url}/_aurora/costs`);
    expect(response.status).toBe(200);
    const report = (await response.json()) as CostReport;
    expect(report.priceTable.source).toContain('treat as approximate');
    const cluster = report.clusters.find((c) => c.cluster === 'billed')!;
    expect(cluster).toMatchObject({ account: '000000000000', region: 'eu-west-1', engine: 'aurora-postgresql', status: 'available', storageType: 'aurora' });
    const hours = cluster.lineItems.find((i) => i.item === 'instance-hours')!;
    expect(hours).toMatchObject({ instance: 'billed-1', instanceClass: 'db.t4g.medium', unitPrice: 0.0803 });
    expect(hours.quantity).toBeCloseTo(10 / 60, 6); // just started: the 10-minute minimum
    expect(cluster.storageConfigurations.cheaper).toBe('standard');
    expect(cluster.rdsMultiAz.engine).toBe('postgres');
    expect(cluster.notes.join(' ')).toContain('not measured'); // --data-plane none
    expect(report.totals).toContainEqual(expect.objectContaining({ account: '000000000000', region: 'eu-west-1' }));
    expect(report.projected30Days).toBeGreaterThan(0.0803 * 700);
    expect(Date.parse(report.period.end)).toBeGreaterThanOrEqual(Date.parse(report.period.start));

    const narrowed = (await (await fetch(`${emulator.url}/_aurora/costs?region=us-east-1`)).json()) as CostReport;
    expect(narrowed.clusters).toEqual([]);
  });

  it('`aurora-local costs --url` prints the same as a table', async () => {
    const { code, output } = await captured('log', () => main(['costs', '--url', emulator.url]));
    expect(code).toBe(0);
    expect(output).toContain('000000000000  eu-west-1  cluster billed (aurora-postgresql, available, storage aurora)');
    expect(output).toMatch(/instance-hours billed-1 \(db\.t4g\.medium\)\s+0\.166667\s+hours\s+\$0\.0803\s+\$0\.0134/);
    expect(output).toMatch(/Standard \$[\d.]+ · I\/O-Optimized \$[\d.]+ \(I\/O is 0\.0% of Standard spend\): Standard is cheaper/);
    expect(output).toContain('As RDS for PostgreSQL Multi-AZ');
    expect(output).toMatch(/Total: \$[\d.]+ {3}projected over 30 days: \$[\d.]+/);
  });

  it('`aurora-local costs` says when no emulator answers', async () => {
    const { code, output } = await captured('error', () => main(['costs', '--url', 'http://127.0.0.1:1']));
    expect(code).toBe(1);
    expect(output).toContain('cannot get the costs from http://127.0.0.1:1');
  });
});

describe('a price table missing a price', () => {
  let dir: string;
  let incomplete: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'aurora-prices-'));
    const table = JSON.parse(await readFile(defaultPriceTableFile, 'utf8'));
    delete table.regions['us-east-1'].backupGbMonth;
    incomplete = join(dir, 'prices.json');
    await writeFile(incomplete, JSON.stringify(table));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('stops startEmulator with a PriceTableError naming the price', async () => {
    const failure = await startEmulator({ port: 0, dataPlane: 'none', priceTable: incomplete, log: () => {} }).catch((error) => error);
    expect(failure).toBeInstanceOf(PriceTableError);
    expect(failure.message).toBe(`the price table ${incomplete} misses the price "regions.us-east-1.backupGbMonth" (a number ≥ 0)`);
  });

  it('stops `aurora-local start --price-table` with that message', async () => {
    const { code, output } = await captured('error', () => main(['start', '--port', '0', '--data-plane', 'none', '--price-table', incomplete]));
    expect(code).toBe(1);
    expect(output).toContain('aurora-local: cannot start: the price table');
    expect(output).toContain('"regions.us-east-1.backupGbMonth"');
  });
});
