// The dashboard's JSON API under /api: thin adapters that parse a request, call one service use case as the
// request's actor, and render the result or the refusal.
import { type Context, Hono } from 'hono';
import type { Logger } from 'pino';
import { z } from 'zod';
import { MissionStatus } from '../core/enums.js';
import { DomainError } from '../core/errors.js';
import type { Actor } from '../core/model.js';
import { MISSION_STATUS_LABELS, OPEN_MISSION_STATUSES, OPEN_TASK_STATUSES, TASK_STATUS_LABELS, TASK_STATUS_ORDER } from '../core/status-traits.js';
import { assertNoNul } from '../service/inputs.js';
import type { Sortie } from '../service/sortie.js';
import { isLoopback } from './auth.js';
import { onHttpError } from './errors.js';
import { streamEvents } from './sse.js';

export interface DashboardApiOptions {
  sortie: Sortie;
  logger: Logger;
  /**
   * Who a request is when the auth layer identified nobody (no `actor` context variable): on an unauthenticated
   * loopback server, the local operator; null where every caller must authenticate (then such requests get 401,
   * which makes the dashboard show its token login).
   */
  localActor: Actor | null;
  /** Default stalled threshold in minutes (a request may override it with ?stalledMinutes=). */
  stalledMinutes?: number;
}

/**
 * The request's actor: the one the auth layer set, else the local operator. A request that no token
 * authenticated is served only when addressed to a loopback host name, so a page on another site that rebinds
 * its DNS name to 127.0.0.1 can neither borrow the operator's rights nor name an agent of its own.
 */
export function requestActor(c: Context, localActor: Actor | null): Actor {
  const actor = c.get('actor');
  const authenticated = actor !== undefined && c.get('tokenId') !== undefined;
  if (!actor && !localActor) {
    throw new DomainError('UNAUTHORIZED', 'this server requires a bearer token', 'Paste a token from `sortie token create` into the dashboard login.');
  }
  const host = new URL(c.req.url).hostname;
  if (!authenticated && !isLoopback(host)) {
    throw new DomainError(
      'FORBIDDEN',
      `requests to ${host} are not served without authentication`,
      'Open the dashboard at http://127.0.0.1:PORT/ or configure tokens.',
    );
  }
  return actor ?? (localActor as Actor);
}

/** What a pilot action answers: the mission's stage and both progress figures, for the page to redraw. */
function missionSummary(mission: { missionId: string; status: string; progress: number | null; computedProgress: number }) {
  return { missionId: mission.missionId, status: mission.status, progress: mission.progress, computedProgress: mission.computedProgress };
}

/**
 * Writes from a browser must be JSON (a cross-site form or no-cors fetch cannot send that without a preflight this
 * server never grants) and, when the browser names an origin, come from this origin.
 */
function assertSameOriginJson(c: Context): void {
  const type = c.req.header('content-type') ?? '';
  if (!/^application\/json\b/i.test(type)) {
    throw new DomainError('VALIDATION_FAILED', 'content-type: writes take application/json', 'Send the body as JSON with Content-Type: application/json.', {
      field: 'content-type',
    });
  }
  const origin = c.req.header('origin');
  if (origin && origin !== 'null' && new URL(origin).host !== new URL(c.req.url).host) {
    throw new DomainError('FORBIDDEN', `cross-origin write from ${origin} refused`, 'Use the dashboard served by this server.');
  }
  if (origin === 'null') throw new DomainError('FORBIDDEN', 'cross-origin write from an opaque origin refused', 'Use the dashboard served by this server.');
}

function idParam(c: Context): string {
  const id = c.req.param('id');
  if (!id) throw new DomainError('VALIDATION_FAILED', 'id: missing from the path', 'Name the mission or task in the URL.', { field: 'id' });
  return id;
}

async function jsonBody(c: Context): Promise<unknown> {
  let body: unknown;
  try {
    body = await c.req.json();
  } catch {
    throw new DomainError('VALIDATION_FAILED', 'body: is not valid JSON', 'Send a JSON object.', { field: 'body' });
  }
  assertNoNul(body);
  return body;
}

const Flag = z
  .enum(['1', '0', 'true', 'false'])
  .optional()
  .transform((v) => (v === undefined ? undefined : v === '1' || v === 'true'));
const Count = (max: number) =>
  z
    .string()
    .regex(/^\d{1,9}$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().int().min(1).max(max))
    .optional();
const Name = z.string().trim().min(1).max(100).optional();

