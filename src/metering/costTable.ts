// The cost report as a plain-text table, for `aurora-local costs`.
import type { CostReport, LineItem } from './costReport.js';

const money = (value: number) => `$${value.toFixed(value !== 0 && Math.abs(value) < 0.01 ? 6 : 4)}`;
const quantity = (value: number) => (Number.isInteger(value) ? String(value) : value.toPrecision(6).replace(/\.?0+$/, ''));
const bytes = (value: number) => (value >= 1024 ** 3 ? `${(value / 1024 ** 3).toFixed(2)} GiB` : `${(value / 1024 ** 2).toFixed(1)} MiB`);

function describe(item: LineItem): string {
  return item.instance ? `${item.item} ${item.instance} (${item.instanceClass})` : item.item;
}

/** I/Os are priced per million: a per-I/O price would print as zeros. */
function unitPrice(item: LineItem): string {
  if (item.unitPrice === null) return 'unpriced';
  return item.unit === 'I/Os' ? `${money(item.unitPrice * 1e6)} per million` : money(item.unitPrice);
}

function columns(rows: string[][], rightAligned: number[]): string[] {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  return rows.map((row) => row.map((cell, i) => (rightAligned.includes(i) ? cell.padStart(widths[i]) : cell.padEnd(widths[i]))).join('  ').trimEnd());
}

export function renderCostTable(report: CostReport): string {
  const lines: string[] = [];
  lines.push(`Costs in ${report.currency} from ${report.period.start} to ${report.period.end} (${report.period.hours.toFixed(3)} h)`);
  lines.push(`Prices: ${report.priceTable.source} (${report.priceTable.file})`);
  if (!report.clusters.length) lines.push('', 'No clusters metered yet.');
  for (const cluster of report.clusters) {
    lines.push('', `${cluster.account}  ${cluster.region}  cluster ${cluster.cluster} (${cluster.engine}, ${cluster.status}, storage ${cluster.storageType})`);
    const rows = [['item', 'quantity', 'unit', 'unit price', 'cost']];
    for (const item of cluster.lineItems) {
      rows.push([describe(item), quantity(item.quantity), item.unit, unitPrice(item), money(item.cost)]);
    }
    rows.push(['total', '', '', '', money(cluster.total)]);
    lines.push(...columns(rows, [1, 3, 4]).map((line) => `  ${line}`));
    const usage = cluster.usage;
    lines.push(`  volume ${usage.measured ? bytes(usage.volumeBytes) : 'not measured'}, ${usage.readIOs} read and ${usage.writeIOs} write I/Os, manual snapshots ${bytes(usage.snapshotBytes)}`);
    const options = cluster.storageConfigurations;
    lines.push(
      `  Standard ${money(options.standard)} · I/O-Optimized ${money(options.ioOptimized)} (I/O is ${(options.ioShareOfStandard * 100).toFixed(1)}% of Standard spend): ` +
        `${options.cheaper === 'io-optimized' ? 'I/O-Optimized' : 'Standard'} is cheaper by ${money(options.saving)}`,
    );
    const rds = cluster.rdsMultiAz;
    const difference = rds.auroraMinusRds >= 0 ? `Aurora costs ${money(rds.auroraMinusRds)} more` : `Aurora costs ${money(-rds.auroraMinusRds)} less`;
    lines.push(`  As RDS for ${rds.engine === 'postgres' ? 'PostgreSQL' : 'MySQL'} Multi-AZ: ${money(rds.total)} (instances ${money(rds.instances)}, gp3 storage ${money(rds.storage)}): ${difference}`);
    lines.push(`  Projected over 30 days: ${money(cluster.projected30Days)}`);
    for (const note of cluster.notes) lines.push(`  note: ${note}`);
  }
  lines.push('');
  for (const total of report.totals) lines.push(`Total ${total.account} ${total.region}: ${money(total.total)} (30 days: ${money(total.projected30Days)})`);
  lines.push(`Total: ${money(report.total)}   projected over 30 days: ${money(report.projected30Days)}`);
  for (const note of report.notes) lines.push(`note: ${note}`);
  return lines.join('\n');
}
