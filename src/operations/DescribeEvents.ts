import { invalidParameterCombination, invalidParameterValue } from '../protocol/errors.js';
import { paginate } from '../control-plane/pagination.js';
import type { OperationHandler } from '../control-plane/context.js';

const retentionMs = 14 * 24 * 3600 * 1000;

export const DescribeEvents: OperationHandler = (input, { partition }) => {
  if (input.SourceIdentifier !== undefined && input.SourceType === undefined) {
    // Documented rule ("If SourceIdentifier is supplied, SourceType must also be provided"); wording ours.
    throw invalidParameterCombination('The parameter SourceType must be provided when SourceIdentifier is provided.');
  }
  const now = Date.now();
  const end: number = input.EndTime?.getTime() ?? now;
  // Duration (minutes) counts back from EndTime; the default window is the last 60 minutes.
  let start: number = input.StartTime?.getTime() ?? end - (input.Duration ?? 60) * 60_000;
  if (input.StartTime && input.Duration !== undefined && input.EndTime === undefined) start = input.StartTime.getTime();
  if (start > end) throw invalidParameterValue('The parameter StartTime must be earlier than EndTime.');
  start = Math.max(start, now - retentionMs);
  const categories: string[] | undefined = input.EventCategories?.length ? input.EventCategories : undefined;
  const events = partition.events.filter((e) => {
    const at = Date.parse(e.date);
    return (
      at >= start &&
      at <= end &&
      (input.SourceType === undefined || e.sourceType === input.SourceType) &&
      (input.SourceIdentifier === undefined || e.sourceIdentifier === input.SourceIdentifier.toLowerCase()) &&
      (!categories || e.categories.some((c) => categories.includes(c)))
    );
  });
  const page = paginate(events, (e) => String(e.id).padStart(12, '0'), input);
  return {
    Marker: page.marker,
    Events: page.items.map((e) => ({
      SourceIdentifier: e.sourceIdentifier,
      SourceType: e.sourceType,
      Message: e.message,
      EventCategories: e.categories,
      Date: new Date(e.date),
      SourceArn: e.sourceArn,
    })),
  };
};
