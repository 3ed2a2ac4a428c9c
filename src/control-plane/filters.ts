// Describe* filters: each filter name maps to the values a record has for it; a record
// passes when, for every filter, one of its values is among the filter's values.
import { invalidParameterValue } from '../protocol/errors.js';

export interface Filter {
  Name: string;
  Values: string[];
}

export type FilterDefinitions<T> = Record<string, (item: T) => (string | undefined)[]>;

export function applyFilters<T>(items: T[], filters: Filter[] | undefined, definitions: FilterDefinitions<T>): T[] {
  if (!filters?.length) return items;
  for (const filter of filters) {
    // Wording inferred: AWS answers an unknown filter name with InvalidParameterValue.
    if (!Object.hasOwn(definitions, filter.Name)) throw invalidParameterValue(`Unrecognized filter name: ${filter.Name}.`);
  }
  return items.filter((item) =>
    filters.every((filter) => {
      const values = definitions[filter.Name](item);
      return filter.Values.some((wanted) => values.includes(wanted));
    }),
  );
}
