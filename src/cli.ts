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
  aurora-local faults [--url URL] storage fault injection on a running emulator:
    faults list                                 the faults in force
    faults az-outage us-east-1a                 take an Availability Zone's storage nodes down
    faults node-outage us-east-1a-sn2           take one storage node down
    faults latency us-east-1b-sn1 50            add 50 ms to a node's acknowledgements
    faults corrupt-segment CLUSTER [PG] SEGMENT corrupt a segment of a cluster's volume
    faults heal [FAULT_ID]                      remove one fault, or all
  aurora-local storage CLUSTER [--url URL]      a cluster volume's segments, quorum and size
  aurora-local --version | --help

Options for start:
  --port N                  port to listen on (default 4566, env AURORA_LOCAL_PORT; 0 = any free port)
  --host ADDRESS            address to listen on (default 127.0.0.1, env AURORA_LOCAL_HOST)
  --data-dir DIR            keep state in DIR/state.json across restarts (env AURORA_LOCAL_DATA_DIR);
                            without it, state lives in memory
  --data-plane MODE         postgres (default: real PostgreSQL servers behind aurora-postgresql
                            clusters, real MariaDB behind aurora-mysql) or none (the control plane
                            alone); env AURORA_LOCAL_DATA_PLANE
  --postgres-bin-dir DIR    PostgreSQL binaries to use instead of the embedded ones
                            (e.g. /usr/lib/postgresql/15/bin; env AURORA_LOCAL_POSTGRES_BIN_DIR)
  --mysql-bin-dir DIR       MariaDB binaries for aurora-mysql instead of PATH and /usr/sbin
                            (env AURORA_LOCAL_MYSQL_BIN_DIR)
  --realistic-delays        lifecycle steps take minutes, as on AWS (env AURORA_LOCAL_REALISTIC_DELAYS=1)
  --price-table FILE        prices for cost metering (default fixtures/prices/aws-aurora-prices.json,
                            env AURORA_LOCAL_PRICE_TABLE)
  --storage-nodes-per-az N  storage nodes in each AZ of a region (default 3, env AURORA_LOCAL_STORAGE_NODES_PER_AZ)
  --storage-bytes-per-gib N real bytes counted as one GiB of volume (default 1073741824; 1048576 makes a
                            MiB count as a GiB, to see autoscaling; env AURORA_LOCAL_STORAGE_BYTES_PER_GIB)
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
        'mysql-bin-dir': { type: 'string' },
        'realistic-delays': { type: 'boolean' },
        'price-table': { type: 'string' },
        'storage-nodes-per-az': { type: 'string' },
        'storage-bytes-per-gib': { type: 'string' },
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
  if (command === 'faults') return faultsCommand(values.url ?? 'http://127.0.0.1:4566', positionals.slice(1));
  if (command === 'storage') return storageCommand(values.url ?? 'http://127.0.0.1:4566', positionals.slice(1));
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
      mysqlBinDir: values['mysql-bin-dir'],
      realisticDelays: values['realistic-delays'],
      priceTable: values['price-table'],
      storage: {
        ...(values['storage-nodes-per-az'] !== undefined ? { nodesPerAz: values['storage-nodes-per-az'] } : {}),
        ...(values['storage-bytes-per-gib'] !== undefined ? { bytesPerGiB: values['storage-bytes-per-gib'] } : {}),
      },
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

/** `aurora-local faults …`: the /_aurora/faults routes from a shell. */
async function faultsCommand(url: string, args: string[]): Promise<number> {
  const [action, ...rest] = args;
  let request: { method: string; path: string; body?: unknown };
  switch (action) {
    case undefined:
    case 'list':
      request = { method: 'GET', path: '/_aurora/faults' };
      break;
    case 'az-outage':
      request = { method: 'POST', path: '/_aurora/faults', body: { type: action, availabilityZone: rest[0] } };
      break;
    case 'node-outage':
      request = { method: 'POST', path: '/_aurora/faults', body: { type: action, node: rest[0] } };
      break;
    case 'latency':
      request = { method: 'POST', path: '/_aurora/faults', body: { type: action, node: rest[0], ms: Number(rest[1]) } };
      break;
    case 'corrupt-segment': {
      const [cluster, first, second] = rest;
      const [protectionGroup, segment] = second === undefined ? [0, Number(first)] : [Number(first), Number(second)];
      request = { method: 'POST', path: '/_aurora/faults', body: { type: action, cluster, protectionGroup, segment } };
      break;
    }
    case 'heal':
      request = { method: 'DELETE', path: rest[0] ? `/_aurora/faults/${encodeURIComponent(rest[0])}` : '/_aurora/faults' };
      break;
    default:
      console.error(`aurora-local faults: unknown action "${action}" (list, az-outage, node-outage, latency, corrupt-segment, heal)\n\n${usage}`);
      return 2;
  }
  return callAdmin(url, request);
}

/** `aurora-local storage CLUSTER`: the storage view as JSON. */
async function storageCommand(url: string, args: string[]): Promise<number> {
  if (!args[0]) {
    console.error('aurora-local storage: which cluster? aurora-local storage CLUSTER_ID');
    return 2;
  }
  return callAdmin(url, { method: 'GET', path: `/_aurora/storage?cluster=${encodeURIComponent(args[0])}` });
}

async function callAdmin(url: string, request: { method: string; path: string; body?: unknown }): Promise<number> {
  let response: Response;
  try {
    response = await fetch(new URL(request.path, url), {
      method: request.method,
      ...(request.body !== undefined ? { body: JSON.stringify(request.body), headers: { 'content-type': 'application/json' } } : {}),
    });
  } catch (error: any) {
    console.error(`aurora-local: cannot reach ${url}: ${error?.cause?.message ?? error?.message ?? error} (is the emulator running? --url URL)`);
    return 1;
  }
  const text = await response.text();
  let shown = text;
  try {
    shown = JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    // not JSON: print as it came
  }
  if (!response.ok) {
    console.error(shown);
    return 1;
  }
  console.log(shown);
  return 0;
}
