// Refusal order and silent drops, through the SDK's real Client: a caller without the right is told FORBIDDEN
// before anything its call lacks, and an argument the requested change does not use is refused, never dropped.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AgentClient, type Harness, startHarness } from './support/clients.js';
import { tempDir } from './support/sortie.js';
import { snapshot } from './support/unchanged.js';

describe('refusal order and arguments that do not apply', () => {
  let harness: Harness;
  let pia: AgentClient;
  let mallory: AgentClient;
  let missionId: string;

  beforeAll(async () => {
    harness = await startHarness('memory', `${tempDir()}/order.db`);
    const me = { agent: 'pia' };
    const { sortie } = harness.store;
    const mission = await sortie.createMission(me, { name: 'order', pilot: 'pia', agents: ['alice'] });
    missionId = mission.missionId;
    await sortie.updateMissionStatus(me, { missionId, status: 'plan' });
    await sortie.createTask(me, { title: 'first', missionId });
    await sortie.createTask(me, { title: 'second', missionId });
    await sortie.updateMissionStatus(me, { missionId, status: 'execute' });
    await sortie.checkoutTask(me, { taskId: 'T0', missionId });
    await sortie.completeTask(me, { taskId: 'T0', missionId, completionNote: 'done in abc1234' });
    [pia, mallory] = await Promise.all([harness.connect('pia'), harness.connect('mallory')]);
  });
  afterAll(async () => {
    await harness?.close();
  });

  /** Runs a refused call and checks that it changed nothing. */
  async function refusedUnchanged(client: AgentClient, tool: string, args: Record<string, unknown>) {
    const before = await snapshot(harness.store);
    const error = await client.refuse(tool, args);
    expect(await snapshot(harness.store)).toEqual(before);
    return error;
  }

  it('tells a non-owner FORBIDDEN, not "add a reason", on every move that needs a reason', async () => {
    const calls: Array<[string, Record<string, unknown>]> = [
      ['update_mission_status', { missionId, status: 'cancelled' }],
      ['update_mission', { missionId, status: 'cancelled' }],
      ['cancel_task', { taskId: 'T1', missionId, cancelReason: '' }],
      ['update_task', { taskId: 'T1', missionId, status: 'cancelled' }],
      ['reopen_task', { taskId: 'T0', missionId, reason: '' }],
      ['update_task', { taskId: 'T0', missionId, status: 'todo' }],
      ['fail_task', { taskId: 'T1', missionId, failureNote: '' }],
    ];
    for (const [tool, args] of calls) {
      const error = await refusedUnchanged(mallory, tool, args);
      expect(error.code, `${tool} ${JSON.stringify(args)}: ${error.message}`).not.toBe('VALIDATION_FAILED');
    }
    // The owner, with the same arguments, is the one told what the call lacks.
    expect(await refusedUnchanged(pia, 'update_mission_status', { missionId, status: 'cancelled' })).toMatchObject({
      code: 'VALIDATION_FAILED',
      details: { field: 'reason' },
    });
    expect(await refusedUnchanged(pia, 'cancel_task', { taskId: 'T1', missionId, cancelReason: '' })).toMatchObject({
      code: 'VALIDATION_FAILED',
      details: { field: 'cancelReason' },
    });
  });

  it('refuses update_task arguments that the change does not use, naming the argument and where it belongs', async () => {
    const error = await refusedUnchanged(pia, 'update_task', { taskId: 'T1', missionId, priority: 'low', cancelReason: 'no longer needed' });
    expect(error).toMatchObject({ code: 'VALIDATION_FAILED', details: { field: 'cancelReason' } });
    expect(error.message).toContain('status cancelled');
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ title: 'renamed', completionNote: 'done in abc1234' }, 'completionNote'],
      [{ title: 'renamed', epoch: 1 }, 'epoch'],
      [{ status: 'cancelled', completionNote: 'done' }, 'completionNote'],
      [{ status: 'cancelled', failureNote: 'broke' }, 'failureNote'],
      [{ status: 'cancelled', cancelReason: 'a', reason: 'b' }, 'reason'],
      [{ status: 'blocked', cancelReason: 'x' }, 'cancelReason'],
      [{ status: 'done', blockedReason: 'x', completionNote: 'done in abc1234' }, 'blockedReason'],
      [{ status: 'in_progress', reason: 'why' }, 'reason'],
    ];
    for (const [args, field] of cases) {
      const refusal = await refusedUnchanged(pia, 'update_task', { taskId: 'T1', missionId, ...args });
      expect(refusal, JSON.stringify(args)).toMatchObject({ code: 'VALIDATION_FAILED', details: { field } });
    }
    // Still applied when the argument belongs to the change.
    const task = await pia.call('update_task', { taskId: 'T1', missionId, priority: 'low' });
    expect(task).toMatchObject({ priority: 'low' });
  });

  it('refuses update_mission and update_mission_status arguments that the change does not use', async () => {
    const cases: Array<[string, Record<string, unknown>, string]> = [
      ['update_mission', { description: 'new', cancelReason: 'x' }, 'cancelReason'],
      ['update_mission', { description: 'new', reason: 'x' }, 'reason'],
      ['update_mission', { progress: 10, cancelReason: 'x' }, 'cancelReason'],
      ['update_mission', { status: 'cancelled', reason: 'a', cancelReason: 'b' }, 'reason'],
      ['update_mission_status', { status: 'validate', cancelReason: 'x' }, 'cancelReason'],
    ];
    for (const [tool, args, field] of cases) {
      const refusal = await refusedUnchanged(pia, tool, { missionId, ...args });
      expect(refusal, `${tool} ${JSON.stringify(args)}`).toMatchObject({ code: 'VALIDATION_FAILED', details: { field } });
    }
  });
});
