// Mission template tools: the catalogue, versioned saves, soft delete, and instantiation into a mission.
import { z } from 'zod';
import { DeliverableInput } from '../../core/evidence.js';
import { Name } from '../../core/identity.js';
import { TemplateStepInput } from '../../core/template.js';
import { TemplateContext } from '../../service/templates.js';
import { ADMIN, MANAGERS } from '../profiles.js';
import { templateDetail, templateList } from '../responses.js';
import { DESTRUCTIVE, defineTool, IdentityShape, READ, WRITE } from '../tool.js';

// Output schemas name only what an agent keys on: every tools/list byte costs context in every session.
const TemplateOut = z.looseObject({ name: z.string(), version: z.number() });
const context = TemplateContext.optional();
const createdBy = Name.optional().describe('Optional; must match your identity');
/** Templates are per project; built-ins are read-only defaults every project sees. */
const project = Name.optional().describe('Default: your project');

export const listMissionTemplates = defineTool({
  name: 'list_mission_templates',
  title: 'List mission templates',
  description: "A project's templates, built-in and saved.",
  input: { project },
  output: z.object({ project: z.string(), items: z.array(TemplateOut), total: z.number().optional() }),
  annotations: READ,
  profiles: MANAGERS,
  handler: async (args, { sortie, reader }) => templateList(await sortie.listTemplates(reader(), args)),
});

export const getMissionTemplate = defineTool({
  name: 'get_mission_template',
  title: 'Get mission template',
  description: 'A template: steps, brief, deliverables, versions.',
  input: {
    name: z.string().describe('name or name@version'),
    version: z.number().int().min(1).max(999_999_999).optional().describe('A specific version'),
    project,
  },
  output: TemplateOut,
  annotations: READ,
  profiles: MANAGERS,
  handler: async (args, { sortie, reader }) => templateDetail(await sortie.getTemplate(reader(), args)),
});

export const updateMissionTemplate = defineTool({
  name: 'update_mission_template',
  title: 'Save mission template',
  description: 'Save a template version (steps with keys, owners, dependencies; no cycles).',
  input: {
    name: z.string(),
    steps: z.array(TemplateStepInput),
    description: z.string().optional(),
    brief: z.string().optional().describe('Default brief'),
    deliverables: z.array(DeliverableInput).optional().describe('Mission deliverables'),
    isDefault: z.boolean().optional(),
    project,
    createdBy,
    ...IdentityShape,
  },
  output: z.looseObject({ templateId: z.string(), name: z.string(), version: z.number(), stepCount: z.number() }),
  annotations: WRITE,
  unadvertised: ['steps.assignedTo', 'steps.assignedToInstance', 'steps.estimatedMinutes', 'steps.tags'],
  profiles: ADMIN,
  handler: ({ createdBy, callerOrchestrator, project, ...input }, { sortie, actor }) =>
    sortie.updateTemplate(actor({ createdBy, callerOrchestrator }), { ...input, project }),
});

export const deleteMissionTemplate = defineTool({
  name: 'delete_mission_template',
  title: 'Delete mission template',
  description: "Soft-delete a project's saved template (a built-in of that name shows again).",
  input: { name: z.string(), project, ...IdentityShape },
  output: z.looseObject({ deleted: z.boolean(), name: z.string() }),
  annotations: DESTRUCTIVE,
  profiles: ADMIN,
  handler: (args, { sortie, actor }) => sortie.deleteTemplate(actor(args), args),
});

export const instantiateTemplateIntoMission = defineTool({
  name: 'instantiate_template_into_mission',
  title: 'Instantiate template',
  description: "Add a template's steps to a mission as tasks, all or nothing.",
  input: {
    templateName: z.string().describe('name or name@version'),
    missionId: z.string(),
    context,
    titlePrefix: z.string().optional().describe('Prefix for task titles'),
    callerOrchestrator: IdentityShape.callerOrchestrator,
  },
  output: z.looseObject({ taskIds: z.array(z.string()), count: z.number() }),
  annotations: WRITE,
  profiles: MANAGERS,
  handler: ({ callerOrchestrator, ...input }, { sortie, actor }) => sortie.instantiateTemplate(actor({ callerOrchestrator }), input),
});

export const TEMPLATE_TOOLS = [listMissionTemplates, getMissionTemplate, updateMissionTemplate, deleteMissionTemplate, instantiateTemplateIntoMission];
