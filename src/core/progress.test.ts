// Progress: the pilot's figure is an integer 0–100 or refused; computed progress is done ÷ (all − cancelled).
import { describe, expect, it } from 'vitest';
import { refusedSync } from '../../test/support/refusal.js';
import type { TaskStatus } from './enums.js';
import { assertReportedProgress, computedProgress, countTasks, emptyCounts } from './progress.js';

const statuses = (spec: Partial<Record<TaskStatus, number>>): TaskStatus[] =>
  Object.entries(spec).flatMap(([s, n]) => Array.from({ length: n ?? 0 }, () => s as TaskStatus));

describe('reported progress', () => {
  it('accepts every integer from 0 to 100', () => {
    for (const p of [0, 1, 50, 99, 100]) expect(assertReportedProgress(p)).toBe(p);
  });

  it('refuses anything else with VALIDATION_FAILED naming "progress"', () => {
    for (const p of [-1, 101, 50.5, '50', null, undefined, Number.NaN, Number.POSITIVE_INFINITY, true, {}]) {
      const error = refusedSync('VALIDATION_FAILED', () => assertReportedProgress(p));
      expect(error.details.field).toBe('progress');
      expect(error.message).toContain('0 to 100');
    }
  });
});

describe('computed progress', () => {
  it('counts tasks by status with a total', () => {
    const counts = countTasks(statuses({ done: 2, todo: 1, cancelled: 1 }));
    expect(counts).toEqual({ ...emptyCounts(), done: 2, todo: 1, cancelled: 1, total: 4 });
  });

  it('is done ÷ (all − cancelled), as a whole percentage rounded down', () => {
    expect(computedProgress(countTasks(statuses({ done: 1, todo: 1 })))).toBe(50);
    expect(computedProgress(countTasks(statuses({ done: 2, todo: 1, cancelled: 5 })))).toBe(66);
    expect(computedProgress(countTasks(statuses({ done: 1, in_progress: 1, review: 1, blocked: 1 })))).toBe(25);
    // Failed tasks still count against progress; only cancelled ones leave the denominator.
    expect(computedProgress(countTasks(statuses({ done: 1, failed: 1 })))).toBe(50);
    expect(computedProgress(countTasks(statuses({ done: 3, cancelled: 1 })))).toBe(100);
  });

  it('is 0 with no countable tasks', () => {
    expect(computedProgress(emptyCounts())).toBe(0);
    expect(computedProgress(countTasks(statuses({ cancelled: 3 })))).toBe(0);
  });
});
