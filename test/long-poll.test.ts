// Long-poll over MCP: claim_next_task and check_messages with waitSeconds hold the call until a task is ready (and
// claimed) or a message is unread, through the SDK's real Client over stdio (a `sortie mcp` per agent on one SQLite
// file) and stateless HTTP (`sortie serve`); a call whose client cancels it or goes away stops and claims nothing.
// Then the same rule at the service: a claim that commits after the caller went away is released.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../src/core/model.js';
import type { Sortie } from '../src/service/sortie.js';
import { PROCESS_TEST_TIMEOUT_MS } from './support/budget.js';
import { type AgentClient, type Harness, startHarness } from './support/clients.js';
import { connectWithToken, openFleetStore, type Replica, startReplica } from './support/fleet.js';
import { openTestSortie, type TestSortie, tempDir } from './support/sortie.js';
import { eventKindsSince } from './support/unchanged.js';

/** Long enough never to run out in a passing test; a call that does run out answers claimed: false and fails it. */
const WAIT = 45;

/** Tracks whether a promise has settled, to show a held call has not answered yet. */
function track<T>(promise: Promise<T>): { promise: Promise<T>; settled: () => boolean } {
  let done = false;
  const tracked = promise.finally(() => {
    done = true;
  });
  tracked.catch(() => {});
  return { promise: tracked, settled: () => done };
}

