// docs/operations.md (issue item 12) is exactly what scripts/generate-operations-table.ts makes of
// the model and the operation table, and every operation it marks "no" answers 501 NotImplemented.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { operationsTablePath, renderOperationsTable } from '../scripts/generate-operations-table.js';
import { startEmulator, type Emulator } from '../src/emulator.js';
import { operations } from '../src/operations/index.js';
import { apiSpec } from '../src/protocol/spec.js';

const committed = readFileSync(operationsTablePath, 'utf8');
const rows = [...committed.matchAll(/^\| (\w+) \| (yes|no) \|$/gm)].map((m) => ({ operation: m[1], implemented: m[2] === 'yes' }));

describe('docs/operations.md', () => {
  it('is byte for byte what the generator makes (run `npx tsx scripts/generate-operations-table.ts` after adding an operation)', () => {
    const generated = renderOperationsTable();
    expect(committed).toBe(generated);
  });

  it('lists every model operation once, "yes" exactly for the operation table', () => {
    expect(rows.map((r) => r.operation)).toEqual(Object.keys(apiSpec.operations).sort());
    expect(rows.filter((r) => r.implemented).map((r) => r.operation)).toEqual(Object.keys(operations).sort());
    expect(committed).toContain(`${Object.keys(operations).length} of ${Object.keys(apiSpec.operations).length} operations are implemented.`);
  });
});

describe('operations marked "no"', () => {
  let emulator: Emulator;
  beforeAll(async () => {
    emulator = await startEmulator({ port: 0, dataPlane: 'none', log: () => {} });
  });
  afterAll(() => emulator?.close());

  it('each answers 501 NotImplemented naming it', async () => {
    const missing = rows.filter((r) => !r.implemented).map((r) => r.operation);
    expect(missing.length).toBeGreaterThan(0);
    for (const operation of missing) {
      const response = await fetch(emulator.url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: `Action=${operation}&Version=2014-10-31`,
      });
      const body = await response.text();
      expect(response.status, operation).toBe(501);
      expect(body).toContain('<Code>NotImplemented</Code>');
      expect(body).toContain(`The action ${operation} is part of the RDS API`);
    }
  });
});
