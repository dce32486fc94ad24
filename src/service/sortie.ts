// The service facade every interface calls: every module's use cases bound to dependencies built once.
import type { Logger } from 'pino';
import { type Clock, systemClock, ulidGenerator } from '../core/clock.js';
import type { Actor, SortieEvent } from '../core/model.js';
import type { Database } from '../db/database.js';
import { lastEventSeq } from '../db/events-repo.js';
import { migrate } from '../db/migrate.js';
import * as agents from './agents.js';
import * as board from './board.js';
import * as claims from './claims.js';
import * as completion from './completion.js';
import { DEFAULT_CONFIG, type ServiceDeps, type SortieConfig } from './context.js';
import * as feed from './feed.js';
import * as github from './github.js';
import * as inbox from './inbox.js';
import * as live from './live.js';
import * as missionPage from './mission-page.js';
import * as missions from './missions.js';
import * as projects from './projects.js';
import * as recurring from './recurring.js';
import * as taskMoves from './task-moves.js';
import * as tasks from './tasks.js';
import * as templates from './templates.js';
import * as tokens from './tokens.js';
import { type EvidenceVerifier, gitVerifier } from './verifier.js';
import * as waiting from './waiting.js';

export interface SortieOptions {
  database: Database;
  logger: Logger;
  clock?: Clock;
  ids?: () => string;
  config?: Partial<SortieConfig>;
  verifier?: EvidenceVerifier;
}

/** A use case: the injected dependencies, who asks, and one schema-validated input. */
type UseCase = (deps: ServiceDeps, actor: Actor, input: never) => unknown;

/** A module's use cases with the dependencies bound: each keeps its own input and result types. */
type Bound<M extends Record<string, UseCase>> = {
  [K in keyof M]: M[K] extends (deps: ServiceDeps, actor: Actor, input: infer I) => infer R ? (actor: Actor, input: I) => R : never;
};

/**
 * Binds deps into each use case of a module. Each module lists the use cases it exposes in its USE_CASES object,
 * rather than the facade taking every exported function: a module also exports schemas and helpers other use cases
 * share (claimRow, blockLocked, createTaskIn…), which must not become methods, and the list is where a use case
 * gets its facade name (board: getBoard). A function of another shape does not type-check in USE_CASES' place here.
 */
function bind<M extends Record<string, UseCase>>(deps: ServiceDeps, module: M): Bound<M> {
  const bound: Record<string, (actor: Actor, input: never) => unknown> = {};
  for (const [name, useCase] of Object.entries(module)) bound[name] = (actor, input) => useCase(deps, actor, input);
  return bound as Bound<M>;
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
  deps.onCommit = (lastSeq) => changes.wake(lastSeq);

  return {
    deps,
    changes,
    migrate: () => migrate(options.database),
    /** The newest committed event's sequence number (0 when none): /health reads it to prove the database answers. */
    lastEventSeq: () => lastEventSeq(options.database.kysely),

    ...bind(deps, missions.USE_CASES),
    ...bind(deps, tasks.USE_CASES),
    ...bind(deps, taskMoves.USE_CASES),
    ...bind(deps, claims.USE_CASES),
    ...bind(deps, completion.USE_CASES),
    ...bind(deps, feed.USE_CASES),
    ...bind(deps, inbox.USE_CASES),
    ...bind(deps, templates.USE_CASES),
    ...bind(deps, recurring.USE_CASES),
    ...bind(deps, board.USE_CASES),
    ...bind(deps, missionPage.USE_CASES),
    ...bind(deps, agents.USE_CASES),
    ...bind(deps, projects.USE_CASES),
    ...bind(deps, tokens.USE_CASES),
    ...bind(deps, github.USE_CASES),

    // What takes no actor, or more than an input: the lease sweep and the scheduler tick (every server process
    // runs them), the change stream and the calls that wait on it, and the token checks that find the actor.
    sweepExpiredLeases: () => claims.sweepExpiredLeases(deps),
    /** Copies the write-ahead log into the database file without blocking anyone (SQLite); see Database.checkpoint. */
    checkpoint: () => options.database.checkpoint(),
    /** One scheduler tick at `now` (default: the injected clock); safe to run from any number of processes at once. */
    runDueRecurring: (now?: number) => recurring.runDueRecurring(deps, now),
    followEvents: (a: Actor, input: live.FollowInput, send: (events: SortieEvent[]) => Promise<void>) => live.followEvents(deps, changes, a, input, send),
    /** claim_next_task with its waitSeconds: held until a task is ready and claimed, the time runs out or `signal` aborts. */
    awaitNextTask: (a: Actor, input: claims.ClaimNextTaskInput, signal?: AbortSignal) => waiting.awaitNextTask(deps, changes, a, input, signal),
    /** check_messages with its waitSeconds: held until a message is unread, the time runs out or `signal` aborts. */
    awaitMessages: (a: Actor, input: inbox.CheckMessagesInput, signal?: AbortSignal) => waiting.awaitMessages(deps, changes, a, input, signal),
    /** `sortie wait`: a claimed task, or (with messages) unread messages, whichever comes first; see waiting.awaitWork. */
    awaitWork: (a: Actor, input: Parameters<typeof waiting.awaitWork>[3], options: waiting.WaitOptions) => waiting.awaitWork(deps, changes, a, input, options),
    /** A GitHub webhook delivery: its signature is its credential, so it takes no actor; see github.receiveGithubDelivery. */
    receiveGithubDelivery: (delivery: github.GithubDelivery) => github.receiveGithubDelivery(deps, delivery),
    /** Resolves a bearer secret to the actor it fixes, or null; see tokens.authenticate. */
    authenticate: (presented: string) => tokens.authenticate(deps, presented),
    /** True once any token exists: HTTP then requires one on every replica. */
    tokensExist: () => tokens.tokensExist(deps),
    /** The ids among these that are still valid tokens; see tokens.activeTokens. */
    activeTokens: (tokenIds: readonly string[]) => tokens.activeTokens(deps, tokenIds),
  };
}

export type Sortie = ReturnType<typeof createSortie>;
