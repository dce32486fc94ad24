// The missions engine through the service layer, on every dialect: lifecycles, gates, dependencies, evidence,
// progress, events, paging and my_work — and for every refusal, proof that nothing changed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor, Task } from '../src/core/model.js';
import type { Sortie } from '../src/service/sortie.js';
import { DIALECTS, openDialectSortie } from './support/dialects.js';
import { refused } from './support/refusal.js';
import type { TestSortie } from './support/sortie.js';
import { currentSeq, eventKindsSince, refusedUnchanged } from './support/unchanged.js';

const CARL: Actor = { agent: 'carl' }; // creates missions
const PIA: Actor = { agent: 'pia' }; // pilots them
const WES: Actor = { agent: 'wes' }; // agent of the missions
const WANDA: Actor = { agent: 'wanda' }; // agent of the missions
const OTTO: Actor = { agent: 'otto' }; // outsider

const EVIDENT = 'Wrote it in 3f2c9e1, 18/18 tests green.';

describe.each(DIALECTS)('missions engine on %s', (dialect) => {
  let t: TestSortie;
  let s: Sortie;
  let counter = 0;

  beforeAll(async () => {
    t = await openDialectSortie(dialect);
    s = t.sortie;
    // These tests are about lifecycles, gates and lists, with wes and wanda working many tasks of the default project
    // at once and across tests: the one-task-in-progress rule is off here (test/task-rules.test.ts tests it).
    await s.configureProject(CARL, { name: 'default', maxInProgress: 0 });
  });
  afterAll(() => t?.close());

  /** A mission created by carl, piloted by pia, with wes and wanda as agents; tasks T0… optionally chained. */
  async function mission(
    opts: {
      tasks?: number;
      chain?: boolean;
      to?: 'brainstorm' | 'plan' | 'execute';
      deliverables?: Array<{ name: string; acceptedKinds?: Array<'commit' | 'pr' | 'file' | 'url' | 'test_ratio' | 'count' | 'issue'> }>;
      project?: string;
    } = {},
  ) {
    const name = `mission-${dialect}-${++counter}`;
    const created = await s.createMission(CARL, { name, pilot: 'pia', agents: ['wes', 'wanda'], deliverables: opts.deliverables, project: opts.project });
    const tasks: Task[] = [];
    for (let i = 0; i < (opts.tasks ?? 0); i++) {
      tasks.push(await s.createTask(PIA, { title: `step ${i}`, missionId: created.missionId, dependsOn: opts.chain && i > 0 ? [`T${i - 1}`] : undefined }));
    }
    const to = opts.to ?? (tasks.length ? 'execute' : 'brainstorm');
    if (to !== 'brainstorm') await s.updateMissionStatus(PIA, { missionId: created.missionId, status: 'plan' });
    if (to === 'execute') await s.updateMissionStatus(PIA, { missionId: created.missionId, status: 'execute' });
    return { id: created.missionId, name, tasks, key: (k: string) => ({ taskId: k, missionId: created.missionId }) };
  }

  async function finish(actor: Actor, ref: { taskId: string; missionId?: string }, note = EVIDENT): Promise<Task> {
    await s.checkoutTask(actor, ref);
    return s.completeTask(actor, { ...ref, completionNote: note });
  }

  describe('mission lifecycle', () => {
    it('walks brainstorm → plan → execute → validate → complete, one event per move', async () => {
      const m = await mission({ tasks: 1, to: 'brainstorm', deliverables: [{ name: 'report' }] });
      const since = await currentSeq(t);
      expect((await s.updateMissionStatus(PIA, { missionId: m.id, status: 'plan' })).status).toBe('plan');
      expect((await s.updateMissionStatus(CARL, { missionId: m.id, status: 'execute' })).status).toBe('execute');
      await finish(WES, m.key('T0'));
      // The last open task closing moved it to validate by itself.
      expect((await s.getMission(OTTO, { missionId: m.id })).status).toBe('validate');
      await s.addMissionEvidence(PIA, { missionId: m.id, deliverable: 'report', evidence: [{ kind: 'file', value: 'docs/report.md' }] });
      const done = await s.updateMissionStatus(PIA, { missionId: m.id, status: 'complete' });
      expect(done).toMatchObject({ status: 'complete', progress: 100 });
      expect(done.completedAt).toBe(new Date(t.clock.now()).toISOString());
      const kinds = await eventKindsSince(t, since, { missionId: m.id });
      expect(kinds).toEqual([
        'mission.status_changed',
        'mission.status_changed',
        'task.claimed',
        'task.completed',
        'mission.status_changed',
        'mission.evidence_added',
        'mission.status_changed',
      ]);
      const moves = (await s.listEvents(OTTO, { since, missionId: m.id })).items.filter((e) => e.kind === 'mission.status_changed').map((e) => e.details);
      expect(moves.map((d) => `${d.from}→${d.to}${d.auto ? ' (auto)' : ''}`)).toEqual([
        'brainstorm→plan',
        'plan→execute',
        'execute→validate (auto)',
        'validate→complete',
      ]);
    });

    it('refuses skipping a stage with INVALID_TRANSITION naming from, to and the allowed moves; nothing changes', async () => {
      const m = await mission({ tasks: 1, to: 'brainstorm' });
      const error = await refusedUnchanged(t, 'INVALID_TRANSITION', () => s.updateMissionStatus(PIA, { missionId: m.id, status: 'execute' }));
      expect(error.details).toMatchObject({ from: 'brainstorm', to: 'execute', allowed: ['plan', 'cancelled'] });
      await refusedUnchanged(t, 'INVALID_TRANSITION', () => s.updateMissionStatus(PIA, { missionId: m.id, status: 'complete' }));
      await refusedUnchanged(t, 'INVALID_TRANSITION', () => s.updateMissionStatus(PIA, { missionId: m.id, status: 'brainstorm' }));
    });

    it('refuses an unknown stage with VALIDATION_FAILED naming "status"', async () => {
      const m = await mission();
      const error = await refusedUnchanged(t, 'VALIDATION_FAILED', () => s.updateMissionStatus(PIA, { missionId: m.id, status: 'done' as never }));
      expect(error.details.field).toBe('status');
    });

    it('gates execute on having a task', async () => {
      const m = await mission({ to: 'plan' });
      const error = await refusedUnchanged(t, 'INVALID_TRANSITION', () => s.updateMissionStatus(PIA, { missionId: m.id, status: 'execute' }));
      expect(error.details).toMatchObject({ gate: 'has_tasks' });
      await s.createTask(PIA, { title: 'first', missionId: m.id });
      expect((await s.updateMissionStatus(PIA, { missionId: m.id, status: 'execute' })).status).toBe('execute');
    });

    it('lets only the pilot or the creator move it, and only they cancel — with a reason', async () => {
      const m = await mission({ tasks: 1, to: 'plan' });
      await refusedUnchanged(t, 'FORBIDDEN', () => s.updateMissionStatus(WES, { missionId: m.id, status: 'execute' }));
      await refusedUnchanged(t, 'FORBIDDEN', () => s.updateMissionStatus(OTTO, { missionId: m.id, status: 'cancelled', reason: 'not mine to cancel' }));
      const noReason = await refusedUnchanged(t, 'VALIDATION_FAILED', () => s.updateMissionStatus(PIA, { missionId: m.id, status: 'cancelled' }));
      expect(noReason.details.field).toBe('reason');
      const cancelled = await s.updateMissionStatus(CARL, { missionId: m.id, status: 'cancelled', reason: 'superseded by another plan' });
      expect(cancelled).toMatchObject({ status: 'cancelled', cancelledBy: 'carl', cancelReason: 'superseded by another plan' });
      const terminal = await refusedUnchanged(t, 'INVALID_TRANSITION', () =>
        s.updateMissionStatus(PIA, { missionId: m.id, status: 'execute', reason: 'try again' }),
      );
      expect(terminal.details).toMatchObject({ from: 'cancelled', allowed: [] });
    });

    it('cancelling a mission cancels its open tasks (each with an event) and leaves closed ones alone', async () => {
      const m = await mission({ tasks: 3 });
      await finish(WES, m.key('T0'));
      await s.checkoutTask(WANDA, m.key('T1'));
      const since = await currentSeq(t);
      const result = await s.updateMissionStatus(PIA, { missionId: m.id, status: 'cancelled', reason: 'budget cut' });
      expect(result.tasks.map((x) => `${x.key}:${x.status}`)).toEqual(['T0:done', 'T1:cancelled', 'T2:cancelled']);
      expect(result.tasks[1].claim).toBeNull();
      expect(result.tasks[1].cancelReason).toContain('budget cut');
      expect(await eventKindsSince(t, since)).toEqual(['mission.status_changed', 'task.cancelled', 'task.cancelled']);
      // A cancelled mission takes no new tasks.
      await refusedUnchanged(t, 'MISSION_NOT_ACTIVE', () => s.createTask(PIA, { title: 'late', missionId: m.id }));
    });

    it('gates complete on closed tasks, naming them', async () => {
      const m = await mission({ tasks: 2 });
      await finish(WES, m.key('T0'));
      await s.checkoutTask(WES, m.key('T1'));
      await s.failTask(WES, { ...m.key('T1'), failureNote: 'the build server is gone' });
      // Every task closed (one failed) → validate; but failed is not done or cancelled.
      expect((await s.getMission(PIA, { missionId: m.id })).status).toBe('validate');
      await s.addMissionEvidence(PIA, { missionId: m.id, note: 'merged in PR #7' });
      const error = await refusedUnchanged(t, 'INVALID_TRANSITION', () => s.updateMissionStatus(PIA, { missionId: m.id, status: 'complete' }));
      expect(error.details).toMatchObject({ gate: 'tasks_closed', unclosedTasks: ['T1 (failed)'] });
      expect(error.message).toContain('T1 (failed)');
    });

    it('gates complete on deliverable evidence, listing what is missing, then completes', async () => {
      const m = await mission({ tasks: 1, deliverables: [{ name: 'docs', acceptedKinds: ['pr', 'file'] }, { name: 'release' }] });
      await finish(WES, m.key('T0'));
      const first = await refusedUnchanged(t, 'EVIDENCE_REQUIRED', () => s.updateMissionStatus(PIA, { missionId: m.id, status: 'complete' }));
      expect(first.details.missing).toEqual([
        'deliverable "docs" has no evidence of kind pr, file',
        'deliverable "release" has no evidence of kind commit, pr, test_ratio, file',
      ]);
      // Evidence of a kind the deliverable does not accept does not count.
      await s.addMissionEvidence(PIA, { missionId: m.id, deliverable: 'docs', evidence: [{ kind: 'commit', value: 'abc1234' }] });
      await s.addMissionEvidence(WES, { missionId: m.id, deliverable: 'release', note: 'tagged at 9fceb02' });
      const second = await refusedUnchanged(t, 'EVIDENCE_REQUIRED', () => s.updateMissionStatus(PIA, { missionId: m.id, status: 'complete' }));
      expect(second.details.missing).toEqual(['deliverable "docs" has no evidence of kind pr, file']);
      await s.addMissionEvidence(PIA, { missionId: m.id, deliverable: 'docs', evidence: [{ kind: 'pr', value: '#12' }] });
      const done = await s.updateMissionStatus(PIA, { missionId: m.id, status: 'complete' });
      expect(done.status).toBe('complete');
      expect(done.evidence.map((e) => `${e.deliverable}:${e.kind}:${e.value}:${e.source}`)).toEqual([
        'docs:commit:abc1234:explicit',
        'release:commit:9fceb02:note',
        'docs:pr:#12:explicit',
      ]);
    });

    it('without deliverables, needs one mission-level item of an accepted kind', async () => {
      const m = await mission({ tasks: 1 });
      await finish(WES, m.key('T0'));
      await s.addMissionEvidence(PIA, { missionId: m.id, evidence: [{ kind: 'count', value: '7 files' }] });
      const error = await refusedUnchanged(t, 'EVIDENCE_REQUIRED', () => s.updateMissionStatus(PIA, { missionId: m.id, status: 'complete' }));
      expect(error.details.missing).toEqual(['no mission evidence of kind commit, pr, test_ratio, file']);
      await s.addMissionEvidence(PIA, { missionId: m.id, evidence: [{ kind: 'test_ratio', value: '40/40' }] });
      expect((await s.updateMissionStatus(PIA, { missionId: m.id, status: 'complete' })).status).toBe('complete');
    });

    it('refuses mission evidence with none in it, and from outsiders', async () => {
      const m = await mission({ tasks: 1 });
      await refusedUnchanged(t, 'EVIDENCE_REQUIRED', () => s.addMissionEvidence(PIA, { missionId: m.id, note: 'all good, deployed' }));
      await refusedUnchanged(t, 'FORBIDDEN', () => s.addMissionEvidence(OTTO, { missionId: m.id, note: 'PR #3' }));
      const unknown = await refusedUnchanged(t, 'VALIDATION_FAILED', () => s.addMissionEvidence(PIA, { missionId: m.id, deliverable: 'nope', note: 'PR #3' }));
      expect(unknown.details.field).toBe('deliverable');
      const bad = await refusedUnchanged(t, 'VALIDATION_FAILED', () =>
        s.addMissionEvidence(PIA, { missionId: m.id, evidence: [{ kind: 'test_ratio', value: '20/18' }] }),
      );
      expect(bad.details.field).toBe('evidence[0].value');
    });

    it("rework: validate → execute needs a reason; reopen of complete is the pilot's, with a reason", async () => {
      const m = await mission({ tasks: 1 });
      await finish(WES, m.key('T0'));
      await refusedUnchanged(t, 'VALIDATION_FAILED', () => s.updateMissionStatus(PIA, { missionId: m.id, status: 'execute' }));
      expect((await s.updateMissionStatus(PIA, { missionId: m.id, status: 'execute', reason: 'needs another pass' })).status).toBe('execute');
      await s.updateMissionStatus(PIA, { missionId: m.id, status: 'validate' });
      await s.addMissionEvidence(PIA, { missionId: m.id, note: 'PR #9' });
      await s.updateMissionStatus(PIA, { missionId: m.id, status: 'complete' });
      await refusedUnchanged(t, 'MISSION_NOT_ACTIVE', () => s.reopenTask(PIA, { ...m.key('T0'), reason: 'a regression' }));
      await refusedUnchanged(t, 'MISSION_NOT_ACTIVE', () => s.updateMissionProgress(PIA, { missionId: m.id, progress: 90 }));
      await refusedUnchanged(t, 'FORBIDDEN', () => s.updateMissionStatus(CARL, { missionId: m.id, status: 'execute', reason: 'I want it back' }));
      await refusedUnchanged(t, 'VALIDATION_FAILED', () => s.updateMissionStatus(PIA, { missionId: m.id, status: 'execute' }));
      await refusedUnchanged(t, 'INVALID_TRANSITION', () => s.updateMissionStatus(PIA, { missionId: m.id, status: 'validate', reason: 'skip' }));
      const reopened = await s.updateMissionStatus(PIA, { missionId: m.id, status: 'execute', reason: 'a bug came back' });
      expect(reopened).toMatchObject({ status: 'execute', completedAt: null });
    });

    it('auto-moves to validate exactly once when the last open task closes, never to complete', async () => {
      const m = await mission({ tasks: 3, deliverables: [] });
      await finish(WES, m.key('T0'));
      await s.cancelTask(PIA, { ...m.key('T1'), cancelReason: 'not needed after all' });
      expect((await s.getMission(PIA, { missionId: m.id })).status).toBe('execute');
      const since = await currentSeq(t);
      await finish(WANDA, m.key('T2'));
      const after = await s.getMission(PIA, { missionId: m.id });
      expect(after.status).toBe('validate');
      const events = (await s.listEvents(PIA, { since, missionId: m.id })).items;
      expect(events.map((e) => e.kind)).toEqual(['task.claimed', 'task.completed', 'mission.status_changed']);
      expect(events[2]).toMatchObject({ actor: 'wanda', details: { from: 'execute', to: 'validate', auto: true } });
      // Evidence is in place for completion, yet the server never completes it by itself.
      await s.addMissionEvidence(PIA, { missionId: m.id, note: 'shipped in 3f2c9e1' });
      expect((await s.getMission(PIA, { missionId: m.id })).status).toBe('validate');
      const moves = (await s.listEvents(PIA, { since: 0, missionId: m.id, limit: 500 })).items.filter(
        (e) => e.kind === 'mission.status_changed' && e.details.auto,
      );
      expect(moves).toHaveLength(1);
    });

    it('a task reopened during validation sends the mission back to execute; so does a new task', async () => {
      const m = await mission({ tasks: 1 });
      await finish(WES, m.key('T0'));
      expect((await s.getMission(PIA, { missionId: m.id })).status).toBe('validate');
      const since = await currentSeq(t);
      const reopened = await s.reopenTask(PIA, { ...m.key('T0'), reason: 'the docs link is broken' });
      expect(reopened).toMatchObject({ status: 'todo', reopenReason: 'the docs link is broken', completionNote: null });
      expect(reopened.evidence.every((e) => e.supersededBy !== null)).toBe(true);
      const events = (await s.listEvents(PIA, { since, missionId: m.id })).items;
      expect(events.map((e) => e.kind)).toEqual(['task.reopened', 'mission.status_changed']);
      expect(events[1].details).toMatchObject({ from: 'validate', to: 'execute', auto: true });
      await finish(WES, m.key('T0'));
      expect((await s.getMission(PIA, { missionId: m.id })).status).toBe('validate');
      await s.createTask(PIA, { title: 'one more thing', missionId: m.id });
      expect((await s.getMission(PIA, { missionId: m.id })).status).toBe('execute');
    });
  });

  describe('tasks', () => {
    it('addresses tasks by T-key with the mission id (or its unique name)', async () => {
      const m = await mission({ tasks: 2 });
      const byKey = await s.getTask(OTTO, { taskId: 'T1', missionId: m.id });
      expect(byKey).toMatchObject({ taskId: m.tasks[1].taskId, key: 'T1', title: 'step 1' });
      expect((await s.getTask(OTTO, { taskId: 't1', missionId: m.name })).taskId).toBe(m.tasks[1].taskId);
      const claimed = await s.checkoutTask(WES, { taskId: 'T0', missionId: m.id });
      expect(claimed).toMatchObject({ key: 'T0', status: 'in_progress' });
      const missing = await refused('VALIDATION_FAILED', s.getTask(OTTO, { taskId: 'T0' }));
      expect(missing.details.field).toBe('missionId');
    });

    it('answers NOT_FOUND for unknown tasks, keys and missions, changing nothing', async () => {
      const m = await mission({ tasks: 1 });
      await refusedUnchanged(t, 'NOT_FOUND', () => s.getTask(OTTO, { taskId: '01JAAAAAAAAAAAAAAAAAAAAAAA' }));
      await refusedUnchanged(t, 'NOT_FOUND', () => s.checkoutTask(WES, { taskId: '01JAAAAAAAAAAAAAAAAAAAAAAA' }));
      const key = await refusedUnchanged(t, 'NOT_FOUND', () => s.checkoutTask(WES, { taskId: 'T9', missionId: m.id }));
      expect(key.message).toContain('T9');
      await refusedUnchanged(t, 'NOT_FOUND', () => s.getMission(OTTO, { missionId: '01JAAAAAAAAAAAAAAAAAAAAAAA' }));
      await refusedUnchanged(t, 'NOT_FOUND', () => s.getMission(OTTO, { missionId: 'no-such-mission' }));
      await refusedUnchanged(t, 'NOT_FOUND', () => s.createTask(PIA, { title: 'x', missionId: 'no-such-mission' }));
    });

    it('refuses a start while a dependency is not done, naming the blockers; a failed one does not satisfy', async () => {
      const m = await mission({ tasks: 3, chain: true });
      const error = await refusedUnchanged(t, 'DEPENDENCY_NOT_DONE', () => s.checkoutTask(WES, m.key('T1')));
      expect(error.message).toContain('T0 "step 0" (todo)');
      expect(error.details.blockers).toEqual([{ taskId: m.tasks[0].taskId, key: 'T0', status: 'todo' }]);
      await s.checkoutTask(WES, m.key('T0'));
      await s.failTask(WES, { ...m.key('T0'), failureNote: 'flaky infrastructure' });
      const failed = await refusedUnchanged(t, 'DEPENDENCY_NOT_DONE', () => s.checkoutTask(WANDA, m.key('T1')));
      expect(failed.details.blockers).toEqual([{ taskId: m.tasks[0].taskId, key: 'T0', status: 'failed' }]);
      expect(failed.hint).toContain('failed dependency does not satisfy');
      expect((await s.getTask(WES, m.key('T1'))).ready).toBe(false);
      // Cancelled satisfies.
      await s.reopenTask(PIA, { ...m.key('T0'), reason: 'retry' });
      await s.cancelTask(PIA, { ...m.key('T0'), cancelReason: 'done elsewhere' });
      expect((await s.getTask(WES, m.key('T1'))).ready).toBe(true);
      expect((await s.checkoutTask(WANDA, m.key('T1'))).status).toBe('in_progress');
    });

    it('refuses completion without evidence (claim words are not evidence), changing nothing', async () => {
      const m = await mission({ tasks: 1 });
      const held = await s.checkoutTask(WES, m.key('T0'));
      for (const note of ['done', 'Merged and deployed, all good.', 'tests: N/A']) {
        const error = await refusedUnchanged(t, 'EVIDENCE_REQUIRED', () => s.completeTask(WES, { ...m.key('T0'), completionNote: note }));
        expect(error.hint).toContain('allowNoEvidence');
      }
      const ratio = await refusedUnchanged(t, 'EVIDENCE_REQUIRED', () => s.completeTask(WES, { ...m.key('T0'), completionNote: 'tests 20/18' }));
      expect(ratio.message).toContain('20/18');
      const note = await refusedUnchanged(t, 'VALIDATION_FAILED', () =>
        s.completeTask(WES, { ...m.key('T0'), completionNote: '  ', evidence: [{ kind: 'pr', value: '#1' }] }),
      );
      expect(note.details.field).toBe('completionNote');
      expect((await s.getTask(WES, m.key('T0'))).claim).toEqual(held.claim);
    });

    it('stores parsed and explicit evidence as structured items, and the allowNoEvidence reason', async () => {
      const m = await mission({ tasks: 2 });
      await s.checkoutTask(WES, m.key('T0'));
      const done = await s.completeTask(WES, {
        ...m.key('T0'),
        completionNote: 'Rewrote docs/guide.md in 3f2c9e1; 18/18 tests.',
        evidence: [{ kind: 'pr', value: 'https://github.com/acme/docs/pull/42', note: 'the PR' }],
      });
      expect(done).toMatchObject({ status: 'done', claim: null, completionNote: 'Rewrote docs/guide.md in 3f2c9e1; 18/18 tests.', allowNoEvidence: null });
      expect(done.completedAt).not.toBeNull();
      expect(done.evidence.map((e) => `${e.source}:${e.kind}:${e.value}:${e.verification}`).sort()).toEqual(
        [
          'explicit:pr:https://github.com/acme/docs/pull/42:unverified',
          'note:commit:3f2c9e1:unverified',
          'note:file:docs/guide.md:unverified',
          'note:test_ratio:18/18:unverified',
        ].sort(),
      );
      await s.checkoutTask(WES, m.key('T1'));
      const waived = await s.completeTask(WES, {
        ...m.key('T1'),
        completionNote: 'Talked it through with the team',
        allowNoEvidence: 'a decision, nothing to commit',
      });
      expect(waived).toMatchObject({ status: 'done', allowNoEvidence: 'a decision, nothing to commit', evidence: [] });
      expect((await s.getTask(OTTO, m.key('T1'))).allowNoEvidence).toBe('a decision, nothing to commit');
    });

    it('requires the evidence kinds a task names', async () => {
      const m = await mission({ tasks: 0, to: 'plan' });
      await s.createTask(PIA, { title: 'needs a commit', missionId: m.id, requiredEvidence: ['commit'] });
      await s.updateMissionStatus(PIA, { missionId: m.id, status: 'execute' });
      await s.checkoutTask(WES, m.key('T0'));
      const error = await refusedUnchanged(t, 'EVIDENCE_REQUIRED', () => s.completeTask(WES, { ...m.key('T0'), completionNote: 'PR #4, 18/18' }));
      expect(error.details.missingKinds).toEqual(['commit']);
      expect((await s.completeTask(WES, { ...m.key('T0'), completionNote: 'PR #4 at 3f2c9e1' })).status).toBe('done');
    });

    it('review: the same evidence gate, then the pilot approves or sends it back; the author cannot approve', async () => {
      const m = await mission({ tasks: 1 });
      await s.checkoutTask(WES, m.key('T0'));
      await refusedUnchanged(t, 'EVIDENCE_REQUIRED', () => s.submitForReview(WES, { ...m.key('T0'), completionNote: 'ready for review' }));
      const inReview = await s.submitForReview(WES, { ...m.key('T0'), completionNote: 'ready: PR #31' });
      expect(inReview).toMatchObject({ status: 'review', claim: null });
      await refusedUnchanged(t, 'FORBIDDEN', () => s.completeTask(WES, { ...m.key('T0'), completionNote: 'approving my own PR #31' }));
      await refusedUnchanged(t, 'FORBIDDEN', () => s.returnFromReview(WANDA, { ...m.key('T0'), reason: 'meh' }));
      const back = await s.returnFromReview(PIA, { ...m.key('T0'), reason: 'missing a test' });
      expect(back).toMatchObject({ status: 'in_progress', claim: { claimedBy: 'wes' } });
      await s.submitForReview(WES, { ...m.key('T0'), completionNote: 'added the test, 19/19' });
      // The gate counts evidence already cited on the way to review.
      const approved = await s.completeTask(PIA, { ...m.key('T0'), completionNote: 'approved' });
      expect(approved.status).toBe('done');
      expect(approved.evidence.map((e) => e.value)).toEqual(expect.arrayContaining(['#31', '19/19']));
    });

    it('block and unblock, fail with a note, with reasons required', async () => {
      const m = await mission({ tasks: 2 });
      await s.checkoutTask(WES, m.key('T0'));
      const noReason = await refusedUnchanged(t, 'VALIDATION_FAILED', () => s.blockTask(WES, m.key('T0')));
      expect(noReason.details.field).toBe('reason');
      const blocked = await s.blockTask(WES, { ...m.key('T0'), reason: 'waiting for credentials', blockedOnTaskId: 'T1' });
      expect(blocked).toMatchObject({
        status: 'blocked',
        blockedReason: 'waiting for credentials',
        blockedOnTaskId: m.tasks[1].taskId,
        blockedCause: 'peer_task',
      });
      await refusedUnchanged(t, 'INVALID_TRANSITION', () => s.completeTask(WES, { ...m.key('T0'), completionNote: EVIDENT }));
      await refusedUnchanged(t, 'ALREADY_CLAIMED', () => s.checkoutTask(WANDA, m.key('T0')));
      // The holder resumes it.
      expect((await s.checkoutTask(WES, m.key('T0'))).status).toBe('in_progress');
      await s.blockTask(WES, { ...m.key('T0'), reason: 'again' });
      await refusedUnchanged(t, 'FORBIDDEN', () => s.unblockTask(OTTO, { ...m.key('T0'), reason: 'meddling' }));
      expect((await s.unblockTask(PIA, { ...m.key('T0'), reason: 'credentials arrived' })).status).toBe('todo');
      await s.checkoutTask(WANDA, m.key('T1'));
      const noNote = await refusedUnchanged(t, 'VALIDATION_FAILED', () => s.failTask(WANDA, { ...m.key('T1'), failureNote: ' ' }));
      expect(noNote.details.field).toBe('failureNote');
      expect(await s.failTask(WANDA, { ...m.key('T1'), failureNote: 'upstream API removed' })).toMatchObject({
        status: 'failed',
        failureNote: 'upstream API removed',
        claim: null,
      });
    });

    it('cancel and reopen: reasons required, creator or pilot only, terminal states refuse moves', async () => {
      const m = await mission({ tasks: 2 });
      const noReason = await refusedUnchanged(t, 'VALIDATION_FAILED', () => s.cancelTask(PIA, { ...m.key('T0'), cancelReason: '' }));
      expect(noReason.details.field).toBe('cancelReason');
      await refusedUnchanged(t, 'FORBIDDEN', () => s.cancelTask(WES, { ...m.key('T0'), cancelReason: 'I do not like it' }));
      const cancelled = await s.cancelTask(PIA, { ...m.key('T0'), cancelReason: 'out of scope' });
      expect(cancelled).toMatchObject({ status: 'cancelled', cancelReason: 'out of scope' });
      const again = await refusedUnchanged(t, 'INVALID_TRANSITION', () => s.cancelTask(PIA, { ...m.key('T0'), cancelReason: 'twice' }));
      expect(again.details).toMatchObject({ from: 'cancelled', to: 'cancelled', allowed: [] });
      await refusedUnchanged(t, 'INVALID_TRANSITION', () => s.checkoutTask(WES, m.key('T0')));
      const noReopenReason = await refusedUnchanged(t, 'VALIDATION_FAILED', () => s.reopenTask(PIA, { ...m.key('T0'), reason: '' }));
      expect(noReopenReason.details.field).toBe('reason');
      await refusedUnchanged(t, 'FORBIDDEN', () => s.reopenTask(OTTO, { ...m.key('T0'), reason: 'why not' }));
      await refusedUnchanged(t, 'INVALID_TRANSITION', () => s.reopenTask(PIA, { ...m.key('T1'), reason: 'it is not closed' }));
      expect(await s.reopenTask(PIA, { ...m.key('T0'), reason: 'back in scope' })).toMatchObject({
        status: 'todo',
        cancelReason: null,
        reopenReason: 'back in scope',
      });
      await finish(WES, m.key('T1'));
      await refusedUnchanged(t, 'INVALID_TRANSITION', () => s.completeTask(WES, { ...m.key('T1'), completionNote: EVIDENT }));
    });

    it('refuses work in a mission that is not executing with MISSION_NOT_ACTIVE', async () => {
      const m = await mission({ tasks: 1, to: 'plan' });
      const error = await refusedUnchanged(t, 'MISSION_NOT_ACTIVE', () => s.checkoutTask(WES, m.key('T0')));
      expect(error.details).toEqual({ missionStatus: 'plan' });
      expect(error.hint).toContain('update_mission_status');
      expect(await s.claimNextTask(WES, { missionId: m.id })).toBeNull();
    });

    it('refuses outsiders and tasks assigned to others with FORBIDDEN', async () => {
      const m = await mission({ tasks: 1 });
      const outsider = await refusedUnchanged(t, 'FORBIDDEN', () => s.checkoutTask(OTTO, m.key('T0')));
      expect(outsider.hint).toContain('pia');
      await refusedUnchanged(t, 'FORBIDDEN', () => s.createTask(OTTO, { title: 'sneaky', missionId: m.id }));
      const assigned = await s.createTask(PIA, { title: 'for wanda', missionId: m.id, assignedTo: 'wanda' });
      const error = await refusedUnchanged(t, 'FORBIDDEN', () => s.checkoutTask(WES, { taskId: assigned.taskId }));
      expect(error.message).toContain('assigned to wanda');
      expect((await s.checkoutTask(WANDA, { taskId: assigned.taskId })).claim?.claimedBy).toBe('wanda');
    });

    it('delete_task: creator only, and only without history beyond creation', async () => {
      const m = await mission({ tasks: 2 });
      await refusedUnchanged(t, 'FORBIDDEN', () => s.deleteTask(WES, m.key('T1')));
      await s.checkoutTask(WES, m.key('T0'));
      await refusedUnchanged(t, 'CONFLICT', () => s.deleteTask(PIA, m.key('T0')));
      const since = await currentSeq(t);
      expect(await s.deleteTask(PIA, m.key('T1'))).toEqual({ deleted: true, taskId: m.tasks[1].taskId });
      expect(await eventKindsSince(t, since)).toEqual(['task.deleted']);
      await refused('NOT_FOUND', s.getTask(PIA, { taskId: m.tasks[1].taskId }));
    });
  });

  describe('dependencies', () => {
    it('refuses unknown dependencies on create, naming the field', async () => {
      const m = await mission({ tasks: 1 });
      const byKey = await refusedUnchanged(t, 'VALIDATION_FAILED', () => s.createTask(PIA, { title: 'x', missionId: m.id, dependsOn: ['T7'] }));
      expect(byKey.details.field).toBe('dependsOn');
      expect(byKey.message).toContain('T7');
      const byId = await refusedUnchanged(t, 'VALIDATION_FAILED', () =>
        s.createTask(PIA, { title: 'x', missionId: m.id, dependsOn: '01JAAAAAAAAAAAAAAAAAAAAAAA' }),
      );
      expect(byId.details.field).toBe('dependsOn');
    });

    it('add_task_dependency appends, refuses cycles naming them, and remove_task_dependency removes', async () => {
      const m = await mission({ tasks: 3, chain: true });
      const [t0, t1] = m.tasks.map((x) => x.taskId);
      const error = await refusedUnchanged(t, 'DEPENDENCY_CYCLE', () => s.addTaskDependency(PIA, { ...m.key('T0'), dependsOn: ['T2'] }));
      expect(error.details.cycle).toEqual(['T0', 'T2', 'T1', 'T0']);
      expect(error.message).toBe('dependency cycle: T0 → T2 → T1 → T0');
      const self = await refusedUnchanged(t, 'VALIDATION_FAILED', () => s.addTaskDependency(PIA, { ...m.key('T1'), dependsOn: [t1] }));
      expect(self.details.field).toBe('dependsOn');
      const since = await currentSeq(t);
      const added = await s.addTaskDependency(PIA, { ...m.key('T2'), dependsOn: ['T0'] });
      expect(added.dependsOn.sort()).toEqual([t0, t1].sort());
      // Appending an edge that exists changes nothing and records nothing.
      await s.addTaskDependency(PIA, { ...m.key('T2'), dependsOn: [t0] });
      expect(await eventKindsSince(t, since)).toEqual(['task.dependency_added']);
      const removed = await s.removeTaskDependency(PIA, { ...m.key('T2'), dependsOn: ['T1'] });
      expect(removed.dependsOn).toEqual([t0]);
      const notThere = await refusedUnchanged(t, 'VALIDATION_FAILED', () => s.removeTaskDependency(PIA, { ...m.key('T2'), dependsOn: ['T1'] }));
      expect(notThere.details.field).toBe('dependsOn');
      await refusedUnchanged(t, 'FORBIDDEN', () => s.addTaskDependency(OTTO, { ...m.key('T2'), dependsOn: ['T1'] }));
      expect(await eventKindsSince(t, since)).toEqual(['task.dependency_added', 'task.dependency_removed']);
      // T2 is now ready once T0 is done, whatever T1 does.
      await finish(WES, m.key('T0'));
      expect((await s.getTask(WES, m.key('T2'))).ready).toBe(true);
      await refusedUnchanged(t, 'INVALID_TRANSITION', () => s.addTaskDependency(PIA, { ...m.key('T0'), dependsOn: ['T1'] }));
    });
  });

  describe('progress', () => {
    it('accepts an integer 0–100 from the pilot; refuses anything else naming "progress"', async () => {
      const m = await mission({ tasks: 1 });
      for (const p of [0, 100]) expect((await s.updateMissionProgress(PIA, { missionId: m.id, progress: p })).progress).toBe(p);
      for (const p of [-1, 101, 50.5, '50', null]) {
        const error = await refusedUnchanged(t, 'VALIDATION_FAILED', () => s.updateMissionProgress(PIA, { missionId: m.id, progress: p }));
        expect(error.details.field).toBe('progress');
      }
      await refusedUnchanged(t, 'FORBIDDEN', () => s.updateMissionProgress(WES, { missionId: m.id, progress: 40 }));
      const since = await currentSeq(t);
      const reported = await s.updateMissionProgress(PIA, { missionId: m.id, progress: 40, note: 'audit done' });
      expect(reported).toMatchObject({ progress: 40, progressNote: 'audit done' });
      const events = (await s.listEvents(PIA, { since })).items;
      expect(events.map((e) => [e.kind, e.details])).toEqual([['mission.progress', { from: 100, to: 40, note: 'audit done' }]]);
    });

    it('computes done ÷ (all − cancelled) with counts by status on every read', async () => {
      const m = await mission({ tasks: 4 });
      expect(await s.getMission(PIA, { missionId: m.id })).toMatchObject({ computedProgress: 0, taskCounts: { todo: 4, total: 4 } });
      await finish(WES, m.key('T0'));
      await s.cancelTask(PIA, { ...m.key('T1'), cancelReason: 'dropped' });
      await s.checkoutTask(WANDA, m.key('T2'));
      const read = await s.getMission(PIA, { missionId: m.id });
      expect(read.computedProgress).toBe(33);
      expect(read.taskCounts).toEqual({ todo: 1, in_progress: 1, review: 0, blocked: 0, done: 1, cancelled: 1, failed: 0, total: 4 });
      const listed = (await s.listMissions(PIA, { pilot: 'pia', status: 'all', limit: 200 })).items.find((x) => x.missionId === m.id);
      expect(listed).toMatchObject({ computedProgress: 33, progress: null });
    });

    it('refuses progress on a closed mission', async () => {
      const m = await mission({ tasks: 1 });
      await s.updateMissionStatus(PIA, { missionId: m.id, status: 'cancelled', reason: 'stop' });
      await refusedUnchanged(t, 'MISSION_NOT_ACTIVE', () => s.updateMissionProgress(PIA, { missionId: m.id, progress: 10 }));
    });
  });

  describe('events', () => {
    it('records every change in the same transaction, numbered without gaps', async () => {
      const since = await currentSeq(t);
      const m = await mission({ tasks: 2, chain: true });
      await s.updateTask(PIA, { ...m.key('T1'), description: 'more detail', priority: 'high' });
      await finish(WES, m.key('T0'));
      await s.checkoutTask(WANDA, m.key('T1'));
      await s.heartbeatTask(WANDA, m.key('T1'));
      await s.releaseTask(WANDA, { ...m.key('T1'), reason: 'lunch' });
      const page = await s.listEvents(OTTO, { since, limit: 500 });
      expect(page.items.map((e) => e.seq)).toEqual(page.items.map((_, i) => since + 1 + i));
      expect(page.items.map((e) => e.kind)).toEqual([
        'mission.created',
        'task.created',
        'task.created',
        'mission.status_changed',
        'mission.status_changed',
        'task.updated',
        'task.claimed',
        'task.completed',
        'task.claimed',
        'task.heartbeat',
        'task.released',
      ]);
      expect(page.items[5]).toMatchObject({ actor: 'pia', missionId: m.id, taskId: m.tasks[1].taskId, details: { fields: ['description', 'priority'] } });
      expect(page.lastSeq).toBe(since + 11);
      // Filters: one task's events only.
      const t1 = await s.listEvents(OTTO, { since, taskId: 'T1', missionId: m.id });
      expect(t1.items.map((e) => e.kind)).toEqual(['task.created', 'task.updated', 'task.claimed', 'task.heartbeat', 'task.released']);
    });

    it('pages the feed with since and limit', async () => {
      const since = await currentSeq(t);
      await mission({ tasks: 3 });
      const first = await s.listEvents(OTTO, { since, limit: 2 });
      expect(first.items).toHaveLength(2);
      expect(first.nextCursor).not.toBeNull();
      const rest = await s.listEvents(OTTO, { since: first.lastSeq, limit: 100 });
      expect(rest.items.map((e) => e.seq)).toEqual([since + 3, since + 4, since + 5, since + 6]);
      expect(rest.nextCursor).toBeNull();
    });
  });

  describe('lists', () => {
    it('list_tasks pages by cursor: default 20, at most 200', async () => {
      const m = await mission({ tasks: 25 });
      const first = await s.listTasks(OTTO, { missionId: m.id });
      expect(first.items.map((x) => x.key)).toEqual(Array.from({ length: 20 }, (_, i) => `T${i}`));
      expect(first.nextCursor).toEqual(expect.any(String));
      const second = await s.listTasks(OTTO, { missionId: m.id, cursor: first.nextCursor as string });
      expect(second.items.map((x) => x.key)).toEqual(['T20', 'T21', 'T22', 'T23', 'T24']);
      expect(second.nextCursor).toBeNull();
      expect((await s.listTasks(OTTO, { missionId: m.id, limit: 200 })).items).toHaveLength(25);
      for (const limit of [0, 201, 2.5]) {
        const error = await refused('VALIDATION_FAILED', s.listTasks(OTTO, { missionId: m.id, limit }));
        expect(error.details.field).toBe('limit');
      }
      const cursor = await refused('VALIDATION_FAILED', s.listTasks(OTTO, { missionId: m.id, cursor: 'bogus' }));
      expect(cursor.details.field).toBe('cursor');
      // Newest-first paging without a mission walks every task once.
      const seen = new Set<string>();
      let cursorAt: string | null | undefined;
      do {
        const page = await s.listTasks(OTTO, { project: 'default', limit: 7, cursor: cursorAt ?? undefined });
        for (const item of page.items) {
          expect(seen.has(item.taskId)).toBe(false);
          seen.add(item.taskId);
        }
        cursorAt = page.nextCursor;
      } while (cursorAt);
      for (const task of m.tasks) expect(seen.has(task.taskId)).toBe(true);
    });

    it('list_tasks filters: status, assignedTo, ready', async () => {
      const m = await mission({ tasks: 3, chain: true });
      await s.createTask(PIA, { title: 'for wes', missionId: m.id, assignedTo: 'wes' });
      await s.checkoutTask(WES, m.key('T0'));
      expect((await s.listTasks(OTTO, { missionId: m.id, status: 'in_progress' })).items.map((x) => x.key)).toEqual(['T0']);
      expect((await s.listTasks(OTTO, { missionId: m.id, status: ['todo', 'in_progress'] })).items).toHaveLength(4);
      expect((await s.listTasks(OTTO, { missionId: m.id, assignedTo: 'wes' })).items.map((x) => x.key)).toEqual(['T3']);
      expect((await s.listTasks(OTTO, { missionId: m.id, ready: true })).items.map((x) => x.key)).toEqual(['T3']);
    });

    it('list_missions pages by cursor and filters by status aliases, pilot and agent', async () => {
      const project = `paging-${dialect}`;
      const ids: string[] = [];
      for (let i = 0; i < 23; i++) ids.push((await s.createMission(CARL, { name: `p${i}`, pilot: 'pia', project })).missionId);
      const first = await s.listMissions(OTTO, { project });
      expect(first.items).toHaveLength(20);
      expect(first.items[0].missionId).toBe(ids[22]); // newest first
      const second = await s.listMissions(OTTO, { project, cursor: first.nextCursor as string });
      expect(second.items.map((x) => x.missionId)).toEqual([ids[2], ids[1], ids[0]]);
      expect(second.nextCursor).toBeNull();
      await refused('VALIDATION_FAILED', s.listMissions(OTTO, { project, limit: 201 }));
      await s.updateMissionStatus(PIA, { missionId: ids[0], status: 'plan' });
      await s.updateMissionStatus(PIA, { missionId: ids[1], status: 'cancelled', reason: 'no' });
      expect((await s.listMissions(OTTO, { project, status: 'active' })).items.map((x) => x.missionId)).toEqual([ids[0]]);
      expect((await s.listMissions(OTTO, { project, status: 'open', limit: 200 })).items).toHaveLength(22);
      expect((await s.listMissions(OTTO, { project, status: 'all', limit: 200 })).items).toHaveLength(23);
      expect((await s.listMissions(OTTO, { project, status: ['cancelled', 'plan'] })).items).toHaveLength(2);
      const status = await refused('VALIDATION_FAILED', s.listMissions(OTTO, { project, status: 'finished' }));
      expect(status.details.field).toBe('status');
      const m = await mission({ tasks: 0 });
      expect((await s.listMissions(OTTO, { agent: 'wanda', limit: 200 })).items.map((x) => x.missionId)).toContain(m.id);
      expect((await s.listMissions(OTTO, { agent: 'otto', limit: 200 })).items).toEqual([]);
    });
  });

  describe('my_work', () => {
    it("returns the agent's claims with lease expiry, ready tasks, reviews waiting on it, and blocked tasks", async () => {
      const me: Actor = { agent: `mia-${dialect}` };
      const created = await s.createMission(PIA, { name: `mine-${dialect}`, pilot: me.agent, agents: ['wes'] });
      const ref = (k: string) => ({ taskId: k, missionId: created.missionId });
      for (const title of ['held', 'blocked', 'ready', 'waits', 'review']) await s.createTask(me, { title, missionId: created.missionId });
      await s.addTaskDependency(me, { ...ref('T3'), dependsOn: ['T0'] });
      await s.updateMissionStatus(me, { missionId: created.missionId, status: 'plan' });
      await s.updateMissionStatus(me, { missionId: created.missionId, status: 'execute' });
      const other = await s.createTask(PIA, { title: 'assigned to me elsewhere', assignedTo: me.agent, priority: 'urgent' });
      const held = await s.checkoutTask(me, ref('T0'));
      await s.checkoutTask(me, ref('T1'));
      await s.blockTask(me, { ...ref('T1'), reason: 'waiting on a human' });
      await s.checkoutTask(WES, ref('T4'));
      await s.submitForReview(WES, { ...ref('T4'), completionNote: 'PR #77' });
      const work = await s.myWork(me, {});
      expect(work.agent).toBe(me.agent);
      expect(work.claimed.map((x) => x.title)).toEqual(['held']);
      expect(work.claimed[0].claim).toEqual(held.claim);
      expect(work.claimed[0].claim?.leaseExpiresAt).toBe(new Date(t.clock.now() + 30 * 60_000).toISOString());
      expect(work.ready.map((x) => x.title)).toEqual(['assigned to me elsewhere', 'ready']);
      expect(work.ready[0].taskId).toBe(other.taskId);
      expect(work.reviews.map((x) => x.title)).toEqual(['review']);
      expect(work.blocked.map((x) => [x.title, x.blockedReason])).toEqual([['blocked', 'waiting on a human']]);
      // Wes, an agent of the mission, sees its unassigned ready task but not tasks assigned to someone else,
      // and no reviews: he is neither the pilot nor the creator.
      const wes = await s.myWork(WES, { limit: 200 });
      expect(wes.ready.filter((x) => x.missionId === created.missionId || x.taskId === other.taskId).map((x) => x.title)).toEqual(['ready']);
      expect(wes.reviews.filter((x) => x.missionId === created.missionId)).toEqual([]);
      expect(wes.claimed.map((x) => x.title)).not.toContain('review');
    });
  });
});
