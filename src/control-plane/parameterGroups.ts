// DB cluster parameter groups and DB parameter groups. AWS's `default.<family>` groups exist for
// every family of the engine catalogue and cannot be changed; user groups hold only the values
// set on them, over the family's catalogue (fixtures/parameters/<family>.json).
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fault, invalidParameterCombination, invalidParameterValue } from '../protocol/errors.js';
import type { OperationContext } from './context.js';
import { engineInfo, majorVersion, supportedEngines } from './engines.js';
import { recordEvent } from './events.js';
import { applyFilters, type Filter } from './filters.js';
import { paginate } from './pagination.js';
import type { Engine, InstanceRecord, ParameterGroupRecord, Partition, Tag } from './records.js';
import { mergeTags } from './tags.js';

/** `cluster`: DB cluster parameter groups; `instance`: DB parameter groups. */
export type GroupKind = 'cluster' | 'instance';
export type ApplyMethod = 'immediate' | 'pending-reboot';

export interface CatalogueParameter {
  /** Which groups hold it: cluster groups, instance groups, or both (not an AWS field). */
  level: 'cluster' | 'instance' | 'both';
  ParameterName: string;
  ParameterValue?: string;
  Description: string;
  Source: string;
  ApplyType: 'static' | 'dynamic';
  DataType: string;
  AllowedValues?: string;
  IsModifiable: boolean;
  ApplyMethod: ApplyMethod;
}

const catalogueDir = join(dirname(fileURLToPath(import.meta.url)), '../../fixtures/parameters');
const catalogues = new Map<string, CatalogueParameter[]>(
  readdirSync(catalogueDir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => {
      const file = JSON.parse(readFileSync(join(catalogueDir, f), 'utf8')) as { family: string; parameters: CatalogueParameter[] };
      return [file.family, file.parameters];
    }),
);

export const familyOf = (engine: Engine, version: string) => `${engineInfo(engine).parameterGroupFamilyPrefix}${majorVersion(engine, version)}`;

/** Families of every engine version the emulator offers, each with a parameter catalogue. */
export const parameterGroupFamilies: string[] = [
  ...new Set(supportedEngines.flatMap((engine) => engineInfo(engine).versions.map((v) => familyOf(engine, v)))),
].sort();
for (const family of parameterGroupFamilies) {
  if (!catalogues.has(family)) throw new Error(`fixtures/parameters/${family}.json is missing: every engine family needs a parameter catalogue`);
}

export function checkFamily(family: string): string {
  // AWS's wording (CloudFormation transcript, 400 InvalidParameterValue).
  if (!catalogues.has(family)) throw invalidParameterValue(`ParameterGroupFamily ${family} is not a valid parameter group family`);
  return family;
}

export function catalogueOf(family: string, kind: GroupKind): CatalogueParameter[] {
  const wanted = kind === 'cluster' ? 'instance' : 'cluster'; // the level a kind does not hold
  return (catalogues.get(checkFamily(family)) ?? []).filter((p) => p.level !== wanted);
}

const kinds = {
  cluster: { collection: 'clusterParameterGroups', arnType: 'cluster-pg', noun: 'DBClusterParameterGroup', description: 'Default cluster parameter group for' },
  instance: { collection: 'dbParameterGroups', arnType: 'pg', noun: 'DBParameterGroup', description: 'Default parameter group for' },
} as const;

export const parameterGroupArn = (partition: Partition, kind: GroupKind, name: string) =>
  `arn:aws:rds:${partition.region}:${partition.account}:${kinds[kind].arnType}:${name}`;

export const isDefaultGroup = (group: ParameterGroupRecord) => group.name.startsWith('default.');

/** The kind's groups, AWS's default ones included (added on first use, so old state files get them too). */
export function parameterGroups(partition: Partition, kind: GroupKind): Record<string, ParameterGroupRecord> {
  const groups = (partition[kinds[kind].collection] ??= Object.create(null));
  for (const family of parameterGroupFamilies) {
    const name = `default.${family}`;
    groups[name] ??= { name, arn: parameterGroupArn(partition, kind, name), family, description: `${kinds[kind].description} ${family}`, parameters: {}, tags: [] };
  }
  return groups;
}

