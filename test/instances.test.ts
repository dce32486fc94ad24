// One holder per task across the instances (sessions) of one agent, on every dialect: a second instance is
// refused naming the holder instance, the holder's writes are fenced by instance and epoch, my_work shows what
// the agent holds elsewhere, and an explicit takeover moves the claim — after which the old instance is LEASE_LOST.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../src/core/model.js';
import type { Sortie } from '../src/service/sortie.js';
import { DIALECTS, openDialectSortie } from './support/dialects.js';
import type { TestSortie } from './support/sortie.js';
import { currentSeq, refusedUnchanged } from './support/unchanged.js';

const PIA: Actor = { agent: 'pia' };
const NOTE = 'Shipped in 3f2c9e1, 12/12 tests.';

describe.each(DIALECTS)('instances of one agent on %s', (dialect) => {
  let t: TestSortie;
  let s: Sortie;
  let counter = 0;

  beforeAll(async () => {
    t = await openDialectSortie(dialect);
    s = t.sortie;
  });
  afterAll(() => t?.close());

  /** An executing mission in its own project with one todo task assigned to a fresh agent, seen as two instances. */
  async function setup() {
    const n = ++counter;
    const agent = `alice${n}`;
    const i1: Actor = { agent, instance: 'i1' };
    const i2: Actor = { agent, instance: 'i2' };
    const m = await s.createMission(PIA, { name: `inst-${n}`, pilot: 'pia', agents: [agent, `bob${n}`], project: `inst-${dialect}-${n}` });
    const task = await s.createTask(PIA, { title: 'the one task', missionId: m.missionId, assignedTo: agent });
    await s.createTask(PIA, { title: 'unassigned', missionId: m.missionId });
    await s.updateMissionStatus(PIA, { missionId: m.missionId, status: 'plan' });
    await s.updateMissionStatus(PIA, { missionId: m.missionId, status: 'execute' });
    const events = async () => (await s.listEvents(PIA, { taskId: task.taskId, limit: 500 })).items;
    return { agent, i1, i2, bob: { agent: `bob${n}` } as Actor, missionId: m.missionId, ref: { taskId: task.taskId }, events };
  }

  it('the same instance re-claiming its live claim renews it; another instance of the agent gets ALREADY_CLAIMED naming the holder instance and expiry', async () => {
    const x = await setup();
    const first = await s.checkoutTask(x.i1, x.ref);
    expect(first.claim).toMatchObject({ claimedBy: x.agent, claimedByInstance: 'i1', epoch: 1 });
    t.clock.advance(60_000);
    const renewed = await s.checkoutTask(x.i1, x.ref);
    expect(renewed.claim).toMatchObject({ claimedByInstance: 'i1', epoch: 1 });
    expect((renewed.claim?.leaseExpiresAt ?? '') > (first.claim?.leaseExpiresAt ?? '')).toBe(true);
    const error = await refusedUnchanged(t, 'ALREADY_CLAIMED', () => s.checkoutTask(x.i2, x.ref));
    expect(error.message).toContain('i1');
    expect(error.message).toContain(renewed.claim?.leaseExpiresAt);
    expect(error.details).toMatchObject({ holder: x.agent, holderInstance: 'i1', leaseExpiresAt: renewed.claim?.leaseExpiresAt, epoch: 1, yourInstance: 'i2' });
    expect(error.hint).toContain('takeover');
    // The log: one claim (with its instance) and one renewal; the refused second instance left nothing.
    const events = await x.events();
    expect(events.map((e) => e.kind)).toEqual(['task.created', 'task.claimed', 'task.heartbeat']);
    expect(events[1].details).toMatchObject({ instance: 'i1', epoch: 1 });
  });

  it('of two instances racing for one task exactly one wins; the other is refused', async () => {
    const x = await setup();
    const results = await Promise.allSettled([s.checkoutTask(x.i1, x.ref), s.checkoutTask(x.i2, x.ref)]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const lost = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(lost.reason.code).toBe('ALREADY_CLAIMED');
    expect((await x.events()).map((e) => e.kind)).toEqual(['task.created', 'task.claimed']);
  });

  it("the holder's writes are fenced by instance: another instance that never held the claim is refused on each, changing nothing", async () => {
    const x = await setup();
    await s.checkoutTask(x.i1, x.ref);
    const writes: Array<[string, () => Promise<unknown>]> = [
      ['heartbeat', () => s.heartbeatTask(x.i2, x.ref)],
      ['release', () => s.releaseTask(x.i2, { ...x.ref, reason: 'mine now' })],
      ['complete', () => s.completeTask(x.i2, { ...x.ref, completionNote: NOTE })],
      ['review', () => s.submitForReview(x.i2, { ...x.ref, completionNote: NOTE })],
      ['block', () => s.blockTask(x.i2, { ...x.ref, reason: 'waiting' })],
      ['fail', () => s.failTask(x.i2, { ...x.ref, failureNote: 'broke' })],
      ['update', () => s.updateTask(x.i2, { ...x.ref, title: 'renamed by i2' })],
    ];
    for (const [name, write] of writes) {
      const error = await refusedUnchanged(t, 'ALREADY_CLAIMED', write);
      expect(error.details, name).toMatchObject({ holderInstance: 'i1', yourInstance: 'i2' });
    }
    // The holder itself still writes.
    expect((await s.heartbeatTask(x.i1, { ...x.ref, epoch: 1 })).claim).toMatchObject({ claimedByInstance: 'i1', epoch: 1 });
    expect((await s.completeTask(x.i1, { ...x.ref, completionNote: NOTE })).status).toBe('done');
  });

  it("the agent's default instance (no instance name) is an instance of its own", async () => {
    const x = await setup();
    const plain: Actor = { agent: x.agent };
    await s.checkoutTask(plain, x.ref);
    const error = await refusedUnchanged(t, 'ALREADY_CLAIMED', () => s.checkoutTask(x.i1, x.ref));
    expect(error.details).toMatchObject({ holderInstance: null, yourInstance: 'i1' });
    await refusedUnchanged(t, 'ALREADY_CLAIMED', () => s.completeTask(x.i1, { ...x.ref, completionNote: NOTE }));
    // Every call without an instance is that one default instance.
    expect((await s.heartbeatTask({ agent: x.agent }, x.ref)).claim).toMatchObject({ claimedByInstance: null });
  });

  it('my_work lists what the agent holds through another instance, with instance, lease expiry and how to take over', async () => {
    const x = await setup();
    const held = await s.checkoutTask(x.i1, x.ref);
    const mine = await s.myWork(x.i1, {});
    expect(mine.claimed.map((c) => c.taskId)).toEqual([x.ref.taskId]);
    expect(mine.heldElsewhere).toEqual([]);
    const other = await s.myWork(x.i2, {});
    expect(other.claimed).toEqual([]);
    expect(other.heldElsewhere).toHaveLength(1);
    expect(other.heldElsewhere[0]).toMatchObject({ taskId: x.ref.taskId, instance: 'i1', leaseExpiresAt: held.claim?.leaseExpiresAt });
    expect(other.heldElsewhere[0].hint).toContain('takeover: true');
    // The default instance sees i1's claim elsewhere too.
    expect((await s.myWork({ agent: x.agent }, {})).heldElsewhere.map((h) => h.instance)).toEqual(['i1']);
  });

  it('takeover moves the live claim to the new instance with epoch + 1 and an event; the old instance is LEASE_LOST from then on', async () => {
    const x = await setup();
    await s.checkoutTask(x.i1, x.ref);
    const seq = await currentSeq(t);
    const taken = await s.checkoutTask(x.i2, { ...x.ref, takeover: true });
    expect(taken).toMatchObject({ status: 'in_progress', claim: { claimedBy: x.agent, claimedByInstance: 'i2', epoch: 2 } });
    const after = (await s.listEvents(PIA, { since: seq, taskId: x.ref.taskId })).items;
    expect(after.map((e) => e.kind)).toEqual(['task.taken_over']);
    expect(after[0].actor).toBe(x.agent);
    expect(after[0].details).toMatchObject({ fromInstance: 'i1', toInstance: 'i2', fromEpoch: 1, toEpoch: 2, leaseExpiresAt: taken.claim?.leaseExpiresAt });
    // The old instance: every write LEASE_LOST, with or without its epoch; a plain re-claim is refused as well.
    for (const write of [
      () => s.heartbeatTask(x.i1, x.ref),
      () => s.heartbeatTask(x.i1, { ...x.ref, epoch: 1 }),
      () => s.completeTask(x.i1, { ...x.ref, completionNote: NOTE }),
      () => s.completeTask(x.i1, { ...x.ref, completionNote: NOTE, epoch: 1 }),
      () => s.releaseTask(x.i1, x.ref),
      () => s.blockTask(x.i1, { ...x.ref, reason: 'x' }),
      () => s.failTask(x.i1, { ...x.ref, failureNote: 'x' }),
      () => s.updateTask(x.i1, { ...x.ref, title: 'late edit' }),
    ]) {
      const error = await refusedUnchanged(t, 'LEASE_LOST', write);
      expect(error.details).toMatchObject({ holderInstance: 'i2', epoch: 2 });
    }
    await refusedUnchanged(t, 'ALREADY_CLAIMED', () => s.checkoutTask(x.i1, x.ref));
    expect((await s.myWork(x.i1, {})).heldElsewhere.map((h) => h.instance)).toEqual(['i2']);
    // The new holder works on.
    expect((await s.completeTask(x.i2, { ...x.ref, completionNote: NOTE, epoch: 2 })).status).toBe('done');
  });

  it("takeover never takes another agent's claim (FORBIDDEN); on a task nobody holds it is a plain claim; on your own it is a renewal", async () => {
    const x = await setup();
    const page = await s.listTasks(PIA, { missionId: x.missionId });
    const unassigned = { taskId: page.items.find((i) => i.title === 'unassigned')?.taskId as string };
    await s.checkoutTask(x.bob, unassigned);
    await refusedUnchanged(t, 'FORBIDDEN', () => s.checkoutTask(x.i1, { ...unassigned, takeover: true }));
    const seq = await currentSeq(t);
    const claimed = await s.checkoutTask(x.i1, { ...x.ref, takeover: true });
    expect(claimed.claim).toMatchObject({ claimedByInstance: 'i1', epoch: 1 });
    const renewed = await s.checkoutTask(x.i1, { ...x.ref, takeover: true });
    expect(renewed.claim).toMatchObject({ claimedByInstance: 'i1', epoch: 1 });
    expect((await s.listEvents(PIA, { since: seq })).items.map((e) => e.kind)).toEqual(['task.claimed', 'task.heartbeat']);
  });

  it("a blocked task's claim stays with its instance: another instance resumes or unblocks it only by takeover, recorded as one", async () => {
    const x = await setup();
    await s.checkoutTask(x.i1, x.ref);
    await s.blockTask(x.i1, { ...x.ref, reason: 'waiting on the API key' });
    const refusal = await refusedUnchanged(t, 'ALREADY_CLAIMED', () => s.checkoutTask(x.i2, x.ref));
    expect(refusal.details).toMatchObject({ holderInstance: 'i1', yourInstance: 'i2' });
    await refusedUnchanged(t, 'ALREADY_CLAIMED', () => s.unblockTask(x.i2, { ...x.ref, reason: 'not my session' }));
    const seq = await currentSeq(t);
    const resumed = await s.checkoutTask(x.i2, { ...x.ref, takeover: true });
    expect(resumed.status).toBe('in_progress');
    expect(resumed.claim).toMatchObject({ claimedByInstance: 'i2', epoch: 2 });
    const events = (await s.listEvents(PIA, { since: seq })).items;
    expect(events.map((e) => e.kind)).toEqual(['task.claimed', 'task.taken_over']);
    expect(events[1].details).toMatchObject({ fromInstance: 'i1', toInstance: 'i2', fromEpoch: 1, toEpoch: 2 });
    await refusedUnchanged(t, 'LEASE_LOST', () => s.completeTask(x.i1, { ...x.ref, completionNote: NOTE }));
    // The same instance resumes its own blocked task without a takeover.
    await s.blockTask(x.i2, { ...x.ref, reason: 'waiting again' });
    expect((await s.checkoutTask(x.i2, x.ref)).claim).toMatchObject({ claimedByInstance: 'i2', epoch: 3 });
  });
});
