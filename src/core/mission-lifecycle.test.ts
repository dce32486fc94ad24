// The mission lifecycle, move by move: every (from, to) pair allowed or refused, reasons, permissions and gates.
import { describe, expect, it } from 'vitest';
import { refusedSync } from '../../test/support/refusal.js';
import { MISSION_STATUSES, type MissionStatus } from './enums.js';
import { allowedMissionMoves, assertMissionTransition, type MissionTransitionContext } from './mission-lifecycle.js';
import { isTerminalMission } from './status-traits.js';

// Written from issue 2 §2, independently of the implementation's table.
const SPEC: Record<MissionStatus, MissionStatus[]> = {
  brainstorm: ['plan', 'cancelled'],
  plan: ['execute', 'cancelled'],
  execute: ['validate', 'cancelled'],
  validate: ['complete', 'execute', 'cancelled'],
  complete: ['execute'],
  cancelled: [],
};

/** A context in which every gate passes: the pilot moves, with a reason, tasks all closed, evidence in place. */
function ctx(from: MissionStatus, to: MissionStatus, over: Partial<MissionTransitionContext> = {}): MissionTransitionContext {
  return { from, to, actor: 'pia', pilot: 'pia', createdBy: 'carl', reason: 'because', taskCount: 2, unclosedTasks: [], evidenceProblems: [], ...over };
}