export function findParameterGroup(partition: Partition, kind: GroupKind, nameOrArn: string): ParameterGroupRecord | undefined {
  const prefix = `arn:aws:rds:${partition.region}:${partition.account}:${kinds[kind].arnType}:`;
  const name = nameOrArn.startsWith(prefix) ? nameOrArn.slice(prefix.length) : nameOrArn;
  return parameterGroups(partition, kind)[name.toLowerCase()];
}

/**
 * The parameter-group operations answer DBParameterGroupNotFound for both kinds (their modelled
 * error); CreateDBCluster / ModifyDBCluster answer DBClusterParameterGroupNotFound.
 */
export function requireParameterGroup(partition: Partition, kind: GroupKind, nameOrArn: string, shape = 'DBParameterGroupNotFoundFault'): ParameterGroupRecord {
  const group = findParameterGroup(partition, kind, nameOrArn);
  // AWS's wording: `DBParameterGroup not found: testing-pg`, `DBClusterParameterGroup not found: default.aurora5.6`.
  if (!group) throw fault(shape, `${kinds[kind].noun} not found: ${nameOrArn}`);
  return group;
}

/** The group a cluster or instance is set to use: it must exist and be of the engine version's family. */
export function requireGroupFor(partition: Partition, kind: GroupKind, name: string, engine: Engine, version: string, notFoundShape: string): ParameterGroupRecord {
  const group = requireParameterGroup(partition, kind, name, notFoundShape);
  const family = familyOf(engine, version);
  if (group.family !== family) {
    // AWS's wording (2024 transcript, 400 InvalidParameterCombination).
    throw invalidParameterCombination(
      `The parameter group ${group.name} with DBParameterGroupFamily ${group.family} can't be used for this instance. Use a parameter group with DBParameterGroupFamily ${family}.`,
    );
  }
  return group;
}

/** Parameter group names: 1–255 letters, digits, hyphens; a letter first; no `--`, no trailing `-`. Stored lowercase. */
export function checkGroupName(parameter: string, value: string): string {
  if (value === '') throw invalidParameterValue(`The parameter ${parameter} must be provided and must not be blank.`);
  if (value.length > 255) throw invalidParameterValue(`The parameter ${parameter} is not a valid identifier because it is longer than 255 characters.`);
  if (!/^[A-Za-z](?:[A-Za-z0-9]|-(?!-))*$/.test(value) || value.endsWith('-')) {
    throw invalidParameterValue(
      `The parameter ${parameter} is not a valid identifier. Identifiers must begin with a letter; ` +
        `must contain only ASCII letters, digits, and hyphens; and must not end with a hyphen or contain two consecutive hyphens.`,
    );
  }
  return value.toLowerCase();
}

export function presentParameterGroup(kind: GroupKind, group: ParameterGroupRecord) {
  return kind === 'cluster'
    ? { DBClusterParameterGroupName: group.name, DBParameterGroupFamily: group.family, Description: group.description, DBClusterParameterGroupArn: group.arn }
    : { DBParameterGroupName: group.name, DBParameterGroupFamily: group.family, Description: group.description, DBParameterGroupArn: group.arn };
}

/** A new user group (CreateDB…ParameterGroup, CopyDB…ParameterGroup). */
export function addParameterGroup(
  ctx: OperationContext,
  kind: GroupKind,
  input: { name: string; family: string; description: string; tags?: Tag[]; parameters?: ParameterGroupRecord['parameters'] },
): ParameterGroupRecord {
  const groups = parameterGroups(ctx.partition, kind);
  // Wording recalled from AWS responses, not verified in the references.
  if (groups[input.name]) throw fault('DBParameterGroupAlreadyExistsFault', `Parameter group ${input.name} already exists`);
  const limit = ctx.config.quotas.parameterGroups;
  if (Object.values(groups).filter((g) => !isDefaultGroup(g)).length >= limit) {
    // The fault's own description in the RDS model.
    throw fault('DBParameterGroupQuotaExceededFault', 'The request would result in the user exceeding the allowed number of DB parameter groups.');
  }
  const group: ParameterGroupRecord = {
    name: input.name,
    arn: parameterGroupArn(ctx.partition, kind, input.name),
    family: input.family,
    description: input.description,
    parameters: { ...input.parameters },
    tags: mergeTags([], input.tags, ctx.config.quotas.tagsPerResource),
  };
  groups[group.name] = group;
  return group;
}

