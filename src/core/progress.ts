// Progress: the pilot's reported figure is validated; the computed figure is done ÷ (all − cancelled).
import { TASK_STATUSES, type TaskStatus } from './enums.js';
import { validationFailed } from './errors.js';

export type TaskCounts = Record<TaskStatus, number> & { total: number };

export function emptyCounts(): TaskCounts {
  const counts = { total: 0 } as TaskCounts;
  for (const s of TASK_STATUSES) counts[s] = 0;
  return counts;
}

export function countTasks(statuses: Iterable<TaskStatus>): TaskCounts {
  const counts = emptyCounts();
  for (const s of statuses) {
    counts[s] += 1;
    counts.total += 1;
  }
  return counts;
}

/** Integer percentage; a mission with no countable tasks has computed progress 0. */
export function computedProgress(counts: TaskCounts): number {
  const denominator = counts.total - counts.cancelled;
  if (denominator <= 0) return 0;
  return Math.floor((counts.done / denominator) * 100);
}

/** Accepts only an integer 0–100; refuses anything else naming the field. */
export function assertReportedProgress(progress: unknown): number {
  if (typeof progress !== 'number' || !Number.isInteger(progress) || progress < 0 || progress > 100) {
    throw validationFailed('progress', `must be an integer from 0 to 100, got ${JSON.stringify(progress)}`);
  }
  return progress;
}
