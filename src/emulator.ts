// The library entry: startEmulator(options) → { url, close() }, for contract tests and the CLI.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolveConfig, type EmulatorConfig, type EmulatorOptions } from './config.js';
import { Lifecycle } from './control-plane/lifecycle.js';
import { Store } from './control-plane/store.js';
import { transitionHandlers } from './control-plane/transitions.js';
import { NoDataPlane, type DataPlane } from './data-plane/index.js';
import { PostgresDataPlane } from './data-plane/postgresDataPlane.js';
import { MysqlDataPlane } from './data-plane/mysqlDataPlane.js';
import { EngineDataPlanes } from './data-plane/engineDataPlanes.js';
import { instanceExitHandler, restoreDataPlane, storageEventHandler } from './control-plane/dataPlaneSync.js';
import { createApp } from './http/app.js';
import { checkOperationTable } from './operations/index.js';
import { Meter } from './metering/meter.js';
import { loadPriceTable } from './metering/priceTable.js';

export type { EmulatorOptions } from './config.js';
export { StateFileError } from './control-plane/store.js';
export { PriceTableError } from './metering/priceTable.js';

export interface Emulator {
  url: string;
  port: number;
  host: string;
  config: EmulatorConfig;
  store: Store;
  dataPlane: DataPlane;
  meter: Meter;
  close(): Promise<void>;
}

export const packageVersion: string = JSON.parse(
  readFileSync(join(dirname(fileURLToPath(import.meta.url)), '../package.json'), 'utf8'),
).version;

async function createDataPlane(config: EmulatorConfig): Promise<DataPlane> {
  switch (config.dataPlane) {
    case 'none':
      return new NoDataPlane();
    case 'postgres': {
      // Real servers for both engines: PostgreSQL for aurora-postgresql, MariaDB for aurora-mysql.
      const postgres = await PostgresDataPlane.create({
        dataRoot: config.dataDir ? join(config.dataDir, 'postgres') : undefined,
        binDir: config.postgresBinDir,
        storage: { nodesPerAz: config.storage.nodesPerAz, realBytesPerGiB: config.storage.bytesPerGiB },
        log: config.log,
      });
      const mysql = await MysqlDataPlane.create({
        dataRoot: config.dataDir ? join(config.dataDir, 'mysql') : undefined,
        binDir: config.mysqlBinDir,
        volumes: postgres.storage,
        log: config.log,
      });
      return new EngineDataPlanes(postgres, mysql);
    }
  }
}

export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const config = resolveConfig(options);
  checkOperationTable();
  const prices = loadPriceTable(config.priceTable); // an unreadable or incomplete table stops here
  const store = await Store.open(config.dataDir); // a corrupt state file stops here, untouched
  const dataPlane = await createDataPlane(config);
  const meter = new Meter(store, dataPlane, { log: config.log });
  // The handlers schedule follow-up steps through the lifecycle they belong to.
  const lifecycle: Lifecycle = new Lifecycle(
    store,
    meter.observe(transitionHandlers(dataPlane, (...args) => lifecycle.schedule(...args))),
    config.log,
  );
  dataPlane.onInstanceExit(instanceExitHandler(store, lifecycle, dataPlane, config));
  dataPlane.storage?.onEvent(storageEventHandler(store, lifecycle));
  // Every cluster's endpoints and servers come back, with their data, before the API answers.
  await restoreDataPlane(store, dataPlane, config.log);
  const services = { config, store, lifecycle, dataPlane, meter, prices };
  const app = createApp(services, new Date(), packageVersion);

  const server: Server = createServer(app);
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error) => {
      void dataPlane.close();
      reject(error);
    });
    server.listen(config.port, config.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  // Metering resumes first: the time the emulator was down ran nothing.
  meter.start();
  // Transitions in flight when the emulator last stopped resume now (overdue ones at once).
  lifecycle.start();

  const { port } = server.address() as AddressInfo;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${host}:${port}`,
    port,
    host: config.host,
    config,
    store,
    dataPlane,
    meter,
    close() {
      closing ??= (async () => {
        lifecycle.stop();
        await lifecycle.drained();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
        await meter.stop();
        await store.persist();
        await dataPlane.close();
      })();
      return closing;
    },
  };
}
