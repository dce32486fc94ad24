// A missionId given with a task id is a claim about where the task is, never ignored: a mission that does not hold
// the task (another project's, a missing one, a sibling in the same project) is refused NOT_FOUND and changes
// nothing — on every dialect for every use case taking a task reference, and once through the MCP client.
import { join } from 'node:path';
import { ulid } from 'ulid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../src/core/model.js';
import type { TaskRef } from '../src/service/access.js';
import type { Sortie } from '../src/service/sortie.js';
import { type Harness, startHarness } from './support/clients.js';
import { DIALECTS, openDialectSortie } from './support/dialects.js';
import type { TestSortie } from './support/sortie.js';
import { tempDir } from './support/sortie.js';
import { currentSeq, refusedUnchanged, snapshot } from './support/unchanged.js';

const PIA: Actor = { agent: 'pia' };
const WES: Actor = { agent: 'wes' };
const NOTE = 'Shipped in 3f2c9e1, 12/12 tests.';

/** Every use case that takes a task reference, called as the holder or the pilot would. */
function calls(s: Sortie, dep: string): Array<[string, (ref: TaskRef) => Promise<unknown>]> {
  return [
    ['getTask', (ref) => s.getTask(WES, ref)],
    ['taskDetail', (ref) => s.taskDetail(WES, ref)],
    ['listEvents', (ref) => s.listEvents(WES, { taskId: ref.taskId, missionId: ref.missionId ?? undefined })],
    ['checkoutTask', (ref) => s.checkoutTask(WES, ref)],
    ['heartbeatTask', (ref) => s.heartbeatTask(WES, ref)],
    ['releaseTask', (ref) => s.releaseTask(WES, { ...ref, reason: 'why' })],
    ['completeTask', (ref) => s.completeTask(WES, { ...ref, completionNote: NOTE })],
    ['submitForReview', (ref) => s.submitForReview(WES, { ...ref, completionNote: NOTE })],
    ['blockTask', (ref) => s.blockTask(WES, { ...ref, reason: 'waiting' })],
    ['failTask', (ref) => s.failTask(WES, { ...ref, failureNote: 'broke' })],
    ['updateTask', (ref) => s.updateTask(PIA, { ...ref, title: 'renamed' })],
    ['addTaskDependency', (ref) => s.addTaskDependency(PIA, { ...ref, dependsOn: [dep] })],
    ['removeTaskDependency', (ref) => s.removeTaskDependency(PIA, { ...ref, dependsOn: [dep] })],
    ['cancelTask', (ref) => s.cancelTask(PIA, { ...ref, cancelReason: 'why' })],
    ['reopenTask', (ref) => s.reopenTask(PIA, { ...ref, reason: 'why' })],
    ['returnFromReview', (ref) => s.returnFromReview(PIA, { ...ref, reason: 'why' })],
    ['unblockTask', (ref) => s.unblockTask(WES, { ...ref, reason: 'why' })],
    ['deleteTask', (ref) => s.deleteTask(PIA, ref)],
  ];
}

async function world(s: Sortie, tag: string) {
  const mission = async (name: string, project: string) => {
    const m = await s.createMission(PIA, { name: `${name}-${tag}`, pilot: 'pia', agents: ['wes'], project });
    return m.missionId;
  };
  const a = await mission('a', `web-${tag}`);
  const sibling = await mission('sibling', `web-${tag}`);
  const foreign = await mission('foreign', `api-${tag}`);
  const held = (await s.createTask(PIA, { title: 'held', missionId: a, assignedTo: 'wes' })).taskId;
  const dep = (await s.createTask(PIA, { title: 'dep', missionId: a })).taskId;
  const loose = (await s.createTask(PIA, { title: 'no mission', project: `web-${tag}` })).taskId;
  await s.updateMissionStatus(PIA, { missionId: a, status: 'plan' });
  await s.updateMissionStatus(PIA, { missionId: a, status: 'execute' });
  await s.checkoutTask(WES, { taskId: held });
  return { a, sibling, foreign, held, dep, loose };
}

