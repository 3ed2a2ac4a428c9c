// Prices the ledgers: line items per account, region and cluster, totals, a 30-day projection,
// Standard vs I/O-Optimized for the same workload, and the same instances and storage as RDS
// Multi-AZ. Pure: usage and prices in, a report out (the clock is the caller's).
import type { Partition } from '../control-plane/records.js';
import type { ClusterUsage, InstanceInterval } from './ledger.js';
import type { PriceTable, RegionPrices } from './priceTable.js';

const hourMs = 3_600_000;
const gib = 1024 ** 3;
const tenMinutesMs = 600_000;
const projectionHours = 30 * 24;

export type StorageMode = 'standard' | 'io-optimized';

export interface LineItem {
  item: 'instance-hours' | 'serverless-acu-hours' | 'storage' | 'read-ios' | 'write-ios' | 'backtrack-change-records' | 'backup-storage' | 'global-replicated-write-ios';
  /** For instance items: which instance and class. */
  instance?: string;
  instanceClass?: string;
  quantity: number;
  unit: string;
  /** USD per unit; null when the price table has no price for it. */
  unitPrice: number | null;
  cost: number;
}

export interface ClusterCost {
  account: string;
  region: string;
  cluster: string;
  engine: string;
  status: string;
  storageType: string;
  period: { start: string; end: string; hours: number };
  usage: { measured: boolean; volumeBytes: number; readIOs: number; writeIOs: number; snapshotBytes: number; backtrackChangeRecords: number };
  lineItems: LineItem[];
  total: number;
  projected30Days: number;
  /** The same workload on each storage configuration; I/O-Optimized pays when I/O is above about 25% of spend. */
  storageConfigurations: { current: StorageMode; standard: number; ioOptimized: number; ioShareOfStandard: number; cheaper: StorageMode; saving: number };
  /** The same instance-hours and storage as RDS for PostgreSQL / MySQL Multi-AZ. */
  rdsMultiAz: { engine: 'postgres' | 'mysql'; instances: number; storage: number; total: number; auroraMinusRds: number; unpriced: string[] };
  notes: string[];
}

export interface CostReport {
  generatedAt: string;
  currency: string;
  priceTable: { file: string; source: string; asOf: string };
  period: { start: string; end: string; hours: number };
  clusters: ClusterCost[];
  totals: { account: string; region: string; total: number; projected30Days: number }[];
  total: number;
  projected30Days: number;
  notes: string[];
}

const round = (value: number, digits = 6) => Math.round(value * 10 ** digits) / 10 ** digits;

/** Billed milliseconds of one stretch: per second, at least 10 minutes after a start or class change (not for Serverless v2). */
export function billedMs(interval: InstanceInterval, now: number): number {
  const ran = Math.max(0, (interval.end ?? now) - interval.start);
  const seconds = Math.ceil(ran / 1000) * 1000;
  return interval.continued || interval.acu !== undefined ? seconds : Math.max(seconds, tenMinutesMs);
}

/** The workload of one cluster in billing quantities, independent of prices. */
interface Workload {
  instances: { instance: string; instanceClass: string; hours: number; acuHours?: number; writerHours: number; runningNow?: { instanceClass: string; acu?: number } }[];
  gbMonths: number;
  readIOs: number;
  writeIOs: number;
  replicatedWriteIOs: number;
  millionChangeRecordHours: number;
  backupGbMonths: number;
}

