// Blocks that clear themselves: when a task closes, the tasks blocked on it (blocked_on_task_id) move or stay, and
// whoever waits on them is told, in the closing transaction.
import type { TasksTable } from '../db/schema.js';
import { CLAIM_CLEARED, lockWaitersOn, updateTaskRow } from '../db/tasks-repo.js';
import type { ServiceDeps, Work } from './context.js';
import { named, tellBlockerClosed, tellUnblocked } from './notices.js';

/**
 * What a task's close does to the tasks blocked on it: done sends each back to todo (keeping its assignee), with an
 * event; failed or cancelled leaves them blocked. Either way whoever waits is told.
 */
export async function settleWaiters(deps: ServiceDeps, work: Work, blocker: Pick<TasksTable, 'id' | 'key' | 'title' | 'status'>): Promise<void> {
  const waiters = await lockWaitersOn(deps.database, work.tx, blocker.id);
  for (const waiter of waiters) {
    if (blocker.status === 'done') {
      const patch: Partial<TasksTable> = { status: 'todo', ...CLAIM_CLEARED, updated_at: work.now };
      await updateTaskRow(work.tx, waiter.id, patch);
      work.emit(
        'task.unblocked',
        { project: waiter.project, missionId: waiter.mission_id, taskId: waiter.id },
        { reason: `${named(blocker)} is done`, blockerTaskId: blocker.id, automatic: true },
      );
      tellUnblocked(work, waiter, blocker);
    } else if (blocker.status === 'failed' || blocker.status === 'cancelled') {
      tellBlockerClosed(work, waiter, blocker, blocker.status);
    }
  }
}
