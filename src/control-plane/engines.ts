// Engines, versions and instance classes the emulator accepts. The catalogue lives in
// fixtures/engine-versions.json; unknown versions and classes are refused as AWS refuses them.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Engine } from './records.js';
import { invalidParameterCombination, invalidParameterValue } from '../protocol/errors.js';

interface EngineCatalogue {
  defaultVersion: string;
  versions: string[];
  defaultPort: number;
  licenseModel: string;
  parameterGroupFamilyPrefix: string;
  instanceClasses: string[];
}

const catalogueFile = join(dirname(fileURLToPath(import.meta.url)), '../../fixtures/engine-versions.json');
const catalogue: Record<Engine, EngineCatalogue> = JSON.parse(readFileSync(catalogueFile, 'utf8')).engines;

export const supportedEngines = Object.keys(catalogue) as Engine[];

export function engineInfo(engine: Engine): EngineCatalogue {
  return catalogue[engine];
}

export function checkEngine(engine: string): Engine {
  if (!Object.hasOwn(catalogue, engine)) throw invalidParameterValue(`Invalid DB engine: ${engine}`);
  return engine as Engine;
}

/** Resolves EngineVersion (full version, or a major version such as "16") to a catalogue version. */
export function resolveEngineVersion(engine: Engine, version: string | undefined): string {
  const info = catalogue[engine];
  if (version === undefined) return info.defaultVersion;
  if (info.versions.includes(version)) return version;
  const sameMajor = info.versions.filter((v) => majorVersion(engine, v) === version);
  if (sameMajor.length) return sameMajor.includes(info.defaultVersion) ? info.defaultVersion : sameMajor[sameMajor.length - 1];
  throw invalidParameterCombination(`Cannot find version ${version} for ${engine}`);
}

/** "16.6" → "16"; "8.0.mysql_aurora.3.08.2" → "8.0". */
export function majorVersion(engine: Engine, version: string): string {
  return engine === 'aurora-mysql' ? version.split('.').slice(0, 2).join('.') : version.split('.')[0];
}

export function defaultParameterGroupName(engine: Engine, version: string): string {
  return `default.${catalogue[engine].parameterGroupFamilyPrefix}${majorVersion(engine, version)}`;
}

export function defaultOptionGroupName(engine: Engine, version: string): string {
  return `default:${engine}-${majorVersion(engine, version).replace('.', '-')}`;
}

export function checkInstanceClass(engine: Engine, version: string, instanceClass: string): void {
  if (catalogue[engine].instanceClasses.includes(instanceClass)) return;
  // Real AWS wording for an unsupported combination.
  throw invalidParameterCombination(
    `RDS does not support creating a DB instance with the following combination: DBInstanceClass=${instanceClass}, ` +
      `Engine=${engine}, EngineVersion=${version}, LicenseModel=${catalogue[engine].licenseModel}. ` +
      `For supported combinations of instance class and database engine version, see the documentation.`,
  );
}

/** Rough size order of instance classes, for failover's "largest instance" tie-break. */
export function instanceClassSize(instanceClass: string): number {
  const size = instanceClass.split('.').pop() ?? '';
  const order = ['micro', 'small', 'medium', 'large', 'xlarge'];
  const base = order.indexOf(size);
  if (base >= 0) return base;
  const multiple = /^(\d+)xlarge$/.exec(size);
  if (multiple) return order.length + Number(multiple[1]);
  if (instanceClass === 'db.serverless') return order.length + 64;
  return 0;
}