/** The group's parameters as the API shows them: the catalogue, with the user's values over it. */
export function groupParameters(kind: GroupKind, family: string, values: ParameterGroupRecord['parameters'] = {}) {
  return catalogueOf(family, kind).map(({ level: _level, ...parameter }) => {
    const set = values[parameter.ParameterName];
    return {
      ...parameter,
      ...(set ? { ParameterValue: set.value, Source: 'user', ApplyMethod: set.applyMethod } : {}),
      // AWS lists the engine modes on cluster parameters only.
      SupportedEngineModes: kind === 'cluster' ? ['provisioned'] : undefined,
    };
  });
}

/** Describe…Parameters / DescribeEngineDefault…Parameters: Source, the `parameter-name` filter, pagination. */
export function describeParameters(
  parameters: ReturnType<typeof groupParameters>,
  input: { Source?: string; Filters?: Filter[]; Marker?: string; MaxRecords?: number },
) {
  let selected = parameters;
  if (input.Source !== undefined) {
    // Wording inferred. The documented values are user, system and engine-default.
    if (!['user', 'system', 'engine-default'].includes(input.Source)) throw invalidParameterValue(`Invalid value ${input.Source} for Source. Valid values: user, system, engine-default`);
    selected = selected.filter((p) => p.Source === input.Source);
  }
  selected = applyFilters(selected, input.Filters, { 'parameter-name': (p) => [p.ParameterName] });
  return paginate(selected, (p) => p.ParameterName, input);
}

export interface ParameterChange {
  ParameterName?: string;
  ParameterValue?: string;
  ApplyMethod?: string;
}

/** Whether a value is one the parameter allows (AllowedValues: a list `a,b,c` or ranges `min-max`). */
export function valueAllowed(parameter: Pick<CatalogueParameter, 'DataType' | 'AllowedValues'>, value: string): boolean {
  const allowed = parameter.AllowedValues;
  if (allowed === undefined || allowed === '') return true;
  // Formulas such as {DBInstanceClassMemory/12038} or GREATEST(…) are accepted wherever a number is.
  if (['integer', 'float', 'long'].includes(parameter.DataType) && /^(\{.+\}|(GREATEST|LEAST|SUM)\(.+\))$/.test(value)) return true;
  const ranges = allowed.split(',').map((part) => /^(-?\d+(?:\.\d+)?)-(-?\d+(?:\.\d+)?)$/.exec(part));
  if (ranges.every(Boolean)) {
    if (!/^-?\d+(\.\d+)?$/.test(value)) return false;
    if (parameter.DataType === 'integer' && value.includes('.')) return false;
    const number = Number(value);
    return ranges.some((r) => number >= Number(r![1]) && number <= Number(r![2]));
  }
  const choices = allowed.split(',').map((c) => c.toLowerCase());
  const items = parameter.DataType === 'list' ? value.split(',').map((v) => v.trim()) : [value];
  return items.every((item) => choices.includes(item.toLowerCase()));
}

export interface ResolvedChange {
  parameter: CatalogueParameter;
  value?: string;
  applyMethod: ApplyMethod;
}

