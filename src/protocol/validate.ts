// Input validation with ajv against the schemas generated from the model. The JS SDK validates
// nothing client-side, so this is the only check between a client and the operations.
// Missing required member → MissingParameter; any other violation → InvalidParameterValue,
// naming the parameter as the client sent it and the offending value.
import AjvModule, { type ErrorObject, type ValidateFunction } from 'ajv';
import { inputSchemaFor } from './schemas.js';
import { AwsError, invalidParameterValue, missingParameter } from './errors.js';
import { apiSpec, shapeOf } from './spec.js';

const Ajv = AjvModule.default ?? AjvModule;
const ajv = new Ajv({ allErrors: false, strict: false, unicodeRegExp: false, validateSchema: false });
ajv.addKeyword({
  keyword: 'awsTimestamp',
  validate: (_schema: unknown, data: unknown) => data instanceof Date,
  errors: false,
});

const compiled = new Map<string, ValidateFunction>();

function validatorFor(operation: string): ValidateFunction | undefined {
  if (!compiled.has(operation)) {
    const schema = inputSchemaFor(operation);
    if (!schema) return undefined;
    compiled.set(operation, ajv.compile(schema));
  }
  return compiled.get(operation);
}

/** Compiles every implemented operation's validator up front (used by tests and benchmarks). */
export function precompileValidators(operations: Iterable<string>): void {
  for (const operation of operations) validatorFor(operation);
}

function valueAt(input: unknown, pointer: string): unknown {
  let node: any = input;
  for (const part of pointer.split('/').slice(1)) node = node?.[part];
  return node;
}

function isSensitive(operation: string, pointer: string): boolean {
  // Walk the model along the pointer; never echo a sensitive value (passwords) in a message.
  let shape = shapeOf(apiSpec.operations[operation].input!);
  for (const part of pointer.split('/').slice(1)) {
    if (shape.sensitive) return true;
    const next = shape.type === 'structure' ? shape.members?.[part]?.shape : shape.member?.shape ?? shape.value?.shape;
    if (!next) return false;
    shape = shapeOf(next);
  }
  return Boolean(shape.sensitive);
}

function describeValue(value: unknown): string {
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return `[${value.length} item(s)]`;
  if (value && typeof value === 'object') return '{…}';
  return String(value);
}

function constraintText(error: ErrorObject): string {
  const p = error.params as Record<string, any>;
  switch (error.keyword) {
    case 'type':
      return p.type === 'integer' ? 'Must be an integer' : p.type === 'number' ? 'Must be a number' : p.type === 'boolean' ? 'Must be true or false' : `Must be of type ${p.type}`;
    case 'awsTimestamp':
      return 'Must be an ISO-8601 timestamp such as 2024-05-01T12:34:56.789Z';
    case 'enum':
      return `Must be one of: ${p.allowedValues.join(', ')}`;
    case 'minLength':
      return `Must be at least ${p.limit} characters long`;
    case 'maxLength':
      return `Must be at most ${p.limit} characters long`;
    case 'minItems':
      return `Must contain at least ${p.limit} item(s)`;
    case 'maxItems':
      return `Must contain at most ${p.limit} item(s)`;
    case 'minimum':
      return `Must be at least ${p.limit}`;
    case 'maximum':
      return `Must be at most ${p.limit}`;
    case 'pattern':
      return `Must match the pattern ${p.pattern}`;
    default:
      return error.message ?? 'Invalid value';
  }
}

export function toAwsError(operation: string, error: ErrorObject, input: unknown, wireNames: Map<string, string>): AwsError {
  if (error.keyword === 'required') {
    const parentWire = wireNames.get(error.instancePath) ?? '';
    const missing = (error.params as { missingProperty: string }).missingProperty;
    return missingParameter(parentWire ? `${parentWire}.${missing}` : missing);
  }
  const name = wireNames.get(error.instancePath) ?? error.instancePath.slice(1).replaceAll('/', '.');
  const value = isSensitive(operation, error.instancePath) ? '(hidden)' : describeValue(valueAt(input, error.instancePath));
  // Same form as RDS's own "Invalid value 3 for MaxRecords. Must be between 20 and 100".
  return invalidParameterValue(`Invalid value ${value} for ${name}. ${constraintText(error)}`);
}

/** Throws the AWS error for the first violation of the model's constraints. */
export function validateInput(operation: string, input: Record<string, unknown>, wireNames: Map<string, string>): void {
  const validate = validatorFor(operation);
  if (!validate || validate(input)) return;
  throw toAwsError(operation, validate.errors![0], input, wireNames);
}
