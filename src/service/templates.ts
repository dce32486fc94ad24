// Template use cases: the catalogue (built-in files merged with one project's saved versions), versioned saves,
// soft deletes, and instantiation — into an existing mission, or together with a new mission — as one transaction.
//
// Scope: saved templates belong to one project. The built-in files are the only layer every project sees, and
// they are read-only; a project's saved version of a built-in's name shadows it in that project alone. Every read,
// save, delete and instantiation resolves in exactly one project (the mission's, or the one named, else the
// default project), and a caller whose token does not cover it gets NOT_FOUND, as for any other project.

import { z } from 'zod';
import { DomainError, echo, forbidden, validationFailed } from '../core/errors.js';
import { normalizeDeliverables } from '../core/evidence.js';
import { Name } from '../core/identity.js';
import type { Actor, MissionDetail } from '../core/model.js';
import { authorize } from '../core/permissions.js';
import { isMissionManager } from '../core/policy.js';
import {
  type InstantiationPlan,
  type MissionTemplate,
  mergeDeliverables,
  normalizeTemplate,
  parseTemplateRef,
  planInstantiation,
  StoredTemplateStep,
  type TemplateDefinition,
  type TemplateInput,
  templatePlaceholders,
} from '../core/template.js';
import type { Db } from '../db/database.js';
import { updateMissionRow } from '../db/missions-repo.js';
import { parseDeliverables, parseJson, parseStringList } from '../db/rows.js';
import type { MissionsTable, MissionTemplatesTable } from '../db/schema.js';
import { currentTemplateRows, getTemplateRow, insertNextTemplateVersion, softDeleteTemplate, templateVersions } from '../db/templates-repo.js';
import { assertProjectVisible, defaultProjectFor, lockMission, missionParties } from './access.js';
import { inWrite, type ServiceDeps, type Work } from './context.js';
import { asList, parseInput } from './inputs.js';
import { CreateMissionInput, createMissionIn, getMission } from './missions.js';
import { assertRoster } from './roster.js';
import { createTaskIn } from './tasks.js';
import { loadBuiltinTemplates } from './template-catalogue.js';

/** The project a template call names; shaped like a mission's project. */
export const TemplateProject = Name.describe('Project whose templates to use; default: the default project');

/**
 * The project a template call works in: the one named, else the caller's default (defaultProjectFor); NOT_FOUND
 * outside the caller's scope.
 */
export function templateProject(deps: ServiceDeps, actor: Actor, project?: string): string {
  const name = project === undefined ? defaultProjectFor(deps, actor) : parseInput(TemplateProject, project, 'project');
  assertProjectVisible(actor, name);
  return name;
}

/** At most 100 placeholder values, names up to 100 characters, values up to 10,000. */
export const TemplateContext = z
  .record(z.string().max(100), z.string().max(10_000))
  .refine((values) => Object.keys(values).length <= 100, 'has more than 100 values')
  .describe('{{placeholder}} values');
export type TemplateContext = z.infer<typeof TemplateContext>;

const StepList = z.array(StoredTemplateStep);

function fromRow(row: MissionTemplatesTable): MissionTemplate {
  const def: TemplateDefinition = {
    name: row.name,
    description: row.description,
    brief: row.brief,
    deliverables: parseDeliverables(row.deliverables),
    steps: parseJson(StepList, row.steps, 'mission_templates.steps'),
    isDefault: row.is_default === 1,
  };
  return {
    ...def,
    version: row.version,
    builtin: false,
    createdBy: row.created_by,
    createdAt: row.created_at,
    deletedAt: row.deleted_at,
    placeholders: templatePlaceholders(def),
  };
}

/**
 * The template a name (or name@version) means in a project. Without a version: the higher of the project's newest
 * saved version and the built-in file; a deleted name falls back to its built-in, if any. With a version: exactly
 * that one, deleted or not (old versions stay readable). Null when there is none. Another project's saved
 * versions are never consulted. The caller has checked that the actor may see `project`.
 */
