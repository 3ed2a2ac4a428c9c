// Backup and maintenance windows: formats, the 30-minute minimum, and no overlap (AWS's message),
// with a window the caller left out moved out of the way of the one given.
import { describe, expect, it } from 'vitest';
import { checkWindows, parseBackupWindow, parseMaintenanceWindow } from '../../src/control-plane/windows.js';

const defaults = { backup: '03:00-03:30', maintenance: 'sun:05:00-sun:05:30' };
const refusal = (work: () => unknown) => {
  try {
    work();
  } catch (error) {
    return { code: (error as { code?: string }).code, message: (error as Error).message };
  }
  throw new Error('not refused');
};

describe('windows', () => {
  it('reads hh24:mi-hh24:mi and ddd:hh24:mi-ddd:hh24:mi, across midnight and the week end too', () => {
    expect(parseBackupWindow('23:45-00:15')).toMatchObject({ start: 23 * 60 + 45, length: 30 });
    expect(parseMaintenanceWindow('Sun:23:30-mon:00:30')).toMatchObject({ start: 6 * 1440 + 23 * 60 + 30, length: 60 });
    for (const bad of ['3:00-03:30', '03:00-03:29', '24:00-00:30', 'A--b', '03:00', '']) {
      expect(refusal(() => parseBackupWindow(bad)).code, bad).toBe('InvalidParameterValue');
    }
    for (const bad of ['sun:05:00-sun:05:29', 'sunday:05:00-sunday:06:00', 'garbage', 'sun:05:00', 'xyz:05:00-sun:06:00']) {
      expect(refusal(() => parseMaintenanceWindow(bad)).code, bad).toBe('InvalidParameterValue');
    }
  });

  it('refuses an overlapping pair given together, with AWS wording', () => {
    expect(refusal(() => checkWindows({ backup: '05:00-06:00', maintenance: 'wed:05:30-wed:06:30' }, defaults))).toEqual({
      code: 'InvalidParameterValue',
      message: 'The backup window and maintenance window must not overlap.',
    });
    // The daily window meets the weekly one on the day it runs, across midnight too.
    expect(refusal(() => checkWindows({ backup: '23:30-00:30', maintenance: 'mon:00:00-mon:00:30' }, defaults)).code).toBe('InvalidParameterValue');
    expect(checkWindows({ backup: '05:00-05:30', maintenance: 'wed:05:30-wed:06:00' }, defaults)).toEqual({ backup: '05:00-05:30', maintenance: 'wed:05:30-wed:06:00' });
  });

  it('moves the window the caller left out when the given one would overlap it', () => {
    const moved = checkWindows({ backup: '05:00-06:00' }, defaults);
    expect(moved.backup).toBe('05:00-06:00');
    expect(moved.maintenance).not.toBe(defaults.maintenance);
    expect(() => checkWindows({ backup: moved.backup, maintenance: moved.maintenance }, defaults)).not.toThrow();
    const other = checkWindows({ maintenance: 'tue:03:00-tue:04:00' }, defaults);
    expect(other.maintenance).toBe('tue:03:00-tue:04:00');
    expect(parseBackupWindow(other.backup).length).toBe(30);
    expect(() => checkWindows({ backup: other.backup, maintenance: other.maintenance }, defaults)).not.toThrow();
    expect(checkWindows({}, defaults)).toEqual(defaults);
  });
});
