// Mission templates as pure data: the step schema, its validation (keys, dependencies, cycles, owners,
// placeholders) and the plan that turns a template plus a mission into tasks T0…Tn.
import { z } from 'zod';
import { assertAcyclic } from './dependency-graph.js';
import { Priority } from './enums.js';
import { DomainError, echo, schemaRefusal, validationFailed } from './errors.js';
import { type Deliverable, DeliverableInput, normalizeDeliverables } from './evidence.js';
import { EvidenceRequirement, type Requirement } from './evidence-tier.js';
import { isName, Name } from './identity.js';

export const TEMPLATE_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;
const STEP_KEY_RE = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;
const AGENT_ROLE_RE = /^agent:([1-9]\d{0,2})$/;
const PLACEHOLDER_RE = /\{\{\s*([A-Za-z_][A-Za-z0-9_.-]*)\s*\}\}/g;

/** Owner roles a template may name instead of an agent. */
export const OWNER_ROLES = ['pilot', 'any'] as const;

/** Values every instantiation provides without a context entry (a context entry of the same name wins). */
export const BUILTIN_PLACEHOLDERS = ['mission', 'project', 'pilot'] as const;

export const TemplateStepInput = z.object({
  key: z.string().regex(STEP_KEY_RE, 'a letter, then letters, digits, _ or -').optional().describe('Default step0, step1, …'),
  title: z.string().trim().min(1).max(500),
  description: z.string().max(20_000).optional(),
  tags: z.array(z.string().max(50)).max(50).optional(),
  owner: z.string().max(100).optional().describe('pilot (default), any, agent:N, a name or {{placeholder}}'),
  assignedTo: z.string().max(100).optional().describe('VantagePeers alias of owner'),
  assignedToInstance: Name.optional(),
  dependsOn: z
    .array(z.union([z.string(), z.number().int().min(0)]))
    .max(200)
    .optional()
    .describe('Step keys first; default previous; [] none'),
  requiredEvidence: z.array(EvidenceRequirement).max(20).optional(),
  priority: Priority.optional(),
  estimatedMinutes: z.number().int().min(0).max(1_000_000).optional(),
});
export type TemplateStepInput = z.input<typeof TemplateStepInput>;

export const TemplateInput = z.object({
  name: z.string().regex(TEMPLATE_NAME_RE, '1–100 letters, digits, . _ -'),
  description: z.string().max(5000).optional().describe('What the template is for'),
  brief: z.string().max(200_000).optional().describe('Default mission brief; {{placeholders}} allowed'),
  deliverables: z.array(DeliverableInput).max(50).optional().describe('Mission deliverables and the evidence kinds that prove them'),
  steps: z.array(TemplateStepInput).min(1).max(200).describe('The steps, in order'),
  isDefault: z.boolean().optional().describe('Marks the catalogue’s default template'),
});
export type TemplateInput = z.input<typeof TemplateInput>;

export interface TemplateStep {
  key: string;
  title: string;
  description: string | null;
  tags: string[];
  /** A role (pilot, any, agent:N), an agent name, or a {{placeholder}} rendered at instantiation. */
  owner: string;
  assignedToInstance: string | null;
  /** Step keys, never indexes (indexes are resolved on save). */
  dependsOn: string[];
  requiredEvidence: Requirement[];
  priority: Priority | null;
  estimatedMinutes: number | null;
}

/** A validated template body: what a version row and a built-in file hold. */
export interface TemplateDefinition {
  name: string;
  description: string | null;
  brief: string | null;
  deliverables: Deliverable[];
  steps: TemplateStep[];
  isDefault: boolean;
}

export interface MissionTemplate extends TemplateDefinition {
  version: number;
  /** True when this version is the file shipped in templates/, not a saved row. */
  builtin: boolean;
  createdBy: string;
  createdAt: string;
  deletedAt: string | null;
  /** The placeholders its text uses (brief, steps, deliverables), sorted; built-in ones excluded. */
  placeholders: string[];
}

function refuse(field: string, message: string, hint: string, details: Record<string, unknown> = {}): DomainError {
  return new DomainError('VALIDATION_FAILED', `${field}: ${message}`, hint, { field, ...details });
}