describe.each(DIALECTS)('missionId with a task id on %s', (dialect) => {
  let t: TestSortie;
  let s: Sortie;
  let w: Awaited<ReturnType<typeof world>>;

  beforeAll(async () => {
    t = await openDialectSortie(dialect);
    s = t.sortie;
    w = await world(s, dialect);
  });
  afterAll(() => t?.close());

  it('a mission of another project, a missing one, an unknown name or a sibling mission is refused by every use case, changing nothing', async () => {
    const wrong = [w.foreign, ulid(), 'no-such-mission', w.sibling];
    for (const [name, call] of calls(s, w.dep)) {
      for (const missionId of wrong) {
        const error = await refusedUnchanged(t, 'NOT_FOUND', () => call({ taskId: w.held, missionId }));
        expect(error.message, `${name} with ${missionId}`).toMatch(/not found/);
      }
    }
  });

  it('the refusal for a mission that exists but does not hold the task says so, with a hint; a missing mission is NOT_FOUND for the mission', async () => {
    const sibling = await refusedUnchanged(t, 'NOT_FOUND', () => s.completeTask(WES, { taskId: w.held, missionId: w.sibling, completionNote: NOTE }));
    expect(sibling.message).toBe(`task ${w.held} not found in mission ${w.sibling}`);
    expect(sibling.hint).toContain('another mission');
    expect(sibling.details).toMatchObject({ kind: 'task', ref: w.held });
    const loose = await refusedUnchanged(t, 'NOT_FOUND', () => s.getTask(WES, { taskId: w.loose, missionId: w.a }));
    expect(loose.hint).toContain('no mission');
    const missing = await refusedUnchanged(t, 'NOT_FOUND', () => s.getTask(WES, { taskId: w.held, missionId: 'no-such-mission' }));
    expect(missing.details).toMatchObject({ kind: 'mission' });
    // The foreign mission answers exactly like a missing one to a token scoped to the task's project.
    const scoped: Actor = { ...WES, role: 'worker', projects: [`web-${dialect}`] };
    const foreign = await refusedUnchanged(t, 'NOT_FOUND', () => s.getTask(scoped, { taskId: w.held, missionId: w.foreign }));
    const absent = await refusedUnchanged(t, 'NOT_FOUND', () => s.getTask(scoped, { taskId: w.held, missionId: '01J00000000000000000000000' }));
    expect(foreign.message.replace(w.foreign, 'X')).toBe(absent.message.replace('01J00000000000000000000000', 'X'));
  });

  it('the mission that holds the task, by id or by name, is accepted', async () => {
    const name = `a-${dialect}`;
    expect((await s.getTask(WES, { taskId: w.held, missionId: w.a })).taskId).toBe(w.held);
    expect((await s.getTask(WES, { taskId: w.held, missionId: name })).taskId).toBe(w.held);
    expect((await s.heartbeatTask(WES, { taskId: w.held, missionId: w.a })).status).toBe('in_progress');
  });
});

describe('missionId with a task id through the MCP client', () => {
  let h: Harness;
  let w: Awaited<ReturnType<typeof world>>;

  beforeAll(async () => {
    h = await startHarness('memory', join(tempDir(), 'mission-ref.db'));
    w = await world(h.store.sortie, 'mcp');
  });
  afterAll(() => h?.close());

  it('complete_task and get_task with a mission that does not hold the task are refused NOT_FOUND and change nothing', async () => {
    const wes = await h.connect('wes');
    const before = await snapshot(h.store);
    const seq = await currentSeq(h.store);
    for (const missionId of [w.foreign, w.sibling, 'no-such-mission', ulid()]) {
      expect((await wes.refuse('complete_task', { taskId: w.held, missionId, completionNote: NOTE })).code).toBe('NOT_FOUND');
      expect((await wes.refuse('get_task', { taskId: w.held, missionId })).code).toBe('NOT_FOUND');
      expect((await wes.refuse('heartbeat_task', { taskId: w.held, missionId })).code).toBe('NOT_FOUND');
    }
    expect(await snapshot(h.store)).toEqual(before);
    expect(await currentSeq(h.store)).toBe(seq);
    expect((await wes.call('complete_task', { taskId: w.held, missionId: w.a, completionNote: NOTE })).status).toBe('done');
  });
});
