// The engine catalogue as DescribeDBEngineVersions and DescribeOrderableDBInstanceOptions show it
// (fixtures/engine-versions.json: versions, classes, and per-version details).
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { engineInfo, majorVersion, supportedEngines } from './engines.js';
import { familyOf } from './parameterGroups.js';
import type { Engine } from './records.js';

interface VersionDetails {
  DBEngineVersionDescription: string;
  SupportedEngineModes: string[];
  SupportsGlobalDatabases: boolean;
  SupportsParallelQuery: boolean;
  SupportsBabelfish: boolean;
  SupportsLocalWriteForwarding: boolean;
  SupportsIntegrations: boolean;
  SupportsLimitlessDatabase: boolean;
  ValidUpgradeTarget: string[];
  ServerlessV2FeaturesSupport?: { MinCapacity: number; MaxCapacity: number };
}

interface EngineDetails {
  engineDescription: string;
  exportableLogTypes: string[];
  supportedFeatureNames: string[];
  supportsReadReplica: boolean;
  defaultCharacterSet: { CharacterSetName: string; CharacterSetDescription: string };
  versionDetails: Record<string, VersionDetails>;
}

const catalogueFile = join(dirname(fileURLToPath(import.meta.url)), '../../fixtures/engine-versions.json');
const details: Record<Engine, EngineDetails> = JSON.parse(readFileSync(catalogueFile, 'utf8')).engines;

const caCertificates = ['rds-ca-ecc384-g1', 'rds-ca-rsa2048-g1', 'rds-ca-rsa4096-g1'];

export interface EngineVersionEntry {
  engine: Engine;
  version: string;
  /** Position in the whole catalogue: the pagination key. */
  key: string;
}

/** Every engine version, engines in name order, versions oldest first (as AWS lists them). */
export const engineVersionEntries: EngineVersionEntry[] = [...supportedEngines].sort().flatMap((engine, e) =>
  engineInfo(engine).versions.map((version, v) => ({ engine, version, key: `${e}:${String(v).padStart(4, '0')}` })),
);

export function versionFlags(engine: Engine, version: string): VersionDetails {
  const found = details[engine].versionDetails[version];
  if (!found) throw new Error(`fixtures/engine-versions.json has no versionDetails for ${engine} ${version}`);
  return found;
}

/** The DBEngineVersion shape. */
export function presentEngineVersion(engine: Engine, version: string, { characterSets = false } = {}) {
  const engineDetails = details[engine];
  const flags = versionFlags(engine, version);
  const major = majorVersion(engine, version);
  return {
    Engine: engine,
    MajorEngineVersion: major,
    EngineVersion: version,
    DBParameterGroupFamily: familyOf(engine, version),
    DBEngineDescription: engineDetails.engineDescription,
    DBEngineVersionDescription: flags.DBEngineVersionDescription,
    DefaultCharacterSet: engineDetails.defaultCharacterSet,
    SupportedCharacterSets: characterSets ? [engineDetails.defaultCharacterSet] : undefined,
    ValidUpgradeTarget: flags.ValidUpgradeTarget.map((target) => {
      const targetFlags = versionFlags(engine, target);
      return {
        Engine: engine,
        EngineVersion: target,
        Description: targetFlags.DBEngineVersionDescription,
        AutoUpgrade: false,
        IsMajorVersionUpgrade: majorVersion(engine, target) !== major,
        SupportedEngineModes: targetFlags.SupportedEngineModes,
        SupportsParallelQuery: targetFlags.SupportsParallelQuery,
        SupportsGlobalDatabases: targetFlags.SupportsGlobalDatabases,
        SupportsBabelfish: targetFlags.SupportsBabelfish,
        SupportsLimitlessDatabase: targetFlags.SupportsLimitlessDatabase,
        SupportsLocalWriteForwarding: targetFlags.SupportsLocalWriteForwarding,
        SupportsIntegrations: targetFlags.SupportsIntegrations,
      };
    }),
    ExportableLogTypes: engineDetails.exportableLogTypes,
    SupportsLogExportsToCloudwatchLogs: true,
    SupportsReadReplica: engineDetails.supportsReadReplica,
    SupportedEngineModes: flags.SupportedEngineModes,
    SupportedFeatureNames: engineDetails.supportedFeatureNames,
    Status: 'available',
    SupportsParallelQuery: flags.SupportsParallelQuery,
    SupportsGlobalDatabases: flags.SupportsGlobalDatabases,
    TagList: [],
    SupportsBabelfish: flags.SupportsBabelfish,
    SupportsLimitlessDatabase: flags.SupportsLimitlessDatabase,
    SupportsCertificateRotationWithoutRestart: true,
    SupportedCACertificateIdentifiers: caCertificates,
    SupportsLocalWriteForwarding: flags.SupportsLocalWriteForwarding,
    SupportsIntegrations: flags.SupportsIntegrations,
    ServerlessV2FeaturesSupport: flags.ServerlessV2FeaturesSupport,
  };
}

/** Aurora storage comes in two configurations; AWS lists each class once per storage type. */
export const auroraStorageTypes = ['aurora', 'aurora-iopt1'];

/** The OrderableDBInstanceOption shape. */
export function presentOrderableOption(engine: Engine, version: string, instanceClass: string, storageType: string, region: string, zones: string[]) {
  const flags = versionFlags(engine, version);
  return {
    Engine: engine,
    EngineVersion: version,
    DBInstanceClass: instanceClass,
    LicenseModel: engineInfo(engine).licenseModel,
    AvailabilityZoneGroup: region,
    AvailabilityZones: zones.map((Name) => ({ Name })),
    MultiAZCapable: false,
    ReadReplicaCapable: false,
    Vpc: true,
    SupportsStorageEncryption: true,
    StorageType: storageType,
    SupportsIops: false,
    SupportsStorageThroughput: false,
    SupportsEnhancedMonitoring: true,
    SupportsIAMDatabaseAuthentication: true,
    SupportsPerformanceInsights: true,
    AvailableProcessorFeatures: [],
    SupportedEngineModes: flags.SupportedEngineModes,
    SupportsStorageAutoscaling: false,
    SupportsKerberosAuthentication: true,
    OutpostCapable: false,
    SupportedActivityStreamModes: ['async'],
    SupportsGlobalDatabases: flags.SupportsGlobalDatabases,
    SupportedNetworkTypes: ['IPV4', 'DUAL'],
    SupportsClusters: false,
    SupportsDedicatedLogVolume: false,
  };
}
