import { fault } from '../protocol/errors.js';
import { clusterMembers } from '../control-plane/presenters.js';
import { placeSubnets, presentSubnetGroup, rememberZones, requireSubnetGroup } from '../control-plane/subnetGroups.js';
import type { OperationHandler } from '../control-plane/context.js';

export const ModifyDBSubnetGroup: OperationHandler = (input, { partition }) => {
  const group = requireSubnetGroup(partition, input.DBSubnetGroupName);
  // Wording inferred, after AWS's `Default DBParameterGroup cannot be deleted: <name>`; the API
  // reference says the default subnet group can't be modified.
  if (group.name === 'default') throw fault('InvalidDBSubnetGroupStateFault', 'Default DBSubnetGroup cannot be modified: default');
  const placed = placeSubnets(partition, input.SubnetIds ?? []);
  // A zone where an instance of a cluster in this group runs must keep a subnet.
  const newZones = new Set(placed.values());
  const busyZones = new Set(
    Object.values(partition.clusters)
      .filter((c) => c.dbSubnetGroupName === group.name)
      .flatMap((c) => clusterMembers(partition, c.id).map((m) => m.availabilityZone)),
  );
  for (const id of group.subnetIds) {
    const zone = partition.subnets[id];
    if (!placed.has(id) && busyZones.has(zone) && !newZones.has(zone)) {
      // After the fault's description in the RDS model ("The DB subnet is already in use in the Availability Zone").
      throw fault('SubnetAlreadyInUse', `The DB subnet ${id} is already in use in the Availability Zone ${zone}.`);
    }
  }
  rememberZones(partition, placed);
  group.subnetIds = [...placed.keys()];
  if (input.DBSubnetGroupDescription !== undefined) group.description = input.DBSubnetGroupDescription;
  return { DBSubnetGroup: presentSubnetGroup(partition, group) };
};
