// The unblock chain and the inbox through the MCP SDK's real Client, one process per agent: over stdio each agent
// is its own `sortie mcp` on one SQLite file; over HTTP all share one `sortie serve`. The waiting agent sees its
// task unblocked and its message; a message between agents arrives labelled with its author; refusals are coded.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROCESS_TEST_TIMEOUT_MS } from './support/budget.js';
import { type AgentClient, type Harness, startHarness } from './support/clients.js';
import { tempDir } from './support/sortie.js';

describe.each(['stdio', 'http'] as const)('blocks and inbox over %s', { timeout: PROCESS_TEST_TIMEOUT_MS }, (transport) => {
  let harness: Harness;
  let pia: AgentClient;
  let wes: AgentClient;
  let bob: AgentClient;

  beforeAll(async () => {
    harness = await startHarness(transport, `${tempDir()}/sortie.db`);
    [pia, wes, bob] = await Promise.all([harness.connect('pia'), harness.connect('wes', 'worker'), harness.connect('bob', 'pilot')]);
  }, PROCESS_TEST_TIMEOUT_MS);
  afterAll(() => harness?.close());

  it('a task blocked on another clears itself when that one is done, and its agent reads why', async () => {
    const mission = await pia.call('create_mission', { name: `chain-${transport}`, pilot: 'pia', agents: ['wes', 'bob'], status: 'plan' });
    const missionId = mission.missionId as string;
    await pia.call('create_task', { missionId, title: 'build the API', assignedTo: 'bob' });
    await pia.call('create_task', { missionId, title: 'write the client', assignedTo: 'wes' });
    await pia.call('update_mission_status', { missionId, status: 'execute' });

    // wes starts the client, finds it needs the API, and blocks on bob's task.
    await wes.call('checkout_task', { taskId: 'T1', missionId });
    const blocked = await wes.call('block_task', { taskId: 'T1', missionId, blockedOnTaskId: 'T0', reason: 'needs the API' });
    expect(blocked).toMatchObject({ status: 'blocked', blockedCause: 'peer_task' });
    await bob.call('checkout_task', { taskId: 'T0', missionId });
    const waiting = await wes.call('my_work', {});
    expect(waiting.blocked).toHaveLength(1);
    expect(waiting.blocked[0].waitsOn).toMatchObject({ key: 'T0', status: 'in_progress' });
    const before = await wes.call('check_messages', {});
    await wes.call('check_messages', { ackUpToSeq: before.lastSeq ?? 0 });

    // bob, in another process, finishes: wes's task is back in todo and wes's inbox says so.
    await bob.call('complete_task', { taskId: 'T0', missionId, completionNote: 'API merged in 3f2c9e1, 12/12 tests' });
    const inbox = await wes.call('check_messages', {});
    expect(inbox.unread).toBe(1);
    expect(inbox.messages[0]).toMatchObject({ kind: 'task.unblocked', from: 'bob', missionId });
    expect(inbox.messages[0].text).toContain('T1');
    const after = await wes.call('my_work', {});
    expect(after.blocked).toEqual([]);
    expect(after.inbox.unread).toBe(1);
    expect(after.ready.map((t: { key: string }) => t.key)).toContain('T1');
    expect((await wes.call('check_messages', { ackUpToSeq: inbox.lastSeq })).unread).toBe(0);
    expect((await wes.call('checkout_task', { taskId: 'T1', missionId })).status).toBe('in_progress');

    // A block on a task that is already done is refused: there is nothing to wait for.
    const refusal = await wes.refuse('block_task', { taskId: 'T1', missionId, blockedOnTaskId: 'T0', reason: 'again' });
    expect(refusal.code).toBe('VALIDATION_FAILED');
    expect(refusal.message).toContain('already done');
    expect((await wes.call('get_task', { taskId: 'T1', missionId })).status).toBe('in_progress');
  });

  it('send_message reaches an agent of the shared mission labelled as its author; strangers are refused', async () => {
    const mission = await pia.call('create_mission', { name: `notes-${transport}`, pilot: 'pia', agents: ['wes', 'bob'] });
    const start = await wes.call('check_messages', {});
    await wes.call('check_messages', { ackUpToSeq: start.lastSeq ?? 0 });
    const sent = await bob.call('send_message', { to: 'wes', text: 'staging is back up', missionId: mission.missionId });
    expect(sent).toMatchObject({ sent: true, to: 'wes', missionId: mission.missionId });
    const inbox = await wes.call('check_messages', {});
    expect(inbox.messages).toEqual([expect.objectContaining({ id: sent.messageId, kind: 'message', from: 'bob', text: 'staging is back up' })]);
    expect((await bob.call('ack_messages', { ids: [sent.messageId] })).acknowledged).toBe(0);
    expect((await wes.call('check_messages', { ackUpToSeq: inbox.lastSeq })).unread).toBe(0);

    const stranger = await bob.refuse('send_message', { to: 'mallory', text: 'hello' });
    expect(stranger.code).toBe('FORBIDDEN');
    const empty = await bob.refuse('send_message', { to: 'wes', text: '' });
    expect(empty.code).toBe('VALIDATION_FAILED');
  });
});