describe.each(['stdio', 'http'] as const)('long-poll over %s', { timeout: PROCESS_TEST_TIMEOUT_MS }, (transport) => {
  let harness: Harness;
  let pia: AgentClient;
  let n = 0;

  beforeAll(async () => {
    harness = await startHarness(transport, `${tempDir()}/sortie.db`);
    pia = await harness.connect('pia');
  }, PROCESS_TEST_TIMEOUT_MS);
  afterAll(() => harness?.close());

  /** An executing mission with `agents` and one task for an outsider: nothing is ready for the agents yet. */
  async function mission(agents: string[]): Promise<string> {
    const m = await pia.call('create_mission', { name: `poll-${transport}-${++n}`, pilot: 'pia', agents: [...agents, 'outsider'], status: 'plan' });
    await pia.call('create_task', { missionId: m.missionId, title: 'not yours', assignedTo: 'outsider' });
    await pia.call('update_mission_status', { missionId: m.missionId, status: 'execute' });
    return m.missionId as string;
  }

  it('claim_next_task {waitSeconds} with nothing ready answers when another client makes a task ready: claimed, by it', async () => {
    const agent = `wes${transport}`;
    const missionId = await mission([agent]);
    const wes = await harness.connect(agent, 'worker');
    const held = track(wes.call('claim_next_task', { missionId, waitSeconds: WAIT }));
    // Round trips on both connections: the held call is still unanswered, since nothing is ready.
    await wes.call('my_work', {});
    await pia.call('my_work', {});
    expect(held.settled()).toBe(false);

    const created = await pia.call('create_task', { missionId, title: 'write the parser', assignedTo: agent });
    const answer = await held.promise;
    expect(answer).toMatchObject({ claimed: true, task: { taskId: created.taskId, status: 'in_progress', claim: { claimedBy: agent } } });
    const stored = await harness.store.sortie.getTask({ agent: 'auditor' }, { taskId: created.taskId });
    expect(stored).toMatchObject({ status: 'in_progress', claim: { claimedBy: agent } });
  });

  it('claim_next_task {waitSeconds: 1} with nothing ready answers claimed: false and claims nothing', async () => {
    const agent = `kim${transport}`;
    const missionId = await mission([agent]);
    const kim = await harness.connect(agent, 'worker');
    expect(await kim.call('claim_next_task', { missionId, waitSeconds: 1 })).toEqual({
      claimed: false,
      task: null,
      next: expect.stringContaining('Nothing is ready'),
    });
    const tasks = await pia.call('list_tasks_by_mission', { missionId });
    expect(tasks.items.map((t: { status: string }) => t.status)).toEqual(['todo']);
  });

  it('check_messages {waitSeconds} answers when a message is sent', async () => {
    const agent = `liv${transport}`;
    const missionId = await mission([agent]);
    const liv = await harness.connect(agent, 'worker');
    const before = await liv.call('check_messages', {});
    if (before.lastSeq !== null) await liv.call('check_messages', { ackUpToSeq: before.lastSeq });
    const held = track(liv.call('check_messages', { waitSeconds: WAIT }));
    await liv.call('my_work', {});
    expect(held.settled()).toBe(false);

    const sent = await pia.call('send_message', { to: agent, text: 'the API is merged', missionId });
    const inbox = await held.promise;
    expect(inbox.messages).toEqual([expect.objectContaining({ id: sent.messageId, kind: 'message', from: 'pia', text: 'the API is merged' })]);
    expect(inbox.unread).toBe(1);
  });

  it(
    transport === 'stdio'
      ? 'a cancelled held claim_next_task stops and claims nothing'
      : 'a held claim_next_task whose client disconnects stops and claims nothing',
    async () => {
      const agent = `max${transport}`;
      const missionId = await mission([agent]);
      const max = await harness.connect(agent, 'worker');
      const controller = new AbortController();
      if (transport === 'stdio') {
        // The SDK client sends notifications/cancelled; the next request on the connection is read after it.
        const held = track(
          max.client.callTool({ name: 'claim_next_task', arguments: { missionId, waitSeconds: WAIT } }, undefined, { signal: controller.signal }),
        );
        await max.call('my_work', {});
        controller.abort();
        await expect(held.promise).rejects.toThrow();
        await max.call('my_work', {});
      } else {
        // Stateless HTTP: the client going away (its connection closed mid-call) is what ends the call.
        const gone = await harness.connect(agent, 'worker');
        const held = track(gone.call('claim_next_task', { missionId, waitSeconds: WAIT }));
        await gone.call('my_work', {});
        await gone.close();
        await held.promise.catch(() => {});
      }
      // A second held call of the same agent, made after: had the first kept waiting, it would have been woken
      // first (it subscribed first) and taken the task, and this one would run out with claimed: false.
      const second = track(max.call('claim_next_task', { missionId, waitSeconds: WAIT }));
      await max.call('my_work', {});
      const created = await pia.call('create_task', { missionId, title: 'only one claim', assignedTo: agent });
      expect(await second.promise).toMatchObject({ claimed: true, task: { taskId: created.taskId } });
      const claims = (await harness.store.sortie.listEvents({ agent: 'auditor' }, { taskId: created.taskId })).items.filter((e) => e.kind === 'task.claimed');
      expect(claims).toHaveLength(1);
    },
  );
});

describe('long-poll in HTTP session mode', { timeout: PROCESS_TEST_TIMEOUT_MS }, () => {
  it('a held claim_next_task whose client disconnects is cancelled in its session and claims nothing', async () => {
    const fleet = await openFleetStore('sqlite');
    let replica: Replica | undefined;
    const clients: AgentClient[] = [];
    const connect = async (agent: string) => {
      const client = await connectWithToken((replica as Replica).url, null, agent, { headers: { 'X-Sortie-Agent': agent } });
      clients.push(client);
      return client;
    };
    try {
      replica = await startReplica(fleet.url, { sessions: true });
      const pia = await connect('pia');
      const m = await pia.call('create_mission', { name: 'sessions', pilot: 'pia', agents: ['max', 'outsider'], status: 'plan' });
      await pia.call('create_task', { missionId: m.missionId, title: 'not yours', assignedTo: 'outsider' });
      await pia.call('update_mission_status', { missionId: m.missionId, status: 'execute' });
      const gone = await connect('max');
      const held = track(gone.call('claim_next_task', { missionId: m.missionId, waitSeconds: WAIT }));
      await gone.call('my_work', {});
      await gone.close();
      await held.promise.catch(() => {});
      const max = await connect('max');
      const second = track(max.call('claim_next_task', { missionId: m.missionId, waitSeconds: WAIT }));
      await max.call('my_work', {});
      const created = await pia.call('create_task', { missionId: m.missionId, title: 'only one claim', assignedTo: 'max' });
      expect(await second.promise).toMatchObject({ claimed: true, task: { taskId: created.taskId } });
    } finally {
      await Promise.all(clients.map((c) => c.close().catch(() => {})));
      await replica?.stop();
      await fleet.dispose();
    }
  });
});