/** Checks ModifyDB…ParameterGroup / ResetDB…ParameterGroup parameters against the family's catalogue. */
export function resolveChanges(catalogue: CatalogueParameter[], changes: ParameterChange[], { reset = false } = {}): ResolvedChange[] {
  // Wording inferred from the API reference ("A maximum of 20 parameters can be modified in a single request").
  if (changes.length > 20) throw invalidParameterValue(`A maximum of 20 parameters can be modified in a single request; ${changes.length} were given.`);
  return changes.map((change) => {
    const name = change.ParameterName;
    if (!name) throw invalidParameterValue('The parameter ParameterName must be provided and must not be blank.');
    const parameter = catalogue.find((p) => p.ParameterName === name);
    // AWS's wording (several transcripts, 400 InvalidParameterValue).
    if (!parameter) throw invalidParameterValue(`Could not find parameter with name: ${name}`);
    if (!parameter.IsModifiable) throw invalidParameterValue(`The parameter ${name} cannot be modified.`); // wording inferred
    if (change.ApplyMethod !== undefined && !['immediate', 'pending-reboot'].includes(change.ApplyMethod)) {
      throw invalidParameterValue(`Invalid apply method ${change.ApplyMethod} for parameter ${name}. Valid values: immediate, pending-reboot`); // wording inferred
    }
    // Without an ApplyMethod (the model makes it optional): immediate where allowed. Our choice.
    const applyMethod = (change.ApplyMethod ?? (parameter.ApplyType === 'dynamic' ? 'immediate' : 'pending-reboot')) as ApplyMethod;
    // AWS's wording (hashicorp/terraform#8018, 400 InvalidParameterCombination), parameter not named.
    if (applyMethod === 'immediate' && parameter.ApplyType === 'static') throw invalidParameterCombination('cannot use immediate apply method for static parameter');
    if (reset) return { parameter, applyMethod };
    const value = change.ParameterValue;
    if (value === undefined || value === '') throw invalidParameterValue(`The parameter value for ${name} must be provided and must not be blank.`); // wording inferred
    if (!valueAllowed(parameter, value)) {
      // Wording recalled from AWS responses, not verified in the references.
      throw invalidParameterValue(`Invalid parameter value: ${value} for: ${name} allowed values are: ${parameter.AllowedValues}`);
    }
    return { parameter, value, applyMethod };
  });
}

/** Instances that use the group: members of clusters using a cluster group, or instances using a DB group. */
export function instancesUsing(partition: Partition, kind: GroupKind, name: string): InstanceRecord[] {
  if (kind === 'instance') return Object.values(partition.instances).filter((i) => i.dbParameterGroupName === name);
  const clusters = new Set(Object.values(partition.clusters).filter((c) => c.dbClusterParameterGroupName === name).map((c) => c.id));
  return Object.values(partition.instances).filter((i) => clusters.has(i.clusterId));
}

/** Changes applied at the next reboot: the instances' parameter status shows `pending-reboot` until then. */
export function markPendingReboot(instances: InstanceRecord[], kind: GroupKind): void {
  for (const instance of instances) {
    if (kind === 'cluster') instance.clusterParameterApply = 'pending-reboot';
    else instance.parameterApply = 'pending-reboot';
  }
}

/** RebootDBInstance applies what waits for a reboot. */
export function applyOnReboot(instance: InstanceRecord): void {
  if (instance.clusterParameterApply) instance.clusterParameterApply = 'applying';
  if (instance.parameterApply) instance.parameterApply = 'applying';
}

/** DBClusterParameterGroupStatus / ParameterApplyStatus: `applying` while the reboot runs, then in sync. */
export function parameterApplyStatus(flag: InstanceRecord['parameterApply'], instanceStatus: string): string {
  if (flag === 'pending-reboot') return 'pending-reboot';
  return flag === 'applying' && instanceStatus === 'rebooting' ? 'applying' : 'in-sync';
}