function workload(usage: ClusterUsage, now: number, hoursPerMonth: number): Workload {
  const instances: Workload['instances'] = [];
  for (const metered of Object.values(usage.instances)) {
    // One line per class the instance ran as.
    const byClass = new Map<string, Workload['instances'][number]>();
    for (const interval of metered.intervals) {
      const line = byClass.get(interval.instanceClass) ?? { instance: metered.instanceId, instanceClass: interval.instanceClass, hours: 0, writerHours: 0 };
      const hours = billedMs(interval, now) / hourMs;
      line.hours += hours;
      if (interval.isWriter) line.writerHours += hours;
      if (interval.acu !== undefined) line.acuHours = (line.acuHours ?? 0) + hours * interval.acu;
      if (interval.end === undefined) line.runningNow = { instanceClass: interval.instanceClass, acu: interval.acu };
      byClass.set(interval.instanceClass, line);
    }
    instances.push(...byClass.values());
  }
  const gbMonthsOf = (byteMs: number) => byteMs / gib / hourMs / hoursPerMonth;
  return {
    instances,
    gbMonths: gbMonthsOf(usage.volumeByteMs),
    readIOs: usage.readIOs,
    writeIOs: usage.writeIOs,
    replicatedWriteIOs: usage.replicatedWriteIOs,
    millionChangeRecordHours: usage.backtrackRecordMs / hourMs / 1e6,
    backupGbMonths: gbMonthsOf(usage.backupBeyondFreeByteMs),
  };
}

/** Line items of a workload on one storage configuration. */
function price(work: Workload, engine: string, prices: RegionPrices, mode: StorageMode): { items: LineItem[]; unpriced: string[] } {
  const enginePrices = prices[engine as 'aurora-postgresql'];
  const uplift = mode === 'io-optimized' ? 1 + prices.storage.ioOptimizedInstanceUplift : 1;
  const items: LineItem[] = [];
  const unpriced: string[] = [];
  for (const line of work.instances) {
    if (line.acuHours !== undefined) {
      const unitPrice = enginePrices.serverlessAcuHour * uplift;
      items.push({ item: 'serverless-acu-hours', instance: line.instance, instanceClass: line.instanceClass, quantity: line.acuHours, unit: 'ACU-hours', unitPrice, cost: line.acuHours * unitPrice });
      continue;
    }
    const hourly = enginePrices.instanceHour[line.instanceClass];
    if (hourly === undefined) unpriced.push(`${line.instanceClass} (${engine})`);
    const unitPrice = hourly === undefined ? null : hourly * uplift;
    items.push({ item: 'instance-hours', instance: line.instance, instanceClass: line.instanceClass, quantity: line.hours, unit: 'hours', unitPrice, cost: line.hours * (unitPrice ?? 0) });
  }
  const storagePrice = mode === 'io-optimized' ? prices.storage.ioOptimizedGbMonth : prices.storage.standardGbMonth;
  items.push({ item: 'storage', quantity: work.gbMonths, unit: 'GB-months', unitPrice: storagePrice, cost: work.gbMonths * storagePrice });
  // I/O-Optimized includes every read and write I/O.
  const ioPrice = mode === 'io-optimized' ? 0 : prices.storage.standardIoPerMillion / 1e6;
  items.push({ item: 'read-ios', quantity: work.readIOs, unit: 'I/Os', unitPrice: ioPrice, cost: work.readIOs * ioPrice });
  items.push({ item: 'write-ios', quantity: work.writeIOs, unit: 'I/Os', unitPrice: ioPrice, cost: work.writeIOs * ioPrice });
  if (work.replicatedWriteIOs) {
    const unitPrice = prices.globalReplicatedWriteIoPerMillion / 1e6;
    items.push({ item: 'global-replicated-write-ios', quantity: work.replicatedWriteIOs, unit: 'I/Os', unitPrice, cost: work.replicatedWriteIOs * unitPrice });
  }
  if (work.millionChangeRecordHours) {
    const unitPrice = prices.backtrackPerMillionChangeRecordHours;
    items.push({ item: 'backtrack-change-records', quantity: work.millionChangeRecordHours, unit: 'million change-record-hours', unitPrice, cost: work.millionChangeRecordHours * unitPrice });
  }
  if (work.backupGbMonths) {
    items.push({ item: 'backup-storage', quantity: work.backupGbMonths, unit: 'GB-months beyond the free 100% of the volume', unitPrice: prices.backupGbMonth, cost: work.backupGbMonths * prices.backupGbMonth });
  }
  return { items, unpriced };
}

const sum = (items: LineItem[]) => items.reduce((total, item) => total + item.cost, 0);
const ioCost = (items: LineItem[]) => sum(items.filter((i) => i.item === 'read-ios' || i.item === 'write-ios'));

