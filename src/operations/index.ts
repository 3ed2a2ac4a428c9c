// The operation table: one file per RDS operation, named after it. Start-up refuses to run
// when a file has no entry here, an entry has no file, or a name is not an operation of the model.
import { readdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { apiSpec } from '../protocol/spec.js';
import type { OperationHandler } from '../control-plane/context.js';
import { AddTagsToResource } from './AddTagsToResource.js';
import { AddRoleToDBCluster } from './AddRoleToDBCluster.js';
import { BacktrackDBCluster } from './BacktrackDBCluster.js';
import { CreateGlobalCluster } from './CreateGlobalCluster.js';
import { DeleteGlobalCluster } from './DeleteGlobalCluster.js';
import { DescribeDBClusterBacktracks } from './DescribeDBClusterBacktracks.js';
import { DescribeGlobalClusters } from './DescribeGlobalClusters.js';
import { FailoverGlobalCluster } from './FailoverGlobalCluster.js';
import { ModifyGlobalCluster } from './ModifyGlobalCluster.js';
import { RebootDBCluster } from './RebootDBCluster.js';
import { RemoveFromGlobalCluster } from './RemoveFromGlobalCluster.js';
import { RemoveRoleFromDBCluster } from './RemoveRoleFromDBCluster.js';
import { SwitchoverGlobalCluster } from './SwitchoverGlobalCluster.js';
import { CreateDBClusterEndpoint } from './CreateDBClusterEndpoint.js';
import { DeleteDBClusterEndpoint } from './DeleteDBClusterEndpoint.js';
import { DescribeDBClusterEndpoints } from './DescribeDBClusterEndpoints.js';
import { ModifyDBClusterEndpoint } from './ModifyDBClusterEndpoint.js';
import { CopyDBClusterSnapshot } from './CopyDBClusterSnapshot.js';
import { CreateDBClusterSnapshot } from './CreateDBClusterSnapshot.js';
import { DeleteDBClusterSnapshot } from './DeleteDBClusterSnapshot.js';
import { DescribeDBClusterSnapshotAttributes } from './DescribeDBClusterSnapshotAttributes.js';
import { DescribeDBClusterSnapshots } from './DescribeDBClusterSnapshots.js';
import { ModifyDBClusterSnapshotAttribute } from './ModifyDBClusterSnapshotAttribute.js';
import { RestoreDBClusterFromSnapshot } from './RestoreDBClusterFromSnapshot.js';
import { RestoreDBClusterToPointInTime } from './RestoreDBClusterToPointInTime.js';
import { CreateDBCluster } from './CreateDBCluster.js';
import { CreateDBInstance } from './CreateDBInstance.js';
import { DeleteDBCluster } from './DeleteDBCluster.js';
import { DeleteDBInstance } from './DeleteDBInstance.js';
import { DescribeDBClusters } from './DescribeDBClusters.js';
import { DescribeDBInstances } from './DescribeDBInstances.js';
import { DescribeEvents } from './DescribeEvents.js';
import { FailoverDBCluster } from './FailoverDBCluster.js';
import { StartDBCluster } from './StartDBCluster.js';
import { StopDBCluster } from './StopDBCluster.js';
import { ListTagsForResource } from './ListTagsForResource.js';
import { ModifyDBCluster } from './ModifyDBCluster.js';
import { ModifyDBInstance } from './ModifyDBInstance.js';
import { RebootDBInstance } from './RebootDBInstance.js';
import { RemoveTagsFromResource } from './RemoveTagsFromResource.js';
import { CopyDBClusterParameterGroup } from './CopyDBClusterParameterGroup.js';
import { CopyDBParameterGroup } from './CopyDBParameterGroup.js';
import { CreateDBClusterParameterGroup } from './CreateDBClusterParameterGroup.js';
import { CreateDBParameterGroup } from './CreateDBParameterGroup.js';
import { CreateDBSubnetGroup } from './CreateDBSubnetGroup.js';
import { DeleteDBClusterParameterGroup } from './DeleteDBClusterParameterGroup.js';
import { DeleteDBParameterGroup } from './DeleteDBParameterGroup.js';
import { DeleteDBSubnetGroup } from './DeleteDBSubnetGroup.js';
import { DescribeAccountAttributes } from './DescribeAccountAttributes.js';
import { DescribeDBClusterParameterGroups } from './DescribeDBClusterParameterGroups.js';
import { DescribeDBClusterParameters } from './DescribeDBClusterParameters.js';
import { DescribeDBEngineVersions } from './DescribeDBEngineVersions.js';
import { DescribeDBParameterGroups } from './DescribeDBParameterGroups.js';
import { DescribeDBParameters } from './DescribeDBParameters.js';
import { DescribeDBSubnetGroups } from './DescribeDBSubnetGroups.js';
import { DescribeEngineDefaultClusterParameters } from './DescribeEngineDefaultClusterParameters.js';
import { DescribeEngineDefaultParameters } from './DescribeEngineDefaultParameters.js';
import { DescribeEventCategories } from './DescribeEventCategories.js';
import { DescribeOrderableDBInstanceOptions } from './DescribeOrderableDBInstanceOptions.js';
import { ModifyDBClusterParameterGroup } from './ModifyDBClusterParameterGroup.js';
import { ModifyDBParameterGroup } from './ModifyDBParameterGroup.js';
import { ModifyDBSubnetGroup } from './ModifyDBSubnetGroup.js';
import { ResetDBClusterParameterGroup } from './ResetDBClusterParameterGroup.js';
import { ResetDBParameterGroup } from './ResetDBParameterGroup.js';

export const operations: Record<string, OperationHandler> = {
  AddRoleToDBCluster,
  BacktrackDBCluster,
  CreateGlobalCluster,
  DeleteGlobalCluster,
  DescribeDBClusterBacktracks,
  DescribeGlobalClusters,
  FailoverGlobalCluster,
  ModifyGlobalCluster,
  RebootDBCluster,
  RemoveFromGlobalCluster,
  RemoveRoleFromDBCluster,
  SwitchoverGlobalCluster,
  CreateDBClusterEndpoint,
  DeleteDBClusterEndpoint,
  DescribeDBClusterEndpoints,
  ModifyDBClusterEndpoint,
  CopyDBClusterSnapshot,
  CreateDBClusterSnapshot,
  DeleteDBClusterSnapshot,
  DescribeDBClusterSnapshotAttributes,
  DescribeDBClusterSnapshots,
  ModifyDBClusterSnapshotAttribute,
  RestoreDBClusterFromSnapshot,
  RestoreDBClusterToPointInTime,
  AddTagsToResource,
  CreateDBCluster,
  CreateDBInstance,
  DeleteDBCluster,
  DeleteDBInstance,
  DescribeDBClusters,
  DescribeDBInstances,
  DescribeEvents,
  FailoverDBCluster,
  ListTagsForResource,
  ModifyDBCluster,
  ModifyDBInstance,
  RebootDBInstance,
  RemoveTagsFromResource,
  StartDBCluster,
  StopDBCluster,
  CopyDBClusterParameterGroup,
  CopyDBParameterGroup,
  CreateDBClusterParameterGroup,
  CreateDBParameterGroup,
  CreateDBSubnetGroup,
  DeleteDBClusterParameterGroup,
  DeleteDBParameterGroup,
  DeleteDBSubnetGroup,
  DescribeAccountAttributes,
  DescribeDBClusterParameterGroups,
  DescribeDBClusterParameters,
  DescribeDBEngineVersions,
  DescribeDBParameterGroups,
  DescribeDBParameters,
  DescribeDBSubnetGroups,
  DescribeEngineDefaultClusterParameters,
  DescribeEngineDefaultParameters,
  DescribeEventCategories,
  DescribeOrderableDBInstanceOptions,
  ModifyDBClusterParameterGroup,
  ModifyDBParameterGroup,
  ModifyDBSubnetGroup,
  ResetDBClusterParameterGroup,
  ResetDBParameterGroup,
};

/** Operations that only read state: their requests need no write of the state file. */
export const isReadOnly = (operation: string) => /^(Describe|List)/.test(operation);

export function checkOperationTable(directory = dirname(fileURLToPath(import.meta.url))): void {
  const files = readdirSync(directory)
    .filter((f) => /\.(ts|js)$/.test(f) && !f.endsWith('.d.ts') && !f.startsWith('index.'))
    .map((f) => f.replace(/\.(ts|js)$/, ''));
  const problems: string[] = [];
  for (const file of new Set(files)) if (!operations[file]) problems.push(`operations/${file} has no entry in the operation table`);
  for (const name of Object.keys(operations)) {
    if (!files.includes(name)) problems.push(`operation ${name} has no file operations/${name}`);
    if (!apiSpec.operations[name]) problems.push(`operation ${name} is not an operation of the RDS model`);
  }
  if (problems.length) throw new Error(`the operation table is inconsistent:\n  ${problems.join('\n  ')}`);
}
