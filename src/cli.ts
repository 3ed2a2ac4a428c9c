// `aurora-local start [options]`: runs the emulator until SIGINT/SIGTERM.
import { parseArgs } from 'node:util';
import { defaultQuotas, delayOptionNames, quotaEnvName, quotaOptions, type Delays, type Quotas } from './config.js';
import { packageVersion, PriceTableError, startEmulator, StateFileError } from './emulator.js';
import { renderCostTable } from './metering/costTable.js';
import type { CostReport } from './metering/costReport.js';

const kebab = (name: string) => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

const quotaNames = Object.keys(quotaOptions) as (keyof Quotas)[];

const usage = `aurora-local ${packageVersion}: Amazon Aurora's RDS API on this machine

Usage:
  aurora-local start [options]    start the emulator (also the default command)
  aurora-local costs [--url URL]  what each cluster of a running emulator would have cost on AWS
                                  (default URL http://127.0.0.1:4566)
  aurora-local --version | --help

Options for start:
  --port N                  port to listen on (default 4566, env AURORA_LOCAL_PORT; 0 = any free port)
  --host ADDRESS            address to listen on (default 127.0.0.1, env AURORA_LOCAL_HOST)
  --data-dir DIR            keep state in DIR/state.json across restarts (env AURORA_LOCAL_DATA_DIR);
                            without it, state lives in memory
  --data-plane MODE         postgres (default: real PostgreSQL servers behind aurora-postgresql
                            clusters) or none (the control plane alone); env AURORA_LOCAL_DATA_PLANE
  --postgres-bin-dir DIR    PostgreSQL binaries to use instead of the embedded ones
                            (e.g. /usr/lib/postgresql/15/bin; env AURORA_LOCAL_POSTGRES_BIN_DIR)
  --realistic-delays        lifecycle steps take minutes, as on AWS (env AURORA_LOCAL_REALISTIC_DELAYS=1)
  --price-table FILE        prices for cost metering (default fixtures/prices/aws-aurora-prices.json,
                            env AURORA_LOCAL_PRICE_TABLE)
${delayOptionNames.map((n) => `  --${kebab(n).padEnd(24)}milliseconds for this lifecycle step`).join('\n')}
${quotaNames.map((n) => `  --quota-${`${quotaOptions[n]} N`.padEnd(32)}default ${defaultQuotas[n]} (env ${quotaEnvName(n)})`).join('\n')}
`;

export async function main(argv = process.argv.slice(2)): Promise<number> {
  const delayFlags = Object.fromEntries(delayOptionNames.map((n) => [kebab(n), { type: 'string' as const }]));
  const quotaFlags = Object.fromEntries(quotaNames.map((n) => [`quota-${quotaOptions[n]}`, { type: 'string' as const }]));
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        'data-dir': { type: 'string' },
        'data-plane': { type: 'string' },
        'postgres-bin-dir': { type: 'string' },
        'realistic-delays': { type: 'boolean' },
        'price-table': { type: 'string' },
        url: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
        ...delayFlags,
        ...quotaFlags,
      },
    });
  } catch (error) {
    console.error(`aurora-local: ${(error as Error).message}\n\n${usage}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) return (console.log(usage), 0);
  if (values.version) return (console.log(packageVersion), 0);
  const command = positionals[0] ?? 'start';
  if (command === 'costs') return printCosts(values.url ?? 'http://127.0.0.1:4566');
  if (command !== 'start') {
    console.error(`aurora-local: unknown command "${command}"\n\n${usage}`);
    return 2;
  }

  const delays: Partial<Delays> = {};
  for (const name of delayOptionNames) {
    const text = values[kebab(name) as keyof typeof values] as string | undefined;
    if (text === undefined) continue;
    const value = Number(text);
    if (!Number.isFinite(value) || value < 0) {
      console.error(`aurora-local: --${kebab(name)} takes a number of milliseconds, not "${text}"`);
      return 2;
    }
    delays[name] = value;
  }
  const quotas: Partial<Quotas> = {};
  for (const name of quotaNames) {
    const text = values[`quota-${quotaOptions[name]}` as keyof typeof values] as string | undefined;
    if (text === undefined) continue;
    const value = Number(text);
    if (!Number.isInteger(value) || value < 0) {
      console.error(`aurora-local: --quota-${quotaOptions[name]} takes a whole number ≥ 0, not "${text}"`);
      return 2;
    }
    quotas[name] = value;
  }
  const port = values.port !== undefined ? Number(values.port) : undefined;
  if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) {
    console.error(`aurora-local: --port takes a port number, not "${values.port}"`);
    return 2;
  }

  let emulator;
  try {
    emulator = await startEmulator({
      port,
      host: values.host,
      dataDir: values['data-dir'],
      dataPlane: values['data-plane'] as 'none' | 'postgres' | undefined,
      postgresBinDir: values['postgres-bin-dir'],
      realisticDelays: values['realistic-delays'],
      priceTable: values['price-table'],
      delays,
      quotas,
    });
  } catch (error: any) {
    const reason = error instanceof StateFileError || error instanceof PriceTableError ? error.message : error?.code === 'EADDRINUSE' ? `port ${error.port} is already in use (try --port)` : error?.message ?? String(error);
    console.error(`aurora-local: cannot start: ${reason}`);
    return 1;
  }
  console.log(`aurora-local ${packageVersion} listening on ${emulator.url}`);
  console.log(`  state: ${emulator.config.dataDir ? `${emulator.config.dataDir}/state.json` : 'in memory'}; data plane: ${emulator.config.dataPlane}`);
  console.log(`  try: aws rds describe-db-clusters --endpoint-url ${emulator.url}`);

  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      console.log(`aurora-local: ${signal}, stopping`);
      resolve();
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
  await emulator.close();
  return 0;
}

/** `aurora-local costs`: asks a running emulator for its cost report and prints it as a table. */
async function printCosts(url: string): Promise<number> {
  let report: CostReport;
  try {
    const response = await fetch(new URL('/_aurora/costs', url));
    if (!response.ok) throw new Error(`${response.status} ${response.statusText}`);
    report = (await response.json()) as CostReport;
  } catch (error: any) {
    console.error(`aurora-local: cannot get the costs from ${url}: ${error?.cause?.message ?? error?.message ?? error} (is the emulator running? --url URL)`);
    return 1;
  }
  console.log(renderCostTable(report));
  return 0;
}
