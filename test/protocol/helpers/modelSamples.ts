// Synthetic values for any shape of the model (api-spec/rds.json): every member filled in,
// lists with two items, maps with two entries, strings with characters that need escaping
// (space, &, =, +, %, /, <, >, quotes, non-ASCII), longs beyond 32 bits, fractional doubles,
// both booleans, timestamps with milliseconds. Used to round-trip whole shapes through the
// SDK's serializer / deserializer and our parser / renderer.
import { shapeOf } from '../../../src/protocol/spec.js';

export interface SampleOptions {
  /** Maximum structure nesting (cycles are always cut). */
  maxDepth?: number;
  /** Items per list. */
  listItems?: number;
}

export function modelSample(shapeName: string, options: SampleOptions = {}): unknown {
  const maxDepth = options.maxDepth ?? 6;
  const listItems = options.listItems ?? 2;
  let counter = 0;

  const build = (name: string, label: string, path: string[]): unknown => {
    const shape = shapeOf(name);
    counter++;
    switch (shape.type) {
      case 'structure': {
        const out: Record<string, unknown> = {};
        if (path.length >= maxDepth) return out;
        for (const [member, ref] of Object.entries(shape.members ?? {})) {
          // Cut recursive shapes (a structure reachable from itself).
          if (path.includes(ref.shape)) continue;
          out[member] = build(ref.shape, member, [...path, ref.shape]);
        }
        return out;
      }
      case 'list': {
        const itemShape = shape.member!.shape;
        if (path.includes(itemShape)) return [];
        return Array.from({ length: listItems }, (_, i) => build(itemShape, `${label}${i + 1}`, [...path, itemShape]));
      }
      case 'map':
        return Object.fromEntries(
          Array.from({ length: 2 }, (_, i) => [`${label}-key ${i + 1}&=`, build(shape.value!.shape, `${label}Value${i + 1}`, path)]),
        );
      case 'string':
        if (shape.enum?.length) return shape.enum[counter % shape.enum.length];
        return `${label} v${counter} &=+%/<>"'é☃`;
      case 'integer':
        return 40 + (counter % 50);
      case 'long':
        return 12_345_678_901 + counter;
      case 'double':
      case 'float':
        return counter % 2 ? 0.5 : 16;
      case 'boolean':
        return counter % 2 === 0;
      case 'timestamp':
        return new Date(Date.UTC(2024, 4, 1, 12, 34, 56, 789) + counter * 1000);
      default:
        throw new Error(`modelSample: no sample for ${shape.type} shape ${name}`);
    }
  };
  return build(shapeName, shapeName, [shapeName]);
}

/** Drops undefined members (recursively) so a presenter's output compares with what the SDK parsed. */
export function withoutUndefined<T>(value: T): T {
  if (Array.isArray(value)) return value.map(withoutUndefined) as T;
  if (value instanceof Date) return value;
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) if (inner !== undefined && inner !== null) out[key] = withoutUndefined(inner);
    return out as T;
  }
  return value;
}
