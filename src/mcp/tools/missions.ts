// Mission tools: create, read, list, edit, lifecycle, progress and evidence (VantagePeers names and arguments).
import { z } from 'zod';
import { MissionStatus } from '../../core/enums.js';
import { validationFailed } from '../../core/errors.js';
import { Name } from '../../core/identity.js';
import { Reason } from '../../service/inputs.js';
import { AddMissionEvidenceInput, CreateMissionInput, ListMissionsInput, UpdateMissionFields } from '../../service/missions.js';
import { ListTasksInput } from '../../service/tasks.js';
import { TemplateContext } from '../../service/templates.js';
import { missionLite, pageFields } from '../../service/views.js';
import { MANAGERS } from '../profiles.js';
import { BOUNDS, missionFull, missionPageFull, missionSummary, taskPage } from '../responses.js';
import { MissionDetailOut, MissionPageOut, TaskPageOut } from '../schemas.js';
import { defineTool, IdentityShape, READ, WRITE, WRITE_IDEMPOTENT } from '../tool.js';

const missionId = z.string();

export const createMission = defineTool({
  name: 'create_mission',
  title: 'Create mission',
  description: 'Create a mission (brief, pilot, agents, deliverables). Starts in brainstorm or plan; a template adds its steps as tasks.',
  input: {
    ...CreateMissionInput.shape,
    template: z.string().optional().describe('Template (name or name@version)'),
    context: TemplateContext.optional().describe('{{placeholder}} values'),
    createdBy: Name.optional().describe('Optional; must match your identity'),
    ...IdentityShape,
  },
  output: MissionDetailOut,
  annotations: WRITE,
  unadvertised: ['progress'],
  profiles: MANAGERS,
  async handler(args, { sortie, actor }) {
    const { createdBy, callerOrchestrator, template, context, ...input } = args;
    const who = actor({ createdBy, callerOrchestrator });
    if (template) return missionSummary(await sortie.createMissionFromTemplate(who, { ...input, template, context }));
    if (context) throw validationFailed('context', 'context fills the placeholders of a template; pass template too');
    return missionSummary(await sortie.createMission(who, input));
  },
});

export const getMission = defineTool({
  name: 'get_mission',
  title: 'Get mission',
  description: 'A mission with task counts, progress (reported and computed), deliverables, evidence and its tasks.',
  input: { missionId, fields: z.enum(['lite', 'full']).optional().describe('full: every field and evidence') },
  output: MissionDetailOut,
  annotations: READ,
  profiles: MANAGERS,
  async handler(args, { sortie, reader }) {
    const mission = await sortie.getMission(reader(), { missionId: args.missionId, withTaskEvidence: false });
    if (args.fields !== 'full') return missionSummary(mission);
    const page = await sortie.listTasks(reader(), { missionId: mission.missionId, fields: 'full', limit: BOUNDS.missionTasksFull });
    return missionFull(mission, page);
  },
});

export const listMissions = defineTool({
  name: 'list_missions',
  title: 'List missions',
  description: 'Missions, newest first, by project, pilot, agent or status. Paged.',
  input: ListMissionsInput.shape,
  output: MissionPageOut,
  annotations: READ,
  unadvertised: ['updatedSince'],
  profiles: MANAGERS,
  async handler(args, { sortie, reader }) {
    const page = await sortie.listMissions(reader(), args);
    return args.fields === 'full' ? missionPageFull(page) : pageFields(page, args.fields, missionLite);
  },
});

export const updateMission = defineTool({
  name: 'update_mission',
  title: 'Update mission',
  description: 'Edit a mission (pilot or creator); stages: update_mission_status.',
  input: {
    missionId,
    ...UpdateMissionFields.shape,
    status: MissionStatus.optional().describe('Move to this stage (one step; see update_mission_status)'),
    progress: z.number().optional().describe('Pilot-reported progress, integer 0–100'),
    reason: Reason.optional().describe('Why (needed for rework, cancel, reopen)'),
    cancelReason: Reason.optional().describe('Why it is cancelled (status cancelled)'),
    ...IdentityShape,
  },
  output: MissionDetailOut,
  annotations: WRITE,
  unadvertised: ['status', 'progress', 'reason', 'cancelReason'],
  profiles: MANAGERS,
  async handler(args, { sortie, actor }) {
    const { missionId: ref, status, progress, reason, cancelReason, callerOrchestrator, ...fields } = args;
    const who = actor({ callerOrchestrator });
    const hasFields = Object.values(fields).some((v) => v !== undefined);
    const changes = [hasFields, status !== undefined, progress !== undefined].filter(Boolean).length;
    if (changes > 1) {
      throw validationFailed(
        'status',
        'field edits, a status move and progress are separate changes',
        'Send them as separate calls so each is applied or refused whole.',
      );
    }
    const change = status !== undefined ? `status ${status}` : progress !== undefined ? 'a progress report' : 'field edits';
    assertReasonArguments(status, { reason, cancelReason }, change);
    if (status !== undefined) return missionSummary(await sortie.moveMission(who, { missionId: ref, status, reason: reason ?? cancelReason }));
    if (progress !== undefined) return missionSummary(await sortie.updateMissionProgress(who, { missionId: ref, progress, note: reason }));
    return missionSummary(await sortie.updateMission(who, { missionId: ref, ...fields }));
  },
});

