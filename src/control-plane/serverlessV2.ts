// Aurora Serverless v2 capacity ranges (ServerlessV2ScalingConfiguration), per the RDS API
// reference and the Aurora User Guide: capacities move in 0.5 ACU steps; MinCapacity is 0.5 or
// more, or 0 on versions with automatic pause; MaxCapacity is 1 or more and at most 256 (128
// on older versions), and not below MinCapacity. A cluster needs a range before it can have
// db.serverless instances.
import { fault, invalidParameterValue } from '../protocol/errors.js';
import type { ClusterRecord, Engine } from './records.js';

export type ScalingConfiguration = NonNullable<ClusterRecord['serverlessV2']>;

/** "8.0.mysql_aurora.3.08.2" → [3, 8, 2]; "16.3" → [16, 3]. */
function versionNumbers(engine: Engine, version: string): number[] {
  const significant = engine === 'aurora-mysql' ? version.split('.mysql_aurora.')[1] ?? '' : version;
  return significant.split('.').map((part) => Number(part));
}

function atLeast(actual: number[], wanted: number[]): boolean {
  for (let i = 0; i < wanted.length; i++) {
    const a = actual[i] ?? 0;
    if (a !== wanted[i]) return a > wanted[i];
  }
  return true;
}

/** For each PostgreSQL major version, the first minor with the feature (higher majors: all). */
function postgresFrom(version: number[], firstMinor: Record<number, number>, lastListedMajor: number): boolean {
  const [major, minor = 0] = version;
  if (major > lastListedMajor) return true;
  return firstMinor[major] !== undefined && minor >= firstMinor[major];
}

/** Scaling to 0 ACUs (automatic pause): Aurora MySQL 3.08.0+, Aurora PostgreSQL 13.15+, 14.12+, 15.7+, 16.3+ (and 17). */
export function supportsAutoPause(engine: Engine, version: string): boolean {
  const numbers = versionNumbers(engine, version);
  if (engine === 'aurora-mysql') return atLeast(numbers, [3, 8, 0]);
  return postgresFrom(numbers, { 13: 15, 14: 12, 15: 7, 16: 3 }, 16);
}

/** 256 ACUs on Aurora MySQL 3.06+ and Aurora PostgreSQL 13.13+, 14.10+, 15.5+, 16.1+; 128 before. */
export function maxCapacityLimit(engine: Engine, version: string): number {
  const numbers = versionNumbers(engine, version);
  const recent = engine === 'aurora-mysql' ? atLeast(numbers, [3, 6, 0]) : postgresFrom(numbers, { 13: 13, 14: 10, 15: 5, 16: 1 }, 16);
  return recent ? 256 : 128;
}

/** AWS prints capacities as Java doubles: 1.0, 0.5, 256.0. */
const acu = (value: number) => (Number.isInteger(value) ? value.toFixed(1) : String(value));

const isHalfStep = (value: number) => Number.isInteger(value * 2);

/**
 * The cluster's scaling configuration after `requested` is applied to `existing` (ModifyDBCluster
 * may change one bound). Wordings: "Both MinCapacity and MaxCapacity must be specified …" and
 * "Serverless v2 maximum capacity 0.5 isn't valid. The maximum capacity must be at least 1.0."
 * are AWS's (public error reports); the others follow their pattern (inferred).
 */
export function serverlessV2Configuration(
  engine: Engine,
  version: string,
  requested: ScalingConfiguration,
  existing?: ScalingConfiguration,
): ScalingConfiguration {
  if (!existing && (requested.MinCapacity === undefined || requested.MaxCapacity === undefined)) {
    throw invalidParameterValue('Both MinCapacity and MaxCapacity must be specified when you initialize Serverless v2 scaling configuration.');
  }
  const merged = { ...existing, ...requested };
  const min = merged.MinCapacity!;
  const max = merged.MaxCapacity!;
  const limit = maxCapacityLimit(engine, version);
  const autoPause = supportsAutoPause(engine, version);
  for (const [bound, value] of [['minimum', min], ['maximum', max]] as const) {
    if (!isHalfStep(value)) throw invalidParameterValue(`Serverless v2 ${bound} capacity ${acu(value)} isn't valid. Capacity values must be in increments of 0.5 ACUs.`);
  }
  if (min < 0) throw invalidParameterValue(`Serverless v2 minimum capacity ${acu(min)} isn't valid. The minimum capacity must be at least 0.0.`);
  if (min < 0.5 && !autoPause) {
    throw invalidParameterValue(
      `Serverless v2 minimum capacity ${acu(min)} isn't valid. Engine version ${version} doesn't support automatic pause, so the minimum capacity must be at least 0.5.`,
    );
  }
  if (max < 1) throw invalidParameterValue(`Serverless v2 maximum capacity ${acu(max)} isn't valid. The maximum capacity must be at least 1.0.`);
  if (max > limit) throw invalidParameterValue(`Serverless v2 maximum capacity ${acu(max)} isn't valid. The maximum capacity must be at most ${acu(limit)} for engine version ${version}.`);
  if (min > max) {
    throw invalidParameterValue(`Serverless v2 minimum capacity ${acu(min)} isn't valid. The minimum capacity must be less than or equal to the maximum capacity ${acu(max)}.`);
  }
  const pause = merged.SecondsUntilAutoPause;
  if (pause !== undefined && (pause < 300 || pause > 86_400)) {
    throw invalidParameterValue(`SecondsUntilAutoPause ${pause} isn't valid. Specify a value between 300 and 86400 seconds.`);
  }
  // The pause delay only exists at 0 ACUs (default 300 s); a nonzero minimum removes it (API reference).
  if (min === 0) return { MinCapacity: min, MaxCapacity: max, SecondsUntilAutoPause: pause ?? 300 };
  return { MinCapacity: min, MaxCapacity: max };
}

/** CreateDBInstance / ModifyDBInstance with db.serverless: the cluster needs a capacity range first. */
export function checkServerlessInstanceClass(cluster: ClusterRecord, instanceClass: string | undefined): void {
  if (instanceClass !== 'db.serverless' || cluster.serverlessV2) return;
  // AWS's wording (Aurora User Guide transcript).
  throw fault('InvalidDBClusterStateFault', 'Set the Serverless v2 scaling configuration on the parent DB cluster before creating a Serverless v2 DB instance.');
}
