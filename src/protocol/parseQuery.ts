// awsQuery request decoding, driven by the model: flat form keys
// (`Tags.Tag.1.Key`, `Filters.Filter.1.Values.Value.2`, `X.member.N`, `Map.entry.N.key`)
// become the operation's nested input, with scalars converted to the model's types.
// A value that does not convert is kept as the raw string, so validation (ajv) reports it with
// the parameter's name. Keys the model does not know are ignored: newer SDKs send members our
// model may not have yet, and refusing them would break those clients.
import { listMemberName, shapeOf, type Shape } from './spec.js';
import { invalidParameterValue } from './errors.js';

export interface ParsedInput {
  input: Record<string, unknown>;
  /** JSON pointer of each value (as ajv reports it) → the query key the client sent. */
  wireNames: Map<string, string>;
}

type KeyTree = { value?: string; children: Map<string, KeyTree> };

function buildKeyTree(params: Iterable<[string, string]>): KeyTree {
  const root: KeyTree = { children: new Map() };
  for (const [key, value] of params) {
    if (key === 'Action' || key === 'Version') continue;
    let node = root;
    for (const part of key.split('.')) {
      let child = node.children.get(part);
      if (!child) node.children.set(part, (child = { children: new Map() }));
      node = child;
    }
    if (node.value === undefined) node.value = value; // first occurrence wins, like URLSearchParams.get
  }
  return root;
}

const timestampPattern = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:?\d{2})$/i;

/** ISO-8601 with optional fraction (ms or µs) and a zone; returns undefined when not one. */
export function parseTimestamp(text: string): Date | undefined {
  if (!timestampPattern.test(text)) return undefined;
  // Date would roll 2024-02-30 over into March and T24:00 into the next day: refuse both.
  const [year, month, day, hour, minute, second] = text.slice(0, 19).split(/[-T:]/).map(Number);
  const calendar = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  if (calendar.getUTCMonth() !== month - 1 || calendar.getUTCDate() !== day || calendar.getUTCHours() !== hour || minute > 59 || second > 59) {
    return undefined;
  }
  // Date.parse handles at most milliseconds reliably: trim longer fractions.
  const normalised = text.replace(/(\.\d{3})\d+/, '$1');
  const date = new Date(normalised);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

function convertScalar(shape: Shape, text: string): unknown {
  switch (shape.type) {
    case 'integer':
    case 'long':
      return /^[+-]?\d+$/.test(text.trim()) ? Number(text.trim()) : text;
    case 'double':
    case 'float': {
      const trimmed = text.trim();
      const number = Number(trimmed);
      return trimmed !== '' && Number.isFinite(number) ? number : text;
    }
    case 'boolean': {
      const lowered = text.trim().toLowerCase();
      return lowered === 'true' ? true : lowered === 'false' ? false : text;
    }
    case 'timestamp':
      return parseTimestamp(text.trim()) ?? text;
    default:
      return text;
  }
}

function decode(node: KeyTree, shapeName: string, pointer: string, wire: string, names: Map<string, string>): unknown {
  const shape = shapeOf(shapeName);
  names.set(pointer, wire);
  switch (shape.type) {
    case 'structure': {
      // `Config=abc` where the model wants `Config.Member=…`: keep the string, validation refuses it.
      if (node.children.size === 0 && node.value !== undefined && node.value !== '') return node.value;
      const out: Record<string, unknown> = {};
      for (const [member, ref] of Object.entries(shape.members ?? {})) {
        const child = node.children.get(member);
        if (child) out[member] = decode(child, ref.shape, `${pointer}/${member}`, wire ? `${wire}.${member}` : member, names);
      }
      return out;
    }
    case 'list': {
      const itemName = listMemberName(shape);
      const items = node.children.get(itemName);
      if (!items) {
        // `Filters=` is how both the SDK and the CLI send an empty list.
        if (node.children.size === 0 && node.value !== undefined && node.value !== '') return node.value;
        return [];
      }
      const indexed = [...items.children.entries()].map(([index, child]) => {
        if (!/^[1-9]\d*$/.test(index)) throw invalidParameterValue(`Invalid list index ${index} in parameter ${wire}.${itemName}.${index}`);
        return [Number(index), child] as const;
      });
      indexed.sort((a, b) => a[0] - b[0]);
      return indexed.map(([index, child], position) =>
        decode(child, shape.member!.shape, `${pointer}/${position}`, `${wire}.${itemName}.${index}`, names),
      );
    }
    case 'map': {
      // Keys are the client's: without a prototype, `__proto__` is a key like any other.
      const out: Record<string, unknown> = Object.create(null);
      const entries = node.children.get('entry');
      for (const [index, entry] of entries?.children ?? []) {
        const key = entry.children.get(shape.key?.locationName ?? 'key')?.value;
        const value = entry.children.get(shape.value?.locationName ?? 'value');
        if (key === undefined) throw invalidParameterValue(`Missing key in parameter ${wire}.entry.${index}`);
        if (value) out[key] = decode(value, shape.value!.shape, `${pointer}/${key}`, `${wire}.entry.${index}.value`, names);
      }
      return out;
    }
    default:
      return convertScalar(shape, node.value ?? '');
  }
}

export function parseQueryInput(params: Iterable<[string, string]>, inputShape: string | undefined): ParsedInput {
  const wireNames = new Map<string, string>();
  if (!inputShape) return { input: {}, wireNames };
  const input = decode(buildKeyTree(params), inputShape, '', '', wireNames) as Record<string, unknown>;
  return { input, wireNames };
}
