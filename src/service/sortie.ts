// The service facade every interface calls: one object with every use case, built from injected dependencies.
import type { Logger } from 'pino';
import { type Clock, systemClock, ulidGenerator } from '../core/clock.js';
import { assertRepoUrl } from '../core/evidence-links.js';
import { assertAgentName } from '../core/identity.js';
import type { Actor, SortieEvent } from '../core/model.js';
import { authorize } from '../core/permissions.js';
import type { Database } from '../db/database.js';
import { lastEventSeq } from '../db/events-repo.js';
import { migrate } from '../db/migrate.js';
import { listProjects, upsertProject } from '../db/projects-repo.js';
import { assertProjectVisible, canSeeProject, type TaskRef } from './access.js';
import * as agents from './agents.js';
import * as board from './board.js';
import * as claims from './claims.js';
import * as completion from './completion.js';
import { DEFAULT_CONFIG, inWrite, type ServiceDeps, type SortieConfig } from './context.js';
import * as feed from './feed.js';
import * as live from './live.js';
import * as missionPage from './mission-page.js';
import * as missions from './missions.js';
import * as recurring from './recurring.js';
import * as taskMoves from './task-moves.js';
import * as tasks from './tasks.js';
import * as templates from './templates.js';
import * as tokens from './tokens.js';
import { type EvidenceVerifier, gitVerifier } from './verifier.js';

export interface SortieOptions {
  database: Database;
  logger: Logger;
  clock?: Clock;
  ids?: () => string;
  config?: Partial<SortieConfig>;
  verifier?: EvidenceVerifier;
}