/** ModifyDB…ParameterGroup and ResetDB…ParameterGroup, for both kinds. */
export function changeParameters(
  ctx: OperationContext,
  kind: GroupKind,
  name: string,
  { changes = [], resetAll = false, reset = false }: { changes?: ParameterChange[]; resetAll?: boolean; reset?: boolean },
) {
  const { partition } = ctx;
  const group = requireParameterGroup(partition, kind, name);
  // AWS's wording (RDS transcript: InvalidParameterValue, 400) for changes to a default group.
  if (isDefaultGroup(group)) throw invalidParameterValue('Cannot modify a default parameter group.');
  const catalogue = catalogueOf(group.family, kind);
  let resolved: ResolvedChange[];
  if (reset && resetAll) {
    // Wording inferred: "You can't use this parameter if the ResetAllParameters parameter is enabled."
    if (changes.length) throw invalidParameterCombination('You cannot specify both ResetAllParameters and Parameters.');
    // Static values wait for a reboot; dynamic ones apply at once (API reference).
    resolved = Object.keys(group.parameters).map((n) => {
      const parameter = catalogue.find((p) => p.ParameterName === n)!;
      return { parameter, applyMethod: parameter.ApplyType === 'static' ? 'pending-reboot' : 'immediate' };
    });
  } else {
    if (!changes.length) {
      throw invalidParameterValue(reset ? 'Specify either ResetAllParameters or a list of Parameters to reset.' : 'The parameter Parameters must be provided and must not be empty.'); // wording inferred
    }
    resolved = resolveChanges(catalogue, changes, { reset });
  }
  for (const change of resolved) {
    const name = change.parameter.ParameterName;
    if (change.value === undefined) delete group.parameters[name];
    else group.parameters[name] = { value: change.value, applyMethod: change.applyMethod };
    if (kind === 'instance') {
      const text = change.value === undefined ? `Reset parameter ${name} to its default` : `Updated parameter ${name} to ${change.value}`;
      recordEvent(partition, {
        sourceIdentifier: group.name,
        sourceType: 'db-parameter-group',
        sourceArn: group.arn,
        message: `${text} with apply method ${change.applyMethod}`,
        categories: ['configuration change'],
      });
    }
  }
  if (resolved.some((c) => c.applyMethod === 'pending-reboot')) markPendingReboot(instancesUsing(partition, kind, group.name), kind);
  return group;
}

/** DeleteDB…ParameterGroup, for both kinds. */
export function deleteParameterGroup(ctx: OperationContext, kind: GroupKind, name: string): void {
  const group = requireParameterGroup(ctx.partition, kind, name);
  // AWS's wording (CLI transcript, 400 InvalidDBParameterGroupState).
  if (isDefaultGroup(group)) throw fault('InvalidDBParameterGroupStateFault', `Default DBParameterGroup cannot be deleted: ${group.name}`);
  if (kind === 'instance' && instancesUsing(ctx.partition, kind, group.name).length) {
    // AWS's wording (Terraform transcripts, 400).
    throw fault('InvalidDBParameterGroupStateFault', `One or more database instances are still members of this parameter group ${group.name}, so the group cannot be deleted`);
  }
  if (kind === 'cluster' && Object.values(ctx.partition.clusters).some((c) => c.dbClusterParameterGroupName === group.name)) {
    // Wording inferred from the DB parameter group message.
    throw fault('InvalidDBParameterGroupStateFault', `One or more DB clusters are still members of this parameter group ${group.name}, so the group cannot be deleted`);
  }
  delete parameterGroups(ctx.partition, kind)[group.name];
}

/** Describe…ParameterGroups, for both kinds (Filters are documented as not supported: ignored). */
export function describeParameterGroups(ctx: OperationContext, kind: GroupKind, input: { name?: string; Marker?: string; MaxRecords?: number }) {
  const groups =
    input.name !== undefined
      ? [requireParameterGroup(ctx.partition, kind, input.name)]
      : Object.values(parameterGroups(ctx.partition, kind)).sort((a, b) => a.name.localeCompare(b.name));
  const page = paginate(groups, (g) => g.name, input);
  return { marker: page.marker, groups: page.items.map((g) => presentParameterGroup(kind, g)) };
}

/** CopyDB…ParameterGroup: the source's family, values and description-as-given; tags from the request only. */
export function copyParameterGroup(ctx: OperationContext, kind: GroupKind, input: { source: string; target: string; description: string; tags?: Tag[] }) {
  const source = requireParameterGroup(ctx.partition, kind, input.source);
  const name = checkGroupName(kind === 'cluster' ? 'TargetDBClusterParameterGroupIdentifier' : 'TargetDBParameterGroupIdentifier', input.target);
  return addParameterGroup(ctx, kind, { name, family: source.family, description: input.description, tags: input.tags, parameters: structuredClone(source.parameters) });
}
