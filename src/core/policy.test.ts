// Unit tests of the ownership rules: each predicate, for every party it admits and a stranger it refuses.
import { describe, expect, it } from 'vitest';
import { refusedSync } from '../../test/support/refusal.js';
import type { Actor } from './model.js';
import {
  assertMayMoveMission,
  isMissionManager,
  isMissionMember,
  isOwnReview,
  isTaskManager,
  mayCancelTask,
  mayChangeRecurring,
  mayClaimUnassigned,
  mayDeleteTask,
  mayEditTask,
  mayMoveMission,
  mayReopen,
  mayReportProgress,
  mayResumeReview,
  mayReview,
  mayUnblock,
  missionMoveRefusal,
  type TaskParties,
  worksTask,
} from './policy.js';

const MISSION = { pilot: 'pia', createdBy: 'carl' };
const TASK: TaskParties = { createdBy: 'tom', assignedTo: 'ann', claimedBy: 'hal', lastHolder: 'lou' };
const AGENTS = ['alice'];
const who = (agent: string, role?: Actor['role']): Actor => ({ agent, ...(role ? { role } : {}) });
const admin = who('root', 'admin');
const stranger = who('wendy');

/** The agents a predicate admits out of everyone named above, plus the admin. */
function admitted(predicate: (actor: Actor) => boolean): string[] {
  return ['pia', 'carl', 'alice', 'tom', 'ann', 'hal', 'lou', 'wendy', 'root'].filter((agent) => predicate(agent === 'root' ? admin : who(agent))).sort();
}

describe('mission rules', () => {
  it('the managers are the pilot, the creator and an admin', () => {
    expect(admitted((a) => isMissionManager(a, MISSION))).toEqual(['carl', 'pia', 'root']);
  });
  it("the members are the managers and the mission's agents", () => {
    expect(admitted((a) => isMissionMember(a, MISSION, AGENTS))).toEqual(['alice', 'carl', 'pia', 'root']);
  });
  it('unassigned tasks are claimed by the pilot, the agents and an admin, not the creator as such', () => {
    expect(admitted((a) => mayClaimUnassigned(a, MISSION, AGENTS))).toEqual(['alice', 'pia', 'root']);
  });
  it('only the pilot (or an admin) reports progress', () => {
    expect(admitted((a) => mayReportProgress(a, MISSION))).toEqual(['pia', 'root']);
  });
  it('the pilot or the creator moves and cancels; reopening a complete mission is the pilot alone', () => {
    expect(admitted((a) => mayMoveMission(a, MISSION, 'plan', 'execute'))).toEqual(['carl', 'pia', 'root']);
    expect(admitted((a) => mayMoveMission(a, MISSION, 'execute', 'cancelled'))).toEqual(['carl', 'pia', 'root']);
    expect(admitted((a) => mayMoveMission(a, MISSION, 'complete', 'execute'))).toEqual(['pia', 'root']);
    // Without a target: whether any move from that stage could be the actor's.
    expect(admitted((a) => mayMoveMission(a, MISSION, 'validate'))).toEqual(['carl', 'pia', 'root']);
    expect(admitted((a) => mayMoveMission(a, MISSION, 'complete'))).toEqual(['pia', 'root']);
  });
  it('a refused move says who may make it', () => {
    expect(refusedSync('FORBIDDEN', () => assertMayMoveMission(stranger, MISSION, 'execute', 'cancelled')).message).toMatch(/pia.*carl.*cancel/);
    expect(refusedSync('FORBIDDEN', () => assertMayMoveMission(who('carl'), MISSION, 'complete', 'execute')).message).toContain(
      'only the pilot (pia) may reopen',
    );
    expect(refusedSync('FORBIDDEN', () => assertMayMoveMission(stranger, MISSION, 'plan', 'execute')).message).toMatch(/pia.*carl.*move/);
    expect(missionMoveRefusal(who('pia'), MISSION, 'complete', 'execute')).toBeNull();
    expect(() => assertMayMoveMission(admin, MISSION, 'complete', 'execute')).not.toThrow();
  });
});

describe('task rules', () => {
  it("the task's managers are its creator and its mission's managers", () => {
    expect(admitted((a) => isTaskManager(a, TASK, MISSION))).toEqual(['carl', 'pia', 'root', 'tom']);
  });
  it('outside a mission, the creator and an admin', () => {
    expect(admitted((a) => isTaskManager(a, TASK, null))).toEqual(['root', 'tom']);
  });
  it('reviewers and cancellers are the managers', () => {
    expect(admitted((a) => mayReview(a, TASK, MISSION))).toEqual(['carl', 'pia', 'root', 'tom']);
    expect(admitted((a) => mayReview(a, TASK, null))).toEqual(['root', 'tom']);
    expect(admitted((a) => mayCancelTask(a, TASK, MISSION))).toEqual(['carl', 'pia', 'root', 'tom']);
  });
  it('the author may not approve their own review; an admin may', () => {
    expect(isOwnReview(who('lou'), TASK)).toBe(true);
    expect(isOwnReview(who('lou', 'admin'), TASK)).toBe(false);
    expect(isOwnReview(who('tom'), TASK)).toBe(false);
  });
  it('only the author claims a task back from review, anyone when it has no author', () => {
    expect(admitted((a) => mayResumeReview(a, TASK))).toEqual(['lou']);
    expect(admitted((a) => mayResumeReview(a, { ...TASK, lastHolder: null }))).toHaveLength(9);
  });
  it('editors are the managers, the assignee and the holder (not the last holder)', () => {
    expect(admitted((a) => mayEditTask(a, TASK, MISSION))).toEqual(['ann', 'carl', 'hal', 'pia', 'root', 'tom']);
    expect(admitted((a) => mayEditTask(a, TASK, null))).toEqual(['ann', 'hal', 'root', 'tom']);
  });
  it('whoever holds or last held a task works it', () => {
    expect(admitted((a) => worksTask(a, TASK))).toEqual(['hal', 'lou']);
  });
  it('unblocking is for whoever works it and the managers', () => {
    expect(admitted((a) => mayUnblock(a, TASK, MISSION))).toEqual(['carl', 'hal', 'lou', 'pia', 'root', 'tom']);
  });
  it('reopening is for the managers, the assignee and the last holder (not a holder as such)', () => {
    expect(admitted((a) => mayReopen(a, TASK, MISSION))).toEqual(['ann', 'carl', 'lou', 'pia', 'root', 'tom']);
  });
  it('only the creator deletes, not even an admin', () => {
    expect(admitted((a) => mayDeleteTask(a, TASK))).toEqual(['tom']);
  });
});

describe('recurring rules', () => {
  it('its creator or an admin changes a recurring definition', () => {
    expect(admitted((a) => mayChangeRecurring(a, { createdBy: 'tom' }))).toEqual(['root', 'tom']);
  });
});
