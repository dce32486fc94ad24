// Injected time and ids: business code never reads the wall clock, so lease and cron tests run on a fake clock.
import { monotonicFactory } from 'ulid';

export interface Clock {
  /** Current time in epoch milliseconds. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** A clock tests move by hand. */
export class ManualClock implements Clock {
  constructor(private current = Date.parse('2026-01-01T00:00:00.000Z')) {}
  now(): number {
    return this.current;
  }
  advance(ms: number): void {
    this.current += ms;
  }
  set(ms: number): void {
    this.current = ms;
  }
}

export type IdGenerator = () => string;

/** ULIDs, monotonic within one process so ids sort in creation order even within one millisecond. */
export function ulidGenerator(clock: Clock): IdGenerator {
  const next = monotonicFactory();
  return () => next(clock.now());
}

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}