/** "issue-resolution@2" → { name, version: 2 }; a bare name means the current version. */
export function parseTemplateRef(ref: string): { name: string; version?: number } {
  const at = ref.lastIndexOf('@');
  const name = at > 0 ? ref.slice(0, at) : ref;
  const versionText = at > 0 ? ref.slice(at + 1) : undefined;
  if (!TEMPLATE_NAME_RE.test(name)) {
    throw validationFailed('templateName', `"${echo(ref)}" is not a template name`, 'Template names are letters, digits, . _ - (optionally name@version).');
  }
  if (versionText === undefined) return { name };
  if (!/^[1-9]\d{0,8}$/.test(versionText)) throw validationFailed('templateName', `"${echo(ref)}" has no valid version after @`, 'Use name or name@3.');
  return { name, version: Number(versionText) };
}

/** Checks an owner's syntax (where it can be resolved is decided per mission). */
function assertOwnerSyntax(owner: string, field: string): void {
  if ((OWNER_ROLES as readonly string[]).includes(owner) || AGENT_ROLE_RE.test(owner) || isName(owner)) return;
  if (placeholdersIn(owner).length > 0 && owner.replace(PLACEHOLDER_RE, 'x').length <= 100) return;
  throw refuse(field, `"${echo(owner)}" is not an owner`, 'Use pilot, any, agent:N (the Nth agent of the mission), an agent name, or a {{placeholder}}.');
}

/**
 * Parses and validates a template: step keys unique, every dependency an existing step, no cycle (named in
 * DEPENDENCY_CYCLE), owners well-formed, deliverables unique. Steps without dependsOn follow the previous one.
 */
export function normalizeTemplate(raw: unknown): TemplateDefinition {
  const parsed = TemplateInput.safeParse(raw);
  if (!parsed.success) {
    throw schemaRefusal(parsed.error, {
      prefix: parsed.error.issues[0]?.path.length ? undefined : 'template',
      hint: () => 'Fix the template field named and save again.',
    });
  }
  const input = parsed.data;
  const keys = input.steps.map((s, i) => s.key ?? `step${i}`);
  const seen = new Map<string, number>();
  keys.forEach((key, i) => {
    const first = seen.get(key);
    if (first !== undefined) {
      throw refuse(`steps[${i}].key`, `duplicate step key "${key}" (also steps[${first}])`, 'Every step needs its own key.', { duplicate: key });
    }
    seen.set(key, i);
  });
  const steps: TemplateStep[] = input.steps.map((s, i) => {
    const refs = s.dependsOn ?? (i === 0 ? [] : [i - 1]);
    const unknown: string[] = [];
    const dependsOn = refs.map((ref) => {
      const key = typeof ref === 'number' ? keys[ref] : ref;
      if (key === undefined || !seen.has(key)) unknown.push(String(ref));
      return key ?? String(ref);
    });
    if (unknown.length) {
      throw refuse(
        `steps[${i}].dependsOn`,
        `step "${keys[i]}" depends on unknown step(s) ${unknown.map((u) => `"${u}"`).join(', ')}`,
        `dependsOn names step keys (${keys.join(', ')}) or 0-based step indexes.`,
        { step: keys[i], unknown },
      );
    }
    const owner = (s.owner ?? s.assignedTo ?? 'pilot').trim();
    assertOwnerSyntax(owner, `steps[${i}].owner`);
    return {
      key: keys[i],
      title: s.title,
      description: s.description ?? null,
      tags: [...new Set(s.tags ?? [])],
      owner,
      assignedToInstance: s.assignedToInstance ?? null,
      dependsOn: [...new Set(dependsOn)],
      requiredEvidence: [...new Set(s.requiredEvidence ?? [])],
      priority: s.priority ?? null,
      estimatedMinutes: s.estimatedMinutes ?? null,
    };
  });
  assertAcyclic(new Map(steps.map((s) => [s.key, s.dependsOn])));
  return {
    name: input.name,
    description: input.description ?? null,
    brief: input.brief ?? null,
    deliverables: normalizeDeliverables(input.deliverables),
    steps,
    isDefault: input.isDefault ?? false,
  };
}

/** The placeholder names a text uses, in order of first use. */
export function placeholdersIn(text: string | null | undefined): string[] {
  if (!text) return [];
  const names: string[] = [];
  for (const m of text.matchAll(PLACEHOLDER_RE)) if (!names.includes(m[1])) names.push(m[1]);
  return names;
}

/** Every placeholder the template's text uses, built-in ones left out: what a caller must supply. */
export function templatePlaceholders(def: TemplateDefinition): string[] {
  const texts = [def.brief, ...def.deliverables.map((d) => d.description), ...def.steps.flatMap((s) => [s.title, s.description, s.owner, ...s.tags])];
  const names = new Set(texts.flatMap((t) => placeholdersIn(t)));
  for (const b of BUILTIN_PLACEHOLDERS) names.delete(b);
  return [...names].sort();
}

