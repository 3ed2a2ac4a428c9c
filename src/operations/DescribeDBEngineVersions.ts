import { engineVersionEntries, presentEngineVersion, versionFlags } from '../control-plane/engineVersions.js';
import { majorVersion, resolveEngineVersion } from '../control-plane/engines.js';
import { applyFilters } from '../control-plane/filters.js';
import { paginate } from '../control-plane/pagination.js';
import { familyOf } from '../control-plane/parameterGroups.js';
import type { OperationHandler } from '../control-plane/context.js';

// Engines the emulator does not offer (postgres, mysql, …) simply have no versions here.
export const DescribeDBEngineVersions: OperationHandler = (input) => {
  // EngineVersion takes a full version or, as the CLI's users often write it, a major version ("16", "8.0").
  const major = (e: (typeof engineVersionEntries)[number]) => majorVersion(e.engine, e.version);
  let entries = engineVersionEntries.filter(
    (e) =>
      (input.Engine === undefined || e.engine === input.Engine) &&
      (input.EngineVersion === undefined || e.version === input.EngineVersion || major(e) === input.EngineVersion || (input.DefaultOnly === true && major(e) === majorVersion(e.engine, input.EngineVersion))) &&
      (input.DBParameterGroupFamily === undefined || familyOf(e.engine, e.version) === input.DBParameterGroupFamily),
  );
  entries = applyFilters(entries, input.Filters, {
    'db-parameter-group-family': (e) => [familyOf(e.engine, e.version)],
    engine: (e) => [e.engine],
    'engine-version': (e) => [e.version],
    'engine-mode': (e) => versionFlags(e.engine, e.version).SupportedEngineModes,
    status: () => ['available'],
  });
  if (input.DefaultOnly === true) {
    // The default of the engine, or of the engine and major version combination (API reference).
    entries = entries.filter((e) => e.version === resolveEngineVersion(e.engine, input.EngineVersion === undefined ? undefined : major(e)));
  }
  const page = paginate(entries, (e) => e.key, input);
  return {
    Marker: page.marker,
    DBEngineVersions: page.items.map((e) => presentEngineVersion(e.engine, e.version, { characterSets: input.ListSupportedCharacterSets === true })),
  };
};
