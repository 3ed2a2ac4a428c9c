// Backup and maintenance windows, as the RDS API reference states them: PreferredBackupWindow is
// daily, `hh24:mi-hh24:mi` in UTC, at least 30 minutes; PreferredMaintenanceWindow is weekly,
// `ddd:hh24:mi-ddd:hh24:mi`, at least 30 minutes; the two must not overlap. "The backup window
// and maintenance window must not overlap." is AWS's wording; the format messages are ours.
import { invalidParameterValue } from '../protocol/errors.js';

const DAY = 24 * 60;
const WEEK = 7 * DAY;
const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
const TIME = '([01]\\d|2[0-3]):([0-5]\\d)';
const backupPattern = new RegExp(`^${TIME}-${TIME}$`);
const maintenancePattern = new RegExp(`^(${DAYS.join('|')}):${TIME}-(${DAYS.join('|')}):${TIME}$`, 'i');

/** A window on a circle of `period` minutes: where it starts and how long it lasts. */
interface Window {
  start: number;
  length: number;
  period: number;
}

export function parseBackupWindow(text: string): Window {
  const match = backupPattern.exec(text);
  if (!match) throw invalidParameterValue(`Invalid PreferredBackupWindow ${text}: the format is hh24:mi-hh24:mi, in UTC.`);
  const start = Number(match[1]) * 60 + Number(match[2]);
  const length = (Number(match[3]) * 60 + Number(match[4]) - start + DAY) % DAY;
  if (length < 30) throw invalidParameterValue(`Invalid PreferredBackupWindow ${text}: the backup window must be at least 30 minutes.`);
  return { start, length, period: DAY };
}

export function parseMaintenanceWindow(text: string): Window {
  const match = maintenancePattern.exec(text);
  if (!match) throw invalidParameterValue(`Invalid PreferredMaintenanceWindow ${text}: the format is ddd:hh24:mi-ddd:hh24:mi (mon … sun), in UTC.`);
  const at = (day: string, hour: string, minute: string) => DAYS.indexOf(day.toLowerCase()) * DAY + Number(hour) * 60 + Number(minute);
  const start = at(match[1]!, match[2]!, match[3]!);
  const length = (at(match[4]!, match[5]!, match[6]!) - start + WEEK) % WEEK;
  if (length < 30) throw invalidParameterValue(`Invalid PreferredMaintenanceWindow ${text}: the maintenance window must be at least 30 minutes.`);
  return { start, length, period: WEEK };
}

/** Whether the daily backup window falls, on any day, inside the weekly maintenance window. */
function overlap(backup: Window, maintenance: Window): boolean {
  for (let day = 0; day < 7; day++) {
    const start = day * DAY + backup.start;
    // Two arcs of the week meet when either starts inside the other.
    if ((maintenance.start - start + WEEK) % WEEK < backup.length || (start - maintenance.start + WEEK) % WEEK < maintenance.length) return true;
  }
  return false;
}

/**
 * The pair of windows a cluster ends up with. What the caller gave is checked, and refused when
 * the two overlap; a window the caller left out keeps its current (or default) value, moved to
 * the next free half hour when it would overlap the one given, as AWS picks one that fits.
 */
export function checkWindows(
  given: { backup?: string; maintenance?: string },
  current: { backup: string; maintenance: string },
): { backup: string; maintenance: string } {
  const backup = given.backup ?? current.backup;
  const maintenance = given.maintenance ?? current.maintenance;
  const backupWindow = parseBackupWindow(backup);
  const maintenanceWindow = parseMaintenanceWindow(maintenance);
  if (!overlap(backupWindow, maintenanceWindow)) return { backup, maintenance };
  if (given.backup !== undefined && given.maintenance !== undefined) throw invalidParameterValue('The backup window and maintenance window must not overlap.');
  if (given.backup === undefined) {
    // Move the backup window (keeping its length) to the first half hour of the day that fits.
    for (let start = 0; start < DAY; start += 30) {
      const moved = { ...backupWindow, start };
      if (!overlap(moved, maintenanceWindow)) return { backup: formatBackupWindow(moved), maintenance };
    }
  } else {
    for (let start = 0; start < WEEK; start += 30) {
      const moved = { ...maintenanceWindow, start };
      if (!overlap(backupWindow, moved)) return { backup, maintenance: formatMaintenanceWindow(moved) };
    }
  }
  throw invalidParameterValue('The backup window and maintenance window must not overlap.');
}

const hhmm = (minutes: number) => `${String(Math.floor(minutes / 60) % 24).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;

function formatBackupWindow(window: Window): string {
  return `${hhmm(window.start)}-${hhmm((window.start + window.length) % DAY)}`;
}

function formatMaintenanceWindow(window: Window): string {
  const at = (minutes: number) => `${DAYS[Math.floor(minutes / DAY)]}:${hhmm(minutes % DAY)}`;
  return `${at(window.start)}-${at((window.start + window.length) % WEEK)}`;
}
