// The status traits: every status has every trait, the derived lists say what the spec says, and the traits agree
// with the lifecycles (a terminal task has no move left; an open mission can still be cancelled).
import { describe, expect, it } from 'vitest';
import { MISSION_STATUSES, TASK_STATUSES } from './enums.js';
import { allowedMissionMoves } from './mission-lifecycle.js';
import {
  closesForMission,
  isOpenMission,
  isOpenTask,
  isTerminalMission,
  isTerminalTask,
  MISSION_STATUS_ALIASES,
  MISSION_STATUS_LABELS,
  MISSION_STATUS_TRAITS,
  OPEN_MISSION_STATUSES,
  OPEN_TASK_STATUSES,
  SATISFYING_STATUSES,
  satisfiesDependency,
  TASK_STATUS_LABELS,
  TASK_STATUS_ORDER,
  TASK_STATUS_TRAITS,
  TERMINAL_MISSION_STATUSES,
  TERMINAL_TASK_STATUSES,
} from './status-traits.js';
import { allowedTaskMoves } from './task-lifecycle.js';

const sorted = (list: readonly string[]) => [...list].sort();

describe('task status traits', () => {
  it('has one row per status, each with every trait', () => {
    expect(sorted(Object.keys(TASK_STATUS_TRAITS))).toEqual(sorted(TASK_STATUSES));
    for (const s of TASK_STATUSES) {
      const t = TASK_STATUS_TRAITS[s];
      expect(Object.keys(t).sort()).toEqual(['closesForMission', 'label', 'open', 'satisfiesDependency']);
      for (const flag of [t.open, t.satisfiesDependency, t.closesForMission]) expect(typeof flag).toBe('boolean');
      expect(t.label.trim()).not.toBe('');
    }
    expect(new Set(Object.values(TASK_STATUS_LABELS)).size).toBe(TASK_STATUSES.length);
  });

  // Written from the README and issue 2, independently of the table.
  it('derives the lists the rules name', () => {
    expect(OPEN_TASK_STATUSES).toEqual(['todo', 'in_progress', 'review', 'blocked']);
    expect(TERMINAL_TASK_STATUSES).toEqual(['done', 'cancelled', 'failed']);
    expect(SATISFYING_STATUSES).toEqual(['done', 'cancelled']);
    expect(TASK_STATUSES.filter(closesForMission)).toEqual(['done', 'cancelled']);
    expect(TASK_STATUS_ORDER).toEqual(['todo', 'in_progress', 'review', 'blocked', 'done', 'failed', 'cancelled']);
    expect(TASK_STATUS_LABELS).toMatchObject({ todo: 'To do', in_progress: 'In progress', failed: 'Failed' });
  });

  it('agrees with the task lifecycle', () => {
    for (const s of TASK_STATUSES) {
      expect(isOpenTask(s)).toBe(!isTerminalTask(s));
      // Terminal means no move is left but reopen_task; an open task can always move on.
      expect(allowedTaskMoves(s).length === 0).toBe(isTerminalTask(s));
      // Only a closed task satisfies a dependency or lets its mission complete.
      if (satisfiesDependency(s) || closesForMission(s)) expect(isTerminalTask(s)).toBe(true);
      // A claim (a move to in_progress) never starts from a terminal task.
      if (allowedTaskMoves(s).includes('in_progress')) expect(isOpenTask(s)).toBe(true);
    }
  });
});

describe('mission status traits', () => {
  it('has one row per status, each with every trait', () => {
    expect(sorted(Object.keys(MISSION_STATUS_TRAITS))).toEqual(sorted(MISSION_STATUSES));
    for (const s of MISSION_STATUSES) {
      const t = MISSION_STATUS_TRAITS[s];
      expect(Object.keys(t).sort()).toEqual(['active', 'label', 'open']);
      for (const flag of [t.open, t.active]) expect(typeof flag).toBe('boolean');
      expect(t.label.trim()).not.toBe('');
    }
    expect(new Set(Object.values(MISSION_STATUS_LABELS)).size).toBe(MISSION_STATUSES.length);
  });

  it('derives the lists and the status filter aliases', () => {
    expect(OPEN_MISSION_STATUSES).toEqual(['brainstorm', 'plan', 'execute', 'validate']);
    expect(TERMINAL_MISSION_STATUSES).toEqual(['complete', 'cancelled']);
    expect(MISSION_STATUS_ALIASES).toEqual({
      open: ['brainstorm', 'plan', 'execute', 'validate'],
      active: ['plan', 'execute'],
      all: [...MISSION_STATUSES],
    });
    expect(MISSION_STATUS_LABELS).toMatchObject({ brainstorm: 'Brainstorm', complete: 'Complete' });
  });

  it('agrees with the mission lifecycle', () => {
    for (const s of MISSION_STATUSES) {
      expect(isOpenMission(s)).toBe(!isTerminalMission(s));
      // An open mission can still be cancelled; a terminal one cannot (complete only reopens to execute).
      expect(allowedMissionMoves(s).includes('cancelled')).toBe(isOpenMission(s));
      if (MISSION_STATUS_TRAITS[s].active) expect(isOpenMission(s)).toBe(true);
    }
  });
});
