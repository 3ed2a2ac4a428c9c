// awsQuery XML responses, rendered by walking the operation's output shape in the model:
// member order and list item element names come from the model (the JS SDK silently drops
// items whose element name differs), booleans are lowercase, timestamps ISO-8601 UTC with Z,
// absent (undefined/null) members are omitted.
import { apiSpec, listMemberName, shapeOf } from './spec.js';
import type { AwsError } from './errors.js';

const xmlEntities: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };
// Characters XML 1.0 has no place for, not even as &#x…; references: C0 controls other than tab,
// newline and carriage return, U+FFFE/U+FFFF and unpaired surrogates. One of them echoed from a
// request (an identifier in an error message, a stored tag value) made the whole response
// unreadable to strict parsers (botocore, so the AWS CLI); each becomes U+FFFD.
const notXmlChar = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const needsEscape = /[&<>"'\u0000-\u0008\u000B\u000C\u000E-\u001F\uD800-\uDFFF\uFFFE\uFFFF]/;
export const escapeXml = (text: string) =>
  needsEscape.test(text) ? text.replace(notXmlChar, '\uFFFD').replace(/[&<>"']/g, (c) => xmlEntities[c]) : text;

type Renderer = (value: any) => string;

// One renderer per shape, built once from the model on first use: describing a hundred
// clusters walks the same shapes thousands of times.
const renderers = new Map<string, Renderer>();

function rendererFor(shapeName: string): Renderer {
  let renderer = renderers.get(shapeName);
  if (!renderer) {
    // Registered before it is built, so recursive shapes resolve to it lazily.
    renderers.set(shapeName, (value) => renderer!(value));
    renderer = buildRenderer(shapeName);
    renderers.set(shapeName, renderer);
  }
  return renderer;
}

function buildRenderer(shapeName: string): Renderer {
  const shape = shapeOf(shapeName);
  switch (shape.type) {
    case 'structure': {
      const members = Object.entries(shape.members ?? {}).map(([name, ref]) => ({ name, render: rendererFor(ref.shape) }));
      return (value: Record<string, unknown>) => {
        let xml = '';
        for (const { name, render } of members) {
          const memberValue = value[name];
          if (memberValue !== undefined && memberValue !== null) xml += `<${name}>${render(memberValue)}</${name}>`;
        }
        return xml;
      };
    }
    case 'list': {
      const item = listMemberName(shape);
      const render = rendererFor(shape.member!.shape);
      return (value: unknown[]) => {
        let xml = '';
        for (const v of value) xml += `<${item}>${render(v)}</${item}>`;
        return xml;
      };
    }
    case 'map': {
      const render = rendererFor(shape.value!.shape);
      return (value: Record<string, unknown>) =>
        Object.entries(value).map(([k, v]) => `<entry><key>${escapeXml(k)}</key><value>${render(v)}</value></entry>`).join('');
    }
    case 'boolean':
      return (value) => (value ? 'true' : 'false');
    case 'timestamp':
      return (value) => (value instanceof Date ? value : new Date(value)).toISOString();
    default:
      return (value) => escapeXml(String(value));
  }
}

/** The members of a structure, in model order; unknown keys on `value` are ignored. */
export function renderMembers(shapeName: string, value: Record<string, unknown>): string {
  return rendererFor(shapeName)(value);
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
