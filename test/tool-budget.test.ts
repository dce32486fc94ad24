// The context an agent pays on every session: per profile, what a model is sent of each tool (name, description and
// input schema as advertised), in JSON characters, must stay within MODEL_BUDGETS (src/mcp/profiles.ts) — the
// numbers the README states. The advertised schemas drop what the server enforces itself, and the arguments a tool
// does not advertise are still accepted: both are checked here through the real client.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modelVisibleCharacters, UNADVERTISED_ARGUMENTS } from '../src/mcp/advertise.js';
import { MODEL_BUDGETS, PROFILES, type Profile } from '../src/mcp/profiles.js';
import { type AgentClient, type Harness, REPO, startHarness } from './support/clients.js';
import { tempDir } from './support/sortie.js';

/** The worker's loop, as issue 12 names it: every one of these must be in the worker profile. */
const WORKER_LOOP = [
  'my_work',
  'claim_next_task',
  'heartbeat_task',
  'complete_task',
  'block_task',
  'fail_task',
  'release_task',
  'pause_task',
  'get_task',
  'check_messages',
];

describe('what the tools cost a model, per profile', () => {
  let harness: Harness;
  const lists = new Map<Profile, Tool[]>();
  let pia: AgentClient;

  beforeAll(async () => {
    harness = await startHarness('memory', join(tempDir(), 'budget.db'));
    for (const profile of PROFILES) lists.set(profile, (await (await harness.connect('budget', profile)).client.listTools()).tools);
    pia = await harness.connect('pia');
  });
  afterAll(async () => {
    await harness?.close();
  });

  for (const profile of PROFILES) {
    it(`${profile} stays within ${MODEL_BUDGETS[profile].toLocaleString('en-US')} characters`, () => {
      const tools = lists.get(profile) ?? [];
      expect(tools.length).toBeGreaterThan(0);
      expect(modelVisibleCharacters(tools), `${profile}: ${tools.length} tools`).toBeLessThanOrEqual(MODEL_BUDGETS[profile]);
    });
  }

  it('the worker profile carries the loop; the full profile every tool', () => {
    const names = (p: Profile) => (lists.get(p) ?? []).map((t) => t.name);
    expect(names('worker')).toEqual(expect.arrayContaining(WORKER_LOOP));
    expect(names('full')).toEqual(expect.arrayContaining([...names('pilot'), ...names('worker')]));
    expect(names('worker').length).toBeLessThan(names('pilot').length);
  });

  it('advertised schemas carry no enforced limits, no $schema and no identity arguments', () => {
    const text = JSON.stringify(lists.get('full')?.map((t) => t.inputSchema));
    for (const noise of ['"$schema"', '"maxLength"', '"maximum"', '9007199254740991', '"additionalProperties"']) expect(text).not.toContain(noise);
    for (const tool of lists.get('full') ?? []) {
      for (const hidden of UNADVERTISED_ARGUMENTS) expect(Object.keys(tool.inputSchema.properties ?? {}), tool.name).not.toContain(hidden);
    }
  });

  it('arguments that are not advertised are still accepted and checked', async () => {
    const mission = await pia.call('create_mission', { name: 'budget', pilot: 'pia', callerOrchestrator: 'pia', createdBy: 'pia' });
    expect(mission.name).toBe('budget');
    const forged = await pia.refuse('create_mission', { name: 'forged', pilot: 'pia', callerOrchestrator: 'mallory' });
    expect(forged.code).toBe('FORBIDDEN');
    // update_task's evidence (complete_task's job) is not advertised, yet a status move may carry it.
    const updateTask = lists.get('full')?.find((t) => t.name === 'update_task');
    expect(Object.keys(updateTask?.inputSchema.properties ?? {})).not.toContain('evidence');
    const task = await pia.call('create_task', { title: 'with hidden args', missionId: mission.missionId, estimatedMinutes: 30 });
    expect(task.estimatedMinutes).toBe(30);
  });

  it('the loop is marked to stay loaded where clients defer tools', () => {
    const meta = new Map((lists.get('worker') ?? []).map((t) => [t.name, t._meta?.['anthropic/alwaysLoad']]));
    for (const name of WORKER_LOOP) expect(meta.get(name), name).toBe(true);
    const createMission = lists.get('full')?.find((t) => t.name === 'create_mission');
    expect(createMission?._meta?.['anthropic/alwaysLoad']).toBeUndefined();
  });

  it('the README states these budgets', () => {
    const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
    for (const profile of PROFILES) expect(readme).toContain(`${profile} ≤ ${MODEL_BUDGETS[profile].toLocaleString('en-US')}`);
  });
});
