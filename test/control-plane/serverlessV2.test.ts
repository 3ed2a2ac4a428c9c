// Serverless v2 capacity ranges: half steps, bounds per engine version, merging (pure functions).
import { describe, expect, it } from 'vitest';
import { maxCapacityLimit, serverlessV2Configuration, supportsAutoPause } from '../../src/control-plane/serverlessV2.js';
import { AwsError } from '../../src/protocol/errors.js';

const pg = (requested: object, existing?: object, version = '16.6') =>
  serverlessV2Configuration('aurora-postgresql', version, requested, existing);

const message = (f: () => unknown): string => {
  try {
    f();
  } catch (error) {
    if (error instanceof AwsError && error.code === 'InvalidParameterValue' && error.httpStatus === 400) return error.message;
    throw error;
  }
  throw new Error('expected InvalidParameterValue');
};

describe('capacity steps', () => {
  it('accepts every half step from 0.5 to 256', () => {
    for (let min = 0.5; min <= 256; min += 0.5) expect(pg({ MinCapacity: min, MaxCapacity: 256 })).toEqual({ MinCapacity: min, MaxCapacity: 256 });
    for (let max = 1; max <= 256; max += 0.5) expect(pg({ MinCapacity: 0.5, MaxCapacity: max })).toEqual({ MinCapacity: 0.5, MaxCapacity: max });
  });

  it('refuses values between half steps', () => {
    expect(message(() => pg({ MinCapacity: 0.75, MaxCapacity: 8 }))).toBe("Serverless v2 minimum capacity 0.75 isn't valid. Capacity values must be in increments of 0.5 ACUs.");
    expect(message(() => pg({ MinCapacity: 1, MaxCapacity: 8.25 }))).toBe("Serverless v2 maximum capacity 8.25 isn't valid. Capacity values must be in increments of 0.5 ACUs.");
  });

  it('refuses a maximum under 1 ACU with AWS wording, above the version limit, or under the minimum', () => {
    expect(message(() => pg({ MinCapacity: 0.5, MaxCapacity: 0.5 }))).toBe("Serverless v2 maximum capacity 0.5 isn't valid. The maximum capacity must be at least 1.0.");
    expect(message(() => pg({ MinCapacity: 0.5, MaxCapacity: 256.5 }))).toMatch(/^Serverless v2 maximum capacity 256.5 isn't valid. The maximum capacity must be at most 256.0/);
    expect(message(() => pg({ MinCapacity: 16, MaxCapacity: 8 }))).toBe(
      "Serverless v2 minimum capacity 16.0 isn't valid. The minimum capacity must be less than or equal to the maximum capacity 8.0.",
    );
    expect(message(() => pg({ MinCapacity: -0.5, MaxCapacity: 8 }))).toMatch(/minimum capacity -0.5 isn't valid/);
  });

  it('needs both bounds the first time, one is enough afterwards', () => {
    expect(message(() => pg({ MinCapacity: 2 }))).toBe('Both MinCapacity and MaxCapacity must be specified when you initialize Serverless v2 scaling configuration.');
    expect(pg({ MinCapacity: 2 }, { MinCapacity: 0.5, MaxCapacity: 16 })).toEqual({ MinCapacity: 2, MaxCapacity: 16 });
    expect(message(() => pg({ MaxCapacity: 1 }, { MinCapacity: 2, MaxCapacity: 16 }))).toMatch(/minimum capacity 2.0 isn't valid/);
  });
});

describe('automatic pause (0 ACUs) and the 256-ACU limit depend on the engine version', () => {
  it('knows which versions pause', () => {
    expect(supportsAutoPause('aurora-postgresql', '16.3')).toBe(true);
    expect(supportsAutoPause('aurora-postgresql', '16.2')).toBe(false);
    expect(supportsAutoPause('aurora-postgresql', '15.7')).toBe(true);
    expect(supportsAutoPause('aurora-postgresql', '15.6')).toBe(false);
    expect(supportsAutoPause('aurora-postgresql', '14.12')).toBe(true);
    expect(supportsAutoPause('aurora-postgresql', '13.15')).toBe(true);
    expect(supportsAutoPause('aurora-postgresql', '13.12')).toBe(false);
    expect(supportsAutoPause('aurora-postgresql', '12.22')).toBe(false);
    expect(supportsAutoPause('aurora-postgresql', '17.4')).toBe(true);
    expect(supportsAutoPause('aurora-mysql', '8.0.mysql_aurora.3.08.0')).toBe(true);
    expect(supportsAutoPause('aurora-mysql', '8.0.mysql_aurora.3.07.1')).toBe(false);
    expect(supportsAutoPause('aurora-mysql', '5.7.mysql_aurora.2.12.3')).toBe(false);
  });

  it('takes 0 where pausing is supported, with the default SecondsUntilAutoPause', () => {
    expect(pg({ MinCapacity: 0, MaxCapacity: 4 })).toEqual({ MinCapacity: 0, MaxCapacity: 4, SecondsUntilAutoPause: 300 });
    expect(pg({ MinCapacity: 0, MaxCapacity: 4, SecondsUntilAutoPause: 900 })).toEqual({ MinCapacity: 0, MaxCapacity: 4, SecondsUntilAutoPause: 900 });
    // A nonzero minimum removes the pause delay.
    expect(pg({ MinCapacity: 1 }, { MinCapacity: 0, MaxCapacity: 4, SecondsUntilAutoPause: 900 })).toEqual({ MinCapacity: 1, MaxCapacity: 4 });
    expect(message(() => pg({ MinCapacity: 0, MaxCapacity: 4, SecondsUntilAutoPause: 299 }))).toMatch(/SecondsUntilAutoPause 299 isn't valid/);
  });

  it('refuses 0 where pausing is not supported', () => {
    expect(message(() => pg({ MinCapacity: 0, MaxCapacity: 4 }, undefined, '15.4'))).toBe(
      "Serverless v2 minimum capacity 0.0 isn't valid. Engine version 15.4 doesn't support automatic pause, so the minimum capacity must be at least 0.5.",
    );
  });

  it('caps older versions at 128 ACUs', () => {
    expect(maxCapacityLimit('aurora-postgresql', '15.4')).toBe(128);
    expect(maxCapacityLimit('aurora-postgresql', '15.5')).toBe(256);
    expect(maxCapacityLimit('aurora-postgresql', '13.13')).toBe(256);
    expect(maxCapacityLimit('aurora-mysql', '8.0.mysql_aurora.3.05.2')).toBe(128);
    expect(maxCapacityLimit('aurora-mysql', '8.0.mysql_aurora.3.06.1')).toBe(256);
    expect(message(() => pg({ MinCapacity: 0.5, MaxCapacity: 200 }, undefined, '15.4'))).toBe(
      "Serverless v2 maximum capacity 200.0 isn't valid. The maximum capacity must be at most 128.0 for engine version 15.4.",
    );
    expect(pg({ MinCapacity: 0.5, MaxCapacity: 128 }, undefined, '15.4')).toEqual({ MinCapacity: 0.5, MaxCapacity: 128 });
  });
});
