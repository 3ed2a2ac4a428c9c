import { invalidParameterValue } from '../protocol/errors.js';
import type { OperationHandler } from '../control-plane/context.js';

// The categories RDS documents per source type ("Amazon RDS event categories and event
// messages"), for the source types the emulator has. The events it records use these.
export const eventCategories: Record<string, string[]> = {
  'db-instance': [
    'availability', 'backup', 'configuration change', 'creation', 'deletion', 'failover', 'failure',
    'low storage', 'maintenance', 'notification', 'read replica', 'recovery', 'restoration', 'security', 'security patching',
  ],
  'db-parameter-group': ['configuration change'],
  'db-cluster': ['configuration change', 'creation', 'deletion', 'failover', 'failure', 'global-failover', 'maintenance', 'migration', 'notification', 'serverless'],
  'db-cluster-snapshot': ['backup', 'creation', 'deletion', 'notification', 'restoration'],
};

// Filters are documented as not supported for this operation: ignored.
export const DescribeEventCategories: OperationHandler = (input) => {
  const sourceType: string | undefined = input.SourceType;
  if (sourceType !== undefined && !Object.hasOwn(eventCategories, sourceType)) {
    // Wording inferred.
    throw invalidParameterValue(`Invalid source type: ${sourceType}. Valid values: ${Object.keys(eventCategories).join(', ')}`);
  }
  const types = sourceType === undefined ? Object.keys(eventCategories) : [sourceType];
  return { EventCategoriesMapList: types.map((SourceType) => ({ SourceType, EventCategories: eventCategories[SourceType] })) };
};
