import { checkFamily, describeParameters, groupParameters } from '../control-plane/parameterGroups.js';
import type { OperationHandler } from '../control-plane/context.js';

export const DescribeEngineDefaultClusterParameters: OperationHandler = (input) => {
  const family = checkFamily(input.DBParameterGroupFamily);
  // Filters are documented as not supported here (they are for DescribeEngineDefaultParameters): ignored.
  const page = describeParameters(groupParameters('cluster', family), { Marker: input.Marker, MaxRecords: input.MaxRecords });
  return { EngineDefaults: { DBParameterGroupFamily: family, Marker: page.marker, Parameters: page.items } };
};
