// awsQuery XML responses, rendered by walking the operation's output shape in the model:
// member order and list item element names come from the model (the JS SDK silently drops
// items whose element name differs), booleans are lowercase, timestamps ISO-8601 UTC with Z,
// absent (undefined/null) members are omitted.
import { apiSpec, listMemberName, shapeOf } from './spec.js';
import type { AwsError } from './errors.js';

const xmlEntities: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };
export const escapeXml = (text: string) => text.replace(/[&<>"']/g, (c) => xmlEntities[c]);

function renderScalar(type: string, value: unknown): string {
  switch (type) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'timestamp': {
      const date = value instanceof Date ? value : new Date(value as string | number);
      return date.toISOString();
    }
    default:
      return escapeXml(String(value));
  }
}

function renderValue(shapeName: string, value: unknown): string {
  const shape = shapeOf(shapeName);
  switch (shape.type) {
    case 'structure':
      return renderMembers(shapeName, value as Record<string, unknown>);
    case 'list': {
      const item = listMemberName(shape);
      return (value as unknown[]).map((v) => `<${item}>${renderValue(shape.member!.shape, v)}</${item}>`).join('');
    }
    case 'map':
      return Object.entries(value as Record<string, unknown>)
        .map(([k, v]) => `<entry><key>${escapeXml(k)}</key><value>${renderValue(shape.value!.shape, v)}</value></entry>`)
        .join('');
    default:
      return renderScalar(shape.type, value);
  }
}

/** The members of a structure, in model order; unknown keys on `value` are ignored. */
export function renderMembers(shapeName: string, value: Record<string, unknown>): string {
  const shape = shapeOf(shapeName);
  let xml = '';
  for (const [member, ref] of Object.entries(shape.members ?? {})) {
    const memberValue = value[member];
    if (memberValue === undefined || memberValue === null) continue;
    xml += `<${member}>${renderValue(ref.shape, memberValue)}</${member}>`;
  }
  return xml;
}

export function renderResponse(operation: string, output: Record<string, unknown> | undefined, requestId: string): string {
  const { xmlNamespace } = apiSpec.metadata;
  const op = apiSpec.operations[operation];
  const result = op.output ? `<${op.resultWrapper}>${renderMembers(op.output, output ?? {})}</${op.resultWrapper}>` : '';
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n<${operation}Response xmlns="${xmlNamespace}">${result}` +
    `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${operation}Response>`
  );
}

export function renderError(error: AwsError, requestId: string): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n<ErrorResponse xmlns="${apiSpec.metadata.xmlNamespace}">` +
    `<Error><Type>${error.type}</Type><Code>${escapeXml(error.code)}</Code><Message>${escapeXml(error.message)}</Message></Error>` +
    `<RequestId>${requestId}</RequestId></ErrorResponse>`
  );
}
