// RDS's own rules on values, beyond what the model states, with AWS's wording where known
// (see ../shared/reference/aws-errors.md; "inferred" there means the text is ours).
import { invalidParameterCombination, invalidParameterValue } from '../protocol/errors.js';

const identifierPattern = /^[A-Za-z](?:[A-Za-z0-9]|-(?!-))*$/;

/** DB cluster / instance / snapshot identifiers: 1–63 letters, digits, hyphens; first a letter; no `--`; no trailing `-`. */
export function checkIdentifier(parameter: string, value: string, { allowArn = false } = {}): string {
  if (allowArn && value.startsWith('arn:')) return value;
  if (value.length > 63) throw invalidParameterValue(`The parameter ${parameter} is not a valid identifier because it is longer than 63 characters.`);
  if (!identifierPattern.test(value) || value.endsWith('-')) {
    throw invalidParameterValue(
      `The parameter ${parameter} is not a valid identifier. Identifiers must begin with a letter; ` +
        `must contain only ASCII letters, digits, and hyphens; and must not end with a hyphen or contain two consecutive hyphens.`,
    );
  }
  return value.toLowerCase();
}

export function checkRange(parameter: string, value: number | undefined, min: number, max: number): void {
  if (value === undefined) return;
  if (value < min || value > max) throw invalidParameterValue(`Invalid value ${value} for ${parameter}. Must be between ${min} and ${max}`);
}

/** A value from a documented list (the model types these as plain strings); the wording is ours. */
export function checkOneOf(parameter: string, value: string | number | undefined, allowed: readonly (string | number)[]): void {
  if (value === undefined || allowed.includes(value)) return;
  throw invalidParameterValue(`Invalid value ${JSON.stringify(value)} for ${parameter}. Valid values: ${allowed.join(', ')}.`);
}

/** NetworkType: the API reference's valid values. */
export const NETWORK_TYPES = ['IPV4', 'DUAL'] as const;

/** MonitoringInterval (Enhanced Monitoring), in seconds: the API reference's valid values. */
export const MONITORING_INTERVALS = [0, 1, 5, 10, 15, 30, 60] as const;

/** Enhanced Monitoring needs its role: "If MonitoringInterval is set to a value other than 0, then you must supply a MonitoringRoleArn value" (API reference; AWS's message). */
export function checkMonitoring(interval: number | undefined, roleArn: string | undefined): void {
  checkOneOf('MonitoringInterval', interval, MONITORING_INTERVALS);
  if ((interval ?? 0) > 0 && !roleArn) throw invalidParameterCombination('A MonitoringRoleARN value is required if you specify a MonitoringInterval value other than 0.');
}

export function checkMasterPassword(value: string | undefined): void {
  if (value === undefined) return;
  if (value.length < 8) throw invalidParameterValue('The parameter MasterUserPassword is not a valid password because it is shorter than 8 characters.');
  if (value.length > 41) throw invalidParameterValue('The parameter MasterUserPassword is not a valid password because it is longer than 41 characters.');
  if (!/^[\x21-\x7e]+$/.test(value) || /[/@"]/.test(value)) {
    throw invalidParameterValue(`The parameter MasterUserPassword is not a valid password. Only printable ASCII characters besides '/', '@', '"', ' ' may be used.`);
  }
}

export function checkMasterUsername(value: string | undefined, maxLength: number): void {
  if (value === undefined) return;
  if (value === '') throw invalidParameterValue('The parameter MasterUsername must be provided and must not be blank.');
  // Inferred wording: AWS documents the rule (a letter first, then letters, digits, underscores).
  if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(value) || value.length > maxLength) {
    throw invalidParameterValue(
      `The parameter MasterUsername is not a valid identifier. It must begin with a letter, contain only ASCII letters, digits and underscores, and be 1 to ${maxLength} characters long.`,
    );
  }
  if (['rdsadmin', 'rdsrepladmin', 'rds_superuser'].includes(value.toLowerCase())) {
    throw invalidParameterValue(`MasterUsername ${value} cannot be used as it is a reserved word used by the engine`);
  }
}

export function checkDatabaseName(value: string | undefined, maxLength: number): void {
  if (value === undefined) return;
  if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(value) || value.length > maxLength) {
    throw invalidParameterValue('DatabaseName must begin with a letter and contain only alphanumeric characters.');
  }
}
