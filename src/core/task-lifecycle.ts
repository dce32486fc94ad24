// The task lifecycle: the only moves a task may make, so no status jumps anywhere by convention.
import type { TaskStatus } from './enums.js';
import { DomainError } from './errors.js';
import { isTerminalTask } from './status-traits.js';

const MOVES: Record<TaskStatus, readonly TaskStatus[]> = {
  todo: ['in_progress', 'cancelled'],
  in_progress: ['review', 'done', 'blocked', 'failed', 'todo', 'cancelled'],
  blocked: ['todo', 'in_progress', 'cancelled'],
  review: ['done', 'in_progress', 'cancelled'],
  // Terminal: only reopen_task leaves them, back to todo.
  done: [],
  cancelled: [],
  failed: [],
};

export function allowedTaskMoves(from: TaskStatus): readonly TaskStatus[] {
  return MOVES[from];
}

/** Throws INVALID_TRANSITION naming from, to and the allowed moves. `reopen` is the one way out of a terminal state. */
export function assertTaskTransition(from: TaskStatus, to: TaskStatus, via?: 'reopen'): void {
  if (via === 'reopen') {
    if (isTerminalTask(from) && to === 'todo') return;
    throw new DomainError('INVALID_TRANSITION', `task cannot be reopened from ${from}`, 'reopen_task applies to done, cancelled or failed tasks only.', {
      from,
      to,
      allowed: allowedTaskMoves(from),
    });
  }
  if (MOVES[from].includes(to)) return;
  const allowed = MOVES[from];
  throw new DomainError(
    'INVALID_TRANSITION',
    `task cannot move from ${from} to ${to}`,
    allowed.length ? `From ${from} the allowed moves are: ${allowed.join(', ')}.` : `${from} is terminal; reopen_task with a reason returns it to todo.`,
    { from, to, allowed },
  );
}
