// Unit tests of mission templates: normalising steps and dependencies, and the refusals for malformed ones.
import { describe, expect, it } from 'vitest';
import { refusal } from '../../test/support/refusal.js';
import {
  mergeDeliverables,
  normalizeTemplate,
  parseTemplateRef,
  planInstantiation,
  renderText,
  type TemplateInput,
  templatePlaceholders,
  templateToInput,
  topologicalSteps,
} from './template.js';

const mission = { name: 'Fix login', project: 'web', pilot: 'alice', agents: ['alice', 'bob', 'carol'] };

describe('normalizeTemplate', () => {
  it('chains steps without dependsOn, keeps [] as none, and names default keys step0, step1, …', () => {
    const def = normalizeTemplate({ name: 't', steps: [{ title: 'a' }, { title: 'b' }, { title: 'c', dependsOn: [] }] });
    expect(def.steps.map((s) => [s.key, s.dependsOn])).toEqual([
      ['step0', []],
      ['step1', ['step0']],
      ['step2', []],
    ]);
    expect(def.steps[0].owner).toBe('pilot');
  });

  it('accepts VantagePeers 0-based indexes and assignedTo as the owner', () => {
    const def = normalizeTemplate({
      name: 'vp',
      steps: [{ title: 'a' }, { title: 'b', dependsOn: [] }, { title: 'c', dependsOn: [0, 1], assignedTo: 'bob' }],
    });
    expect(def.steps[2].dependsOn).toEqual(['step0', 'step1']);
    expect(def.steps[2].owner).toBe('bob');
  });

  it('refuses a duplicate key, naming it', () => {
    const e = refusal(() =>
      normalizeTemplate({
        name: 't',
        steps: [
          { key: 'a', title: 'x' },
          { key: 'a', title: 'y' },
        ],
      }),
    );
    expect(e.code).toBe('VALIDATION_FAILED');
    expect(e.message).toContain('duplicate step key "a"');
    expect(e.details).toMatchObject({ field: 'steps[1].key', duplicate: 'a' });
  });

  it('refuses an unknown dependency by key or out-of-range index, naming it', () => {
    const byKey = refusal(() =>
      normalizeTemplate({
        name: 't',
        steps: [
          { key: 'a', title: 'x' },
          { key: 'b', title: 'y', dependsOn: ['nope'] },
        ],
      }),
    );
    expect(byKey.code).toBe('VALIDATION_FAILED');
    expect(byKey.details).toMatchObject({ field: 'steps[1].dependsOn', unknown: ['nope'] });
    const byIndex = refusal(() => normalizeTemplate({ name: 't', steps: [{ title: 'x', dependsOn: [5] }] }));
    expect(byIndex.details).toMatchObject({ unknown: ['5'] });
  });

  it('refuses a cycle with DEPENDENCY_CYCLE naming its steps', () => {
    const e = refusal(() =>
      normalizeTemplate({
        name: 't',
        steps: [
          { key: 'a', title: 'A', dependsOn: ['c'] },
          { key: 'b', title: 'B', dependsOn: ['a'] },
          { key: 'c', title: 'C', dependsOn: ['b'] },
        ],
      }),
    );
    expect(e.code).toBe('DEPENDENCY_CYCLE');
    expect(e.message).toMatch(/a → c → b → a|a → .* → a/);
    expect(new Set(e.details.cycle as string[])).toEqual(new Set(['a', 'b', 'c']));
  });

  it('refuses a step depending on itself', () => {
    expect(refusal(() => normalizeTemplate({ name: 't', steps: [{ key: 'a', title: 'A', dependsOn: ['a'] }] })).code).toBe('DEPENDENCY_CYCLE');
  });

  it('refuses malformed owners and names', () => {
    expect(refusal(() => normalizeTemplate({ name: 't', steps: [{ title: 'A', owner: 'agent:0' }] })).details).toMatchObject({ field: 'steps[0].owner' });
    expect(refusal(() => normalizeTemplate({ name: 't', steps: [{ title: 'A', owner: 'two words' }] })).code).toBe('VALIDATION_FAILED');
    expect(refusal(() => normalizeTemplate({ name: 'bad name', steps: [{ title: 'A' }] })).details).toMatchObject({ field: 'name' });
    expect(refusal(() => normalizeTemplate({ name: 't', steps: [] })).details).toMatchObject({ field: 'steps' });
  });
});

describe('placeholders', () => {
  it('lists what a caller must supply, leaving out the built-in ones', () => {
    const def = normalizeTemplate({
      name: 't',
      brief: 'For {{ issue }} in {{mission}}',
      deliverables: [{ name: 'd', description: 'see {{repo}}' }],
      steps: [{ title: 'Fix {{issue}}', owner: '{{fixer}}' }],
    });
    expect(templatePlaceholders(def)).toEqual(['fixer', 'issue', 'repo']);
  });

  it('renders values and collects blank or missing ones', () => {
    const missing = new Set<string>();
    expect(renderText('{{a}}-{{ b }}-{{c}}', { a: '1', b: ' ' }, missing)).toBe('1-{{ b }}-{{c}}');
    expect([...missing]).toEqual(['b', 'c']);
  });
});

