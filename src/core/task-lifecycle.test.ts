// The task lifecycle, move by move: every (from, to) pair allowed or refused, and reopen as the only way back.
import { describe, expect, it } from 'vitest';
import { refusedSync } from '../../test/support/refusal.js';
import { TASK_STATUSES, type TaskStatus } from './enums.js';
import { isTerminalTask } from './status-traits.js';
import { allowedTaskMoves, assertTaskTransition } from './task-lifecycle.js';

// Written from issue 2 §2, independently of the implementation's table.
const SPEC: Record<TaskStatus, TaskStatus[]> = {
  todo: ['in_progress', 'cancelled'],
  in_progress: ['review', 'done', 'blocked', 'failed', 'todo', 'cancelled'],
  blocked: ['todo', 'in_progress', 'cancelled'],
  review: ['done', 'in_progress', 'cancelled'],
  done: [],
  cancelled: [],
  failed: [],
};

describe('task lifecycle', () => {
  for (const from of TASK_STATUSES) {
    for (const to of TASK_STATUSES) {
      if (SPEC[from].includes(to)) {
        it(`allows ${from} → ${to}`, () => {
          expect(() => assertTaskTransition(from, to)).not.toThrow();
        });
      } else {
        it(`refuses ${from} → ${to} with INVALID_TRANSITION naming from, to and the allowed moves`, () => {
          const error = refusedSync('INVALID_TRANSITION', () => assertTaskTransition(from, to));
          expect(error.details).toEqual({ from, to, allowed: SPEC[from] });
          expect(error.message).toBe(`task cannot move from ${from} to ${to}`);
          if (SPEC[from].length) for (const next of SPEC[from]) expect(error.hint).toContain(next);
          else expect(error.hint).toContain('reopen_task');
        });
      }
    }
  }

  it('has exactly done, cancelled and failed as terminal states', () => {
    expect(TASK_STATUSES.filter(isTerminalTask)).toEqual(['done', 'cancelled', 'failed']);
    for (const s of TASK_STATUSES) expect([...allowedTaskMoves(s)].sort()).toEqual([...SPEC[s]].sort());
  });

  it('reopen returns a terminal task to todo', () => {
    for (const from of ['done', 'cancelled', 'failed'] as const) expect(() => assertTaskTransition(from, 'todo', 'reopen')).not.toThrow();
  });

  it('reopen refuses open tasks and any target other than todo', () => {
    for (const from of ['todo', 'in_progress', 'review', 'blocked'] as const) {
      const error = refusedSync('INVALID_TRANSITION', () => assertTaskTransition(from, 'todo', 'reopen'));
      expect(error.details).toMatchObject({ from, to: 'todo' });
      expect(error.message).toContain(from);
    }
    refusedSync('INVALID_TRANSITION', () => assertTaskTransition('done', 'in_progress', 'reopen'));
  });
});
