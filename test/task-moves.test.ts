// moveTask and moveMission on every dialect: a status move is the dedicated use case, with its result and its
// refusal; the move is chosen inside the locked transaction, so of two concurrent moves on one task exactly one wins
// and the other gets the coded refusal of the move its task's state then calls for.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DomainError } from '../src/core/errors.js';
import type { Actor } from '../src/core/model.js';
import type { Sortie } from '../src/service/sortie.js';
import { DIALECTS, openDialectSortie } from './support/dialects.js';
import { refused } from './support/refusal.js';
import type { TestSortie } from './support/sortie.js';
import { refusedUnchanged } from './support/unchanged.js';

const PIA: Actor = { agent: 'pia' }; // pilots the missions
const WES: Actor = { agent: 'wes' }; // agent
const WANDA: Actor = { agent: 'wanda' }; // agent
const OTTO: Actor = { agent: 'otto' }; // outsider
const EVIDENT = 'Wrote it in 3f2c9e1, 18/18 tests green.';

describe.each(DIALECTS)('status moves on %s', (dialect) => {
  let t: TestSortie;
  let s: Sortie;
  let counter = 0;

  beforeAll(async () => {
    t = await openDialectSortie(dialect);
    s = t.sortie;
  });
  afterAll(() => t?.close());

  /**
   * A mission in execute piloted by pia, with wes and wanda as agents, and `tasks` independent tasks — in its own
   * project, so wes may hold a task of each of two missions at once (one task in progress per project).
   */
  async function mission(tasks: number) {
    const name = `moves-${dialect}-${++counter}`;
    const m = await s.createMission(PIA, { name, pilot: 'pia', agents: ['wes', 'wanda'], project: name });
    for (let i = 0; i < tasks; i++) await s.createTask(PIA, { title: `step ${i}`, missionId: m.missionId });
    await s.moveMission(PIA, { missionId: m.missionId, status: 'plan' });
    await s.moveMission(PIA, { missionId: m.missionId, status: 'execute' });
    return (key: string) => ({ taskId: key, missionId: m.missionId });
  }

  /** The fields a move sets, without ids and timestamps, to compare a move with its dedicated use case. */
  function shape(task: Awaited<ReturnType<Sortie['getTask']>>) {
    return { status: task.status, holder: task.claim?.claimedBy ?? null, epoch: task.claim?.epoch ?? null, note: task.completionNote };
  }

  it('gives the result of the dedicated use case for each move', async () => {
    const a = await mission(1);
    const b = await mission(1);
    const pairs: Array<[string, () => Promise<unknown>, () => Promise<unknown>]> = [
      ['claim', () => s.checkoutTask(WES, a('T0')), () => s.moveTask(WES, { ...b('T0'), status: 'in_progress' })],
      ['block', () => s.blockTask(WES, { ...a('T0'), reason: 'waits' }), () => s.moveTask(WES, { ...b('T0'), status: 'blocked', blockedReason: 'waits' })],
      ['unblock', () => s.unblockTask(WES, a('T0')), () => s.moveTask(WES, { ...b('T0'), status: 'todo' })],
      ['re-claim', () => s.checkoutTask(WES, a('T0')), () => s.moveTask(WES, { ...b('T0'), status: 'in_progress' })],
      ['release', () => s.releaseTask(WES, { ...a('T0'), reason: 'later' }), () => s.moveTask(WES, { ...b('T0'), status: 'todo', reason: 'later' })],
      ['claim again', () => s.checkoutTask(WES, a('T0')), () => s.moveTask(WES, { ...b('T0'), status: 'in_progress' })],
      [
        'review',
        () => s.submitForReview(WES, { ...a('T0'), completionNote: EVIDENT }),
        () => s.moveTask(WES, { ...b('T0'), status: 'review', completionNote: EVIDENT }),
      ],
      [
        'send back',
        () => s.returnFromReview(PIA, { ...a('T0'), reason: 'redo' }),
        () => s.moveTask(PIA, { ...b('T0'), status: 'in_progress', reason: 'redo' }),
      ],
      ['fail', () => s.failTask(WES, { ...a('T0'), failureNote: 'broke' }), () => s.moveTask(WES, { ...b('T0'), status: 'failed', failureNote: 'broke' })],
      ['reopen', () => s.reopenTask(PIA, { ...a('T0'), reason: 'again' }), () => s.moveTask(PIA, { ...b('T0'), status: 'todo', reason: 'again' })],
      [
        'cancel',
        () => s.cancelTask(PIA, { ...a('T0'), cancelReason: 'dropped' }),
        () => s.moveTask(PIA, { ...b('T0'), status: 'cancelled', cancelReason: 'dropped' }),
      ],
    ];
    for (const [label, dedicated, moved] of pairs) {
      await dedicated();
      await moved();
      expect(shape(await s.getTask(PIA, b('T0'))), label).toEqual(shape(await s.getTask(PIA, a('T0'))));
    }
  });

  it('refuses what the dedicated use case refuses, with the same code and message, and changes nothing', async () => {
    const a = await mission(2);
    await s.checkoutTask(WES, a('T0'));
    const cases: Array<[string, () => Promise<unknown>, () => Promise<unknown>]> = [
      [
        'complete, not the holder',
        () => s.completeTask(WANDA, { ...a('T0'), completionNote: EVIDENT }),
        () => s.moveTask(WANDA, { ...a('T0'), status: 'done', completionNote: EVIDENT }),
      ],
      ['release, not the holder', () => s.releaseTask(WANDA, a('T0')), () => s.moveTask(WANDA, { ...a('T0'), status: 'todo' })],
      ['claim a held task', () => s.checkoutTask(WANDA, a('T0')), () => s.moveTask(WANDA, { ...a('T0'), status: 'in_progress' })],
      [
        'cancel by an outsider',
        () => s.cancelTask(OTTO, { ...a('T1'), cancelReason: 'no' }),
        () => s.moveTask(OTTO, { ...a('T1'), status: 'cancelled', cancelReason: 'no' }),
      ],
      ['claim by an outsider', () => s.checkoutTask(OTTO, a('T1')), () => s.moveTask(OTTO, { ...a('T1'), status: 'in_progress' })],
      ['fail without a note', () => s.failTask(WES, { ...a('T0'), failureNote: '' }), () => s.moveTask(WES, { ...a('T0'), status: 'failed' })],
      ['block a todo task', () => s.blockTask(WES, { ...a('T1'), reason: 'x' }), () => s.moveTask(WES, { ...a('T1'), status: 'blocked', blockedReason: 'x' })],
    ];
    for (const [label, dedicated, moved] of cases) {
      const expected = await dedicated().then(
        () => expect.fail(`${label}: the dedicated use case succeeded`),
        (e: DomainError) => e,
      );
      expect(expected, label).toBeInstanceOf(DomainError);
      const error = await refusedUnchanged(t, expected.code, moved);
      expect({ code: error.code, message: error.message }, label).toEqual({ code: expected.code, message: expected.message });
    }
  });

  it('chooses the move on the locked row: the refusal names what the task now calls for', async () => {
    const a = await mission(1);
    await s.checkoutTask(WES, a('T0'));
    // A todo move with an epoch is a release; once the task is no longer in progress, the epoch is named as misplaced.
    await s.moveTask(WES, { ...a('T0'), status: 'todo', epoch: 1 });
    const error = await refused('VALIDATION_FAILED', s.moveTask(WES, { ...a('T0'), status: 'todo', epoch: 1 }));
    expect(error.details.field).toBe('epoch');
    expect(error.message).toContain('moving a todo task to todo');
  });

  it('of two concurrent claims through moveTask exactly one wins; the other is ALREADY_CLAIMED', async () => {
    for (let round = 0; round < 3; round++) {
      const a = await mission(1);
      const results = await Promise.allSettled([
        s.moveTask(WES, { ...a('T0'), status: 'in_progress' }),
        s.moveTask(WANDA, { ...a('T0'), status: 'in_progress' }),
      ]);
      const won = results.filter((r) => r.status === 'fulfilled');
      const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(1);
      expect(lost[0].reason).toBeInstanceOf(DomainError);
      expect((lost[0].reason as DomainError).code).toBe('ALREADY_CLAIMED');
      const task = await s.getTask(PIA, a('T0'));
      expect(task.claim?.epoch).toBe(1);
    }
  });

  it('of a concurrent approval and send-back of one review exactly one wins, the other refused by the state it finds', async () => {
    for (let round = 0; round < 3; round++) {
      const a = await mission(1);
      await s.checkoutTask(WES, a('T0'));
      await s.submitForReview(WES, { ...a('T0'), completionNote: EVIDENT });
      const results = await Promise.allSettled([
        s.moveTask(PIA, { ...a('T0'), status: 'done', completionNote: EVIDENT }),
        s.moveTask(PIA, { ...a('T0'), status: 'in_progress', reason: 'redo' }),
      ]);
      const won = results.findIndex((r) => r.status === 'fulfilled');
      const lost = results.find((r): r is PromiseRejectedResult => r.status === 'rejected') as PromiseRejectedResult;
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      expect(lost.reason).toBeInstanceOf(DomainError);
      const task = await s.getTask(PIA, a('T0'));
      if (won === 0) {
        // Approved first: the send-back finds a done task, which nothing claims.
        expect(task.status).toBe('done');
        expect((lost.reason as DomainError).code).toBe('INVALID_TRANSITION');
      } else {
        // Sent back first: the approval finds wes holding the task again, and pia is not the holder.
        expect(task).toMatchObject({ status: 'in_progress', claim: { claimedBy: 'wes' } });
        expect((lost.reason as DomainError).code).toBe('FORBIDDEN');
      }
    }
  });
});
