// What an agent reads back, measured as the model reads it (the result's text), through the real MCP client on a
// 1,000-task mission: get_mission, my_work, claim_next_task and complete_task stay within RESPONSE_BUDGETS, and
// what they leave out is reached by the paging and `fields` they point to. Every list and text is bounded.
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { heldInProgress, WorkView } from '../src/cli/hook-summary.js';
import type { Actor } from '../src/core/model.js';
import { BOUNDS, MY_WORK, RESPONSE_BUDGETS } from '../src/mcp/responses.js';
import { type AgentClient, type Harness, startHarness } from './support/clients.js';
import { tempDir } from './support/sortie.js';

const PIA: Actor = { agent: 'pia' };
const ADA: Actor = { agent: 'ada' };
const BO: Actor = { agent: 'bo' };

/** The text the model reads for a tool result. */
const textOf = (result: CallToolResult) => (result.content[0] as { text: string }).text;

/** Text of exactly `n` characters, starting with a readable head. */
const text = (head: string, n: number) => `${head} ${'lorem ipsum '.repeat(Math.ceil(n / 12))}`.slice(0, n);

/** An ordinary task: a ~60-character title, a ~300-character description, the evidence its completion must cite. */
const ordinary = (i: number) => ({
  title: text(`Implement the export of report ${i}`, 60),
  description: text(`Export report ${i} as CSV; the columns follow docs/reports.md.`, 300),
  requiredEvidence: ['commit' as const, 'test_ratio' as const],
});

async function measured(client: AgentClient, tool: string, args: Record<string, unknown> = {}) {
  const result = await client.raw(tool, args);
  if (result.isError) throw new Error(`${tool} refused: ${textOf(result)}`);
  // biome-ignore lint/suspicious/noExplicitAny: answers are read field by field
  return { size: textOf(result).length, body: result.structuredContent as Record<string, any> };
}

