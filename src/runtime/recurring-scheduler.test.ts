// Unit tests of the in-process recurring scheduler on an injected clock: one tick at a time, catch-up on start, stop.
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../core/clock.js';
import type { SchedulerReport } from '../service/recurring.js';
import { RecurringScheduler } from './recurring-scheduler.js';

const empty = (): SchedulerReport => ({ created: [], skipped: [], failed: [] });

describe('RecurringScheduler', () => {
  it('ticks at the injected clock time and never runs two ticks at once in one process', async () => {
    const clock = new ManualClock(Date.parse('2026-03-01T10:00:00Z'));
    const calls: number[] = [];
    let release: () => void = () => {};
    const sortie = {
      runDueRecurring: (now?: number) => {
        calls.push(now as number);
        return new Promise<SchedulerReport>((resolve) => {
          release = () => resolve(empty());
        });
      },
    };
    const scheduler = new RecurringScheduler({ sortie, clock, logger: pino({ level: 'silent' }) });
    const first = scheduler.runDue();
    const overlapping = scheduler.runDue(Date.parse('2030-01-01T00:00:00Z'));
    expect(overlapping).toBe(first);
    expect(calls).toEqual([Date.parse('2026-03-01T10:00:00Z')]);
    release();
    await first;
    clock.advance(60_000);
    const next = scheduler.runDue();
    expect(calls).toEqual([Date.parse('2026-03-01T10:00:00Z'), Date.parse('2026-03-01T10:01:00Z')]);
    release();
    await next;
  });

  it('ticks once on start (catching up after downtime) and stops ticking after stop()', async () => {
    const clock = new ManualClock();
    let ticks = 0;
    const sortie = {
      runDueRecurring: async () => {
        ticks += 1;
        return empty();
      },
    };
    const scheduler = new RecurringScheduler({ sortie, clock, logger: pino({ level: 'silent' }), tickMs: 60_000 });
    scheduler.start();
    scheduler.stop();
    await Promise.resolve();
    expect(ticks).toBe(1);
  });
});