export async function findTemplate(db: Db, project: string, name: string, version?: number): Promise<MissionTemplate | null> {
  const builtin = loadBuiltinTemplates().get(name) ?? null;
  if (version !== undefined) {
    const row = await getTemplateRow(db, project, name, version);
    if (row) return fromRow(row);
    return builtin && builtin.version === version ? builtin : null;
  }
  const row = await getTemplateRow(db, project, name);
  if (!row || row.deleted_at) return builtin;
  return builtin && builtin.version > row.version ? builtin : fromRow(row);
}

/** Like findTemplate, but NOT_FOUND for nothing and for a deleted version (it can be read, not instantiated). */
async function requireTemplate(db: Db, project: string, ref: string, version?: number): Promise<MissionTemplate> {
  const parsed = parseTemplateRef(ref);
  const wanted = version ?? parsed.version;
  const template = await findTemplate(db, project, parsed.name, wanted);
  if (!template || template.deletedAt) {
    throw new DomainError(
      'NOT_FOUND',
      `template ${parsed.name}${wanted ? ` version ${wanted}` : ''} not found${template?.deletedAt ? ' (deleted)' : ''} in project ${project}`,
      `list_mission_templates {project: "${project}"} shows the templates and versions this project uses.`,
      { kind: 'template', ref },
    );
  }
  return template;
}

export interface TemplateSummary {
  name: string;
  version: number;
  description: string | null;
  stepCount: number;
  steps: string[];
  placeholders: string[];
  deliverables: string[];
  isDefault: boolean;
  builtin: boolean;
  createdBy: string;
  createdAt: string;
}

function summary(t: MissionTemplate): TemplateSummary {
  return {
    name: t.name,
    version: t.version,
    description: t.description,
    stepCount: t.steps.length,
    steps: t.steps.map((s) => s.key),
    placeholders: t.placeholders,
    deliverables: t.deliverables.map((d) => d.name),
    isDefault: t.isDefault,
    builtin: t.builtin,
    createdBy: t.createdBy,
    createdAt: t.createdAt,
  };
}

// The template use cases' inputs. `project` comes first: a project outside the caller's scope is refused before
// anything else is looked at. A template definition is validated by the core's TemplateInput (normalizeTemplate).
export const ListTemplatesInput = z.object({ project: TemplateProject.optional() });
export type ListTemplatesInput = z.input<typeof ListTemplatesInput>;

export const GetTemplateInput = z.object({
  project: TemplateProject.optional(),
  name: z.string().describe('Template name, or name@version'),
  version: z.number().int().min(1).optional().describe('A version (default: the current one)'),
});
export type GetTemplateInput = z.input<typeof GetTemplateInput>;

export const UpdateTemplateInput = z.looseObject({ project: TemplateProject.optional() }).describe('A template definition (TemplateInput) and its project');
export type UpdateTemplateInput = TemplateInput & { project?: string };

export const DeleteTemplateInput = z.object({
  project: TemplateProject.optional(),
  name: z.string().describe('Template name (all its versions are deleted)'),
});
export type DeleteTemplateInput = z.input<typeof DeleteTemplateInput>;

/** The current version of every template in a project (built-ins and its saved ones), the default first, then by name. */
export async function listTemplates(deps: ServiceDeps, actor: Actor, raw: ListTemplatesInput): Promise<{ project: string; items: TemplateSummary[] }> {
  const project = templateProject(deps, actor, parseInput(ListTemplatesInput, raw).project);
  const db = deps.database.kysely;
  const current = new Map<string, MissionTemplate>();
  for (const t of loadBuiltinTemplates().values()) current.set(t.name, t);
  for (const row of await currentTemplateRows(db, project)) {
    const builtin = current.get(row.name);
    if (!builtin || builtin.version < row.version) current.set(row.name, fromRow(row));
  }
  const items = [...current.values()].map(summary).sort((a, b) => Number(b.isDefault) - Number(a.isDefault) || a.name.localeCompare(b.name));
  return { project, items };
}

export interface TemplateDetail extends MissionTemplate {
  /** The project it was resolved in. */
  project: string;
  /** Every version of the name in that project: the built-in file and saved rows. */
  versions: Array<{ version: number; builtin: boolean; createdBy: string; createdAt: string; deletedAt: string | null }>;
}