/** The text with each {{name}} replaced; names without a (non-blank) value are added to `missing`. */
export function renderText(text: string, values: Readonly<Record<string, string>>, missing: Set<string>): string {
  return text.replace(PLACEHOLDER_RE, (whole, name: string) => {
    // Own values only: {{constructor}} or {{__proto__}} is a placeholder without a value, not Object's.
    const value = Object.hasOwn(values, name) ? values[name] : undefined;
    if (value === undefined || value.trim() === '') {
      missing.add(name);
      return whole;
    }
    return value;
  });
}

/** The mission a template is instantiated into, as far as rendering and owner resolution need it. */
export interface MissionShape {
  name: string;
  project: string;
  pilot: string;
  /** Every agent of the mission, the pilot included or not. */
  agents: readonly string[];
}

export interface PlannedTask {
  stepKey: string;
  title: string;
  description: string | null;
  tags: string[];
  /** null = unassigned: any agent of the mission may claim it. */
  assignedTo: string | null;
  assignedToInstance: string | null;
  requiredEvidence: Requirement[];
  priority: Priority | null;
  estimatedMinutes: number | null;
  /** Step keys of the tasks this one waits on; each is planned earlier in the list. */
  dependsOn: string[];
}

export interface InstantiationPlan {
  /** The rendered default brief, or null when the caller brings its own (or the template has none). */
  brief: string | null;
  deliverables: Deliverable[];
  /** In creation order: every task after its dependencies, otherwise in step order. */
  tasks: PlannedTask[];
}

export interface PlanOptions {
  context?: Readonly<Record<string, string>>;
  /** Prepended to every task title, e.g. "[auth]". */
  titlePrefix?: string;
  /** Render the template's brief (false when the mission has its own). */
  withBrief?: boolean;
}

/**
 * Steps in an order where each comes after its dependencies, ties broken by step order, so T-keys follow the
 * template's order whenever it already lists dependencies first (every built-in does).
 */
export function topologicalSteps(steps: readonly TemplateStep[]): TemplateStep[] {
  const waiting = steps.map((s) => new Set(s.dependsOn));
  const done = new Set<string>();
  const order: TemplateStep[] = [];
  while (order.length < steps.length) {
    const next = steps.findIndex((s, i) => !done.has(s.key) && [...waiting[i]].every((d) => done.has(d)));
    if (next < 0) {
      // Only reachable with a cycle, which normalizeTemplate refuses; assertAcyclic names it.
      assertAcyclic(new Map(steps.map((s) => [s.key, s.dependsOn])));
      throw new Error('unordered steps without a cycle');
    }
    done.add(steps[next].key);
    order.push(steps[next]);
  }
  return order;
}

/** Resolves a rendered owner against the mission; returns the assignee (null = any agent) or a problem. */
function resolveOwner(owner: string, mission: MissionShape): { assignedTo: string | null } | { problem: string } {
  if (owner === 'pilot') return { assignedTo: mission.pilot };
  if (owner === 'any') return { assignedTo: null };
  const others = mission.agents.filter((a) => a !== mission.pilot);
  const role = AGENT_ROLE_RE.exec(owner);
  if (role) {
    const n = Number(role[1]);
    if (n > others.length) {
      return { problem: `${owner} needs at least ${n} agent(s) besides the pilot; mission ${mission.name} has ${others.length}` };
    }
    return { assignedTo: others[n - 1] };
  }
  if (!isName(owner)) return { problem: `"${echo(owner)}" is not an agent name` };
  if (owner !== mission.pilot && !mission.agents.includes(owner)) {
    return { problem: `"${owner}" is not the pilot or an agent of mission ${mission.name}` };
  }
  return { assignedTo: owner };
}

/**
 * Renders a template for one mission and resolves every owner. Refuses, creating nothing, when a placeholder
 * in use has no value (naming all of them) or an owner cannot be resolved (naming each step).
 */
