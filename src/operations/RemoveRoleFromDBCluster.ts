import { fault } from '../protocol/errors.js';
import { requireCluster } from '../control-plane/lookup.js';
import type { OperationHandler } from '../control-plane/context.js';

export const RemoveRoleFromDBCluster: OperationHandler = (input, { partition }) => {
  const cluster = requireCluster(partition, input.DBClusterIdentifier);
  if (cluster.status !== 'available') {
    throw fault(
      'InvalidDBClusterStateFault',
      `DB Cluster ${cluster.id} is not available for IAM role association, disassociation, or updates. Current DB cluster status: ${cluster.status}`,
    );
  }
  const roles = cluster.associatedRoles ?? [];
  const index = roles.findIndex((r) => r.roleArn === input.RoleArn && (input.FeatureName === undefined || r.featureName === input.FeatureName));
  // Wording inferred, after AddRoleToDBCluster's.
  if (index < 0) throw fault('DBClusterRoleNotFoundFault', `Role ARN ${input.RoleArn} cannot be found for DB Cluster: ${cluster.id}. Verify your role ARN and try again.`);
  roles.splice(index, 1);
};
