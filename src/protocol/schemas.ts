// JSON Schemas (draft-07 dialect, for ajv) generated from the model: one per operation input,
// with a $defs entry per shape it reaches. Constraints come straight from the model:
// required, enum, min/max (length for strings and lists, value for numbers), pattern.
import { apiSpec, shapeOf } from './spec.js';

type Schema = Record<string, unknown>;

function shapeSchema(name: string): Schema {
  const shape = shapeOf(name);
  switch (shape.type) {
    case 'structure': {
      const properties: Record<string, Schema> = {};
      for (const [member, ref] of Object.entries(shape.members ?? {})) properties[member] = { $ref: `#/$defs/${ref.shape}` };
      return { type: 'object', properties, ...(shape.required?.length ? { required: shape.required } : {}) };
    }
    case 'list':
      return {
        type: 'array',
        items: { $ref: `#/$defs/${shape.member!.shape}` },
        ...(shape.min !== undefined ? { minItems: shape.min } : {}),
        ...(shape.max !== undefined ? { maxItems: shape.max } : {}),
      };
    case 'map':
      return { type: 'object', additionalProperties: { $ref: `#/$defs/${shape.value!.shape}` } };
    case 'string':
      return {
        type: 'string',
        ...(shape.enum ? { enum: shape.enum } : {}),
        ...(shape.min !== undefined ? { minLength: shape.min } : {}),
        ...(shape.max !== undefined ? { maxLength: shape.max } : {}),
        ...(shape.pattern ? { pattern: shape.pattern } : {}),
      };
    case 'integer':
    case 'long':
    case 'double':
    case 'float':
      return {
        type: shape.type === 'integer' || shape.type === 'long' ? 'integer' : 'number',
        ...(shape.min !== undefined ? { minimum: shape.min } : {}),
        ...(shape.max !== undefined ? { maximum: shape.max } : {}),
      };
    case 'boolean':
      return { type: 'boolean' };
    case 'timestamp':
      // The parser has already turned a valid ISO-8601 value into a Date; anything else stays a string.
      return { awsTimestamp: true };
    default:
      return {};
  }
}

function reachableShapes(root: string): string[] {
  const seen = new Set<string>();
  const visit = (name: string) => {
    if (seen.has(name)) return;
    seen.add(name);
    const shape = shapeOf(name);
    for (const ref of Object.values(shape.members ?? {})) visit(ref.shape);
    if (shape.member) visit(shape.member.shape);
    if (shape.value) visit(shape.value.shape);
  };
  visit(root);
  return [...seen].sort();
}

export function inputSchemaFor(operation: string): Schema | undefined {
  const inputShape = apiSpec.operations[operation]?.input;
  if (!inputShape) return undefined;
  const $defs: Record<string, Schema> = {};
  for (const name of reachableShapes(inputShape)) $defs[name] = shapeSchema(name);
  return { $id: `rds:${operation}`, $ref: `#/$defs/${inputShape}`, $defs };
}
