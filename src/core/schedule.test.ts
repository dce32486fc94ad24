// Unit tests of recurring schedules: cron parsing, time-zone-aware next runs, and catch-up after downtime.
import { describe, expect, it } from 'vitest';
import { refusal } from '../../test/support/refusal.js';
import { latestDueAt, localDate, localTime, nextRunAfter, parseSchedule, upcomingRuns } from './schedule.js';

const at = (s: string) => Date.parse(s);
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

describe('parseSchedule', () => {
  it('accepts standard 5-field expressions and nicknames', () => {
    expect(parseSchedule('0  9 * * 1').expression).toBe('0 9 * * 1');
    expect(parseSchedule('*/15 * * * *', 'Europe/Paris').timezone).toBe('Europe/Paris');
    expect(parseSchedule('@weekly').expression).toBe('@weekly');
  });

  it('refuses other field counts (including 6-field seconds), bad values, unknown zones and schedules that never fire', () => {
    expect(refusal(() => parseSchedule('* * * *')).details).toMatchObject({ field: 'cronExpression' });
    expect(refusal(() => parseSchedule('0 0 9 * * 1')).message).toContain('has 6 field(s)');
    expect(refusal(() => parseSchedule('61 * * * *')).details).toMatchObject({ field: 'cronExpression' });
    expect(refusal(() => parseSchedule('0 9 * * 1', 'Mars/Olympus')).details).toMatchObject({ field: 'timezone' });
    expect(refusal(() => parseSchedule('0 9 31 2 *')).message).toContain('never fires');
  });
});

describe('next runs', () => {
  it('follows the time zone, including daylight saving', () => {
    const weekly = parseSchedule('0 9 * * 1', 'Europe/Paris');
    expect(iso(nextRunAfter(weekly, at('2026-01-01T00:00:00Z')))).toBe('2026-01-05T08:00:00.000Z');
    expect(iso(nextRunAfter(weekly, at('2026-06-01T00:00:00Z')))).toBe('2026-06-01T07:00:00.000Z');
  });

  it('is strictly after the given instant, and previews five', () => {
    const daily = parseSchedule('0 9 * * *');
    expect(iso(nextRunAfter(daily, at('2026-01-01T09:00:00Z')))).toBe('2026-01-02T09:00:00.000Z');
    expect(upcomingRuns(daily, at('2026-01-01T00:00:00Z')).map(iso)).toEqual([
      '2026-01-01T09:00:00.000Z',
      '2026-01-02T09:00:00.000Z',
      '2026-01-03T09:00:00.000Z',
      '2026-01-04T09:00:00.000Z',
      '2026-01-05T09:00:00.000Z',
    ]);
  });
});

describe('latestDueAt (catch-up after downtime)', () => {
  it('returns the first due time when no later one has passed', () => {
    const weekly = parseSchedule('0 9 * * 1');
    expect(iso(latestDueAt(weekly, at('2026-01-05T09:00:00Z'), at('2026-01-05T09:00:00Z')))).toBe('2026-01-05T09:00:00.000Z');
    expect(iso(latestDueAt(weekly, at('2026-01-05T09:00:00Z'), at('2026-01-08T00:00:00Z')))).toBe('2026-01-05T09:00:00.000Z');
  });

  it('returns only the latest passed due time after several were missed', () => {
    const weekly = parseSchedule('0 9 * * 1');
    expect(iso(latestDueAt(weekly, at('2026-01-05T09:00:00Z'), at('2026-01-27T12:00:00Z')))).toBe('2026-01-26T09:00:00.000Z');
    const minutely = parseSchedule('* * * * *');
    expect(iso(latestDueAt(minutely, at('2026-01-01T00:00:00Z'), at('2026-03-01T10:30:30Z')))).toBe('2026-03-01T10:30:00.000Z');
    const mondays = parseSchedule('* * * * 1');
    expect(iso(latestDueAt(mondays, at('2026-01-05T00:00:00Z'), at('2026-01-21T12:00:00Z')))).toBe('2026-01-19T23:59:00.000Z');
  });

  it('finds the latest due time across years of downtime', () => {
    const leapDay = parseSchedule('0 0 29 2 *');
    expect(iso(latestDueAt(leapDay, at('2028-02-29T00:00:00Z'), at('2040-03-01T00:00:00Z')))).toBe('2040-02-29T00:00:00.000Z');
  });
});

describe('local dates', () => {
  it('uses the zone’s calendar', () => {
    expect(localDate(at('2026-01-04T23:30:00Z'), 'UTC')).toBe('2026-01-04');
    expect(localDate(at('2026-01-04T23:30:00Z'), 'Europe/Paris')).toBe('2026-01-05');
    expect(localTime(at('2026-01-05T08:00:00Z'), 'Europe/Paris')).toBe('2026-01-05 09:00 Europe/Paris');
  });
});
