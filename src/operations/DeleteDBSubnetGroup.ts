import { fault } from '../protocol/errors.js';
import { requireSubnetGroup, subnetGroups } from '../control-plane/subnetGroups.js';
import type { OperationHandler } from '../control-plane/context.js';

export const DeleteDBSubnetGroup: OperationHandler = (input, { partition }) => {
  const group = requireSubnetGroup(partition, input.DBSubnetGroupName);
  // Wording inferred, after AWS's `Default DBParameterGroup cannot be deleted: <name>`.
  if (group.name === 'default') throw fault('InvalidDBSubnetGroupStateFault', 'Default DBSubnetGroup cannot be deleted: default');
  const user = Object.values(partition.clusters).find((c) => c.dbSubnetGroupName === group.name);
  // AWS's wording (Terraform transcripts, 400 InvalidDBSubnetGroupStateFault).
  if (user) throw fault('InvalidDBSubnetGroupStateFault', `Cannot delete the subnet group '${group.name}' because at least one database cluster: ${user.id} is still using it.`);
  delete subnetGroups(partition)[group.name];
};