export function planInstantiation(def: TemplateDefinition, mission: MissionShape, options: PlanOptions = {}): InstantiationPlan {
  const values: Record<string, string> = { mission: mission.name, project: mission.project, pilot: mission.pilot, ...(options.context ?? {}) };
  const missing = new Set<string>();
  const render = (text: string) => renderText(text, values, missing);
  const brief = options.withBrief && def.brief ? render(def.brief) : null;
  const deliverables = def.deliverables.map((d) => ({ ...d, ...(d.description ? { description: render(d.description) } : {}) }));
  const prefix = options.titlePrefix?.trim();
  const rendered = topologicalSteps(def.steps).map((s) => ({
    step: s,
    title: render(prefix ? `${prefix} ${s.title}` : s.title),
    description: s.description === null ? null : render(s.description),
    tags: s.tags.map(render),
    owner: render(s.owner),
  }));
  if (missing.size > 0) {
    const names = [...missing].sort();
    throw new DomainError(
      'VALIDATION_FAILED',
      `context: missing value(s) for placeholder(s) ${names.map((n) => `{{${n}}}`).join(', ')}`,
      `Pass context with a non-empty value for each, e.g. ${JSON.stringify(Object.fromEntries(names.map((n) => [n, '…'])))}.`,
      { field: 'context', missing: names },
    );
  }
  const problems: string[] = [];
  const tasks: PlannedTask[] = [];
  for (const r of rendered) {
    const owner = resolveOwner(r.owner, mission);
    if ('problem' in owner) {
      problems.push(`step ${r.step.key}: ${owner.problem}`);
      continue;
    }
    tasks.push({
      stepKey: r.step.key,
      title: r.title.slice(0, 500),
      description: r.description,
      tags: [...new Set([...r.tags, `step:${r.step.key}`])],
      assignedTo: owner.assignedTo,
      assignedToInstance: r.step.assignedToInstance,
      requiredEvidence: r.step.requiredEvidence,
      priority: r.step.priority,
      estimatedMinutes: r.step.estimatedMinutes,
      dependsOn: r.step.dependsOn,
    });
  }
  if (problems.length > 0) {
    throw new DomainError(
      'VALIDATION_FAILED',
      `owners not resolvable: ${problems.join('; ')}`,
      'Add the agents to the mission (agents), pass the owner through context, or change the step owner in the template.',
      { field: 'owner', problems },
    );
  }
  return { brief, deliverables, tasks };
}

/** Deliverables of `base` followed by those of `added` whose name is new (an existing name keeps its entry). */
export function mergeDeliverables(base: readonly Deliverable[], added: readonly Deliverable[]): Deliverable[] {
  const names = new Set(base.map((d) => d.name));
  return [...base, ...added.filter((d) => !names.has(d.name))];
}

/** The stored form of a step, checked when a version row is read back. */
export const StoredTemplateStep = z.object({
  key: z.string(),
  title: z.string(),
  description: z.string().nullable(),
  tags: z.array(z.string()),
  owner: z.string(),
  assignedToInstance: z.string().nullable(),
  dependsOn: z.array(z.string()),
  requiredEvidence: z.array(EvidenceRequirement),
  priority: Priority.nullable(),
  estimatedMinutes: z.number().nullable(),
});

/**
 * A definition in the editable file form (what `sortie template export` prints and `import` reads): null fields
 * left out, and dependsOn only where it differs from the default "previous step".
 */
export function templateToInput(def: TemplateDefinition): TemplateInput {
  return {
    name: def.name,
    ...(def.description !== null ? { description: def.description } : {}),
    ...(def.isDefault ? { isDefault: true } : {}),
    ...(def.brief !== null ? { brief: def.brief } : {}),
    ...(def.deliverables.length ? { deliverables: def.deliverables.map((d) => ({ ...d })) } : {}),
    steps: def.steps.map((s, i) => {
      const implied = i === 0 ? [] : [def.steps[i - 1].key];
      const sameAsDefault = s.dependsOn.length === implied.length && s.dependsOn.every((d, j) => d === implied[j]);
      return {
        key: s.key,
        title: s.title,
        ...(s.description !== null ? { description: s.description } : {}),
        ...(s.owner !== 'pilot' ? { owner: s.owner } : {}),
        ...(sameAsDefault ? {} : { dependsOn: [...s.dependsOn] }),
        ...(s.requiredEvidence.length ? { requiredEvidence: [...s.requiredEvidence] } : {}),
        ...(s.tags.length ? { tags: [...s.tags] } : {}),
        ...(s.assignedToInstance !== null ? { assignedToInstance: s.assignedToInstance } : {}),
        ...(s.priority !== null ? { priority: s.priority } : {}),
        ...(s.estimatedMinutes !== null ? { estimatedMinutes: s.estimatedMinutes } : {}),
      };
    }),
  };
}