describe('waiting at the service: nothing is left claimed for a caller that went away', () => {
  let t: TestSortie;
  let s: Sortie;
  let n = 0;
  const PIA: Actor = { agent: 'pia' };

  beforeAll(async () => {
    t = await openTestSortie();
    s = t.sortie;
  });
  afterAll(() => t?.close());

  async function mission(agent: string): Promise<string> {
    const m = await s.createMission(PIA, { name: `svc-${++n}`, pilot: 'pia', agents: [agent, 'outsider'], status: 'plan' });
    await s.createTask(PIA, { missionId: m.missionId, title: 'not yours', assignedTo: 'outsider' });
    await s.updateMissionStatus(PIA, { missionId: m.missionId, status: 'execute' });
    return m.missionId;
  }

  it('a claim that commits after the signal aborted is released again, with its reason', async () => {
    const ada: Actor = { agent: 'ada' };
    const missionId = await mission(ada.agent);
    const task = await s.createTask(PIA, { missionId, title: 'ready now', assignedTo: ada.agent });
    const seq = await s.lastEventSeq();
    const controller = new AbortController();
    // The first attempt is in flight when the call returns its promise; the abort lands while it claims.
    const waiting = s.awaitNextTask(ada, { missionId, waitSeconds: WAIT }, controller.signal);
    controller.abort();
    expect(await waiting).toBeNull();
    expect(await eventKindsSince(t, seq, { taskId: task.taskId })).toEqual(['task.claimed', 'task.released']);
    const released = (await s.listEvents({ agent: 'auditor' }, { since: seq, taskId: task.taskId })).items[1];
    expect(released.details.reason).toContain('cancelled');
    expect((await s.getTask(ada, { taskId: task.taskId })).status).toBe('todo');
  });

  it('an aborted wait returns null, and a task made ready afterwards stays unclaimed', async () => {
    const bea: Actor = { agent: 'bea' };
    const missionId = await mission(bea.agent);
    const controller = new AbortController();
    const waiting = s.awaitNextTask(bea, { missionId, waitSeconds: WAIT }, controller.signal);
    controller.abort();
    expect(await waiting).toBeNull();
    const task = await s.createTask(PIA, { missionId, title: 'after', assignedTo: bea.agent });
    expect((await s.getTask(bea, { taskId: task.taskId })).status).toBe('todo');
  });

  it('check_messages {ackUpToSeq, waitSeconds} acknowledges once, waits, and reports the acknowledgement', async () => {
    const cy: Actor = { agent: 'cy' };
    const missionId = await mission(cy.agent);
    const before = await s.checkMessages(cy, {});
    expect(before.messages.length).toBeGreaterThan(0);
    const held = track(s.awaitMessages(cy, { ackUpToSeq: before.lastSeq ?? 0, waitSeconds: WAIT }));
    await s.myWork(cy, {});
    expect(held.settled()).toBe(false);
    const sent = await s.sendMessage(PIA, { to: cy.agent, text: 'ping', missionId });
    const page = await held.promise;
    expect(page.messages.map((m) => m.id)).toEqual([sent.messageId]);
    expect(page.acknowledged).toBe(before.messages.length);
    expect(page.unread).toBe(1);
  });

  it('waitSeconds past 50 is refused before anything happens', async () => {
    await expect(s.awaitNextTask({ agent: 'dee' }, { waitSeconds: 51 })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(s.awaitMessages({ agent: 'dee' }, { waitSeconds: 51 })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
  });
});
