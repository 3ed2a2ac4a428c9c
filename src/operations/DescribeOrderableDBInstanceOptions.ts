import { auroraStorageTypes, presentOrderableOption } from '../control-plane/engineVersions.js';
import { engineInfo, majorVersion, supportedEngines } from '../control-plane/engines.js';
import { availabilityZonesOf } from '../control-plane/naming.js';
import { paginate } from '../control-plane/pagination.js';
import type { Engine } from '../control-plane/records.js';
import type { OperationHandler } from '../control-plane/context.js';

// Filters are documented as not supported for this operation: ignored. Engines the emulator does
// not offer have no options; Aurora runs in a VPC only, so Vpc=false lists nothing.
export const DescribeOrderableDBInstanceOptions: OperationHandler = (input, { region }) => {
  const rows: { engine: Engine; version: string; instanceClass: string; storageType: string; key: string }[] = [];
  const engine = input.Engine as Engine;
  if (supportedEngines.includes(engine) && input.Vpc !== false && (input.LicenseModel === undefined || input.LicenseModel === engineInfo(engine).licenseModel)) {
    const info = engineInfo(engine);
    info.versions.forEach((version, v) => {
      if (input.EngineVersion !== undefined && version !== input.EngineVersion && majorVersion(engine, version) !== input.EngineVersion) return;
      info.instanceClasses.forEach((instanceClass, c) => {
        if (input.DBInstanceClass !== undefined && instanceClass !== input.DBInstanceClass) return;
        auroraStorageTypes.forEach((storageType, s) => rows.push({ engine, version, instanceClass, storageType, key: `${String(v).padStart(4, '0')}:${String(c).padStart(4, '0')}:${s}` }));
      });
    });
  }
  // MaxRecords may go up to 1000 here (API reference; AWS: "Invalid value N for MaxRecords. Must be between 20 and 1000").
  const page = paginate(rows, (r) => r.key, input, { min: 20, max: 1000, default: 100 });
  const zones = availabilityZonesOf(region);
  return {
    OrderableDBInstanceOptions: page.items.map((r) => presentOrderableOption(r.engine, r.version, r.instanceClass, r.storageType, region, zones)),
    Marker: page.marker,
  };
};