export async function getTemplate(deps: ServiceDeps, actor: Actor, raw: GetTemplateInput): Promise<TemplateDetail> {
  const { project: projectName, name: ref, version } = parseInput(GetTemplateInput, raw);
  const project = templateProject(deps, actor, projectName);
  const db = deps.database.kysely;
  const parsed = parseTemplateRef(ref);
  const wanted = version ?? parsed.version;
  const template = await findTemplate(db, project, parsed.name, wanted);
  if (!template) {
    throw new DomainError('NOT_FOUND', `template ${echo(ref)} not found in project ${project}`, 'list_mission_templates shows the templates of a project.', {
      kind: 'template',
      ref: echo(ref),
    });
  }
  const builtin = loadBuiltinTemplates().get(parsed.name);
  const saved = await templateVersions(db, project, parsed.name);
  const versions = [
    ...(builtin ? [{ version: builtin.version, builtin: true, createdBy: builtin.createdBy, createdAt: builtin.createdAt, deletedAt: null }] : []),
    ...saved.map((v) => ({ version: v.version, builtin: false, createdBy: v.created_by, createdAt: v.created_at, deletedAt: v.deleted_at })),
  ];
  return { ...template, project, versions };
}

/**
 * update_mission_template: validates and saves the template as a new version in one project (a saved built-in name
 * shadows the built-in there only); earlier versions stay readable.
 */
export async function updateTemplate(
  deps: ServiceDeps,
  actor: Actor,
  raw: UpdateTemplateInput,
): Promise<{ templateId: string; project: string; name: string; version: number; stepCount: number; placeholders: string[] }> {
  authorize(actor, 'template.manage');
  const { project: projectName, ...definition } = parseInput(UpdateTemplateInput, raw);
  const project = templateProject(deps, actor, projectName);
  const def = normalizeTemplate(definition);
  const builtin = loadBuiltinTemplates().get(def.name);
  return inWrite(deps, actor, async (work) => {
    const id = deps.ids();
    const version = await insertNextTemplateVersion(
      work.tx,
      {
        id,
        project,
        name: def.name,
        description: def.description,
        brief: def.brief,
        deliverables: JSON.stringify(def.deliverables),
        steps: JSON.stringify(def.steps),
        is_default: def.isDefault ? 1 : 0,
        created_by: actor.agent,
        created_at: work.now,
        deleted_at: null,
      },
      (builtin?.version ?? 0) + 1,
    );
    work.emit('template.saved', { project }, { name: def.name, version, stepCount: def.steps.length });
    return { templateId: id, project, name: def.name, version, stepCount: def.steps.length, placeholders: templatePlaceholders(def) };
  });
}

/**
 * Soft-deletes every version of a name saved in one project; a built-in of that name becomes current there again.
 * Built-ins themselves are read-only: a name with nothing saved in the project but a built-in is refused.
 */
export async function deleteTemplate(
  deps: ServiceDeps,
  actor: Actor,
  raw: DeleteTemplateInput,
): Promise<{ deleted: true; project: string; name: string; versionsDeleted: number; current: { version: number; builtin: true } | null }> {
  authorize(actor, 'template.manage');
  const { project: projectName, name } = parseInput(DeleteTemplateInput, raw);
  const project = templateProject(deps, actor, projectName);
  const parsed = parseTemplateRef(name);
  if (parsed.version !== undefined) throw validationFailed('name', 'delete removes a template with all its versions; name it without @version');
  const builtin = loadBuiltinTemplates().get(parsed.name) ?? null;
  return inWrite(deps, actor, async (work) => {
    const count = await softDeleteTemplate(work.tx, project, parsed.name, work.now);
    if (count === 0) {
      if (builtin) {
        throw new DomainError(
          'CONFLICT',
          `template ${parsed.name} is built in and has no saved versions to delete in project ${project}`,
          'Built-in templates ship with Sortie and cannot be deleted; save your own version with update_mission_template to shadow it in a project.',
          { name: parsed.name, project },
        );
      }
      throw new DomainError('NOT_FOUND', `template ${parsed.name} not found in project ${project}`, 'list_mission_templates shows the templates.', {
        kind: 'template',
        ref: parsed.name,
      });
    }
    work.emit('template.deleted', { project }, { name: parsed.name, versions: count });
    return {
      deleted: true as const,
      project,
      name: parsed.name,
      versionsDeleted: count,
      current: builtin ? { version: builtin.version, builtin: true as const } : null,
    };
  });
}

