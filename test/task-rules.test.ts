// Two task rules of VantagePeers (issue 11 §3), on every dialect through the service: one task in progress per agent
// instance per project (TASK_START_BLOCKED, a project setting raises or removes the limit, race-free on PostgreSQL),
// and pause_task (the holder stops work for now: back to todo, claim released, assignee kept, the pause recorded).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DomainError } from '../src/core/errors.js';
import type { Actor } from '../src/core/model.js';
import type { Sortie } from '../src/service/sortie.js';
import { DIALECTS, openDialectSortie } from './support/dialects.js';
import type { TestSortie } from './support/sortie.js';
import { currentSeq, eventKindsSince, refusedUnchanged } from './support/unchanged.js';

const PIA: Actor = { agent: 'pia' };
const NOTE = 'Shipped in 3f2c9e1, 12/12 tests.';

describe.each(DIALECTS)('task rules on %s', (dialect) => {
  let t: TestSortie;
  let s: Sortie;
  let counter = 0;

  beforeAll(async () => {
    t = await openDialectSortie(dialect);
    s = t.sortie;
  });
  afterAll(() => t?.close());

  /**
   * An executing mission piloted by pia in its own project, with its own agents ann and bob, and `tasks` independent
   * unassigned tasks (or as given; `$ann` as an assignee is ann) created in order, so T0 is the oldest.
   */
  async function setup(tasks: Array<{ title?: string; priority?: 'low' | 'medium' | 'high' | 'urgent'; assignedTo?: string }> = [{}, {}, {}, {}]) {
    const n = ++counter;
    const project = `rules-${dialect}-${n}`;
    const ann: Actor = { agent: `ann${n}` };
    const bob: Actor = { agent: `bob${n}` };
    const named = tasks.map((spec) => ({ ...spec, assignedTo: spec.assignedTo?.replace('$ann', ann.agent) }));
    const mission = await missionIn(project, [ann, bob], named, `rules-${n}`);
    return { project, ann, bob, ...mission };
  }

  async function missionIn(
    project: string,
    agents: Actor[],
    tasks: Array<{ title?: string; priority?: 'low' | 'medium' | 'high' | 'urgent'; assignedTo?: string }>,
    name: string,
  ) {
    const m = await s.createMission(PIA, { name, pilot: 'pia', agents: agents.map((a) => a.agent), project });
    const ids: string[] = [];
    for (const [i, spec] of tasks.entries()) ids.push((await s.createTask(PIA, { title: spec.title ?? `task ${i}`, missionId: m.missionId, ...spec })).taskId);
    await s.moveMission(PIA, { missionId: m.missionId, status: 'plan' });
    await s.moveMission(PIA, { missionId: m.missionId, status: 'execute' });
    return { missionId: m.missionId, name, ids, key: (k: string) => ({ taskId: k, missionId: m.missionId }) };
  }

  describe('one task in progress per agent instance per project', () => {
    it('refuses a second start with TASK_START_BLOCKED naming the task in progress and the ways out, on every claim path, changing nothing', async () => {
      const x = await setup();
      const held = await s.checkoutTask(x.ann, x.key('T0'));
      const error = await refusedUnchanged(t, 'TASK_START_BLOCKED', () => s.checkoutTask(x.ann, x.key('T1')));
      expect(error.message).toContain('cannot start task T1 "task 1"');
      expect(error.message).toContain(`T0 "task 0" (mission ${x.name})`);
      expect(error.message).toContain(`project ${x.project}`);
      for (const way of ['complete_task', 'block_task', 'release_task', 'pause_task']) expect(error.hint).toContain(way);
      expect(error.hint).toContain(`sortie project set ${x.project} --max-in-progress`);
      expect(error.details).toEqual({
        project: x.project,
        limit: 1,
        instance: null,
        inProgress: [{ taskId: held.taskId, key: 'T0', title: 'task 0', missionId: x.missionId, mission: x.name }],
      });
      // start_task is checkoutTask; update_task's move and claim_next_task go through the same claim.
      await refusedUnchanged(t, 'TASK_START_BLOCKED', () => s.moveTask(x.ann, { ...x.key('T1'), status: 'in_progress' }));
      const next = await refusedUnchanged(t, 'TASK_START_BLOCKED', () => s.claimNextTask(x.ann, { project: x.project }));
      expect(next.message).toContain('cannot start task T1');
      expect((await s.getTask(PIA, x.key('T1'))).status).toBe('todo');
    });

    it('counts per instance and per project: another instance, another agent, another project may start', async () => {
      const x = await setup();
      const other = await missionIn(`${x.project}-other`, [x.ann], [{}], `${x.name}-other`);
      await s.checkoutTask(x.ann, x.key('T0'));
      const i2: Actor = { ...x.ann, instance: 'i2' };
      expect((await s.checkoutTask(i2, x.key('T1'))).claim).toMatchObject({ claimedBy: x.ann.agent, claimedByInstance: 'i2' });
      expect((await s.checkoutTask(x.bob, x.key('T2'))).claim?.claimedBy).toBe(x.bob.agent);
      expect((await s.checkoutTask(x.ann, other.key('T0'))).status).toBe('in_progress');
      // Each of them is now at its limit in this project.
      const error = await refusedUnchanged(t, 'TASK_START_BLOCKED', () => s.checkoutTask(i2, x.key('T3')));
      expect(error.details).toMatchObject({ instance: 'i2', inProgress: [{ key: 'T1' }] });
      await refusedUnchanged(t, 'TASK_START_BLOCKED', () => s.checkoutTask(x.bob, x.key('T3')));
    });

    it('a project raises the limit to N or turns it off; null is the default again', async () => {
      const x = await setup([{}, {}, {}, {}]);
      expect(await s.configureProject(PIA, { name: x.project, maxInProgress: 2 })).toMatchObject({ maxInProgress: 2, inProgressLimit: 2 });
      await s.checkoutTask(x.ann, x.key('T0'));
      await s.checkoutTask(x.ann, x.key('T1'));
      const error = await refusedUnchanged(t, 'TASK_START_BLOCKED', () => s.checkoutTask(x.ann, x.key('T2')));
      expect(error.message).toContain('already has 2 tasks in progress');
      expect(error.details).toMatchObject({ limit: 2, inProgress: [{ key: 'T0' }, { key: 'T1' }] });
      expect(error.details.inProgress).toHaveLength(2);
      expect(await s.configureProject(PIA, { name: x.project, maxInProgress: 0 })).toMatchObject({ maxInProgress: 0, inProgressLimit: null });
      await s.checkoutTask(x.ann, x.key('T2'));
      expect(await s.configureProject(PIA, { name: x.project, maxInProgress: null })).toMatchObject({ maxInProgress: null, inProgressLimit: 1 });
      await refusedUnchanged(t, 'TASK_START_BLOCKED', () => s.checkoutTask(x.ann, x.key('T3')));
    });

    it('claim_next_task picks only where the caller is under its limit, refuses when its only ready work waits where it is at it, and says nothing is ready otherwise', async () => {
      const x = await setup([{ title: 'held' }, { title: 'urgent but blocked by the limit', priority: 'urgent' }]);
      const elsewhere = await missionIn(`${x.project}-b`, [x.ann], [{ title: 'low elsewhere', priority: 'low' }], `${x.name}-b`);
      await s.checkoutTask(x.ann, x.key('T0'));
      // The urgent task waits in a project where ann is at its limit: the low one elsewhere is the pick.
      const picked = await s.claimNextTask(x.ann, {});
      expect(picked).toMatchObject({ missionId: elsewhere.missionId, key: 'T0', status: 'in_progress' });
      // Now at its limit in both; the urgent task is ready: refused, naming what holds the slot.
      const error = await refusedUnchanged(t, 'TASK_START_BLOCKED', () => s.claimNextTask(x.ann, {}));
      expect(error.message).toContain('cannot start task T1 "urgent but blocked by the limit"');
      expect(error.details).toMatchObject({ project: x.project, inProgress: [{ key: 'T0', title: 'held' }] });
      // Nothing ready in the other project: nothing to claim there, at the limit or not.
      expect(await s.claimNextTask(x.ann, { project: `${x.project}-b` })).toBeNull();
      expect(await s.claimNextTask(x.ann, { missionId: elsewhere.missionId })).toBeNull();
      await refusedUnchanged(t, 'TASK_START_BLOCKED', () => s.claimNextTask(x.ann, { missionId: x.missionId }));
      // Finishing the held task frees the slot: the urgent one is claimed next.
      await s.completeTask(x.ann, { ...x.key('T0'), completionNote: NOTE });
      expect(await s.claimNextTask(x.ann, {})).toMatchObject({ missionId: x.missionId, key: 'T1' });
    });

    it('release, complete, block and pause each free the slot; resuming a blocked task counts as a start', async () => {
      const x = await setup([{}, {}, {}, {}, {}]);
      await s.checkoutTask(x.ann, x.key('T0'));
      await s.releaseTask(x.ann, { ...x.key('T0'), reason: 'not mine after all' });
      await s.checkoutTask(x.ann, x.key('T1'));
      await s.completeTask(x.ann, { ...x.key('T1'), completionNote: NOTE });
      await s.checkoutTask(x.ann, x.key('T2'));
      await s.blockTask(x.ann, { ...x.key('T2'), reason: 'waits for credentials' });
      await s.checkoutTask(x.ann, x.key('T3'));
      // T2 is blocked (its claim kept, no lease): resuming it while T3 is in progress is a second start.
      const resume = await refusedUnchanged(t, 'TASK_START_BLOCKED', () => s.checkoutTask(x.ann, x.key('T2')));
      expect(resume.details).toMatchObject({ inProgress: [{ key: 'T3' }] });
      await s.pauseTask(x.ann, { ...x.key('T3'), reason: 'the blocked one can go on' });
      expect((await s.checkoutTask(x.ann, x.key('T2'))).status).toBe('in_progress');
      await refusedUnchanged(t, 'TASK_START_BLOCKED', () => s.checkoutTask(x.ann, x.key('T4')));
    });

    it('renewing your own live claim is never refused, even at the limit', async () => {
      const x = await setup();
      await s.configureProject(PIA, { name: x.project, maxInProgress: 2 });
      await s.checkoutTask(x.ann, x.key('T0'));
      await s.checkoutTask(x.ann, x.key('T1'));
      t.clock.advance(60_000);
      const since = await currentSeq(t);
      expect((await s.checkoutTask(x.ann, x.key('T0'))).claim).toMatchObject({ epoch: 1 });
      expect((await s.moveTask(x.ann, { ...x.key('T1'), status: 'in_progress' })).claim).toMatchObject({ epoch: 1 });
      expect(await eventKindsSince(t, since)).toEqual(['task.heartbeat', 'task.heartbeat']);
    });

    it('an expired claim does not count, and a takeover counts as a start for the instance that takes the claim', async () => {
      const x = await setup();
      const i1: Actor = { ...x.ann, instance: 'i1' };
      const i2: Actor = { ...x.ann, instance: 'i2' };
      await s.checkoutTask(i1, { ...x.key('T0'), leaseMinutes: 5 });
      t.clock.advance(6 * 60_000);
      expect((await s.checkoutTask(i1, x.key('T1'))).status).toBe('in_progress');
      await s.checkoutTask(i2, x.key('T2'));
      const error = await refusedUnchanged(t, 'TASK_START_BLOCKED', () => s.checkoutTask(i2, { ...x.key('T1'), takeover: true }));
      expect(error.details).toMatchObject({ instance: 'i2', inProgress: [{ key: 'T2' }] });
    });

    it('a reviewer sending a task back to its author is not refused, though the author then holds two', async () => {
      const x = await setup();
      await s.checkoutTask(x.ann, x.key('T0'));
      await s.submitForReview(x.ann, { ...x.key('T0'), completionNote: NOTE });
      await s.checkoutTask(x.ann, x.key('T1'));
      const back = await s.returnFromReview(PIA, { ...x.key('T0'), reason: 'one more test' });
      expect(back).toMatchObject({ status: 'in_progress', claim: { claimedBy: x.ann.agent } });
      const error = await refusedUnchanged(t, 'TASK_START_BLOCKED', () => s.checkoutTask(x.ann, x.key('T2')));
      expect(error.details.inProgress).toHaveLength(2);
    });

    it('the project setting persists, keeps the repository settings, and refuses a bad value changing nothing', async () => {
      const x = await setup([{}]);
      await s.configureProject(PIA, { name: x.project, repoPath: '/srv/repo', repoUrl: 'https://example.com/acme/repo' });
      expect(await s.configureProject(PIA, { name: x.project, maxInProgress: 3 })).toEqual({
        name: x.project,
        repoPath: '/srv/repo',
        repoUrl: 'https://example.com/acme/repo',
        maxInProgress: 3,
        inProgressLimit: 3,
      });
      const stored = async () => (await s.listProjects(PIA, {})).find((p) => p.name === x.project);
      expect(await stored()).toMatchObject({ repo_path: '/srv/repo', repo_url: 'https://example.com/acme/repo', max_in_progress: 3 });
      // A repository change keeps the limit; null clears only the setting it names.
      await s.configureProject(PIA, { name: x.project, repoUrl: null });
      expect(await stored()).toMatchObject({ repo_path: '/srv/repo', repo_url: null, max_in_progress: 3 });
      for (const bad of [-1, 1.5, 1001, '2'] as unknown[]) {
        const error = await refusedUnchanged(t, 'VALIDATION_FAILED', () => s.configureProject(PIA, { name: x.project, maxInProgress: bad as number }));
        expect(error.details.field).toBe('maxInProgress');
      }
      const events = (await s.listEvents(PIA, { project: x.project })).items.filter((e) => e.kind === 'project.configured');
      expect(events.map((e) => e.details)).toEqual([
        { repoPath: '/srv/repo', repoUrl: 'https://example.com/acme/repo' },
        { maxInProgress: 3 },
        { repoUrl: null },
      ]);
    });

    it('of two concurrent claims of two different tasks by one instance exactly one wins', async () => {
      for (let round = 0; round < 10; round++) {
        const x = await setup([{}, {}]);
        const since = await currentSeq(t);
        const results = await Promise.allSettled([s.checkoutTask(x.ann, x.key('T0')), s.checkoutTask(x.ann, x.key('T1'))]);
        const won = results.filter((r) => r.status === 'fulfilled');
        const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
        expect(won, `round ${round}`).toHaveLength(1);
        expect(lost[0].reason).toBeInstanceOf(DomainError);
        expect((lost[0].reason as DomainError).code).toBe('TASK_START_BLOCKED');
        const statuses = (await s.listTasks(PIA, { missionId: x.missionId })).items.map((task) => task.status).sort();
        expect(statuses).toEqual(['in_progress', 'todo']);
        expect(await eventKindsSince(t, since, { missionId: x.missionId })).toEqual(['task.claimed']);
      }
    });

    it('of two concurrent claim_next_task calls of one instance exactly one claims', async () => {
      for (let round = 0; round < 5; round++) {
        const x = await setup([{}, {}]);
        const results = await Promise.allSettled([s.claimNextTask(x.ann, { project: x.project }), s.claimNextTask(x.ann, { project: x.project })]);
        const claimed = results.filter((r) => r.status === 'fulfilled' && r.value !== null);
        expect(claimed, `round ${round}`).toHaveLength(1);
        for (const r of results.filter((r): r is PromiseRejectedResult => r.status === 'rejected')) {
          expect((r.reason as DomainError).code).toBe('TASK_START_BLOCKED');
        }
        const statuses = (await s.listTasks(PIA, { missionId: x.missionId })).items.map((task) => task.status).sort();
        expect(statuses).toEqual(['in_progress', 'todo']);
      }
    });
  });

  describe('pause_task', () => {
    it('returns the task to todo with the claim released and the assignee kept, records the pause and its event; claiming again clears it', async () => {
      const x = await setup([{ assignedTo: '$ann' }, {}]);
      const held = await s.checkoutTask(x.ann, x.key('T0'));
      t.clock.advance(60_000);
      const since = await currentSeq(t);
      const paused = await s.pauseTask(x.ann, { ...x.key('T0'), reason: 'waiting for the design review', epoch: held.epoch });
      expect(paused).toMatchObject({
        status: 'todo',
        claim: null,
        assignedTo: x.ann.agent,
        pausedAt: new Date(t.clock.now()).toISOString(),
        pausedReason: 'waiting for the design review',
        epoch: 1,
      });
      const events = (await s.listEvents(PIA, { since })).items;
      expect(events.map((e) => [e.kind, e.actor, e.taskId])).toEqual([['task.paused', x.ann.agent, held.taskId]]);
      expect(events[0].details).toMatchObject({ reason: 'waiting for the design review', epoch: 1 });
      // An unassigned task stays unassigned.
      await s.checkoutTask(x.ann, x.key('T1'));
      expect(await s.pauseTask(x.ann, { ...x.key('T1'), reason: 'later' })).toMatchObject({ status: 'todo', assignedTo: null, claim: null });
      // Claimed again (by anyone eligible): the pause is cleared.
      const again = await s.checkoutTask(x.ann, x.key('T0'));
      expect(again).toMatchObject({ status: 'in_progress', pausedAt: null, pausedReason: null, epoch: 2 });
      const byBob = await s.checkoutTask(x.bob, x.key('T1'));
      expect(byBob).toMatchObject({ pausedAt: null, pausedReason: null, claim: { claimedBy: x.bob.agent } });
    });

    it('needs a reason, coded VALIDATION_FAILED, changing nothing', async () => {
      const x = await setup([{}]);
      await s.checkoutTask(x.ann, x.key('T0'));
      for (const reason of [undefined, '', '   ']) {
        const error = await refusedUnchanged(t, 'VALIDATION_FAILED', () => s.pauseTask(x.ann, { ...x.key('T0'), reason }));
        expect(error.details.field).toBe('reason');
      }
      await refusedUnchanged(t, 'VALIDATION_FAILED', () => s.pauseTask(x.ann, { ...x.key('T0'), reason: 'x'.repeat(5001) }));
    });

    it('is for the holder only: another agent is FORBIDDEN, another instance ALREADY_CLAIMED, a stale epoch LEASE_LOST, a todo task not paused', async () => {
      const x = await setup([{}, {}]);
      await s.checkoutTask(x.ann, x.key('T0'));
      await refusedUnchanged(t, 'FORBIDDEN', () => s.pauseTask(x.bob, { ...x.key('T0'), reason: 'not mine' }));
      await refusedUnchanged(t, 'FORBIDDEN', () => s.pauseTask(PIA, { ...x.key('T0'), reason: 'the pilot is not the holder' }));
      await refusedUnchanged(t, 'ALREADY_CLAIMED', () => s.pauseTask({ ...x.ann, instance: 'other' }, { ...x.key('T0'), reason: 'another session' }));
      await refusedUnchanged(t, 'LEASE_LOST', () => s.pauseTask(x.ann, { ...x.key('T0'), reason: 'stale', epoch: 0 }));
      // Expired and re-claimed by bob: ann's pause is LEASE_LOST, never applied to bob's claim.
      t.clock.advance(31 * 60_000);
      await s.checkoutTask(x.bob, x.key('T0'));
      await refusedUnchanged(t, 'LEASE_LOST', () => s.pauseTask(x.ann, { ...x.key('T0'), reason: 'late', epoch: 1 }));
      await refusedUnchanged(t, 'INVALID_TRANSITION', () => s.pauseTask(x.bob, { ...x.key('T1'), reason: 'never started' }));
    });

    it("my_work lists the caller's paused tasks apart — paused by it or assigned to it — and not as ready", async () => {
      const x = await setup([{ title: 'paused' }, { title: 'ready' }]);
      await s.checkoutTask(x.ann, x.key('T0'));
      await s.pauseTask(x.ann, { ...x.key('T0'), reason: 'back tomorrow' });
      const mine = await s.myWork(x.ann, {});
      expect(mine.paused.map((task) => [task.key, task.pausedReason])).toEqual([['T0', 'back tomorrow']]);
      expect(mine.ready.map((task) => task.key)).toEqual(['T1']);
      expect(mine.claimed).toEqual([]);
      // Another agent of the mission sees it as ready work, not as its paused work.
      const bobs = await s.myWork(x.bob, {});
      expect(bobs.paused).toEqual([]);
      expect(bobs.ready.map((task) => task.key)).toEqual(['T0', 'T1']);
      // Assigned to bob now: his paused work too (and still ann's, who paused it).
      await s.updateTask(PIA, { ...x.key('T0'), assignedTo: x.bob.agent });
      expect((await s.myWork(x.bob, {})).paused.map((task) => task.key)).toEqual(['T0']);
      expect((await s.myWork(x.bob, {})).ready.map((task) => task.key)).toEqual(['T1']);
      expect((await s.myWork(x.ann, {})).paused.map((task) => task.key)).toEqual(['T0']);
      // Claimed again, it is no longer paused anywhere.
      await s.checkoutTask(x.bob, x.key('T0'));
      expect((await s.myWork(x.ann, {})).paused).toEqual([]);
      expect((await s.myWork(x.bob, {})).paused).toEqual([]);
    });

    it('a cancel ends the pause: reopened, the task is plain todo work again', async () => {
      const x = await setup([{}]);
      await s.checkoutTask(x.ann, x.key('T0'));
      await s.pauseTask(x.ann, { ...x.key('T0'), reason: 'maybe not needed' });
      expect(await s.cancelTask(PIA, { ...x.key('T0'), cancelReason: 'not needed' })).toMatchObject({
        status: 'cancelled',
        pausedAt: null,
        pausedReason: null,
      });
      await s.reopenTask(PIA, { ...x.key('T0'), reason: 'needed after all' });
      const mine = await s.myWork(x.ann, {});
      expect(mine.paused).toEqual([]);
      expect(mine.ready.map((task) => task.key)).toEqual(['T0']);
    });
  });
});
