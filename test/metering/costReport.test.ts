// Pricing a known ledger: Standard vs I/O-Optimized, the RDS Multi-AZ comparison, totals and
// projection; and the price table's checks at start-up.
import { describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Partition } from '../../src/control-plane/records.js';
import type { ClusterUsage } from '../../src/metering/ledger.js';
import { costReport } from '../../src/metering/costReport.js';
import { defaultPriceTableFile, loadPriceTable, PriceTableError } from '../../src/metering/priceTable.js';
import { gib, hourMs, item, prices } from './helpers.js';

const t0 = Date.parse('2026-01-01T00:00:00Z');

/** A partition whose ledger holds one cluster that ran `hours` with the given instances, volume and I/Os. */
function ledgerPartition(options: { hours: number; instances: { id: string; instanceClass: string; isWriter: boolean }[]; volumeGib: number; ios: number; region?: string; engine?: 'aurora-postgresql' | 'aurora-mysql' }): Partition {
  const end = t0 + options.hours * hourMs;
  const usage: ClusterUsage = {
    clusterId: 'work',
    engine: options.engine ?? 'aurora-postgresql',
    storageType: 'aurora',
    firstSeenAt: t0,
    integratedTo: end,
    measured: true,
    volumeBytes: options.volumeGib * gib,
    volumeByteMs: options.volumeGib * gib * options.hours * hourMs,
    snapshotBytes: 0,
    backupBeyondFreeByteMs: 0,
    readIOs: options.ios / 2,
    writeIOs: options.ios / 2,
    replicatedWriteIOs: 0,
    backtrackChangeRecords: 0,
    backtrackRecordMs: 0,
    instances: Object.fromEntries(
      options.instances.map((i) => [`db-${i.id}`, { instanceId: i.id, intervals: [{ instanceClass: i.instanceClass, isWriter: i.isWriter, start: t0, end }] }]),
    ),
  };
  return {
    account: '000000000000',
    region: options.region ?? 'us-east-1',
    clusters: {},
    metering: { since: t0, observedAt: end, clusters: { 'cluster-WORK': usage }, snapshots: {} },
  } as unknown as Partition;
}

const writer = { id: 'work-1', instanceClass: 'db.r6g.large', isWriter: true };
const replica = { id: 'work-2', instanceClass: 'db.r6g.large', isWriter: false };

describe('Standard or I/O-Optimized', () => {
  // One db.r6g.large and 100 GiB for a month (730 h): $189.80 + $10 on Standard, $246.74 + $22.50 on
  // I/O-Optimized. They break even at $69.44 of I/O: about 26% of the Standard spend.
  const month = (ios: number) => costReport([ledgerPartition({ hours: 730, instances: [writer], volumeGib: 100, ios })], prices, t0 + 730 * hourMs).clusters[0];

  it('names Standard when I/O is a small part of the spend', () => {
    const cost = month(10_000_000); // $2 of I/O
    expect(cost.storageConfigurations).toMatchObject({ current: 'standard', cheaper: 'standard' });
    expect(cost.storageConfigurations.standard).toBeCloseTo(189.8 + 10 + 2, 4);
    expect(cost.storageConfigurations.ioOptimized).toBeCloseTo(189.8 * 1.3 + 22.5, 4);
    expect(cost.storageConfigurations.ioShareOfStandard).toBeCloseTo(2 / 201.8, 4);
    expect(cost.total).toBeCloseTo(201.8, 4);
  });

  it('names I/O-Optimized once I/O is above about 25% of the spend', () => {
    const below = month(250_000_000); // $50 of I/O: 20% of $249.80
    expect(below.storageConfigurations.cheaper).toBe('standard');
    const above = month(450_000_000); // $90 of I/O: 31% of $289.80
    expect(above.storageConfigurations.ioShareOfStandard).toBeGreaterThan(0.25);
    expect(above.storageConfigurations.cheaper).toBe('io-optimized');
    expect(above.storageConfigurations.saving).toBeCloseTo(289.8 - 269.24, 4);
    // On I/O-Optimized the I/O line items cost nothing and the instances 30% more.
    const asIoOptimized = costReport([ledgerPartition({ hours: 730, instances: [writer], volumeGib: 100, ios: 450_000_000 })], prices, t0 + 730 * hourMs);
    expect(asIoOptimized.clusters[0].storageConfigurations.ioOptimized).toBeCloseTo(269.24, 4);
  });
});