/**
 * Creates the plan's tasks in the locked mission, dependencies wired by step key; returns them in order. Every owner
 * is the mission's pilot or one of its agents, checked against the roster rule by the caller, once for the plan.
 */
async function createPlannedTasks(
  deps: ServiceDeps,
  work: Work,
  mission: MissionsTable,
  plan: InstantiationPlan,
): Promise<Array<{ taskId: string; key: string; step: string }>> {
  const ids = new Map<string, string>();
  const created: Array<{ taskId: string; key: string; step: string }> = [];
  for (const t of plan.tasks) {
    const row = await createTaskIn(
      deps,
      work,
      {
        title: t.title,
        description: t.description ?? undefined,
        missionId: mission.id,
        assignedTo: t.assignedTo ?? undefined,
        assignedToInstance: t.assignedToInstance ?? undefined,
        priority: t.priority ?? mission.priority,
        dependsOn: t.dependsOn.map((k) => ids.get(k) as string),
        tags: t.tags,
        requiredEvidence: t.requiredEvidence,
        estimatedMinutes: t.estimatedMinutes ?? undefined,
      },
      mission,
      { rosterChecked: true },
    );
    ids.set(t.stepKey, row.id);
    created.push({ taskId: row.id, key: row.key as string, step: t.stepKey });
  }
  return created;
}

/**
 * The owners of a plan for an existing mission, against the roster rule: its members were checked when they joined,
 * but a token may have been revoked since. One query for the whole plan.
 */
async function assertPlanRoster(work: Work, project: string, plan: InstantiationPlan): Promise<void> {
  const owners = plan.tasks.flatMap((t) => (t.assignedTo ? [t.assignedTo] : []));
  await assertRoster(work.tx, project, [{ field: 'assignedTo', agents: owners, note: "the template assigns the mission's steps to them" }]);
}

export const InstantiateInput = z.object({
  templateName: z.string().describe('Template name, or name@version'),
  missionId: z.string(),
  context: TemplateContext.optional(),
  titlePrefix: z.string().max(100).optional().describe('Prepended to every task title'),
});
export type InstantiateInput = z.input<typeof InstantiateInput>;

export interface InstantiateResult {
  missionId: string;
  templateName: string;
  templateVersion: number;
  taskIds: string[];
  keys: string[];
  count: number;
}

/**
 * instantiate_template_into_mission: adds the template's steps to an existing mission as tasks with real
 * dependencies, owners and required evidence, its deliverables (names already present are kept), and its brief
 * when the mission has none — in one transaction, so a refusal at any step creates nothing.
 */
export async function instantiateTemplate(deps: ServiceDeps, actor: Actor, raw: InstantiateInput): Promise<InstantiateResult> {
  authorize(actor, 'template.use');
  authorize(actor, 'task.manage');
  const input = parseInput(InstantiateInput, raw);
  return inWrite(deps, actor, async (work) => {
    const mission = await lockMission(deps.database, work.tx, actor, input.missionId);
    if (!isMissionManager(actor, missionParties(mission))) {
      throw forbidden(
        `only the pilot (${mission.pilot}) or the creator (${mission.created_by}) may add a template to mission ${mission.name}`,
        'Ask the pilot.',
      );
    }
    const template = await requireTemplate(work.tx, mission.project, input.templateName);
    const plan = planInstantiation(
      template,
      { name: mission.name, project: mission.project, pilot: mission.pilot, agents: parseStringList(mission.agents, 'missions.agents') },
      { context: input.context, titlePrefix: input.titlePrefix, withBrief: mission.brief === null },
    );
    await assertPlanRoster(work, mission.project, plan);
    const created = await createPlannedTasks(deps, work, mission, plan);
    const deliverables = mergeDeliverables(parseDeliverables(mission.deliverables), plan.deliverables);
    await updateMissionRow(work.tx, mission.id, {
      template_name: template.name,
      template_version: template.version,
      deliverables: JSON.stringify(deliverables),
      ...(plan.brief !== null ? { brief: plan.brief } : {}),
      updated_at: work.now,
    });
    work.emit(
      'mission.template_applied',
      { project: mission.project, missionId: mission.id },
      { template: template.name, version: template.version, tasks: created.map((c) => c.key) },
    );
    return {
      missionId: mission.id,
      templateName: template.name,
      templateVersion: template.version,
      taskIds: created.map((c) => c.taskId),
      keys: created.map((c) => c.key),
      count: created.length,
    };
  });
}

