// Generates api-spec/rds.json from botocore's RDS model (service-2.json, waiters-2.json,
// paginators-1.json; Apache-2.0). Documentation strings are stripped; everything the
// protocol layer needs (shapes, result wrappers, list member names, error wire codes and
// HTTP statuses, waiters, paginators) is kept. Run: npm run generate:api-spec
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const defaultModelDir = resolve(projectRoot, '../shared/aws-models/rds/2014-10-31');
export const specPath = join(projectRoot, 'api-spec/rds.json');

const droppedKeys = new Set(['documentation', 'deprecatedMessage', 'documentationUrl']);

function strip(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(strip);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) {
      if (!droppedKeys.has(key)) out[key] = strip(inner);
    }
    return out;
  }
  return value;
}

type Json = Record<string, any>;

export function generateApiSpec(modelDir = defaultModelDir): Json {
  const read = (name: string): Json => JSON.parse(readFileSync(join(modelDir, name), 'utf8'));
  const service = read('service-2.json');
  const waiters = read('waiters-2.json');
  const paginators = read('paginators-1.json');

  const operations: Json = {};
  for (const name of Object.keys(service.operations).sort()) {
    const op = service.operations[name];
    operations[name] = {
      input: op.input?.shape,
      output: op.output?.shape,
      resultWrapper: op.output?.resultWrapper,
      errors: (op.errors ?? []).map((e: Json) => e.shape),
      ...(op.deprecated ? { deprecated: true } : {}),
    };
  }

  const shapes: Json = {};
  const errors: Json = {};
  for (const name of Object.keys(service.shapes).sort()) {
    const shape = strip(service.shapes[name]) as Json;
    shapes[name] = shape;
    if (shape.error) {
      errors[name] = {
        code: shape.error.code ?? name,
        httpStatusCode: shape.error.httpStatusCode ?? 400,
        senderFault: shape.error.senderFault ?? true,
      };
    }
  }

  return {
    generatedFrom: {
      model: 'botocore rds 2014-10-31 (service-2.json, waiters-2.json, paginators-1.json), Apache-2.0',
      by: 'scripts/generate-api-spec.ts',
    },
    metadata: strip(service.metadata),
    operations,
    shapes,
    errors,
    waiters: strip(waiters.waiters),
    paginators: strip(paginators.pagination),
  };
}

export function renderApiSpec(spec: Json): string {
  return JSON.stringify(spec, null, 1) + '\n';
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const modelDir = process.argv[2] ? resolve(process.argv[2]) : defaultModelDir;
  writeFileSync(specPath, renderApiSpec(generateApiSpec(modelDir)));
  console.log(`wrote ${specPath}`);
}
