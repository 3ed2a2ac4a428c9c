// The price table the meter prices usage with: fixtures/prices/aws-aurora-prices.json, or a
// user's own (--price-table FILE, AURORA_LOCAL_PRICE_TABLE). A table that cannot be read, or
// lacks a price the meter needs, stops start-up with a message naming what is missing.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export class PriceTableError extends Error {}

export interface EnginePrices {
  /** USD per instance-hour, by DB instance class. */
  instanceHour: Record<string, number>;
  /** Serverless v2: USD per ACU-hour. */
  serverlessAcuHour: number;
}

export interface RegionPrices {
  'aurora-postgresql': EnginePrices;
  'aurora-mysql': EnginePrices;
  storage: {
    standardGbMonth: number;
    standardIoPerMillion: number;
    ioOptimizedGbMonth: number;
    /** I/O-Optimized instances (and ACUs) cost this fraction more: 0.3 = 30%. */
    ioOptimizedInstanceUplift: number;
  };
  /** Backup storage beyond the free allowance (100% of the cluster volume). */
  backupGbMonth: number;
  /** Backtrack bills the change records it keeps, per million per hour. */
  backtrackPerMillionChangeRecordHours: number;
  globalReplicatedWriteIoPerMillion: number;
  /** RDS for PostgreSQL / MySQL Multi-AZ (one standby), for the comparison. */
  rdsMultiAz: {
    postgres: { instanceHour: Record<string, number> };
    mysql: { instanceHour: Record<string, number> };
    gp3GbMonth: number;
    /** RDS bills allocated storage, at least this much. */
    minimumStorageGb: number;
  };
}

export interface PriceTable {
  source: string;
  asOf: string;
  currency: string;
  /** AWS prorates monthly prices over 730 hours. */
  hoursPerMonth: number;
  unsure?: string[];
  regions: Record<string, RegionPrices>;
  /** Where the table was read from. */
  file: string;
}

export const defaultPriceTableFile = join(dirname(fileURLToPath(import.meta.url)), '../../fixtures/prices/aws-aurora-prices.json');

/** Every price the meter reads, per region (paths below `regions.<region>`). */
const requiredRegionPrices = [
  'aurora-postgresql.serverlessAcuHour',
  'aurora-mysql.serverlessAcuHour',
  'storage.standardGbMonth',
  'storage.standardIoPerMillion',
  'storage.ioOptimizedGbMonth',
  'storage.ioOptimizedInstanceUplift',
  'backupGbMonth',
  'backtrackPerMillionChangeRecordHours',
  'globalReplicatedWriteIoPerMillion',
  'rdsMultiAz.gp3GbMonth',
  'rdsMultiAz.minimumStorageGb',
];
/** Per-class tables: each must exist with at least one class (a class missing from it is reported unpriced). */
const requiredClassTables = ['aurora-postgresql.instanceHour', 'aurora-mysql.instanceHour', 'rdsMultiAz.postgres.instanceHour', 'rdsMultiAz.mysql.instanceHour'];

const at = (value: any, path: string) => path.split('.').reduce((node, key) => (node && typeof node === 'object' ? node[key] : undefined), value);
const isPrice = (value: unknown) => typeof value === 'number' && Number.isFinite(value) && value >= 0;

/** Checks a parsed table; throws PriceTableError naming the first missing or malformed price. */
export function checkPriceTable(raw: any, file: string): PriceTable {
  const refuse = (what: string) => new PriceTableError(`the price table ${file} ${what}`);
  if (!raw || typeof raw !== 'object') throw refuse('is not a JSON object');
  if (!isPrice(raw.hoursPerMonth) || raw.hoursPerMonth === 0) throw refuse('misses the price "hoursPerMonth" (hours a monthly price covers, 730 on AWS)');
  const regions = raw.regions;
  if (!regions || typeof regions !== 'object' || !Object.keys(regions).length) throw refuse('misses "regions" (prices per AWS region, e.g. regions.us-east-1)');
  for (const [region, prices] of Object.entries(regions)) {
    for (const path of requiredRegionPrices) {
      if (!isPrice(at(prices, path))) throw refuse(`misses the price "regions.${region}.${path}" (a number ≥ 0)`);
    }
    for (const path of requiredClassTables) {
      const table = at(prices, path);
      if (!table || typeof table !== 'object' || !Object.keys(table).length) throw refuse(`misses the prices "regions.${region}.${path}" (USD per hour by DB instance class)`);
      for (const [instanceClass, price] of Object.entries(table)) {
        if (!isPrice(price)) throw refuse(`has no valid price "regions.${region}.${path}.${instanceClass}" (a number ≥ 0)`);
      }
    }
  }
  return { source: String(raw.source ?? 'unknown'), asOf: String(raw.asOf ?? 'unknown'), currency: String(raw.currency ?? 'USD'), hoursPerMonth: raw.hoursPerMonth, unsure: raw.unsure, regions, file };
}

export function loadPriceTable(file = defaultPriceTableFile): PriceTable {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error: any) {
    throw new PriceTableError(`cannot read the price table ${file}: ${error.message}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error: any) {
    throw new PriceTableError(`the price table ${file} is not valid JSON (${error.message})`);
  }
  return checkPriceTable(raw, file);
}