/**
 * The same instances and storage as RDS Multi-AZ (a primary with one standby): the writer's
 * hours at the Multi-AZ price, each replica's as an RDS read replica (Single-AZ, half the
 * Multi-AZ price); storage as gp3 Multi-AZ, at least RDS's minimum allocation, I/O included.
 */
function rdsMultiAz(work: Workload, engine: string, prices: RegionPrices, hoursPerMonth: number, periodHours: number): ClusterCost['rdsMultiAz'] {
  const rdsEngine = engine === 'aurora-mysql' ? 'mysql' : 'postgres';
  const table = prices.rdsMultiAz[rdsEngine].instanceHour;
  const unpriced: string[] = [];
  let instances = 0;
  for (const line of work.instances) {
    const hourly = table[line.instanceClass];
    if (hourly === undefined) {
      unpriced.push(line.acuHours !== undefined ? `${line.instanceClass} (no RDS counterpart)` : `${line.instanceClass} (RDS ${rdsEngine} Multi-AZ)`);
      continue;
    }
    instances += line.writerHours * hourly + (line.hours - line.writerHours) * (hourly / 2);
  }
  const minimumGbMonths = (prices.rdsMultiAz.minimumStorageGb * periodHours) / hoursPerMonth;
  const storage = Math.max(work.gbMonths, minimumGbMonths) * prices.rdsMultiAz.gp3GbMonth;
  return { engine: rdsEngine, instances: round(instances), storage: round(storage), total: round(instances + storage), auroraMinusRds: 0, unpriced };
}

/** 30 days at the current rate: instances running now, storage at its size now, I/O and the rest at their average rate so far. */
function projection(usage: ClusterUsage, work: Workload, items: LineItem[], engine: string, prices: RegionPrices, mode: StorageMode, hoursPerMonth: number, periodHours: number): number {
  // A deleted cluster leaves only its manual snapshots to pay for.
  if (usage.deletedAt !== undefined) return ((usage.snapshotBytes / gib) * prices.backupGbMonth * projectionHours) / hoursPerMonth;
  const uplift = mode === 'io-optimized' ? 1 + prices.storage.ioOptimizedInstanceUplift : 1;
  const enginePrices = prices[engine as 'aurora-postgresql'];
  let hourly = 0;
  for (const line of work.instances) {
    const running = line.runningNow;
    if (!running) continue;
    hourly += (running.acu !== undefined ? running.acu * enginePrices.serverlessAcuHour : (enginePrices.instanceHour[running.instanceClass] ?? 0)) * uplift;
  }
  const storagePrice = mode === 'io-optimized' ? prices.storage.ioOptimizedGbMonth : prices.storage.standardGbMonth;
  const storageMonthly = (usage.volumeBytes / gib) * storagePrice + (Math.max(0, usage.snapshotBytes - usage.volumeBytes) / gib) * prices.backupGbMonth;
  const rated = sum(items.filter((i) => ['read-ios', 'write-ios', 'global-replicated-write-ios', 'backtrack-change-records'].includes(i.item)));
  const ratedPerHour = periodHours > 0 ? rated / periodHours : 0;
  return hourly * projectionHours + (storageMonthly * projectionHours) / hoursPerMonth + ratedPerHour * projectionHours;
}