const BoardQuery = z.object({ project: Name, pilot: Name, cancelled: Flag, stalledMinutes: Count(43_200), closedLimit: Count(500) });
const MissionQuery = z.object({ stalledMinutes: Count(43_200), events: Count(500) });
const TimelineQuery = z.object({ before: Count(Number.MAX_SAFE_INTEGER), limit: Count(500) });
const TaskQuery = z.object({ missionId: Name });
const AgentsQuery = z.object({ project: Name });

export const StatusBody = z.object({
  status: MissionStatus.describe('The stage to move to'),
  reason: z.string().trim().max(2000).optional().describe('Why (needed to cancel, send back to execute, or reopen)'),
});
export const ProgressBody = z.object({
  progress: z.number().int().min(0).max(100).describe('Pilot-reported progress, 0–100'),
  note: z.string().trim().max(5000).optional().describe('What the figure is based on'),
});

/**
 * What the dashboard knows of statuses (`GET /api/meta`), from the core's status traits, so the front end keeps no
 * copy of them: the open sets it counts with, the labels it shows, the order it lists task statuses in.
 */
export const DASHBOARD_META = {
  missionStatuses: { open: OPEN_MISSION_STATUSES, labels: MISSION_STATUS_LABELS },
  taskStatuses: { open: OPEN_TASK_STATUSES, order: TASK_STATUS_ORDER, labels: TASK_STATUS_LABELS },
};

/** The /api routes, relative to their mount point. */
export function createDashboardApi(options: DashboardApiOptions): Hono {
  const { sortie, logger } = options;
  const api = new Hono();
  // The app's renderer, set here too so the API answers alike when served on its own.
  api.onError(onHttpError(logger));
  const run = (handler: (c: Context, actor: Actor) => Promise<Response>) => async (c: Context) => handler(c, requestActor(c, options.localActor));
  const stalled = (fromQuery: number | undefined) => fromQuery ?? options.stalledMinutes;

  api.get(
    '/session',
    run(async (c, actor) =>
      c.json({
        agent: actor.agent,
        role: actor.role ?? null,
        projects: actor.projects ?? null,
        authenticated: c.get('actor') !== undefined && c.get('tokenId') !== undefined,
      }),
    ),
  );

  api.get(
    '/meta',
    run(async (c) => c.json(DASHBOARD_META)),
  );

  api.get(
    '/board',
    run(async (c, actor) => {
      const q = BoardQuery.parse(c.req.query());
      const board = await sortie.board(actor, {
        project: q.project,
        pilot: q.pilot,
        includeCancelled: q.cancelled,
        stalledMinutes: stalled(q.stalledMinutes),
        closedLimit: q.closedLimit,
      });
      return c.json(board);
    }),
  );

  api.get(
    '/missions/:id',
    run(async (c, actor) => {
      const q = MissionQuery.parse(c.req.query());
      return c.json(await sortie.missionPage(actor, { missionId: idParam(c), stalledMinutes: stalled(q.stalledMinutes), eventsLimit: q.events }));
    }),
  );

  api.get(
    '/missions/:id/events',
    run(async (c, actor) => {
      const q = TimelineQuery.parse(c.req.query());
      return c.json(await sortie.missionTimeline(actor, { missionId: idParam(c), before: q.before, limit: q.limit }));
    }),
  );

  api.post(
    '/missions/:id/status',
    run(async (c, actor) => {
      assertSameOriginJson(c);
      const body = StatusBody.parse(await jsonBody(c));
      const mission = await sortie.moveMission(actor, { missionId: idParam(c), status: body.status, reason: body.reason || null });
      return c.json(missionSummary(mission));
    }),
  );

  api.post(
    '/missions/:id/progress',
    run(async (c, actor) => {
      assertSameOriginJson(c);
      const body = ProgressBody.parse(await jsonBody(c));
      const mission = await sortie.updateMissionProgress(actor, { missionId: idParam(c), progress: body.progress, note: body.note || undefined });
      return c.json(missionSummary(mission));
    }),
  );

  api.get(
    '/tasks/:id',
    run(async (c, actor) => {
      const q = TaskQuery.parse(c.req.query());
      return c.json(await sortie.taskDetail(actor, { taskId: idParam(c), missionId: q.missionId }));
    }),
  );

  api.get(
    '/agents',
    run(async (c, actor) => {
      const q = AgentsQuery.parse(c.req.query());
      return c.json(await sortie.agents(actor, { project: q.project }));
    }),
  );

  api.get(
    '/stream',
    run(async (c, actor) => streamEvents(c, sortie, actor, logger)),
  );

  api.all('*', (c) => {
    throw new DomainError('NOT_FOUND', `no API route ${c.req.method} ${c.req.path}`, 'See docs/dashboard.md for the API.');
  });
  return api;
}
