// Templates and recurring work through the real MCP SDK Client: VantagePeers tool names and arguments, refusals as
// coded errors, profiles, and an issue-resolution mission created in one call and driven to complete.
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type AgentClient, type Harness, startHarness, type TransportName } from './support/clients.js';
import { driveMissionOverMcp } from './support/drive.js';
import { tempDir } from './support/sortie.js';

const TEMPLATE_TOOLS = [
  'list_mission_templates',
  'get_mission_template',
  'update_mission_template',
  'delete_mission_template',
  'instantiate_template_into_mission',
];
const RECURRING_TOOLS = [
  'create_recurring_task',
  'list_recurring_tasks',
  'get_recurring_task',
  'update_recurring_task',
  'pause_recurring_task',
  'resume_recurring_task',
  'delete_recurring_task',
];

// stdio spawns the built CLI (npm run build first); memory runs the same server in-process.
const TRANSPORTS: TransportName[] = ['memory', 'stdio'];

describe.each(TRANSPORTS)('template and recurring tools over %s', (transport) => {
  let harness: Harness;
  afterEach(async () => {
    await harness?.close();
  });

  const start = async () => {
    harness = await startHarness(transport, join(tempDir(), 'sortie.db'));
    return harness;
  };

  it('creates an issue-resolution mission in one create_mission call and drives it to complete', async () => {
    await start();
    const alice = await harness.connect('alice');
    const { items } = await alice.call('list_mission_templates');
    expect(items.map((i: { name: string }) => i.name)).toEqual(['generic', 'doc-completion', 'issue-resolution', 'new-feature', 'repo-fix']);
    const missing = await alice.refuse('create_mission', { name: 'Fix #5', pilot: 'alice', template: 'issue-resolution' });
    expect(missing).toMatchObject({ code: 'VALIDATION_FAILED', details: { missing: ['issue'] } });
    const m = await alice.call('create_mission', {
      name: 'Fix #5',
      pilot: 'alice',
      agents: ['bob'],
      template: 'issue-resolution',
      context: { issue: '#5' },
      createdBy: 'alice',
    });
    expect(m).toMatchObject({ templateName: 'issue-resolution', templateVersion: 1 });
    expect(m.tasks.map((t: { key: string }) => t.key)).toEqual(['T0', 'T1', 'T2', 'T3', 'T4', 'T5', 'T6']);
    // A mission answer names a dependency of the same mission by its key.
    expect(m.tasks[3].dependsOn).toEqual(['T2']);
    const done = await driveMissionOverMcp((agent) => harness.connect(agent), m.missionId);
    expect(done.status).toBe('complete');
  });

  it('saves versions, instantiates into a mission, and reports validation refusals with codes', async () => {
    await start();
    const alice = await harness.connect('alice');
    const cycle = await alice.refuse('update_mission_template', {
      name: 'loop',
      steps: [
        { key: 'a', title: 'A', dependsOn: ['b'] },
        { key: 'b', title: 'B' },
      ],
    });
    expect(cycle.code).toBe('DEPENDENCY_CYCLE');
    const saved = await alice.call('update_mission_template', {
      name: 'triage',
      description: 'VantagePeers-style steps with index dependencies',
      steps: [{ title: 'Read {{ticket}}' }, { title: 'Label it', dependsOn: [0] }, { title: 'Reply', dependsOn: [0, 1], assignedTo: 'bob' }],
      createdBy: 'alice',
    });
    expect(saved).toMatchObject({ name: 'triage', version: 1, stepCount: 3 });
    await alice.call('update_mission_template', { name: 'triage', steps: [{ title: 'Only step' }] });
    expect((await alice.call('get_mission_template', { name: 'triage' })).version).toBe(2);
    expect((await alice.call('get_mission_template', { name: 'triage', version: 1 })).steps.map((s: { dependsOn: string[] }) => s.dependsOn)).toEqual([
      [],
      ['step0'],
      ['step0', 'step1'],
    ]);

    const mission = await alice.call('create_mission', { name: 'Inbox', pilot: 'alice', agents: 'bob' });
    const refused = await alice.refuse('instantiate_template_into_mission', { templateName: 'triage@1', missionId: mission.missionId });
    expect(refused.details).toMatchObject({ missing: ['ticket'] });
    const result = await alice.call('instantiate_template_into_mission', {
      templateName: 'triage@1',
      missionId: mission.missionId,
      context: { ticket: 'T-9' },
      titlePrefix: '[inbox]',
      callerOrchestrator: 'alice',
    });
    expect(result).toMatchObject({ count: 3, keys: ['T0', 'T1', 'T2'] });
    const task = await alice.call('get_task', { taskId: 'T2', missionId: mission.missionId });
    expect(task).toMatchObject({ title: '[inbox] Reply', assignedTo: 'bob', dependsOn: [result.taskIds[0], result.taskIds[1]] });

    expect(await alice.call('delete_mission_template', { name: 'triage' })).toMatchObject({ deleted: true, versionsDeleted: 2 });
    expect((await alice.refuse('get_mission_template', { name: 'triage' })).code).toBe('NOT_FOUND');
    expect((await alice.refuse('create_mission', { name: 'x', pilot: 'alice', context: { a: 'b' } })).code).toBe('VALIDATION_FAILED');
  });

  it('schedules recurring work and manages it with the VantagePeers tools', async () => {
    await start();
    const alice = await harness.connect('alice');
    const bad = await alice.refuse('create_recurring_task', {
      title: 'x',
      assignedTo: 'bob',
      priority: 'low',
      cronExpression: 'every day',
      createdBy: 'alice',
    });
    expect(bad).toMatchObject({ code: 'VALIDATION_FAILED', details: { field: 'cronExpression' } });
    const r = await alice.call('create_recurring_task', {
      title: 'Weekly audit {{date}}',
      assignedTo: 'bob',
      priority: 'high',
      cronExpression: '0 9 * * 1',
      timezone: 'Europe/Paris',
      description: 'npm audit and outdated',
      project: 'ops',
      tags: ['deps'],
      createdBy: 'alice',
    });
    expect(r).toMatchObject({ kind: 'task', paused: false, overlap: 'skip', project: 'ops' });
    expect(r.upcoming).toHaveLength(5);
    const id = r.recurringTaskId;
    expect((await alice.call('list_recurring_tasks', { project: 'ops' })).items.map((x: { recurringTaskId: string }) => x.recurringTaskId)).toEqual([id]);
    expect((await alice.call('get_recurring_task', { recurringTaskId: id })).nextRunAt).toBe(r.nextRunAt);
    const updated = await alice.call('update_recurring_task', { recurringTaskId: id, cronExpression: '30 6 * * *', timezone: 'UTC' });
    expect(updated.cronExpression).toBe('30 6 * * *');
    expect(updated.nextRunAt).not.toBe(r.nextRunAt);
    expect((await alice.call('pause_recurring_task', { recurringTaskId: id })).paused).toBe(true);
    expect((await alice.call('resume_recurring_task', { recurringTaskId: id })).paused).toBe(false);
    const bob = await harness.connect('bob');
    expect((await bob.refuse('pause_recurring_task', { recurringTaskId: id })).code).toBe('FORBIDDEN');
    expect(await alice.call('delete_recurring_task', { recurringTaskId: id })).toMatchObject({ deleted: true });
    expect((await alice.refuse('get_recurring_task', { recurringTaskId: id })).code).toBe('NOT_FOUND');
  });

  it('offers template reading and instantiation to pilots, editing and recurring work to the full profile, nothing to workers', async () => {
    await start();
    const names = async (client: AgentClient) => (await client.client.listTools()).tools.map((t) => t.name);
    const full = await names(await harness.connect('alice', 'full'));
    const pilot = await names(await harness.connect('alice', 'pilot'));
    const worker = await names(await harness.connect('alice', 'worker'));
    for (const n of [...TEMPLATE_TOOLS, ...RECURRING_TOOLS]) expect(full).toContain(n);
    expect(pilot.filter((n) => TEMPLATE_TOOLS.includes(n) || RECURRING_TOOLS.includes(n))).toEqual([
      'list_mission_templates',
      'get_mission_template',
      'instantiate_template_into_mission',
    ]);
    expect(worker.filter((n) => TEMPLATE_TOOLS.includes(n) || RECURRING_TOOLS.includes(n))).toEqual([]);
    const tools = (await (await harness.connect('alice', 'full')).client.listTools()).tools.filter((t) =>
      [...TEMPLATE_TOOLS, ...RECURRING_TOOLS].includes(t.name),
    );
    for (const tool of tools) {
      expect(Object.keys(tool.annotations ?? {}).sort()).toEqual(['destructiveHint', 'idempotentHint', 'openWorldHint', 'readOnlyHint']);
      // Arguments are typed; a description is there only where the name does not say it (test/tool-budget.test.ts).
      for (const [field, schema] of Object.entries((tool.inputSchema.properties ?? {}) as Record<string, Record<string, unknown>>)) {
        expect(
          ['type', 'enum', 'const', 'anyOf'].some((k) => k in schema),
          `${tool.name}.${field}`,
        ).toBe(true);
      }
    }
  });
});