export function costReport(partitions: Partition[], prices: PriceTable, now: number): CostReport {
  const clusters: ClusterCost[] = [];
  const notes = new Set<string>();
  let start = now;
  for (const partition of partitions) {
    const ledger = partition.metering;
    if (!ledger) continue;
    start = Math.min(start, ledger.since);
    const regionPrices = prices.regions[partition.region];
    for (const usage of Object.values(ledger.clusters)) {
      if (!regionPrices) {
        notes.add(`No prices for region ${partition.region} in ${prices.file}: its clusters are not priced.`);
        continue;
      }
      clusters.push(clusterCost(partition, usage, regionPrices, prices.hoursPerMonth, now));
    }
  }
  notes.add('Serverless v2 instances are billed at the cluster\'s MinCapacity: the emulator does not scale capacity.');
  notes.add('Instances are billed per second while running (10-minute minimum after each start or class change); creating, starting, stopped and deleting instances are not.');
  const totals = new Map<string, { account: string; region: string; total: number; projected30Days: number }>();
  for (const cost of clusters) {
    const key = `${cost.account}/${cost.region}`;
    const entry = totals.get(key) ?? { account: cost.account, region: cost.region, total: 0, projected30Days: 0 };
    entry.total = round(entry.total + cost.total);
    entry.projected30Days = round(entry.projected30Days + cost.projected30Days);
    totals.set(key, entry);
  }
  return {
    generatedAt: new Date(now).toISOString(),
    currency: prices.currency,
    priceTable: { file: prices.file, source: prices.source, asOf: prices.asOf },
    period: { start: new Date(start).toISOString(), end: new Date(now).toISOString(), hours: round((now - start) / hourMs) },
    clusters,
    totals: [...totals.values()],
    total: round(clusters.reduce((total, c) => total + c.total, 0)),
    projected30Days: round(clusters.reduce((total, c) => total + c.projected30Days, 0)),
    notes: [...notes],
  };
}

function clusterCost(partition: Partition, usage: ClusterUsage, prices: RegionPrices, hoursPerMonth: number, now: number): ClusterCost {
  const end = usage.deletedAt ?? now;
  const periodHours = Math.max(0, end - usage.firstSeenAt) / hourMs;
  const work = workload(usage, now, hoursPerMonth);
  const current: StorageMode = usage.storageType === 'aurora-iopt1' ? 'io-optimized' : 'standard';
  const standard = price(work, usage.engine, prices, 'standard');
  const ioOptimized = price(work, usage.engine, prices, 'io-optimized');
  const billed = current === 'io-optimized' ? ioOptimized : standard;
  const total = sum(billed.items);
  const standardTotal = sum(standard.items);
  const ioOptimizedTotal = sum(ioOptimized.items);
  const cheaper: StorageMode = ioOptimizedTotal < standardTotal ? 'io-optimized' : 'standard';
  const rds = rdsMultiAz(work, usage.engine, prices, hoursPerMonth, periodHours);
  rds.auroraMinusRds = round(total - rds.total);
  const notes: string[] = [];
  if (!usage.measured) notes.push('Storage and I/O not measured (no data plane serves this cluster): counted as 0.');
  if (billed.unpriced.length) notes.push(`No price for ${[...new Set(billed.unpriced)].join(', ')}: counted as 0.`);
  if (rds.unpriced.length) notes.push(`Left out of the RDS comparison: ${[...new Set(rds.unpriced)].join(', ')}.`);
  const status = usage.deletedAt !== undefined ? 'deleted' : (partition.clusters[usage.clusterId]?.status ?? 'unknown');
  return {
    account: partition.account,
    region: partition.region,
    cluster: usage.clusterId,
    engine: usage.engine,
    status,
    storageType: usage.storageType,
    period: { start: new Date(usage.firstSeenAt).toISOString(), end: new Date(end).toISOString(), hours: round(periodHours) },
    usage: {
      measured: usage.measured,
      volumeBytes: usage.volumeBytes,
      readIOs: usage.readIOs,
      writeIOs: usage.writeIOs,
      snapshotBytes: usage.snapshotBytes,
      backtrackChangeRecords: usage.backtrackChangeRecords,
    },
    // Quantities keep their precision (a short run stores a tiny fraction of a GB-month); money is rounded.
    lineItems: billed.items.map((i) => ({ ...i, quantity: Number(i.quantity.toPrecision(12)), cost: round(i.cost) })),
    total: round(total),
    projected30Days: round(projection(usage, work, billed.items, usage.engine, prices, current, hoursPerMonth, periodHours)),
    storageConfigurations: {
      current,
      standard: round(standardTotal),
      ioOptimized: round(ioOptimizedTotal),
      ioShareOfStandard: standardTotal > 0 ? round(ioCost(standard.items) / standardTotal, 4) : 0,
      cheaper,
      saving: round(Math.abs(standardTotal - ioOptimizedTotal)),
    },
    rdsMultiAz: rds,
    notes,
  };
}
