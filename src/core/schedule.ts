// Cron schedules for recurring work: 5-field expressions in an IANA time zone, next runs, and the catch-up rule.
import { Cron } from 'croner';
import { validationFailed } from './errors.js';

const NICKNAMES = ['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@hourly'];
const EXAMPLES = 'e.g. "0 9 * * 1" (Mondays 09:00), "*/15 * * * *" (every 15 minutes), "0 2 1 * *" (02:00 on the 1st), or @daily / @weekly';

export interface Schedule {
  expression: string;
  timezone: string;
  cron: Cron;
}

/** True when the runtime knows the IANA zone name. */
export function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/**
 * Validates and compiles a standard 5-field cron expression (minute hour day-of-month month day-of-week, or a
 * nickname) in a time zone. Day-of-month and day-of-week combine with OR, as in Vixie cron. Refuses with
 * VALIDATION_FAILED naming cronExpression or timezone, and refuses a schedule that never fires.
 */
export function parseSchedule(expression: string, timezone = 'UTC'): Schedule {
  const expr = expression.trim().replace(/\s+/g, ' ');
  if (!isTimeZone(timezone)) {
    throw validationFailed('timezone', `"${timezone}" is not an IANA time zone`, 'Use a zone name such as UTC, Europe/Paris or America/New_York.');
  }
  const fields = expr.split(' ');
  if (!(fields.length === 5 || (fields.length === 1 && NICKNAMES.includes(expr.toLowerCase())))) {
    throw validationFailed(
      'cronExpression',
      `"${expression}" has ${fields.length} field(s); standard cron has 5`,
      `Use minute hour day-of-month month day-of-week, ${EXAMPLES}.`,
    );
  }
  let cron: Cron;
  try {
    cron = new Cron(expr, { timezone, legacyMode: true });
  } catch (error) {
    throw validationFailed('cronExpression', `"${expression}" is not a valid cron expression (${(error as Error).message})`, `Use ${EXAMPLES}.`);
  }
  if (cron.nextRun(new Date(0)) === null) {
    throw validationFailed('cronExpression', `"${expression}" never fires`, `Check day and month, ${EXAMPLES}.`);
  }
  return { expression: expr, timezone, cron };
}

/** The first run strictly after `afterMs`, or null when the schedule has no more runs. */
export function nextRunAfter(schedule: Schedule, afterMs: number): number | null {
  return schedule.cron.nextRun(new Date(afterMs))?.getTime() ?? null;
}

/** The next `count` runs strictly after `afterMs`. */
export function upcomingRuns(schedule: Schedule, afterMs: number, count = 5): number[] {
  const out: number[] = [];
  let at = afterMs;
  while (out.length < count) {
    const next = nextRunAfter(schedule, at);
    if (next === null) break;
    out.push(next);
    at = next;
  }
  return out;
}

/**
 * The catch-up rule: of the due times from `firstDueMs` up to `nowMs`, only the latest is run, so a server that
 * was down across many due times creates one instance, not a flood. Returns `firstDueMs` when no later due time
 * has passed. Croner only steps forward, so the latest due time is found by bisection on "the first run after
 * t", which is monotonic in t: about 40 calls for five years of a minutely schedule, instead of millions of steps.
 */
export function latestDueAt(schedule: Schedule, firstDueMs: number, nowMs: number): number {
  const after = (t: number) => nextRunAfter(schedule, t);
  const second = after(firstDueMs);
  if (second === null || second > nowMs) return firstDueMs;
  // Invariant: after(lo) <= nowMs < after(hi) (the first run after nowMs is later than nowMs by definition).
  let lo = firstDueMs;
  let hi = nowMs;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    const next = after(mid);
    if (next !== null && next <= nowMs) lo = mid;
    else hi = mid;
  }
  return after(lo) as number;
}

/** The calendar date of an instant in a zone, YYYY-MM-DD: the {{date}} of a recurring instance. */
export function localDate(ms: number, timezone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone: timezone, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(new Date(ms));
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')}`;
}

/** An instant shown in its zone, e.g. "2026-01-05 09:00 Europe/Paris". */
export function localTime(ms: number, timezone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone: timezone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(new Date(ms));
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')} ${get('hour')}:${get('minute')} ${timezone}`;
}
