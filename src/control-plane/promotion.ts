// Which replica becomes the writer (failover, or the writer's deletion): the lowest promotion
// tier first (0 is best), then the largest instance class, then any (we take the oldest so the
// choice is stable).
import { instanceClassSize } from './engines.js';
import type { InstanceRecord } from './records.js';

export function choosePromotionTarget(candidates: InstanceRecord[]): InstanceRecord | undefined {
  return [...candidates].sort(
    (a, b) =>
      a.promotionTier - b.promotionTier ||
      instanceClassSize(b.instanceClass) - instanceClassSize(a.instanceClass) ||
      // No createdAt yet means still being created: the newest, not the oldest.
      Number(a.createdAt === undefined) - Number(b.createdAt === undefined) ||
      (a.createdAt ?? '').localeCompare(b.createdAt ?? '') ||
      a.id.localeCompare(b.id),
  )[0];
}
