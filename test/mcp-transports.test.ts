// The same behaviour through the MCP SDK's real Client over every transport — in-memory, spawned stdio
// (`sortie mcp`, one process per agent) and HTTP (`sortie serve`): tools/list, the doc-completion scenario of
// issue 2, refusals, schema violations, identity, output schemas, resources and cross-process subscriptions.
import { ResourceUpdatedNotificationSchema, type Tool } from '@modelcontextprotocol/sdk/types.js';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv-provider.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lastEventSeq } from '../src/db/events-repo.js';
import { type AgentClient, type Harness, startHarness, TRANSPORTS } from './support/clients.js';
import { tempDir } from './support/sortie.js';

/** Every tool issue 2 §8 names, by its VantagePeers-compatible name. */
const ISSUE_TOOLS = [
  'create_mission',
  'get_mission',
  'list_missions',
  'update_mission',
  'update_mission_status',
  'update_mission_progress',
  'add_mission_evidence',
  'list_tasks_by_mission',
  'create_task',
  'get_task',
  'list_tasks',
  'update_task',
  'start_task',
  'checkout_task',
  'claim_next_task',
  'heartbeat_task',
  'release_task',
  'complete_task',
  'block_task',
  'pause_task',
  'fail_task',
  'cancel_task',
  'reopen_task',
  'add_task_dependency',
  'remove_task_dependency',
  'delete_task',
  'list_events',
  'my_work',
];
/** The worker's loop (issue 12): exactly the tools of the worker profile. */
const WORKER_TOOLS = [
  'my_work',
  'check_messages',
  'get_task',
  'checkout_task',
  'claim_next_task',
  'heartbeat_task',
  'release_task',
  'complete_task',
  'block_task',
  'pause_task',
  'fail_task',
];

