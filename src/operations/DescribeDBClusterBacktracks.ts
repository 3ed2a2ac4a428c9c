import { fault, invalidParameterCombination } from '../protocol/errors.js';
import { backtrackRefusal, presentBacktrack } from '../control-plane/backtrack.js';
import { applyFilters, type Filter } from '../control-plane/filters.js';
import { requireCluster } from '../control-plane/lookup.js';
import { paginate } from '../control-plane/pagination.js';
import type { BacktrackRecord } from '../control-plane/records.js';
import type { OperationHandler } from '../control-plane/context.js';

/** Sorts newest first and stays valid as a pagination marker when backtracks are added. */
const newestFirstKey = (b: BacktrackRecord) => `${String(9e15 - Date.parse(b.requestedAt)).padStart(16, '0')}/${b.id}`;

export const DescribeDBClusterBacktracks: OperationHandler = (input, { partition }) => {
  const cluster = requireCluster(partition, input.DBClusterIdentifier);
  // The one public transcript of a refusal here is an InvalidParameterCombination (aws-errors.md 6a),
  // which the model does not list for this operation; we follow the transcript.
  const refusal = backtrackRefusal(cluster);
  if (refusal) throw invalidParameterCombination(refusal);
  // Newest first (as the console lists them).
  let backtracks = [...(cluster.backtracks ?? [])].sort((a, b) => (newestFirstKey(a) < newestFirstKey(b) ? -1 : 1));
  if (input.BacktrackIdentifier !== undefined) {
    backtracks = backtracks.filter((b) => b.id === input.BacktrackIdentifier.toLowerCase());
    // Wording inferred.
    if (!backtracks.length) throw fault('DBClusterBacktrackNotFoundFault', `Backtrack ${input.BacktrackIdentifier} not found for DB cluster ${cluster.id}.`);
  }
  backtracks = applyFilters(backtracks, input.Filters as Filter[] | undefined, {
    'db-cluster-backtrack-id': (b) => [b.id],
    'db-cluster-backtrack-status': (b) => [b.status],
  });
  const page = paginate(backtracks, newestFirstKey, input);
  return { Marker: page.marker, DBClusterBacktracks: page.items.map((b) => presentBacktrack(cluster, b)) };
};
