import { fault } from '../protocol/errors.js';
import { requireCluster } from '../control-plane/lookup.js';
import type { OperationHandler } from '../control-plane/context.js';

/** IAM roles per DB cluster (Aurora quotas: 5). */
const rolesPerCluster = 5;

// The role shows in AssociatedRoles with Status ACTIVE (no IAM to ask: every role is valid).
// A role can be associated once, whatever the feature (AWS refuses the same role for a second
// feature). Wordings are AWS's (public transcripts) unless marked.
export const AddRoleToDBCluster: OperationHandler = (input, { partition }) => {
  const cluster = requireCluster(partition, input.DBClusterIdentifier);
  if (cluster.status !== 'available') {
    throw fault(
      'InvalidDBClusterStateFault',
      `DB Cluster ${cluster.id} is not available for IAM role association, disassociation, or updates. Current DB cluster status: ${cluster.status}`,
    );
  }
  const roles = (cluster.associatedRoles ??= []);
  if (roles.some((r) => r.roleArn === input.RoleArn)) {
    throw fault('DBClusterRoleAlreadyExistsFault', `Role ARN ${input.RoleArn} is already associated with DB Cluster: ${cluster.id}. Verify your role ARN and try again.`);
  }
  if (roles.length >= rolesPerCluster) {
    // Wording inferred.
    throw fault('DBClusterRoleQuotaExceededFault', `DB Cluster ${cluster.id} already has the maximum of ${rolesPerCluster} associated IAM roles.`);
  }
  roles.push({ roleArn: input.RoleArn, featureName: input.FeatureName, status: 'ACTIVE' });
};