/**
 * Creates a mission and instantiates a template into it inside the caller's unit of work. The template's brief
 * is used when the input brings none; its deliverables come first and an input deliverable of the same name
 * replaces the template's.
 */
export async function createMissionFromTemplateIn(
  deps: ServiceDeps,
  work: Work,
  raw: z.input<typeof CreateMissionInput>,
  templateRef: string,
  context: TemplateContext = {},
  options: { titlePrefix?: string; briefSource?: string } = {},
): Promise<MissionsTable> {
  const input = parseInput(CreateMissionInput, raw);
  // The template is the one the new mission's project uses; a project outside the caller's scope is refused first.
  const project = input.project ?? defaultProjectFor(deps, work.actor);
  assertProjectVisible(work.actor, project);
  const template = await requireTemplate(work.tx, project, templateRef);
  const pilot = input.pilot;
  const agents = [...new Set([pilot, ...asList(input.agents)])];
  const plan = planInstantiation(
    template,
    { name: input.name, project, pilot, agents },
    { context: parseInput(TemplateContext, context), titlePrefix: options.titlePrefix, withBrief: input.brief === undefined },
  );
  const own = normalizeDeliverables(input.deliverables);
  const deliverables = [...plan.deliverables.filter((d) => !own.some((o) => o.name === d.name)), ...own];
  // createMissionIn checks the pilot and agents against the roster rule; every step's owner is one of them.
  const mission = await createMissionIn(
    deps,
    work,
    { ...raw, project },
    {
      templateName: template.name,
      templateVersion: template.version,
      brief: plan.brief,
      deliverables,
      briefSource: options.briefSource,
    },
  );
  const created = await createPlannedTasks(deps, work, mission, plan);
  work.emit(
    'mission.template_applied',
    { project: mission.project, missionId: mission.id },
    { template: template.name, version: template.version, tasks: created.map((c) => c.key) },
  );
  return mission;
}

/**
 * create_mission with a template. The context is checked once the template is found (createMissionFromTemplateIn),
 * so a missing template is refused before its placeholder values.
 */
export const CreateMissionFromTemplateInput = CreateMissionInput.extend({
  template: z.string().describe('Template (name or name@version)'),
  context: z.unknown().optional().describe('Values for its {{placeholders}} (TemplateContext)'),
  titlePrefix: z.string().max(100).optional().describe('Prepended to every task title'),
});
export type CreateMissionFromTemplateInput = z.input<typeof CreateMissionFromTemplateInput> & { context?: TemplateContext };

/** create_mission with a template: the mission and all its tasks, or nothing. */
export async function createMissionFromTemplate(deps: ServiceDeps, actor: Actor, raw: CreateMissionFromTemplateInput): Promise<MissionDetail> {
  authorize(actor, 'mission.manage');
  authorize(actor, 'template.use');
  const { template, context, titlePrefix } = parseInput(CreateMissionFromTemplateInput, raw);
  const { template: _template, context: _context, titlePrefix: _titlePrefix, ...fields } = raw;
  const mission = await inWrite(deps, actor, (work) =>
    createMissionFromTemplateIn(deps, work, fields, template, (context ?? {}) as TemplateContext, { titlePrefix }),
  );
  return getMission(deps, actor, { missionId: mission.id });
}

/** The use cases of this module the facade exposes (see sortie.ts). */
export const USE_CASES = { listTemplates, getTemplate, updateTemplate, deleteTemplate, instantiateTemplate, createMissionFromTemplate };
