// RDS events (DescribeEvents): every state change the emulator makes is recorded with its
// documented RDS-EVENT id, message and categories. AWS keeps events for 14 days.
import type { EventRecord, Partition } from './records.js';

const retentionMs = 14 * 24 * 3600 * 1000;
let lastEventId = 0;

export interface NewEvent {
  sourceIdentifier: string;
  sourceType: EventRecord['sourceType'];
  sourceArn: string;
  message: string;
  categories: string[];
  eventId?: string;
}

export function recordEvent(partition: Partition, event: NewEvent, now = new Date()): void {
  lastEventId = Math.max(lastEventId + 1, (partition.events.at(-1)?.id ?? 0) + 1);
  partition.events.push({ id: lastEventId, date: now.toISOString(), ...event });
  const cutoff = now.getTime() - retentionMs;
  while (partition.events.length && Date.parse(partition.events[0].date) < cutoff) partition.events.shift();
}
