import { checkFamily, describeParameters, groupParameters } from '../control-plane/parameterGroups.js';
import type { OperationHandler } from '../control-plane/context.js';

export const DescribeEngineDefaultParameters: OperationHandler = (input) => {
  const family = checkFamily(input.DBParameterGroupFamily);
  const page = describeParameters(groupParameters('instance', family), input);
  return { EngineDefaults: { DBParameterGroupFamily: family, Marker: page.marker, Parameters: page.items } };
};