describe('mission lifecycle', () => {
  for (const from of MISSION_STATUSES) {
    for (const to of MISSION_STATUSES) {
      if (SPEC[from].includes(to)) {
        it(`allows ${from} → ${to}`, () => {
          expect(() => assertMissionTransition(ctx(from, to))).not.toThrow();
        });
      } else {
        it(`refuses ${from} → ${to} with INVALID_TRANSITION naming from, to and the allowed moves`, () => {
          const error = refusedSync('INVALID_TRANSITION', () => assertMissionTransition(ctx(from, to)));
          expect(error.details).toEqual({ from, to, allowed: SPEC[from] });
          expect(error.message).toContain(from);
          expect(error.message).toContain(to);
          for (const next of SPEC[from]) expect(error.hint).toContain(next);
          if (SPEC[from].length === 0) expect(error.hint).toContain('terminal');
        });
      }
    }
  }

  it('reports allowed moves and terminal stages as the issue states them', () => {
    for (const s of MISSION_STATUSES) expect([...allowedMissionMoves(s)].sort()).toEqual([...SPEC[s]].sort());
    expect(MISSION_STATUSES.filter(isTerminalMission)).toEqual(['complete', 'cancelled']);
  });

  describe('reasons', () => {
    const needing: Array<[MissionStatus, MissionStatus]> = [
      ['brainstorm', 'cancelled'],
      ['plan', 'cancelled'],
      ['execute', 'cancelled'],
      ['validate', 'cancelled'],
      ['validate', 'execute'],
      ['complete', 'execute'],
    ];
    for (const [from, to] of needing) {
      it(`${from} → ${to} needs a reason (missing or blank is VALIDATION_FAILED on "reason")`, () => {
        for (const reason of [undefined, null, '', '   ']) {
          const error = refusedSync('VALIDATION_FAILED', () => assertMissionTransition(ctx(from, to, { reason })));
          expect(error.details.field).toBe('reason');
        }
      });
    }
    it('forward moves need no reason', () => {
      for (const [from, to] of [
        ['brainstorm', 'plan'],
        ['plan', 'execute'],
        ['execute', 'validate'],
        ['validate', 'complete'],
      ] as const) {
        expect(() => assertMissionTransition(ctx(from, to, { reason: undefined }))).not.toThrow();
      }
    });
  });

  describe('permissions', () => {
    it('only the creator or the pilot cancels', () => {
      expect(() => assertMissionTransition(ctx('execute', 'cancelled', { actor: 'pia' }))).not.toThrow();
      expect(() => assertMissionTransition(ctx('execute', 'cancelled', { actor: 'carl' }))).not.toThrow();
      const error = refusedSync('FORBIDDEN', () => assertMissionTransition(ctx('execute', 'cancelled', { actor: 'wendy' })));
      expect(error.message).toContain('pia');
      expect(error.message).toContain('carl');
    });
    it('refuses a non-owner with FORBIDDEN before saying the move lacks a reason', () => {
      refusedSync('FORBIDDEN', () => assertMissionTransition(ctx('execute', 'cancelled', { actor: 'wendy', reason: undefined })));
      refusedSync('FORBIDDEN', () => assertMissionTransition(ctx('validate', 'execute', { actor: 'wendy', reason: '' })));
      refusedSync('FORBIDDEN', () => assertMissionTransition(ctx('complete', 'execute', { actor: 'carl', reason: undefined })));
    });
    it('only the pilot reopens a complete mission, not even its creator', () => {
      expect(() => assertMissionTransition(ctx('complete', 'execute', { actor: 'pia' }))).not.toThrow();
      refusedSync('FORBIDDEN', () => assertMissionTransition(ctx('complete', 'execute', { actor: 'carl' })));
      refusedSync('FORBIDDEN', () => assertMissionTransition(ctx('complete', 'execute', { actor: 'wendy' })));
    });
    it('other agents may not advance the mission', () => {
      for (const [from, to] of [
        ['brainstorm', 'plan'],
        ['plan', 'execute'],
        ['execute', 'validate'],
        ['validate', 'complete'],
        ['validate', 'execute'],
      ] as const) {
        refusedSync('FORBIDDEN', () => assertMissionTransition(ctx(from, to, { actor: 'wendy' })));
        expect(() => assertMissionTransition(ctx(from, to, { actor: 'carl' }))).not.toThrow();
      }
    });
  });

  describe('gates', () => {
    it('execute needs at least one task', () => {
      const error = refusedSync('INVALID_TRANSITION', () => assertMissionTransition(ctx('plan', 'execute', { taskCount: 0 })));
      expect(error.details).toMatchObject({ from: 'plan', to: 'execute', gate: 'has_tasks' });
      expect(error.hint).toMatch(/task/);
      // Rework back to execute needs tasks too (a mission with none cannot be worked).
      refusedSync('INVALID_TRANSITION', () => assertMissionTransition(ctx('validate', 'execute', { taskCount: 0 })));
      expect(() => assertMissionTransition(ctx('plan', 'execute', { taskCount: 1 }))).not.toThrow();
    });
    it('complete needs every task closed, and names the ones that are not', () => {
      const error = refusedSync('INVALID_TRANSITION', () =>
        assertMissionTransition(ctx('validate', 'complete', { unclosedTasks: ['T1 (failed)', 'T3 (todo)'], evidenceProblems: ['no evidence'] })),
      );
      expect(error.details).toMatchObject({ gate: 'tasks_closed', unclosedTasks: ['T1 (failed)', 'T3 (todo)'] });
      expect(error.message).toContain('T1 (failed)');
      expect(error.message).toContain('T3 (todo)');
    });
    it('complete needs the evidence gate to pass, and lists what is missing', () => {
      const problems = ['deliverable "docs" has no evidence of kind pr, file', 'evidence commit abc1234 failed verification'];
      const error = refusedSync('EVIDENCE_REQUIRED', () => assertMissionTransition(ctx('validate', 'complete', { evidenceProblems: problems })));
      expect(error.details.missing).toEqual(problems);
      for (const p of problems) expect(error.message).toContain(p);
      expect(error.hint).toContain('add_mission_evidence');
    });
    it('the gates do not apply to other moves', () => {
      expect(() =>
        assertMissionTransition(ctx('execute', 'validate', { unclosedTasks: ['T0 (todo)'], evidenceProblems: ['none'], taskCount: 1 })),
      ).not.toThrow();
      expect(() => assertMissionTransition(ctx('brainstorm', 'cancelled', { taskCount: 0, evidenceProblems: ['none'] }))).not.toThrow();
    });
  });
});
