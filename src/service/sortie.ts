// The service facade every interface calls: one object with every use case, built from injected dependencies.
import type { Logger } from 'pino';
import { type Clock, systemClock, ulidGenerator } from '../core/clock.js';
import type { Actor } from '../core/model.js';
import type { Database } from '../db/database.js';
import { migrate } from '../db/migrate.js';
import { listProjects, upsertProject } from '../db/projects-repo.js';
import { assertCanWrite, type TaskRef } from './access.js';
import * as claims from './claims.js';
import * as completion from './completion.js';
import { DEFAULT_CONFIG, inWrite, type ServiceDeps, type SortieConfig } from './context.js';
import * as feed from './feed.js';
import * as missions from './missions.js';
import * as tasks from './tasks.js';
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

    createMission: (a: Actor, input: missions.CreateMissionInput, instantiate?: missions.MissionInstantiator) =>
      missions.createMission(deps, a, input, instantiate),
    getMission: (a: Actor, ref: string, withTaskEvidence?: boolean) => missions.getMission(deps, a, ref, withTaskEvidence),
    listMissions: (a: Actor, input: missions.ListMissionsInput) => missions.listMissions(deps, a, input),
    updateMission: (a: Actor, ref: string, input: missions.UpdateMissionFields) => missions.updateMissionFields(deps, a, ref, input),
    updateMissionStatus: (a: Actor, ref: string, status: Parameters<typeof missions.updateMissionStatus>[3], reason?: string | null) =>
      missions.updateMissionStatus(deps, a, ref, status, reason),
    updateMissionProgress: (a: Actor, ref: string, progress: unknown, note?: string) => missions.updateMissionProgress(deps, a, ref, progress, note),
    addMissionEvidence: (a: Actor, input: missions.AddMissionEvidenceInput) => missions.addMissionEvidence(deps, a, input),

    createTask: (a: Actor, input: tasks.CreateTaskInput) => tasks.createTask(deps, a, input),
    getTask: (a: Actor, ref: TaskRef) => tasks.getTask(deps, a, ref),
    listTasks: (a: Actor, input: tasks.ListTasksInput) => tasks.listTasks(deps, a, input),
    updateTask: (a: Actor, ref: TaskRef, input: tasks.UpdateTaskFields) => tasks.updateTaskFields(deps, a, ref, input),
    addTaskDependency: (a: Actor, ref: TaskRef, dependsOn: string[]) => tasks.addTaskDependency(deps, a, ref, dependsOn),
    removeTaskDependency: (a: Actor, ref: TaskRef, dependsOn: string[]) => tasks.removeTaskDependency(deps, a, ref, dependsOn),
    deleteTask: (a: Actor, ref: TaskRef) => tasks.deleteTask(deps, a, ref),

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

    listProjects: () => listProjects(options.database.kysely),
    /** Links a project to a local git repository (evidence verification) and a web URL (dashboard links). */
    configureProject: (a: Actor, name: string, settings: { repoPath?: string | null; repoUrl?: string | null }) => {
      assertCanWrite(a);
      return inWrite(deps, a, async (work) => {
        await upsertProject(work.tx, {
          name,
          repo_path: settings.repoPath ?? null,
          repo_url: settings.repoUrl ?? null,
          created_at: work.now,
          updated_at: work.now,
        });
        work.emit('project.configured', { project: name }, settings);
        return { name, repoPath: settings.repoPath ?? null, repoUrl: settings.repoUrl ?? null };
      });
    },
  };
}

export type Sortie = ReturnType<typeof createSortie>;
