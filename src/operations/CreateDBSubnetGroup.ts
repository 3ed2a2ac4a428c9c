import { fault, invalidParameterValue } from '../protocol/errors.js';
import { checkSubnetGroupName, placeSubnets, presentSubnetGroup, rememberZones, subnetGroupArn, subnetGroups, vpcIdOf } from '../control-plane/subnetGroups.js';
import { mergeTags } from '../control-plane/tags.js';
import type { OperationHandler } from '../control-plane/context.js';

export const CreateDBSubnetGroup: OperationHandler = (input, ctx) => {
  const { partition, config } = ctx;
  const name = checkSubnetGroupName(input.DBSubnetGroupName);
  if (!input.DBSubnetGroupDescription) throw invalidParameterValue('The parameter DBSubnetGroupDescription must be provided and must not be blank.');
  const groups = subnetGroups(partition);
  // AWS's wording (Terraform transcript, 400). `default` always exists, so it lands here too.
  if (groups[name]) throw fault('DBSubnetGroupAlreadyExistsFault', `The DB subnet group '${name}' already exists.`);
  if (Object.keys(groups).filter((n) => n !== 'default').length >= config.quotas.subnetGroups) {
    // The fault's own description in the RDS model.
    throw fault('DBSubnetGroupQuotaExceededFault', 'The request would result in the user exceeding the allowed number of DB subnet groups.');
  }
  const placed = placeSubnets(partition, input.SubnetIds ?? []);
  const tags = mergeTags([], input.Tags, config.quotas.tagsPerResource);
  rememberZones(partition, placed);
  const group = { name, arn: subnetGroupArn(partition, name), description: input.DBSubnetGroupDescription, vpcId: vpcIdOf(partition), subnetIds: [...placed.keys()], tags };
  groups[name] = group;
  return { DBSubnetGroup: presentSubnetGroup(partition, group) };
};
