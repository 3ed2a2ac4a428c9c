// What an operation receives besides its input: who is asking (account, region), their
// partition of the state, and the services that act on it.
import type { EmulatorConfig } from '../config.js';
import type { DataPlane } from '../data-plane/index.js';
import type { Lifecycle } from './lifecycle.js';
import type { Partition } from './records.js';
import type { Store } from './store.js';

export interface OperationContext {
  requestId: string;
  account: string;
  region: string;
  partition: Partition;
  store: Store;
  lifecycle: Lifecycle;
  config: EmulatorConfig;
  dataPlane: DataPlane;
}

export type OperationOutput = Record<string, unknown> | void;
export type OperationHandler<Input = any> = (input: Input, context: OperationContext) => Promise<OperationOutput> | OperationOutput;
