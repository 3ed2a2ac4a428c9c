import type { EmulatorConfig } from '../config.js';
import type { Lifecycle } from '../control-plane/lifecycle.js';
import type { Store } from '../control-plane/store.js';
import type { DataPlane } from '../data-plane/index.js';
import type { Meter } from '../metering/meter.js';
import type { PriceTable } from '../metering/priceTable.js';

/** The long-lived parts every request uses. */
export interface Services {
  config: EmulatorConfig;
  store: Store;
  lifecycle: Lifecycle;
  dataPlane: DataPlane;
  /** Cost metering: usage counted by the meter, priced with the table. */
  meter: Meter;
  prices: PriceTable;
}