describe('RDS Multi-AZ comparison', () => {
  it('prices the writer as a Multi-AZ instance, replicas as read replicas, storage as gp3 Multi-AZ', () => {
    const cost = costReport([ledgerPartition({ hours: 10, instances: [writer, replica], volumeGib: 100, ios: 0 })], prices, t0 + 10 * hourMs).clusters[0];
    expect(item(cost, 'instance-hours').cost).toBeCloseTo(2 * 0.26 * 10, 6);
    expect(cost.rdsMultiAz.engine).toBe('postgres');
    expect(cost.rdsMultiAz.instances).toBeCloseTo(0.45 * 10 + 0.225 * 10, 6);
    expect(cost.rdsMultiAz.storage).toBeCloseTo((100 * 10 * 0.23) / 730, 6);
    expect(cost.rdsMultiAz.auroraMinusRds).toBeCloseTo(cost.total - cost.rdsMultiAz.total, 6);
  });

  it('bills RDS at least its minimum allocated storage, with MySQL prices for aurora-mysql', () => {
    const cost = costReport([ledgerPartition({ hours: 730, instances: [writer], volumeGib: 1, ios: 0, engine: 'aurora-mysql' })], prices, t0 + 730 * hourMs).clusters[0];
    expect(cost.rdsMultiAz.engine).toBe('mysql');
    expect(cost.rdsMultiAz.instances).toBeCloseTo(0.43 * 730, 4);
    expect(cost.rdsMultiAz.storage).toBeCloseTo(20 * 0.23, 6);
  });
});

describe('the report', () => {
  it('totals per account and region, covers the period and projects 30 days at the current rate', () => {
    const report = costReport(
      [ledgerPartition({ hours: 24, instances: [writer], volumeGib: 73, ios: 0 }), ledgerPartition({ hours: 24, instances: [writer], volumeGib: 73, ios: 0, region: 'eu-west-1' })],
      prices,
      t0 + 24 * hourMs,
    );
    expect(report.period).toEqual({ start: '2026-01-01T00:00:00.000Z', end: '2026-01-02T00:00:00.000Z', hours: 24 });
    expect(report.totals.map((t) => t.region)).toEqual(['us-east-1', 'eu-west-1']);
    const us = report.clusters[0];
    // The instance still runs (its interval is closed in this ledger, so only storage projects).
    expect(us.projected30Days).toBeCloseTo((73 * 0.1 * 720) / 730, 4);
    expect(report.total).toBeCloseTo(report.totals[0].total + report.totals[1].total, 6);
  });

  it('leaves a region without prices unpriced, and says so', () => {
    const report = costReport([ledgerPartition({ hours: 1, instances: [writer], volumeGib: 1, ios: 0, region: 'sa-east-1' })], prices, t0 + hourMs);
    expect(report.clusters).toEqual([]);
    expect(report.notes[0]).toContain('No prices for region sa-east-1');
  });
});

describe('the price table', () => {
  it('is the fixture by default, with its source and date', () => {
    expect(prices.file).toBe(defaultPriceTableFile);
    expect(prices.source).toContain('treat as approximate');
    expect(Object.keys(prices.regions)).toEqual(expect.arrayContaining(['us-east-1', 'eu-west-1', 'ap-southeast-2']));
  });

  it('is refused when a price the meter needs is missing, naming it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'aurora-prices-'));
    try {
      const table = JSON.parse(await readFile(defaultPriceTableFile, 'utf8'));
      delete table.regions['eu-west-1'].storage.ioOptimizedGbMonth;
      await writeFile(join(dir, 'incomplete.json'), JSON.stringify(table));
      expect(() => loadPriceTable(join(dir, 'incomplete.json'))).toThrow(PriceTableError);
      expect(() => loadPriceTable(join(dir, 'incomplete.json'))).toThrow(/misses the price "regions\.eu-west-1\.storage\.ioOptimizedGbMonth"/);

      table.regions['eu-west-1'].storage.ioOptimizedGbMonth = 0.248;
      table.regions['us-east-1']['aurora-mysql'].instanceHour['db.r6g.large'] = 'cheap';
      await writeFile(join(dir, 'malformed.json'), JSON.stringify(table));
      expect(() => loadPriceTable(join(dir, 'malformed.json'))).toThrow(/regions\.us-east-1\.aurora-mysql\.instanceHour\.db\.r6g\.large/);

      await writeFile(join(dir, 'broken.json'), '{ "regions": ');
      expect(() => loadPriceTable(join(dir, 'broken.json'))).toThrow(/is not valid JSON/);
      expect(() => loadPriceTable(join(dir, 'absent.json'))).toThrow(/cannot read the price table .*absent\.json/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
