// Claims with leases, on every dialect and an injected clock: atomic checkout, expiry and fencing, heartbeats,
// the sweep, release, and claim_next_task's choice — with proof that refused calls change nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../src/core/model.js';
import type { Sortie } from '../src/service/sortie.js';
import { DIALECTS, openDialectSortie } from './support/dialects.js';
import type { TestSortie } from './support/sortie.js';
import { currentSeq, eventKindsSince, refusedUnchanged } from './support/unchanged.js';

const PIA: Actor = { agent: 'pia' };
const MINUTE = 60_000;
const NOTE = 'Shipped in 3f2c9e1, 12/12 tests.';

describe.each(DIALECTS)('claims on %s', (dialect) => {
  let t: TestSortie;
  let s: Sortie;
  let counter = 0;

  beforeAll(async () => {
    t = await openDialectSortie(dialect);
    s = t.sortie;
  });
  afterAll(() => t?.close());

  const iso = (ms: number) => new Date(ms).toISOString();

  /**
   * A fresh executing mission in its own project, piloted by pia, with its own two agents (so no other test's
   * tasks are eligible for them). Tasks are created in order, so T0 is the oldest.
   */
  async function setup(
    tasks: Array<{ title?: string; priority?: 'low' | 'medium' | 'high' | 'urgent'; assignedTo?: string; leaseMinutes?: number; dependsOn?: string[] }> = [{}],
  ) {
    const n = ++counter;
    const project = `claims-${dialect}-${n}`;
    const a: Actor = { agent: `ann${n}` };
    const b: Actor = { agent: `bob${n}` };
    const m = await s.createMission(PIA, { name: `claims-${n}`, pilot: 'pia', agents: [a.agent, b.agent], project });
    const ids: string[] = [];
    for (const [i, spec] of tasks.entries()) {
      const task = await s.createTask(PIA, {
        title: spec.title ?? `task ${i}`,
        missionId: m.missionId,
        ...spec,
        assignedTo: spec.assignedTo?.replace('$a', a.agent).replace('$b', b.agent),
      });
      ids.push(task.taskId);
    }
    await s.updateMissionStatus(PIA, { missionId: m.missionId, status: 'plan' });
    await s.updateMissionStatus(PIA, { missionId: m.missionId, status: 'execute' });
    return { missionId: m.missionId, project, a, b, ids, key: (k: string) => ({ taskId: k, missionId: m.missionId }) };
  }

  describe('checkout', () => {
    it('claims with a 30-minute default lease and epoch 1; a second claimant gets ALREADY_CLAIMED naming holder and expiry', async () => {
      const x = await setup();
      const claimed = await s.checkoutTask(x.a, x.key('T0'));
      expect(claimed).toMatchObject({
        status: 'in_progress',
        epoch: 1,
        claim: { claimedBy: x.a.agent, epoch: 1, leaseExpiresAt: iso(t.clock.now() + 30 * MINUTE) },
      });
      expect(claimed.startedAt).toBe(iso(t.clock.now()));
      const error = await refusedUnchanged(t, 'ALREADY_CLAIMED', () => s.checkoutTask(x.b, x.key('T0')));
      expect(error.message).toContain(x.a.agent);
      expect(error.message).toContain(claimed.claim?.leaseExpiresAt);
      expect(error.details).toMatchObject({ holder: x.a.agent, leaseExpiresAt: claimed.claim?.leaseExpiresAt, epoch: 1 });
    });

    it('of many concurrent claimants exactly one wins; the rest get ALREADY_CLAIMED', async () => {
      const x = await setup();
      const agents = [x.a, x.b, PIA];
      const results = await Promise.allSettled(agents.map((a) => s.checkoutTask(a, x.key('T0'))));
      const winners = results.filter((r) => r.status === 'fulfilled');
      expect(winners).toHaveLength(1);
      for (const r of results) if (r.status === 'rejected') expect(r.reason.code).toBe('ALREADY_CLAIMED');
      expect(await eventKindsSince(t, 0, { taskId: x.ids[0] })).toEqual(['task.created', 'task.claimed']);
    });

    it('re-claiming your own live claim renews the lease without a new epoch', async () => {
      const x = await setup();
      await s.checkoutTask(x.a, x.key('T0'));
      t.clock.advance(10 * MINUTE);
      const again = await s.checkoutTask(x.a, x.key('T0'));
      expect(again.claim).toMatchObject({ epoch: 1, leaseExpiresAt: iso(t.clock.now() + 30 * MINUTE) });
    });

    it('honours per-claim and per-task lease lengths, and the server default', async () => {
      const x = await setup([{ leaseMinutes: 5 }, {}]);
      expect((await s.checkoutTask(x.a, x.key('T0'))).claim?.leaseExpiresAt).toBe(iso(t.clock.now() + 5 * MINUTE));
      expect((await s.checkoutTask(x.b, { ...x.key('T1'), leaseMinutes: 90 })).claim?.leaseExpiresAt).toBe(iso(t.clock.now() + 90 * MINUTE));
      const short = await openDialectSortie(dialect, { leaseMs: 2 * MINUTE });
      try {
        const m = await short.sortie.createMission(PIA, { name: 'short', pilot: 'pia' });
        await short.sortie.createTask(PIA, { title: 'quick', missionId: m.missionId });
        await short.sortie.updateMissionStatus(PIA, { missionId: m.missionId, status: 'plan' });
        await short.sortie.updateMissionStatus(PIA, { missionId: m.missionId, status: 'execute' });
        const claim = await short.sortie.checkoutTask(PIA, { taskId: 'T0', missionId: m.missionId });
        expect(claim.claim?.leaseExpiresAt).toBe(iso(short.clock.now() + 2 * MINUTE));
      } finally {
        await short.close();
      }
    });

    it('start_task is the claim for a task assigned to the caller; others are refused', async () => {
      const x = await setup([{ assignedTo: '$a' }]);
      await refusedUnchanged(t, 'FORBIDDEN', () => s.checkoutTask(x.b, x.key('T0')));
      expect((await s.checkoutTask(x.a, x.key('T0'))).claim?.claimedBy).toBe(x.a.agent);
    });
  });

  describe('lease expiry and fencing', () => {
    it("after expiry another agent claims; the first agent's complete and heartbeat are LEASE_LOST and nothing is applied", async () => {
      const x = await setup();
      const first = await s.checkoutTask(x.a, x.key('T0'));
      t.clock.advance(31 * MINUTE);
      const since = await currentSeq(t);
      const second = await s.checkoutTask(x.b, x.key('T0'));
      expect(second).toMatchObject({ epoch: 2, claim: { claimedBy: x.b.agent, epoch: 2 } });
      const events = (await s.listEvents(PIA, { since })).items;
      expect(events.map((e) => e.kind)).toEqual(['task.lease_expired', 'task.claimed']);
      expect(events[0].details).toMatchObject({ holder: x.a.agent, epoch: 1, leaseExpiresAt: first.claim?.leaseExpiresAt });
      for (const write of [
        () => s.completeTask(x.a, { ...x.key('T0'), completionNote: NOTE }),
        () => s.heartbeatTask(x.a, x.key('T0')),
        () => s.releaseTask(x.a, x.key('T0')),
        () => s.failTask(x.a, { ...x.key('T0'), failureNote: 'gave up' }),
        () => s.blockTask(x.a, { ...x.key('T0'), reason: 'stuck' }),
        () => s.submitForReview(x.a, { ...x.key('T0'), completionNote: NOTE }),
        () => s.completeTask(x.a, { ...x.key('T0'), completionNote: NOTE, epoch: 1 }),
      ]) {
        const error = await refusedUnchanged(t, 'LEASE_LOST', write);
        expect(error.hint).toContain('not applied');
      }
      // The new holder is unaffected.
      expect((await s.completeTask(x.b, { ...x.key('T0'), completionNote: NOTE, epoch: 2 })).status).toBe('done');
    });

    it('a write after the lease ran out, before anyone re-claimed, is LEASE_LOST too', async () => {
      const x = await setup();
      await s.checkoutTask(x.a, x.key('T0'));
      t.clock.advance(30 * MINUTE + 1);
      const error = await refusedUnchanged(t, 'LEASE_LOST', () => s.heartbeatTask(x.a, x.key('T0')));
      expect(error.message).toContain('expired');
      await refusedUnchanged(t, 'LEASE_LOST', () => s.completeTask(x.a, { ...x.key('T0'), completionNote: NOTE }));
      // Claiming it again starts a new epoch after recording the expiry.
      const since = await currentSeq(t);
      expect((await s.checkoutTask(x.a, x.key('T0'))).epoch).toBe(2);
      expect(await eventKindsSince(t, since)).toEqual(['task.lease_expired', 'task.claimed']);
    });

    it('a stale epoch is LEASE_LOST even for the current holder name', async () => {
      const x = await setup();
      await s.checkoutTask(x.a, x.key('T0'));
      await s.releaseTask(x.a, x.key('T0'));
      await s.checkoutTask(x.a, x.key('T0'));
      const error = await refusedUnchanged(t, 'LEASE_LOST', () => s.completeTask(x.a, { ...x.key('T0'), completionNote: NOTE, epoch: 1 }));
      expect(error.details).toMatchObject({ epoch: 2, yourEpoch: 1 });
    });

    it('the sweep returns expired claims to todo with task.lease_expired, and leaves live ones', async () => {
      const x = await setup([{}, { leaseMinutes: 120 }]);
      await s.checkoutTask(x.a, x.key('T0'));
      await s.checkoutTask(x.b, x.key('T1'));
      t.clock.advance(45 * MINUTE);
      const since = await currentSeq(t);
      expect(await s.sweepExpiredLeases()).toBeGreaterThanOrEqual(1);
      expect(await s.getTask(PIA, x.key('T0'))).toMatchObject({ status: 'todo', claim: null });
      expect(await s.getTask(PIA, x.key('T1'))).toMatchObject({ status: 'in_progress', claim: { claimedBy: x.b.agent } });
      const mine = (await s.listEvents(PIA, { since, missionId: x.missionId })).items;
      expect(mine.map((e) => [e.kind, e.taskId, e.actor])).toEqual([['task.lease_expired', x.ids[0], 'sortie']]);
      expect(await s.sweepExpiredLeases()).toBe(0);
      await refusedUnchanged(t, 'LEASE_LOST', () => s.completeTask(x.a, { ...x.key('T0'), completionNote: NOTE }));
      // Swept, then re-claimed by someone else (the pilot: b already has its task in progress here): still LEASE_LOST
      // for the first holder.
      await s.checkoutTask(PIA, x.key('T0'));
      await refusedUnchanged(t, 'LEASE_LOST', () => s.heartbeatTask(x.a, x.key('T0')));
    });

    it('heartbeat extends the lease from now', async () => {
      const x = await setup();
      await s.checkoutTask(x.a, x.key('T0'));
      t.clock.advance(20 * MINUTE);
      const beat = await s.heartbeatTask(x.a, { ...x.key('T0'), epoch: 1 });
      expect(beat.claim?.leaseExpiresAt).toBe(iso(t.clock.now() + 30 * MINUTE));
      t.clock.advance(20 * MINUTE); // 40 minutes after the claim, 20 after the heartbeat
      await s.sweepExpiredLeases();
      expect((await s.getTask(PIA, x.key('T0'))).claim?.claimedBy).toBe(x.a.agent);
      expect((await s.completeTask(x.a, { ...x.key('T0'), completionNote: NOTE })).status).toBe('done');
    });

    it('any write by the holder extends the lease', async () => {
      const x = await setup([{}, {}]);
      await s.checkoutTask(x.a, x.key('T1'));
      t.clock.advance(25 * MINUTE);
      const edited = await s.updateTask(x.a, { ...x.key('T1'), description: 'found the root cause' });
      expect(edited.claim?.leaseExpiresAt).toBe(iso(t.clock.now() + 30 * MINUTE));
      t.clock.advance(25 * MINUTE);
      const linked = await s.addTaskDependency(x.a, { ...x.key('T1'), dependsOn: ['T0'] });
      expect(linked.claim?.leaseExpiresAt).toBe(iso(t.clock.now() + 30 * MINUTE));
      t.clock.advance(25 * MINUTE);
      const unlinked = await s.removeTaskDependency(x.a, { ...x.key('T1'), dependsOn: ['T0'] });
      expect(unlinked.claim?.leaseExpiresAt).toBe(iso(t.clock.now() + 30 * MINUTE));
      t.clock.advance(29 * MINUTE); // 79 minutes after the claim, 29 after the last write
      expect((await s.heartbeatTask(x.a, x.key('T1'))).status).toBe('in_progress');
    });

    it('a non-holder writing to a claimed task is FORBIDDEN, not LEASE_LOST', async () => {
      const x = await setup();
      await s.checkoutTask(x.a, x.key('T0'));
      await refusedUnchanged(t, 'FORBIDDEN', () => s.completeTask(x.b, { ...x.key('T0'), completionNote: NOTE }));
      await refusedUnchanged(t, 'FORBIDDEN', () => s.heartbeatTask(x.b, x.key('T0')));
    });
  });

  describe('release', () => {
    it('hands the claim back to todo with an event, and another agent may claim it', async () => {
      const x = await setup();
      await s.checkoutTask(x.a, x.key('T0'));
      const since = await currentSeq(t);
      const released = await s.releaseTask(x.a, { ...x.key('T0'), reason: 'switching context' });
      expect(released).toMatchObject({ status: 'todo', claim: null });
      expect((await s.listEvents(PIA, { since })).items.map((e) => [e.kind, e.details.reason])).toEqual([['task.released', 'switching context']]);
      expect((await s.checkoutTask(x.b, x.key('T0'))).claim).toMatchObject({ claimedBy: x.b.agent, epoch: 2 });
      await refusedUnchanged(t, 'LEASE_LOST', () => s.releaseTask(x.a, x.key('T0')));
    });

    it('refuses releasing a task nobody claimed', async () => {
      const x = await setup();
      await refusedUnchanged(t, 'INVALID_TRANSITION', () => s.releaseTask(x.a, x.key('T0')));
    });
  });

  describe('claim_next_task', () => {
    it('picks the highest priority, then the oldest, and skips tasks that are not ready', async () => {
      const x = await setup([
        { title: 'old low', priority: 'low' },
        { title: 'old high', priority: 'high' },
        { title: 'waits', priority: 'urgent', dependsOn: ['T0'] },
        { title: 'new high', priority: 'high' },
        { title: 'medium', priority: 'medium' },
      ]);
      const order: string[] = [];
      for (let i = 0; i < 4; i++) {
        const task = await s.claimNextTask(x.a, { missionId: x.missionId });
        order.push(task?.title ?? 'none');
        if (task && task.title !== 'old low') await s.completeTask(x.a, { taskId: task.taskId, completionNote: NOTE });
      }
      expect(order).toEqual(['old high', 'new high', 'medium', 'old low']);
      // "waits" needs T0 (old low), which ann now holds: nothing is ready for bob.
      expect(await s.claimNextTask(x.b, { missionId: x.missionId })).toBeNull();
      await s.completeTask(x.a, { ...x.key('T0'), completionNote: NOTE });
      expect((await s.claimNextTask(x.b, { missionId: x.missionId }))?.title).toBe('waits');
    });

    it('answers with the claimed task as get_task shows it: its dependencies, and the evidence of a reopened task', async () => {
      const x = await setup([{ title: 'first' }, { title: 'second', dependsOn: ['T0'] }]);
      const first = await s.claimNextTask(x.a, { missionId: x.missionId });
      expect(first).toMatchObject({ title: 'first', dependsOn: [], evidence: [] });
      await s.completeTask(x.a, { taskId: first?.taskId as string, completionNote: NOTE, epoch: first?.epoch });
      await s.reopenTask(PIA, { taskId: first?.taskId as string, reason: 'the tests were flaky' });
      // Reopened: its old evidence is still on record (superseded), and the claim's answer lists it like get_task.
      const again = await s.claimNextTask(x.a, { missionId: x.missionId });
      const shown = await s.getTask(x.a, { taskId: first?.taskId as string });
      expect(again?.taskId).toBe(first?.taskId);
      expect(again?.evidence.length).toBeGreaterThan(0);
      expect(again?.evidence).toEqual(shown.evidence);
      await s.completeTask(x.a, { taskId: first?.taskId as string, completionNote: NOTE, epoch: again?.epoch });
      const second = await s.claimNextTask(x.b, { missionId: x.missionId });
      expect(second?.title).toBe('second');
      expect(second?.dependsOn).toEqual([first?.taskId]);
      expect(second).toEqual(await s.getTask(x.b, { taskId: second?.taskId as string }));
    });

    it("claims tasks assigned to the caller or unassigned in its missions — never others' tasks, never as an outsider", async () => {
      const x = await setup([
        { title: 'for bob', assignedTo: '$b', priority: 'urgent' },
        { title: 'open', priority: 'low' },
      ]);
      const outsider: Actor = { agent: `otto-${x.project}` };
      expect(await s.claimNextTask(outsider, { project: x.project })).toBeNull();
      expect((await s.claimNextTask(x.a, { project: x.project }))?.title).toBe('open');
      expect(await s.claimNextTask(x.a, { project: x.project })).toBeNull();
      expect((await s.claimNextTask(x.b, {}))?.title).toBe('for bob');
    });

    it('filters by mission and by project', async () => {
      const x = await setup([{ title: 'here' }]);
      const other = await s.createMission(PIA, { name: `elsewhere-${x.project}`, pilot: 'pia', agents: [x.a.agent], project: `${x.project}-b` });
      await s.createTask(PIA, { title: 'there', missionId: other.missionId, priority: 'urgent' });
      await s.updateMissionStatus(PIA, { missionId: other.missionId, status: 'plan' });
      await s.updateMissionStatus(PIA, { missionId: other.missionId, status: 'execute' });
      expect((await s.claimNextTask(x.a, { missionId: x.missionId }))?.title).toBe('here');
      expect(await s.claimNextTask(x.a, { project: x.project })).toBeNull();
      expect((await s.claimNextTask(x.a, { project: `${x.project}-b` }))?.title).toBe('there');
    });

    it('sweeps expired leases first, so their tasks are candidates again', async () => {
      const x = await setup([{ title: 'abandoned' }]);
      await s.checkoutTask(x.a, x.key('T0'));
      expect(await s.claimNextTask(x.b, { missionId: x.missionId })).toBeNull();
      t.clock.advance(31 * MINUTE);
      const since = await currentSeq(t);
      const taken = await s.claimNextTask(x.b, { missionId: x.missionId });
      expect(taken).toMatchObject({ title: 'abandoned', epoch: 2, claim: { claimedBy: x.b.agent } });
      expect(await eventKindsSince(t, since, { missionId: x.missionId })).toEqual(['task.lease_expired', 'task.claimed']);
    });

    it('returns null, recording nothing, when nothing is ready', async () => {
      const x = await setup([{ assignedTo: '$b' }]);
      const since = await currentSeq(t);
      expect(await s.claimNextTask(x.a, { missionId: x.missionId })).toBeNull();
      expect(await currentSeq(t)).toBe(since);
    });
  });
  describe("the terms of a claim stay the pilot's", () => {
    it('a holder cannot drop the evidence its task requires, nor change its lease, owner or priority', async () => {
      const x = await setup([{ assignedTo: '$a' }]);
      await s.updateTask(PIA, { ...x.key('T0'), requiredEvidence: ['commit'] });
      await s.checkoutTask(x.a, x.key('T0'));
      for (const patch of [{ requiredEvidence: [] }, { leaseMinutes: 600 }, { assignedTo: x.b.agent }, { priority: 'urgent' as const }]) {
        const error = await refusedUnchanged(t, 'FORBIDDEN', () => s.updateTask(x.a, { ...x.key('T0'), ...patch }));
        expect(error.message).toMatch(/only the creator or the mission pilot/);
      }
      // Its own description it may still edit.
      expect((await s.updateTask(x.a, { ...x.key('T0'), description: 'notes from the holder' })).description).toBe('notes from the holder');
      await refusedUnchanged(t, 'EVIDENCE_REQUIRED', () => s.completeTask(x.a, { ...x.key('T0'), completionNote: 'see README.md' }));
    });

    it('a field edit through an expired lease is LEASE_LOST and not applied', async () => {
      const x = await setup([{ assignedTo: '$a' }]);
      await s.checkoutTask(x.a, x.key('T0'));
      t.clock.advance(31 * MINUTE);
      await refusedUnchanged(t, 'LEASE_LOST', () => s.updateTask(x.a, { ...x.key('T0'), description: 'stale write' }));
    });

    it('the author of a task in review cannot approve it; the pilot can', async () => {
      const x = await setup([{}]);
      const m = await s.getMission(PIA, { missionId: x.missionId });
      // ann creates a task in pia's mission, writes it and submits it for review: creator and author at once.
      const own = await s.createTask(x.a, { title: 'self-review', missionId: m.missionId });
      await s.checkoutTask(x.a, { taskId: own.taskId });
      await s.submitForReview(x.a, { taskId: own.taskId, completionNote: NOTE });
      const error = await refusedUnchanged(t, 'FORBIDDEN', () => s.completeTask(x.a, { taskId: own.taskId, completionNote: 'approved by me' }));
      expect(error.message).toContain('own review');
      expect((await s.completeTask(PIA, { taskId: own.taskId, completionNote: 'approved' })).status).toBe('done');
    });
  });

  describe('dependency cycles under concurrency', () => {
    it('of A→B and B→A added at the same moment exactly one lands; the other is DEPENDENCY_CYCLE', async () => {
      for (let round = 0; round < 5; round++) {
        // Tasks outside any mission share no row lock: only the dependency-graph lock can order the two checks.
        const project = `cycle-${dialect}-${round}`;
        const a = await s.createTask(PIA, { title: 'A', project });
        const b = await s.createTask(PIA, { title: 'B', project });
        const results = await Promise.allSettled([
          s.addTaskDependency(PIA, { taskId: a.taskId, dependsOn: [b.taskId] }),
          s.addTaskDependency(PIA, { taskId: b.taskId, dependsOn: [a.taskId] }),
        ]);
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
        const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
        expect(rejected.reason.code).toBe('DEPENDENCY_CYCLE');
        const [ta, tb] = [await s.getTask(PIA, { taskId: a.taskId }), await s.getTask(PIA, { taskId: b.taskId })];
        expect(ta.dependsOn.length + tb.dependsOn.length).toBe(1);
      }
    });
  });
});