describe('responses sized for a context window', () => {
  let harness: Harness;
  let ada: AgentClient;
  let pia: AgentClient;
  let big: string;
  const bigIds: string[] = [];

  beforeAll(async () => {
    harness = await startHarness('memory', `${tempDir()}/sizes.db`);
    const s = harness.store.sortie;
    // Agents here hold several tasks at once: the project lifts the one-task-in-progress default.
    await s.configureProject(PIA, { name: 'default', maxInProgress: 0 });
    // The 1,000-task mission: T0–T30 have no dependency (ready), every later task waits on two earlier ones.
    big = (await s.createMission(PIA, { name: 'reports', pilot: 'pia', agents: ['ada', 'bo'], status: 'plan', brief: text('The brief.', 10_000) })).missionId;
    for (let i = 0; i < 1000; i++) {
      const dependsOn = i >= 31 ? [bigIds[i - 31], bigIds[i - 30]] : [];
      bigIds.push((await s.createTask(PIA, { missionId: big, ...ordinary(i), dependsOn })).taskId);
    }
    await s.updateMissionStatus(PIA, { missionId: big, status: 'execute' });
    ada = await harness.connect('ada');
    pia = await harness.connect('pia');
    // With the tool list cached, the client checks every structuredContent against its tool's output schema.
    await ada.client.listTools();
    await pia.client.listTools();
  });

  afterAll(async () => {
    await harness?.close();
  });

  it(`get_mission on 1,000 tasks and a 10,000-character brief stays within ${RESPONSE_BUDGETS.get_mission}; paging returns every task once`, async () => {
    const { size, body } = await measured(ada, 'get_mission', { missionId: big });
    expect(size).toBeLessThanOrEqual(RESPONSE_BUDGETS.get_mission);
    expect(body.taskCounts).toMatchObject({ total: 1000, todo: 1000 });
    expect(body.brief.length).toBe(BOUNDS.brief);
    expect(body.briefChars).toBe(10_000);
    expect(body.tasks.length).toBeGreaterThanOrEqual(31);
    expect(body.tasks[0]).toEqual({ key: 'T0', title: ordinary(0).title, status: 'todo', ready: true });
    expect(body.tasks.at(-1).dependsOn).toHaveLength(2);
    expect(body.more).toContain('list_tasks_by_mission');

    // The rest, from the cursor the answer gives: each task exactly once, in step order.
    const keys: string[] = body.tasks.map((t: { key: string }) => t.key);
    for (let cursor = body.tasksNextCursor; cursor; ) {
      const page = (await measured(ada, 'list_tasks_by_mission', { missionId: big, cursor, limit: 200 })).body;
      keys.push(...page.items.map((t: { key: string }) => t.key));
      cursor = page.nextCursor;
    }
    expect(keys).toEqual(bigIds.map((_, i) => `T${i}`));
  });

  it('get_mission {fields: "full"} has the whole brief and full task records, paged on by list_tasks_by_mission', async () => {
    const { body } = await measured(ada, 'get_mission', { missionId: big, fields: 'full' });
    expect(body.brief).toBe(text('The brief.', 10_000));
    expect(body.tasks).toHaveLength(BOUNDS.missionTasksFull);
    expect(body.tasks[0]).toMatchObject({ taskId: bigIds[0], description: ordinary(0).description, requiredEvidence: ['commit', 'test_ratio'] });
    const next = (await measured(ada, 'list_tasks_by_mission', { missionId: big, fields: 'full', cursor: body.tasksNextCursor })).body;
    expect(next.items[0]).toMatchObject({ key: `T${BOUNDS.missionTasksFull}`, description: ordinary(BOUNDS.missionTasksFull).description });
  });

  it('get_mission stays within its budget at the input limits: long names, brief, agents, deliverables, evidence and titles', async () => {
    const s = harness.store.sortie;
    // 100 agents besides the pilot, who is always one of them.
    const agents = Array.from({ length: 100 }, (_, i) => text(`agent${i}`, 100).replace(/[^A-Za-z0-9]/g, 'x'));
    const huge = await s.createMission(PIA, {
      name: text('A mission at every limit', 200),
      pilot: 'pia',
      agents,
      description: text('Description.', 5000),
      brief: text('Brief.', 200_000),
      deliverables: Array.from({ length: 50 }, (_, i) => ({ name: text(`deliverable ${i}`, 200), description: text('What.', 2000) })),
      status: 'plan',
    });
    const keys: string[] = [];
    for (let i = 0; i < 100; i++) {
      const task = await s.createTask(PIA, {
        missionId: huge.missionId,
        title: text(`step ${i}`, 500),
        description: text('Do.', 20_000),
        dependsOn: keys.slice(-10),
      });
      keys.push(task.key as string);
    }
    const url = (i: number) => `https://example.com/${text(`evidence-${i}`, 1900).replace(/[^A-Za-z0-9-]/g, '-')}`;
    await s.addMissionEvidence(PIA, { missionId: huge.missionId, evidence: Array.from({ length: 30 }, (_, i) => ({ kind: 'url' as const, value: url(i) })) });

    const { size, body } = await measured(pia, 'get_mission', { missionId: huge.missionId });
    expect(size).toBeLessThanOrEqual(RESPONSE_BUDGETS.get_mission);
    expect(body).toMatchObject({ agentsCount: 101, deliverablesCount: 50, evidenceCount: 30, briefChars: 200_000 });
    expect(body.tasks.length).toBeGreaterThan(0);
    expect(body.tasks.length).toBeLessThan(100);
    // A task's title is cut in the summary; its record has it whole.
    expect(body.tasks[0].title.length).toBe(BOUNDS.title);
    const record = (await measured(pia, 'get_task', { taskId: 'T0', missionId: huge.missionId })).body;
    expect(record.title).toBe(text('step 0', 500));
    expect(record.description).toHaveLength(20_000);
  });

  it(`my_work with 25 ready tasks and a few held, blocked, reviews and messages stays within ${RESPONSE_BUDGETS.my_work}`, async () => {
    const s = harness.store.sortie;
    // Two held here, one held by another session of ada, two blocked, one paused: 25 of the 31 independent tasks stay ready.
    await s.checkoutTask(ADA, { taskId: bigIds[0] });
    await s.checkoutTask(ADA, { taskId: bigIds[1] });
    await s.checkoutTask({ agent: 'ada', instance: 'ada-laptop' }, { taskId: bigIds[2] });
    await s.checkoutTask(ADA, { taskId: bigIds[3] });
    await s.blockTask(ADA, { taskId: bigIds[3], reason: text('Waiting for the reporting schema from the data team.', 600) });
    await s.checkoutTask(ADA, { taskId: bigIds[4] });
    await s.blockTask(ADA, { taskId: bigIds[4], blockedOnTaskId: bigIds[29] });
    await s.checkoutTask(ADA, { taskId: bigIds[5] });
    await s.pauseTask(ADA, { taskId: bigIds[5], reason: text('Stopping for the day; the CSV writer is half done.', 400) });
    // Two reviews waiting on ada, the pilot of another mission.
    const reviewed = (await s.createMission(ADA, { name: 'reviewed', pilot: 'ada', agents: ['bo'], status: 'plan' })).missionId;
    const toReview = [await s.createTask(ADA, { missionId: reviewed, ...ordinary(1) }), await s.createTask(ADA, { missionId: reviewed, ...ordinary(2) })];
    await s.updateMissionStatus(ADA, { missionId: reviewed, status: 'execute' });
    for (const t of toReview) {
      await s.checkoutTask(BO, { taskId: t.taskId });
      await s.submitForReview(BO, { taskId: t.taskId, completionNote: 'Exported in 3f2c9e1a7b; tests 18/18' });
    }
    for (let i = 0; i < 3; i++) await s.sendMessage(PIA, { to: 'ada', text: text(`Note ${i} about the reports.`, 2000), missionId: big });

    const { size, body } = await measured(ada, 'my_work');
    expect(size).toBeLessThanOrEqual(RESPONSE_BUDGETS.my_work);
    expect(body.counts).toEqual({ claimed: 2, heldElsewhere: 1, ready: 25, reviews: 2, blocked: 2, paused: 1 });
    expect(body.ready.length).toBeLessThanOrEqual(MY_WORK.shown);
    expect(body.ready[0]).toMatchObject({ taskId: expect.any(String), key: expect.any(String), missionId: big, title: expect.any(String), status: 'todo' });
    expect(body.claimed).toHaveLength(2);
    expect(body.claimed[0]).toMatchObject({ status: 'in_progress', epoch: 1, leaseExpiresAt: expect.any(String) });
    expect(body.heldElsewhere[0]).toMatchObject({ taskId: bigIds[2], instance: 'ada-laptop', hint: expect.stringContaining('takeover') });
    expect(body.blocked.find((t: { taskId: string }) => t.taskId === bigIds[4]).waitsOn).toMatchObject({ taskId: bigIds[29], key: 'T29' });
    expect(body.blocked.find((t: { taskId: string }) => t.taskId === bigIds[3]).blockedReason.length).toBeLessThanOrEqual(MY_WORK.reason);
    expect(body.paused[0]).toMatchObject({ taskId: bigIds[5], pausedAt: expect.any(String) });
    expect(body.paused[0].pausedReason.length).toBeLessThanOrEqual(MY_WORK.reason);
    expect(body.inbox.newest).toHaveLength(3);
    for (const m of body.inbox.newest) expect(m.text.length).toBeLessThanOrEqual(MY_WORK.messageText);
    expect(body.more).toContain('my_work {limit: 25}');

    // The ready list in full, as the answer says.
    const all = (await measured(ada, 'my_work', { limit: 25 })).body;
    expect(all.ready).toHaveLength(25);
    // The Claude Code hook reading a server's my_work (sortie hook --url) finds each held task with its lease.
    const held = heldInProgress(WorkView.parse(all));
    expect(held.map((h) => [h.task.taskId, h.leaseExpiresAt])).toEqual([
      [bigIds[0], body.claimed[0].leaseExpiresAt],
      [bigIds[1], body.claimed[1].leaseExpiresAt],
      [bigIds[2], body.heldElsewhere[0].leaseExpiresAt],
    ]);
  });

  it(`claim_next_task stays within ${RESPONSE_BUDGETS.claim_next_task} and complete_task within ${RESPONSE_BUDGETS.complete_task} for an ordinary task`, async () => {
    const s = harness.store.sortie;
    // T2 waits on T0 and T1, which are done: it is the only task ready for bo.
    const small = (await s.createMission(PIA, { name: 'ordinary', pilot: 'pia', agents: ['bo'], status: 'plan' })).missionId;
    const [first, second] = [await s.createTask(PIA, { missionId: small, ...ordinary(0) }), await s.createTask(PIA, { missionId: small, ...ordinary(1) })];
    const task = await s.createTask(PIA, { missionId: small, ...ordinary(2), dependsOn: ['T0', 'T1'] });
    await s.updateMissionStatus(PIA, { missionId: small, status: 'execute' });
    for (const t of [first, second]) {
      await s.checkoutTask(BO, { taskId: t.taskId });
      await s.completeTask(BO, { taskId: t.taskId, completionNote: 'Done in 3f2c9e1a7b, tests 18/18' });
    }
    const bo = await harness.connect('bo');
    await bo.client.listTools();

    const claim = await measured(bo, 'claim_next_task', { missionId: small });
    expect(claim.size).toBeLessThanOrEqual(RESPONSE_BUDGETS.claim_next_task);
    expect(claim.body).toMatchObject({
      claimed: true,
      task: {
        taskId: task.taskId,
        key: 'T2',
        missionId: small,
        title: ordinary(2).title,
        description: ordinary(2).description,
        status: 'in_progress',
        epoch: 1,
        requiredEvidence: ['commit', 'test_ratio'],
        dependsOn: [first.taskId, second.taskId].sort(),
        claim: { claimedBy: 'bo', epoch: 1, leaseExpiresAt: expect.any(String) },
      },
      next: expect.stringContaining('heartbeat_task'),
    });
    expect(claim.body.next).toContain(claim.body.task.claim.leaseExpiresAt);

    const done = await measured(bo, 'complete_task', { taskId: task.taskId, completionNote: 'Exported in 3f2c9e1a7b; tests 18/18 pass', epoch: 1 });
    expect(done.size).toBeLessThanOrEqual(RESPONSE_BUDGETS.complete_task);
    expect(done.body).toEqual({
      taskId: task.taskId,
      key: 'T2',
      missionId: small,
      status: 'done',
      claim: null,
      evidence: expect.arrayContaining([
        { kind: 'commit', value: '3f2c9e1a7b', verification: 'unverified', tier: 'asserted' },
        { kind: 'test_ratio', value: '18/18', verification: 'unverified', tier: 'asserted' },
      ]),
      // The mission's last open task: its close moved the mission on.
      missionMoved: { missionId: small, from: 'execute', to: 'validate' },
      next: expect.stringContaining('claim_next_task'),
    });
  });

  it('every work receipt is small, and a long description is cut to the claim budget with get_task named for the rest', async () => {
    const s = harness.store.sortie;
    const long = (await s.createMission(PIA, { name: 'long', pilot: 'pia', agents: ['bo'], status: 'plan' })).missionId;
    const description = text('Everything about it.', 20_000);
    const a = await s.createTask(PIA, { missionId: long, title: text('A task with a long title', 500), description, requiredEvidence: ['commit'] });
    const b = await s.createTask(PIA, { missionId: long, ...ordinary(1) });
    await s.updateMissionStatus(PIA, { missionId: long, status: 'execute' });
    const bo = await harness.connect('bo');
    await bo.client.listTools();

    const checkout = await measured(bo, 'checkout_task', { taskId: a.taskId });
    expect(checkout.size).toBeLessThanOrEqual(RESPONSE_BUDGETS.claim_next_task);
    expect(checkout.body).toMatchObject({ claimed: true, taskId: a.taskId, status: 'in_progress', descriptionChars: 20_000, claim: { claimedBy: 'bo' } });
    expect(description.startsWith(checkout.body.description.slice(0, -1))).toBe(true);
    expect(checkout.body.next).toContain('get_task');

    const heartbeat = await measured(bo, 'heartbeat_task', { taskId: a.taskId, epoch: 1 });
    const blocked = await measured(bo, 'block_task', { taskId: a.taskId, reason: text('Waiting.', 5000) });
    const resumed = await measured(bo, 'start_task', { taskId: a.taskId });
    const released = await measured(bo, 'release_task', { taskId: a.taskId });
    await measured(bo, 'checkout_task', { taskId: b.taskId });
    const paused = await measured(bo, 'pause_task', { taskId: b.taskId, reason: text('Half done.', 5000) });
    await measured(bo, 'checkout_task', { taskId: b.taskId });
    const failed = await measured(bo, 'fail_task', { taskId: b.taskId, failureNote: text('It broke.', 20_000) });
    for (const answer of [heartbeat, blocked, released, paused, failed]) expect(answer.size).toBeLessThanOrEqual(RESPONSE_BUDGETS.complete_task);
    expect(resumed.size).toBeLessThanOrEqual(RESPONSE_BUDGETS.claim_next_task);
    expect(heartbeat.body).toMatchObject({ taskId: a.taskId, status: 'in_progress', claim: { epoch: 1 } });
    expect(blocked.body).toMatchObject({ status: 'blocked', blockedReason: expect.any(String) });
    expect(released.body).toMatchObject({ status: 'todo', claim: null });
    expect(paused.body).toMatchObject({ status: 'todo', claim: null, pausedReason: expect.any(String) });
    expect(failed.body).toMatchObject({ status: 'failed', claim: null });

    // A completion citing many items names the first ones and counts them all.
    await measured(bo, 'checkout_task', { taskId: a.taskId });
    const shas = Array.from({ length: 40 }, (_, i) => `${(0x3f2c9e1a7b + i).toString(16)}`);
    const done = await measured(bo, 'complete_task', {
      taskId: a.taskId,
      completionNote: 'Many commits.',
      evidence: shas.map((value) => ({ kind: 'commit', value })),
    });
    expect(done.size).toBeLessThanOrEqual(RESPONSE_BUDGETS.complete_task);
    expect(done.body.evidenceCount).toBe(40);
    // The record keeps the newest evidence items and counts them; its description stays whole.
    const record = (await measured(bo, 'get_task', { taskId: a.taskId })).body;
    expect(record.description).toBe(description);
    expect(record.evidence).toHaveLength(BOUNDS.evidence);
    expect(record.evidenceCount).toBe(40);

    // The change feed cuts long text in event details and says so.
    const feed = (await measured(bo, 'list_events', { taskId: b.taskId })).body;
    const failure = feed.items.find((e: { kind: string }) => e.kind === 'task.failed');
    expect(failure).toMatchObject({ detailsCut: true });
    expect(failure.details.failureNote.length).toBe(BOUNDS.eventText);
  });

  it('a list bounds the dependencies it shows on each task', async () => {
    const s = harness.store.sortie;
    const wide = (await s.createMission(PIA, { name: 'wide', pilot: 'pia', status: 'plan' })).missionId;
    const deps: string[] = [];
    for (let i = 0; i < 30; i++) deps.push((await s.createTask(PIA, { missionId: wide, title: `dep ${i}` })).taskId);
    await s.createTask(PIA, { missionId: wide, title: 'waits on all', dependsOn: deps });
    const page = (await measured(pia, 'list_tasks_by_mission', { missionId: wide, status: 'todo', limit: 200 })).body;
    const last = page.items.at(-1);
    expect(last.dependsOn).toHaveLength(BOUNDS.dependsOnLite);
    expect(last.dependsOnCount).toBe(30);
    expect((await measured(pia, 'get_task', { taskId: 'T30', missionId: wide })).body.dependsOn).toHaveLength(30);
  });

  it('over stdio, get_mission and my_work read the same bounded answers', async () => {
    const stdio = await startHarness('stdio', harness.dbPath);
    try {
      const client = await stdio.connect('ada');
      await client.client.listTools();
      const mission = await measured(client, 'get_mission', { missionId: big });
      expect(mission.size).toBeLessThanOrEqual(RESPONSE_BUDGETS.get_mission);
      expect(mission.body.tasks[0]).toMatchObject({ key: 'T0' });
      const work = await measured(client, 'my_work');
      expect(work.size).toBeLessThanOrEqual(RESPONSE_BUDGETS.my_work);
      expect(work.body.counts.ready).toBe(25);
    } finally {
      await stdio.close();
    }
  });
});
