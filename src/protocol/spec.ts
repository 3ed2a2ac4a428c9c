// The RDS API model (api-spec/rds.json, generated from botocore's model) as typed accessors.
// Everything protocol-related — parsing, validation, XML rendering, error codes — reads it.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface MemberRef {
  shape: string;
  locationName?: string;
}

export interface Shape {
  type: 'structure' | 'list' | 'map' | 'string' | 'integer' | 'long' | 'double' | 'float' | 'boolean' | 'timestamp' | 'blob';
  members?: Record<string, MemberRef>;
  required?: string[];
  member?: MemberRef;
  key?: MemberRef;
  value?: MemberRef;
  enum?: string[];
  min?: number;
  max?: number;
  pattern?: string;
  sensitive?: boolean;
  error?: { code?: string; httpStatusCode?: number; senderFault?: boolean };
  exception?: boolean;
}

export interface OperationSpec {
  input?: string;
  output?: string;
  resultWrapper?: string;
  errors: string[];
}

export interface ErrorSpec {
  code: string;
  httpStatusCode: number;
  senderFault: boolean;
}

export interface ApiSpec {
  metadata: { apiVersion: string; xmlNamespace: string; [key: string]: unknown };
  operations: Record<string, OperationSpec>;
  shapes: Record<string, Shape>;
  errors: Record<string, ErrorSpec>;
  waiters: Record<string, unknown>;
  paginators: Record<string, { input_token?: string; output_token?: string; limit_key?: string; result_key?: string }>;
}

// Works from src/ (tsx, vitest) and from dist/ (built package): api-spec/ sits at the package root.
const specFile = join(dirname(fileURLToPath(import.meta.url)), '../../api-spec/rds.json');

export const apiSpec: ApiSpec = JSON.parse(readFileSync(specFile, 'utf8'));

export function shapeOf(name: string): Shape {
  const shape = apiSpec.shapes[name];
  if (!shape) throw new Error(`api-spec has no shape ${name}`);
  return shape;
}

/** The element / query-key name of a list's items: the model's locationName, else "member". */
export function listMemberName(list: Shape): string {
  return list.member?.locationName ?? 'member';
}