describe('planInstantiation', () => {
  const def = normalizeTemplate({
    name: 'flow',
    brief: 'Resolve {{issue}} ({{mission}})',
    deliverables: [{ name: 'fix', description: 'fix for {{issue}}', acceptedKinds: ['pr'] }],
    steps: [
      { key: 'merge', title: 'Merge {{issue}}', dependsOn: ['fix'], requiredEvidence: ['pr'] },
      { key: 'triage', title: 'Triage', dependsOn: [] },
      { key: 'fix', title: 'Fix', owner: 'agent:1', dependsOn: ['triage'], requiredEvidence: ['commit'] },
      { key: 'docs', title: 'Docs', owner: 'any', dependsOn: ['triage'] },
      { key: 'review', title: 'Review', owner: '{{reviewer}}', dependsOn: ['fix', 'docs'] },
    ],
  });

  it('orders tasks after their dependencies, resolves owners and renders text', () => {
    const plan = planInstantiation(def, mission, { context: { issue: '#42', reviewer: 'carol' }, withBrief: true, titlePrefix: '[web]' });
    expect(plan.tasks.map((t) => t.stepKey)).toEqual(['triage', 'fix', 'merge', 'docs', 'review']);
    expect(plan.tasks.map((t) => t.assignedTo)).toEqual(['alice', 'bob', 'alice', null, 'carol']);
    expect(plan.tasks[2]).toMatchObject({ title: '[web] Merge #42', requiredEvidence: ['pr'], dependsOn: ['fix'], tags: ['step:merge'] });
    expect(plan.brief).toBe('Resolve #42 (Fix login)');
    expect(plan.deliverables).toEqual([{ name: 'fix', description: 'fix for #42', acceptedKinds: ['pr'] }]);
  });

  it('names every missing placeholder, and skips the brief when the mission brings its own', () => {
    const e = refusal(() => planInstantiation(def, mission, { withBrief: true }));
    expect(e.code).toBe('VALIDATION_FAILED');
    expect(e.details.missing).toEqual(['issue', 'reviewer']);
    expect(e.message).toContain('{{issue}}');
    const onlyBrief = normalizeTemplate({ name: 'b', brief: '{{why}}', steps: [{ title: 'x' }] });
    expect(planInstantiation(onlyBrief, mission, { withBrief: false }).brief).toBeNull();
    expect(refusal(() => planInstantiation(onlyBrief, mission, { withBrief: true })).details.missing).toEqual(['why']);
  });

  it('refuses owners the mission cannot resolve, naming each step', () => {
    const solo = { ...mission, agents: ['alice'] };
    const e = refusal(() => planInstantiation(def, solo, { context: { issue: '#1', reviewer: 'mallory' } }));
    expect(e.code).toBe('VALIDATION_FAILED');
    expect(e.details.problems).toEqual([
      'step fix: agent:1 needs at least 1 agent(s) besides the pilot; mission Fix login has 0',
      'step review: "mallory" is not the pilot or an agent of mission Fix login',
    ]);
  });
});

describe('topologicalSteps', () => {
  it('keeps step order when dependencies come first', () => {
    const def = normalizeTemplate({ name: 't', steps: [{ title: 'a' }, { title: 'b' }, { title: 'c', dependsOn: [0] }] });
    expect(topologicalSteps(def.steps).map((s) => s.key)).toEqual(['step0', 'step1', 'step2']);
  });
});

describe('parseTemplateRef', () => {
  it('splits name@version and refuses bad refs', () => {
    expect(parseTemplateRef('issue-resolution')).toEqual({ name: 'issue-resolution' });
    expect(parseTemplateRef('issue-resolution@3')).toEqual({ name: 'issue-resolution', version: 3 });
    expect(refusal(() => parseTemplateRef('x@0')).code).toBe('VALIDATION_FAILED');
    expect(refusal(() => parseTemplateRef('no spaces')).code).toBe('VALIDATION_FAILED');
  });
});

describe('templateToInput', () => {
  it('round-trips through normalizeTemplate', () => {
    const input: TemplateInput = {
      name: 'rt',
      description: 'd',
      brief: 'b {{x}}',
      deliverables: [{ name: 'out', acceptedKinds: ['url'] }],
      steps: [
        { key: 'a', title: 'A', requiredEvidence: ['commit'], tags: ['t'] },
        { key: 'b', title: 'B', owner: 'any', priority: 'high' },
        { key: 'c', title: 'C', dependsOn: ['a'], estimatedMinutes: 30 },
        { key: 'd', title: 'D', dependsOn: [] },
      ],
    };
    const def = normalizeTemplate(input);
    const exported = templateToInput(def);
    expect(exported.steps[1]).not.toHaveProperty('dependsOn');
    expect(exported.steps[3]).toHaveProperty('dependsOn', []);
    expect(normalizeTemplate(exported)).toEqual(def);
  });
});

describe('mergeDeliverables', () => {
  it('adds new names and keeps existing entries', () => {
    const merged = mergeDeliverables(
      [{ name: 'a', acceptedKinds: ['pr'] }],
      [
        { name: 'a', acceptedKinds: ['url'] },
        { name: 'b', acceptedKinds: ['file'] },
      ],
    );
    expect(merged).toEqual([
      { name: 'a', acceptedKinds: ['pr'] },
      { name: 'b', acceptedKinds: ['file'] },
    ]);
  });
});