export function createSortie(options: SortieOptions) {
  const clock = options.clock ?? systemClock;
  const deps: ServiceDeps = {
    database: options.database,
    clock,
    ids: options.ids ?? ulidGenerator(clock),
    logger: options.logger,
    config: { ...DEFAULT_CONFIG, ...options.config },
    verifier: options.verifier ?? gitVerifier,
  };
  const changes = new feed.ChangeFeed(options.database, options.logger);
  deps.onCommit = () => changes.wake();

  return {
    deps,
    changes,
    migrate: () => migrate(options.database),
    /** The newest committed event's sequence number (0 when none): /health reads it to prove the database answers. */
    lastEventSeq: () => lastEventSeq(options.database.kysely),

    createMission: (a: Actor, input: missions.CreateMissionInput) => missions.createMission(deps, a, input),
    getMission: (a: Actor, ref: string, withTaskEvidence?: boolean) => missions.getMission(deps, a, ref, withTaskEvidence),
    listMissions: (a: Actor, input: missions.ListMissionsInput) => missions.listMissions(deps, a, input),
    updateMission: (a: Actor, ref: string, input: missions.UpdateMissionFields) => missions.updateMissionFields(deps, a, ref, input),
    /** A mission to a target stage; see moveMission. */
    moveMission: (a: Actor, input: missions.MoveMissionInput) => missions.moveMission(deps, a, input),
    updateMissionStatus: (a: Actor, ref: string, status: missions.MoveMissionInput['status'], reason?: string | null) =>
      missions.moveMission(deps, a, { missionId: ref, status, reason }),
    updateMissionProgress: (a: Actor, ref: string, progress: unknown, note?: string) => missions.updateMissionProgress(deps, a, ref, progress, note),
    addMissionEvidence: (a: Actor, input: missions.AddMissionEvidenceInput) => missions.addMissionEvidence(deps, a, input),

    createTask: (a: Actor, input: tasks.CreateTaskInput) => tasks.createTask(deps, a, input),
    getTask: (a: Actor, ref: TaskRef) => tasks.getTask(deps, a, ref),
    listTasks: (a: Actor, input: tasks.ListTasksInput) => tasks.listTasks(deps, a, input),
    updateTask: (a: Actor, ref: TaskRef, input: tasks.UpdateTaskFields) => tasks.updateTaskFields(deps, a, ref, input),
    addTaskDependency: (a: Actor, ref: TaskRef, dependsOn: string[]) => tasks.addTaskDependency(deps, a, ref, dependsOn),
    removeTaskDependency: (a: Actor, ref: TaskRef, dependsOn: string[]) => tasks.removeTaskDependency(deps, a, ref, dependsOn),
    deleteTask: (a: Actor, ref: TaskRef) => tasks.deleteTask(deps, a, ref),
    /** A task to a target status: the move (claim, complete, release, reopen…) is chosen on the locked row. */
    moveTask: (a: Actor, input: taskMoves.MoveTaskInput) => taskMoves.moveTask(deps, a, input),

    checkoutTask: (a: Actor, ref: TaskRef, options?: claims.ClaimOptions) => claims.checkoutTask(deps, a, ref, options),
    claimNextTask: (a: Actor, filter: { missionId?: string; project?: string }, options?: claims.ClaimOptions) =>
      claims.claimNextTask(deps, a, filter, options),
    heartbeatTask: (a: Actor, ref: TaskRef, epoch?: number, options?: claims.ClaimOptions) => claims.heartbeatTask(deps, a, ref, epoch, options),
    releaseTask: (a: Actor, ref: TaskRef, reason?: string, epoch?: number) => claims.releaseTask(deps, a, ref, reason, epoch),
    sweepExpiredLeases: () => claims.sweepExpiredLeases(deps),

    completeTask: (a: Actor, ref: TaskRef, input: completion.CompleteInput) => completion.completeTask(deps, a, ref, input),
    submitForReview: (a: Actor, ref: TaskRef, input: completion.CompleteInput) => completion.submitForReview(deps, a, ref, input),
    returnFromReview: (a: Actor, ref: TaskRef, reason?: string) => completion.returnFromReview(deps, a, ref, reason),
    blockTask: (a: Actor, ref: TaskRef, input: completion.BlockInput) => completion.blockTask(deps, a, ref, input),
    unblockTask: (a: Actor, ref: TaskRef, reason?: string) => completion.unblockTask(deps, a, ref, reason),
    failTask: (a: Actor, ref: TaskRef, note: string, epoch?: number) => completion.failTask(deps, a, ref, note, epoch),
    cancelTask: (a: Actor, ref: TaskRef, reason: string) => completion.cancelTask(deps, a, ref, reason),
    reopenTask: (a: Actor, ref: TaskRef, reason: string) => completion.reopenTask(deps, a, ref, reason),

    listEvents: (a: Actor, input: feed.ListEventsInput) => feed.listEvents(deps, a, input),
    myWork: (a: Actor, limit?: number) => feed.myWork(deps, a, limit),

    // Mission templates: the built-in catalogue merged with one project's saved versions (`project` defaults to the
    // default project), and instantiation in one transaction, resolved in the mission's project.
    listTemplates: (a: Actor, project?: string) => templates.listTemplates(deps, a, project),
    getTemplate: (a: Actor, name: string, version?: number, project?: string) => templates.getTemplate(deps, a, name, version, project),
    updateTemplate: (a: Actor, input: Parameters<typeof templates.upsertTemplate>[2], project?: string) => templates.upsertTemplate(deps, a, input, project),
    deleteTemplate: (a: Actor, name: string, project?: string) => templates.deleteTemplate(deps, a, name, project),
    instantiateTemplate: (a: Actor, input: templates.InstantiateInput) => templates.instantiateTemplate(deps, a, input),
    createMissionFromTemplate: (
      a: Actor,
      input: missions.CreateMissionInput,
      templateName: string,
      context?: templates.TemplateContext,
      options?: { titlePrefix?: string },
    ) => templates.createMissionFromTemplate(deps, a, input, templateName, context, options),

    // Recurring work: definitions, and the scheduler tick every server process runs.
    createRecurring: (a: Actor, input: recurring.CreateRecurringInput) => recurring.createRecurring(deps, a, input),
    getRecurring: (a: Actor, id: string) => recurring.getRecurring(deps, a, id),
    listRecurring: (a: Actor, input: recurring.ListRecurringInput) => recurring.listRecurring(deps, a, input),
    updateRecurring: (a: Actor, id: string, input: recurring.UpdateRecurringFields) => recurring.updateRecurring(deps, a, id, input),
    pauseRecurring: (a: Actor, id: string) => recurring.setRecurringPaused(deps, a, id, true),
    resumeRecurring: (a: Actor, id: string) => recurring.setRecurringPaused(deps, a, id, false),
    deleteRecurring: (a: Actor, id: string) => recurring.deleteRecurring(deps, a, id),
    /** One scheduler tick at `now` (default: the injected clock); safe to run from any number of processes at once. */
    runDueRecurring: (now?: number) => recurring.runDueRecurring(deps, now),

    // Read models of the dashboard (board, mission page, task panel, agents) and the resumable change stream.
    board: (a: Actor, input: board.BoardInput) => board.getBoard(deps, a, input),
    missionPage: (a: Actor, ref: string, input: missionPage.MissionPageInput = {}) => missionPage.getMissionPage(deps, a, ref, input),
    missionTimeline: (a: Actor, ref: string, input: missionPage.TimelineInput) => missionPage.missionTimeline(deps, a, ref, input),
    taskDetail: (a: Actor, ref: TaskRef) => missionPage.getTaskDetail(deps, a, ref),
    agents: (a: Actor, input: agents.AgentsInput) => agents.getAgents(deps, a, input),
    followEvents: (a: Actor, input: live.FollowInput, send: (events: SortieEvent[]) => Promise<void>) => live.followEvents(deps, changes, a, input, send),

    /** The configured projects the caller may see (a project-scoped token sees only its own). */
    listProjects: async (a: Actor) => (await listProjects(options.database.kysely)).filter((p) => canSeeProject(a, p.name)),
    /** Links a project to a local git repository (evidence verification) and a web URL (dashboard links). */
    configureProject: async (a: Actor, name: string, settings: { repoPath?: string | null; repoUrl?: string | null }) => {
      authorize(a, 'project.configure');
      assertAgentName(name, 'project');
      assertProjectVisible(a, name);
      const repoUrl = assertRepoUrl(settings.repoUrl);
      return inWrite(deps, a, async (work) => {
        await upsertProject(work.tx, {
          name,
          repo_path: settings.repoPath ?? null,
          repo_url: repoUrl,
          created_at: work.now,
          updated_at: work.now,
        });
        work.emit('project.configured', { project: name }, { ...settings, repoUrl });
        return { name, repoPath: settings.repoPath ?? null, repoUrl };
      });
    },

    createToken: (a: Actor, input: tokens.CreateTokenInput) => tokens.createToken(deps, a, input),
    listTokens: (a: Actor, options?: { includeRevoked?: boolean }) => tokens.listTokens(deps, a, options),
    revokeToken: (a: Actor, tokenId: string) => tokens.revokeToken(deps, a, tokenId),
    /** Resolves a bearer secret to the actor it fixes, or null; see tokens.authenticate. */
    authenticate: (presented: string) => tokens.authenticate(deps, presented),
    /** True once any token exists: HTTP then requires one on every replica. */
    tokensExist: () => tokens.tokensExist(deps),
    /** The ids among these that are still valid tokens; see tokens.activeTokens. */
    activeTokens: (tokenIds: readonly string[]) => tokens.activeTokens(deps, tokenIds),
  };
}

export type Sortie = ReturnType<typeof createSortie>;