export const updateMissionStatus = defineTool({
  name: 'update_mission_status',
  title: 'Move mission stage',
  description:
    'Move a mission one stage (brainstorm→plan→execute→validate→complete). execute needs a task; complete needs closed tasks and evidenced deliverables. Rework, cancel, reopen need a reason.',
  input: {
    missionId,
    status: MissionStatus.describe('Target stage'),
    reason: Reason.optional().describe('Needed for rework, cancel, reopen'),
    cancelReason: Reason.optional().describe('Alias of reason for cancelled'),
    ...IdentityShape,
  },
  output: MissionDetailOut,
  annotations: WRITE,
  profiles: MANAGERS,
  handler: async (args, { sortie, actor }) => {
    assertReasonArguments(args.status, args, `status ${args.status}`);
    return missionSummary(await sortie.moveMission(actor(args), { missionId: args.missionId, status: args.status, reason: args.reason ?? args.cancelReason }));
  },
});

/**
 * reason goes with a stage move or a progress report, cancelReason with a cancel only; one of the two, never both.
 * An argument the change does not use is refused, not dropped.
 */
function assertReasonArguments(status: MissionStatus | undefined, args: { reason?: string; cancelReason?: string }, change: string): void {
  if (args.cancelReason !== undefined && status !== 'cancelled') {
    throw validationFailed('cancelReason', `does not apply to ${change}; it belongs to status cancelled`, 'Drop cancelReason, or use reason for other moves.');
  }
  if (args.reason !== undefined && args.cancelReason !== undefined) {
    throw validationFailed('reason', 'reason and cancelReason are the same value here; pass one', 'Send only cancelReason.');
  }
  if (args.reason !== undefined && change === 'field edits') {
    throw validationFailed(
      'reason',
      'does not apply to field edits; it belongs to a status move or a progress report',
      'Drop reason, or send it with the change it belongs to.',
    );
  }
}

export const updateMissionProgress = defineTool({
  name: 'update_mission_progress',
  title: 'Report mission progress',
  description: 'Report progress 0–100 (pilot); computed progress is returned beside it.',
  input: {
    missionId,
    progress: z.number().describe('Integer 0–100'),
    note: Reason.optional().describe('What the figure reflects'),
    ...IdentityShape,
  },
  output: MissionDetailOut,
  annotations: WRITE_IDEMPOTENT,
  profiles: MANAGERS,
  handler: async (args, { sortie, actor }) =>
    missionSummary(await sortie.updateMissionProgress(actor(args), { missionId: args.missionId, progress: args.progress, note: args.note })),
});

export const addMissionEvidence = defineTool({
  name: 'add_mission_evidence',
  title: 'Add mission evidence',
  description: 'Attach evidence to a mission or a deliverable; complete needs accepted evidence on every deliverable.',
  input: { ...AddMissionEvidenceInput.shape, ...IdentityShape },
  output: MissionDetailOut,
  annotations: WRITE,
  unadvertised: ['supersedes'],
  profiles: MANAGERS,
  handler: async (args, { sortie, actor }) => missionSummary(await sortie.addMissionEvidence(actor(args), args)),
});

export const listTasksByMission = defineTool({
  name: 'list_tasks_by_mission',
  title: 'List mission tasks',
  description: "A mission's tasks in key order (T0, T1, …). Paged.",
  input: {
    missionId,
    status: ListTasksInput.shape.status,
    createdBy: Name.optional(),
    fields: ListTasksInput.shape.fields,
    updatedSince: ListTasksInput.shape.updatedSince,
    limit: ListTasksInput.shape.limit,
    cursor: ListTasksInput.shape.cursor,
  },
  output: TaskPageOut,
  annotations: READ,
  unadvertised: ['updatedSince'],
  profiles: MANAGERS,
  async handler(args, { sortie, reader }) {
    return taskPage(await sortie.listTasks(reader(), args), args.fields);
  },
});

export const MISSION_TOOLS = [
  createMission,
  getMission,
  listMissions,
  updateMission,
  updateMissionStatus,
  updateMissionProgress,
  addMissionEvidence,
  listTasksByMission,
];