describe.each(TRANSPORTS)('MCP over %s', (transport) => {
  let harness: Harness;
  let pia: AgentClient;
  let alice: AgentClient;
  let bob: AgentClient;
  let tools: Tool[];
  const validate = new Map<string, (value: unknown) => { valid: boolean; errorMessage?: string }>();
  let counter = 0;

  beforeAll(async () => {
    harness = await startHarness(transport, `${tempDir()}/sortie.db`);
    [pia, alice, bob] = await Promise.all([harness.connect('pia'), harness.connect('alice'), harness.connect('bob')]);
    // listTools first: the SDK client then validates every structuredContent against the tool's outputSchema.
    [tools] = await Promise.all([pia, alice, bob].map(async (c) => (await c.client.listTools()).tools));
    const ajv = new AjvJsonSchemaValidator();
    for (const tool of tools) if (tool.outputSchema) validate.set(tool.name, ajv.getValidator(tool.outputSchema));
  });
  afterAll(async () => {
    await harness?.close();
  });

  /** A tool call that must succeed, whose structuredContent is also checked here against the tool's outputSchema. */
  // biome-ignore lint/suspicious/noExplicitAny: structured results are read field by field
  async function call(client: AgentClient, name: string, args: Record<string, unknown> = {}): Promise<any> {
    const out = await client.call(name, args);
    const check = validate.get(name);
    expect(check, `${name} has an outputSchema`).toBeDefined();
    const result = check?.(out);
    expect(result?.valid, `${name}: ${result?.errorMessage}`).toBe(true);
    return out;
  }

  /** A refusal with `code` that leaves the event log (and so every table — all writes emit) where it was. */
  async function refuse(client: AgentClient, name: string, args: Record<string, unknown>, code: string) {
    const before = await lastEventSeq(harness.store.database.kysely);
    const error = await client.refuse(name, args);
    expect(error.code, error.message).toBe(code);
    expect(typeof error.message).toBe('string');
    expect(error.hint.length).toBeGreaterThan(0);
    expect(await lastEventSeq(harness.store.database.kysely)).toBe(before);
    return error;
  }

  /** An executing mission in its own project, so a claim left by one test never counts against the next one's. */
  async function executingMission(tasks: Array<{ title: string; dependsOn?: string }>, extra: Record<string, unknown> = {}) {
    const n = ++counter;
    const created = await call(pia, 'create_mission', {
      name: `m-${transport}-${n}`,
      pilot: 'pia',
      agents: ['alice', 'bob'],
      project: `p-${transport}-${n}`,
      ...extra,
    });
    for (const task of tasks) await call(pia, 'create_task', { missionId: created.missionId, ...task });
    await call(pia, 'update_mission_status', { missionId: created.missionId, status: 'plan' });
    await call(pia, 'update_mission_status', { missionId: created.missionId, status: 'execute' });
    return created.missionId as string;
  }

  it('lists every tool with a short description, typed inputs, an output schema and all four annotations', async () => {
    expect(tools.map((t) => t.name)).toEqual(expect.arrayContaining(ISSUE_TOOLS));
    for (const tool of tools) {
      expect(tool.description, tool.name).toBeTruthy();
      // Descriptions say what a model cannot guess, once: every session pays for them (test/tool-budget.test.ts).
      expect(tool.description?.length, tool.name).toBeLessThanOrEqual(240);
      expect(tool.inputSchema.type).toBe('object');
      for (const [field, schema] of Object.entries(tool.inputSchema.properties ?? {})) {
        const s = schema as Record<string, unknown>;
        expect(
          ['type', 'enum', 'const', 'anyOf'].some((k) => k in s),
          `${tool.name}.${field} has a type`,
        ).toBe(true);
      }
      expect(tool.outputSchema?.type, tool.name).toBe('object');
      for (const hint of ['readOnlyHint', 'destructiveHint', 'idempotentHint', 'openWorldHint'] as const) {
        expect(typeof tool.annotations?.[hint], `${tool.name}.${hint}`).toBe('boolean');
      }
      if (tool.annotations?.readOnlyHint) expect(tool.annotations.destructiveHint, tool.name).toBe(false);
    }
    expect(tools.find((t) => t.name === 'get_task')?.annotations?.readOnlyHint).toBe(true);
    expect(tools.find((t) => t.name === 'delete_task')?.annotations?.destructiveHint).toBe(true);
    expect(tools.find((t) => t.name === 'complete_task')?.annotations?.readOnlyHint).toBe(false);
  });

  it('the worker profile carries only the tools a worker uses', async () => {
    const worker = await harness.connect('wendy', 'worker');
    const names = (await worker.client.listTools()).tools.map((t) => t.name);
    expect([...names].sort()).toEqual([...WORKER_TOOLS].sort());
    for (const managing of ['create_mission', 'update_mission_status', 'create_task', 'cancel_task', 'delete_task', 'add_task_dependency'])
      expect(names).not.toContain(managing);
    await worker.close();
  });

  it('runs the doc-completion mission: two agents in two connections, dependency order held, evidence-gated completion', async () => {
    const created = await call(pia, 'create_mission', {
      name: `doc-completion-${transport}`,
      pilot: 'pia',
      agents: ['alice', 'bob'],
      project: `docs-${transport}`,
      deliverables: [{ name: 'docs', acceptedKinds: ['pr', 'file'] }],
    });
    const missionId = created.missionId as string;
    expect(created).toMatchObject({ status: 'brainstorm', pilot: 'pia' });
    const steps = ['audit-existing-docs', 'write-new-pages', 'review', 'publish-and-announce'];
    for (const [i, title] of steps.entries()) {
      const task = await call(pia, 'create_task', { title, missionId, ...(i > 0 ? { dependsOn: `T${i - 1}` } : {}) });
      expect(task.key).toBe(`T${i}`);
    }
    await refuse(pia, 'update_mission_status', { missionId, status: 'execute' }, 'INVALID_TRANSITION');
    await call(pia, 'update_mission_status', { missionId, status: 'plan' });
    await call(pia, 'update_mission_status', { missionId, status: 'execute' });

    const notes = [
      'Audited 14 pages; findings in docs/audit.md',
      'Wrote 5 new pages in PR #12',
      'Reviewed PR #12; fixes in 3f2c9e1',
      'Published https://docs.example.com/guide and announced it',
    ];
    const workers = [alice, bob, alice, bob];
    for (const [i, worker] of workers.entries()) {
      const other = worker === alice ? bob : alice;
      const claimed = await call(worker, 'claim_next_task', { missionId });
      expect(claimed).toMatchObject({ claimed: true, task: { key: `T${i}`, status: 'in_progress', claim: { claimedBy: worker.agent } } });
      // Only step i was ready: the other agent now finds nothing, and cannot jump ahead.
      expect(await call(other, 'claim_next_task', { missionId })).toEqual({ claimed: false, task: null, next: expect.stringContaining('Nothing is ready') });
      if (i + 1 < steps.length) {
        const blocked = await refuse(other, 'checkout_task', { taskId: `T${i + 1}`, missionId }, 'DEPENDENCY_NOT_DONE');
        expect(blocked.message).toContain(`T${i}`);
      }
      await refuse(worker, 'complete_task', { taskId: `T${i}`, missionId, completionNote: 'done, all good' }, 'EVIDENCE_REQUIRED');
      const done = await call(worker, 'complete_task', { taskId: `T${i}`, missionId, completionNote: notes[i] });
      expect(done).toMatchObject({ key: `T${i}`, status: 'done', claim: null });
      // The answer names the evidence the note was read for.
      expect(done.evidence.length).toBeGreaterThan(0);
      for (const item of done.evidence) expect(notes[i]).toContain(item.value);
      // The last open task's close moves the mission on, and its closer is told.
      expect(done.missionMoved).toEqual(i + 1 === steps.length ? { missionId, from: 'execute', to: 'validate' } : undefined);
    }

    const validating = await call(bob, 'get_mission', { missionId });
    expect(validating).toMatchObject({ status: 'validate', computedProgress: 100 });
    expect(validating.tasks.map((t: { status: string }) => t.status)).toEqual(['done', 'done', 'done', 'done']);
    const gate = await refuse(pia, 'update_mission_status', { missionId, status: 'complete' }, 'EVIDENCE_REQUIRED');
    expect(gate.message).toContain('deliverable "docs"');
    await call(pia, 'add_mission_evidence', { missionId, deliverable: 'docs', evidence: [{ kind: 'pr', value: '#12' }] });
    const complete = await call(pia, 'update_mission_status', { missionId, status: 'complete' });
    expect(complete).toMatchObject({ status: 'complete', progress: 100 });

    // The feed shows the order: each step claimed only after the one before it completed.
    const feed = await call(pia, 'list_events', { since: 0, missionId, limit: 500 });
    const steps_ = feed.items
      .filter((e: { kind: string }) => e.kind === 'task.claimed' || e.kind === 'task.completed')
      .map((e: { kind: string; taskId: string }) => `${e.kind}:${e.taskId}`);
    const ids = (await call(bob, 'list_tasks_by_mission', { missionId })).items.map((t: { taskId: string }) => t.taskId);
    expect(steps_).toEqual(ids.flatMap((id: string) => [`task.claimed:${id}`, `task.completed:${id}`]));
    const moves = feed.items
      .filter((e: { kind: string }) => e.kind === 'mission.status_changed')
      .map((e: { details: { to: string; auto: boolean } }) => `${e.details.to}${e.details.auto ? '*' : ''}`);
    expect(moves).toEqual(['plan', 'execute', 'validate*', 'complete']);
  });

  it('refuses with isError and {error:{code,message,hint}} — never structuredContent — and changes nothing', async () => {
    const missionId = await executingMission([{ title: 'a' }, { title: 'b', dependsOn: 'T0' }]);
    const result = await pia.raw('update_mission_status', { missionId, status: 'brainstorm' });
    expect(result.isError).toBe(true);
    expect(result.structuredContent).toBeUndefined();
    const body = JSON.parse((result.content[0] as { text: string }).text);
    expect(Object.keys(body)).toEqual(['error']);
    expect(body.error).toMatchObject({
      code: 'INVALID_TRANSITION',
      message: expect.any(String),
      hint: expect.any(String),
      details: { from: 'execute', to: 'brainstorm' },
    });

    await refuse(alice, 'get_task', { taskId: '01JAAAAAAAAAAAAAAAAAAAAAAA' }, 'NOT_FOUND');
    await refuse(alice, 'get_task', { taskId: 'T7', missionId }, 'NOT_FOUND');
    const cycle = await refuse(pia, 'add_task_dependency', { taskId: 'T0', missionId, dependsOn: 'T1' }, 'DEPENDENCY_CYCLE');
    expect(cycle.message).toContain('T0 → T1 → T0');
    await call(alice, 'checkout_task', { taskId: 'T0', missionId });
    const held = await refuse(bob, 'checkout_task', { taskId: 'T0', missionId }, 'ALREADY_CLAIMED');
    expect(held.message).toContain('alice');
    expect(held.details).toMatchObject({ holder: 'alice', leaseExpiresAt: expect.any(String) });
    await refuse(bob, 'complete_task', { taskId: 'T0', missionId, completionNote: 'PR #3' }, 'FORBIDDEN');
    await refuse(bob, 'cancel_task', { taskId: 'T1', missionId, cancelReason: 'mine now' }, 'FORBIDDEN');
    const planned = await call(pia, 'create_mission', { name: `planned-${transport}`, pilot: 'pia', agents: ['alice'] });
    await call(pia, 'create_task', { title: 'later', missionId: planned.missionId });
    await refuse(alice, 'checkout_task', { taskId: 'T0', missionId: planned.missionId }, 'MISSION_NOT_ACTIVE');
    expect(await call(alice, 'checkout_task', { taskId: 'T0', missionId })).toMatchObject({ claimed: true, key: 'T0' });
  });

  it('reports schema violations as VALIDATION_FAILED naming the field', async () => {
    const missionId = await executingMission([{ title: 'a' }]);
    const cases: Array<[AgentClient, string, Record<string, unknown>, string]> = [
      [pia, 'create_task', { title: 42 }, 'title'],
      [pia, 'create_task', { title: 'x', priority: 'whenever' }, 'priority'],
      [alice, 'get_task', {}, 'taskId'],
      [pia, 'update_mission_progress', { missionId, progress: '50' }, 'progress'],
      [pia, 'update_mission_progress', { missionId, progress: 50.5 }, 'progress'],
      [pia, 'update_mission_progress', { missionId, progress: 101 }, 'progress'],
      [alice, 'list_tasks', { limit: 500 }, 'limit'],
      [alice, 'list_missions', { status: 'finished' }, 'status'],
      [pia, 'create_mission', { name: 'x', pilot: 'not a name' }, 'pilot'],
      [pia, 'create_task', { title: 'x', missionId, dependsOn: 'T9' }, 'dependsOn'],
      [alice, 'checkout_task', { taskId: 'T0' }, 'missionId'],
    ];
    for (const [client, tool, args, field] of cases) {
      const error = await refuse(client, tool, args, 'VALIDATION_FAILED');
      expect(error.details.field, `${tool} ${JSON.stringify(args)}: ${error.message}`).toBe(field);
      expect(error.message).toContain(field);
    }
    await call(alice, 'checkout_task', { taskId: 'T0', missionId });
    const evidence = await refuse(
      alice,
      'complete_task',
      { taskId: 'T0', missionId, completionNote: 'x', evidence: [{ kind: 'test_ratio', value: '20/18' }] },
      'VALIDATION_FAILED',
    );
    expect(evidence.details.field).toBe('evidence[0].value');
  });

  it('refuses identity spoofing through createdBy / callerOrchestrator with FORBIDDEN, and accepts agreeing names', async () => {
    const missionId = await executingMission([{ title: 'a' }]);
    await refuse(pia, 'create_task', { title: 'spoofed', missionId, createdBy: 'mallory' }, 'FORBIDDEN');
    await refuse(pia, 'create_mission', { name: 'spoofed', pilot: 'pia', createdBy: 'alice' }, 'FORBIDDEN');
    const spoof = await refuse(alice, 'checkout_task', { taskId: 'T0', missionId, callerOrchestrator: 'bob' }, 'FORBIDDEN');
    expect(spoof.message).toContain('"alice"');
    await refuse(bob, 'update_mission_status', { missionId, status: 'cancelled', reason: 'x', callerOrchestrator: 'pia' }, 'FORBIDDEN');
    const task = await call(pia, 'create_task', { title: 'honest', missionId, createdBy: 'pia', callerOrchestrator: 'pia' });
    expect(task.createdBy).toBe('pia');
    expect(await call(alice, 'checkout_task', { taskId: 'T0', missionId, callerOrchestrator: 'alice' })).toMatchObject({
      claimed: true,
      claim: { claimedBy: 'alice' },
    });
  });

  it('one task in progress per project: a second checkout is TASK_START_BLOCKED naming the first; pause_task frees the slot', async () => {
    const missionId = await executingMission([{ title: 'first' }, { title: 'second' }]);
    const first = await call(alice, 'checkout_task', { taskId: 'T0', missionId });
    const blocked = await refuse(alice, 'checkout_task', { taskId: 'T1', missionId }, 'TASK_START_BLOCKED');
    expect(blocked.message).toContain('T0 "first"');
    expect(blocked.hint).toContain('pause_task');
    expect(blocked.details).toMatchObject({ limit: 1, inProgress: [{ taskId: first.taskId, key: 'T0', title: 'first' }] });
    await refuse(alice, 'pause_task', { taskId: 'T0', missionId, reason: '  ' }, 'VALIDATION_FAILED');
    const paused = await call(alice, 'pause_task', { taskId: 'T0', missionId, reason: 'the second one is more urgent', epoch: first.epoch });
    expect(paused).toMatchObject({ status: 'todo', claim: null, pausedReason: 'the second one is more urgent' });
    expect(await call(alice, 'checkout_task', { taskId: 'T1', missionId })).toMatchObject({ claimed: true, key: 'T1', claim: { claimedBy: 'alice' } });
    const work = await call(alice, 'my_work', { limit: 200 });
    const pausedHere = work.paused.filter((t: { missionId: string }) => t.missionId === missionId);
    expect(pausedHere.map((t: { key: string; pausedReason: string }) => [t.key, t.pausedReason])).toEqual([['T0', 'the second one is more urgent']]);
    expect(work.ready.some((t: { taskId: string }) => t.taskId === first.taskId)).toBe(false);
  });

  it('pages list_tasks and list_missions by cursor (default 20, at most 200)', async () => {
    const missionId = await executingMission(Array.from({ length: 23 }, (_, i) => ({ title: `t${i}` })));
    const first = await call(alice, 'list_tasks_by_mission', { missionId });
    expect(first.items).toHaveLength(20);
    const second = await call(alice, 'list_tasks_by_mission', { missionId, cursor: first.nextCursor });
    expect(second.items.map((t: { key: string }) => t.key)).toEqual(['T20', 'T21', 'T22']);
    expect(second.nextCursor).toBeNull();
    expect((await call(alice, 'list_tasks', { missionId, limit: 200 })).items).toHaveLength(23);
    const missions = await call(alice, 'list_missions', { status: 'all', limit: 1 });
    expect(missions.items).toHaveLength(1);
    expect(missions.nextCursor).toEqual(expect.any(String));
  });

  it("my_work shows the caller's claims with lease expiry and its ready tasks", async () => {
    const missionId = await executingMission([{ title: 'claimed' }, { title: 'next' }]);
    await call(bob, 'checkout_task', { taskId: 'T0', missionId });
    const work = await call(bob, 'my_work', { limit: 200 });
    expect(work.agent).toBe('bob');
    const claimed = work.claimed.find((t: { missionId: string }) => t.missionId === missionId);
    expect(claimed).toMatchObject({ key: 'T0', status: 'in_progress', epoch: 1, leaseExpiresAt: expect.any(String) });
    expect(work.ready.filter((t: { missionId: string }) => t.missionId === missionId).map((t: { key: string }) => t.key)).toEqual(['T1']);
  });

  it('shows a completion without evidence, with its reason, wherever the task is shown', async () => {
    const missionId = await executingMission([{ title: 'decide' }, { title: 'more' }]);
    await call(alice, 'checkout_task', { taskId: 'T0', missionId });
    const reason = 'a decision; nothing to commit';
    await call(alice, 'complete_task', { taskId: 'T0', missionId, completionNote: 'We agreed to keep v1', allowNoEvidence: reason });
    expect((await call(bob, 'get_task', { taskId: 'T0', missionId })).allowNoEvidence).toBe(reason);
    expect((await call(bob, 'list_tasks_by_mission', { missionId })).items[0]).toMatchObject({ key: 'T0', status: 'done', allowNoEvidence: reason });
    expect((await call(bob, 'list_tasks', { missionId, status: 'done' })).items).toEqual([expect.objectContaining({ key: 'T0', allowNoEvidence: reason })]);
    expect((await call(bob, 'get_mission', { missionId })).tasks[0].allowNoEvidence).toBe(reason);
    expect((await call(bob, 'get_mission', { missionId, fields: 'full' })).tasks[0].allowNoEvidence).toBe(reason);
  });

  it('serves missions and tasks as resources', async () => {
    const missionId = await executingMission([{ title: 'read me' }]);
    const mission = await alice.client.readResource({ uri: `sortie://missions/${missionId}` });
    const body = JSON.parse((mission.contents[0] as { text: string }).text);
    expect(body).toMatchObject({ missionId, status: 'execute', tasks: [{ key: 'T0', title: 'read me' }] });
    const taskId = body.tasks[0].taskId;
    const task = await alice.client.readResource({ uri: `sortie://tasks/${taskId}` });
    expect(task.contents[0]).toMatchObject({ uri: `sortie://tasks/${taskId}`, mimeType: 'application/json' });
    expect(JSON.parse((task.contents[0] as { text: string }).text)).toMatchObject({ taskId, key: 'T0', status: 'todo' });
  });

  if (transport === 'stdio') {
    it('notifies a subscriber when another `sortie mcp` process changes the task', async () => {
      const missionId = await executingMission([{ title: 'watched' }]);
      const taskId = (await call(pia, 'get_task', { taskId: 'T0', missionId })).taskId;
      const uri = `sortie://tasks/${taskId}`;
      const updated = new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no resources/updated for ${uri}`)), 15_000);
        pia.client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => {
          if (n.params.uri === uri) {
            clearTimeout(timer);
            resolve(n.params.uri);
          }
        });
      });
      await pia.client.subscribeResource({ uri });
      // alice is a separate `sortie mcp` process on the same database file.
      await call(alice, 'checkout_task', { taskId: 'T0', missionId });
      expect(await updated).toBe(uri);
    });
  }
});
