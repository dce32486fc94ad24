// The dashboard's JSON API and event stream, in-process through the real HTTP app (auth middleware included), on
// every dialect: what each endpoint returns checked against the database, refusals that change nothing, project
// isolation once tokens are on, and Last-Event-ID resume without gaps or duplicates.

import type { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../src/core/model.js';
import { lastEventSeq } from '../src/db/events-repo.js';
import { createHttpApp } from '../src/http/app.js';
import { AuthGate } from '../src/http/auth.js';
import { dashboardRoutes } from '../src/http/dashboard.js';
import { DIALECTS, type DialectName, freshDatabaseUrl } from './support/dialects.js';
import { storedGraph } from './support/graph.js';
import { openTestSortie, silentLogger, type TestSortie } from './support/sortie.js';

const PIA: Actor = { agent: 'pia' };
const QUINN: Actor = { agent: 'quinn' };
const BOB: Actor = { agent: 'bob' };
const CLEO: Actor = { agent: 'cleo' };
const OPERATOR: Actor = { agent: 'operator' };
/** The operator of an unauthenticated loopback server, as `sortie serve` sets it up. */
const LOCAL: Actor = { agent: 'local-op', role: 'admin' };
const REPO = 'https://github.com/acme/web';
const SHA = '3f2c9e1a7b';

interface World {
  checkout: string;
  tasks: Record<'a' | 'b' | 'c' | 'd' | 'e', string>;
  apiPlan: string;
  brainstorm: string;
  shipped: string;
  cancelled: string[];
}

/** Builds a small fleet's worth of state; the clock then stands 10 minutes after the last claim. */
async function buildWorld(t: TestSortie): Promise<World> {
  const s = t.sortie;
  await s.configureProject(OPERATOR, { name: 'web', repoUrl: `${REPO}.git` });
  const checkout = await s.createMission(PIA, {
    name: 'Checkout',
    project: 'web',
    pilot: 'pia',
    agents: ['bob', 'cleo'],
    priority: 'high',
    status: 'plan',
    targetDate: '2026-06-01',
    brief: '# Plan\n<script>window.__pwned = true</script>',
    deliverables: [{ name: 'Payment API', acceptedKinds: ['commit'] }],
  });
  const m = checkout.missionId;
  const mk = async (title: string, dependsOn: string[] = []) => (await s.createTask(PIA, { title, missionId: m, dependsOn })).taskId;
  const a = await mk('Design');
  const b = await mk('Client', [a]);
  const c = await mk('Cart', [a]);
  const d = await mk('Checkout page', [b, c]);
  const e = await mk('Spike');
  await s.updateMissionStatus(PIA, { missionId: m, status: 'execute' });
  await s.checkoutTask(BOB, { taskId: a });
  await s.completeTask(BOB, { taskId: a, completionNote: `Designed in docs/flow.md, commit ${SHA}` });
  await s.checkoutTask(BOB, { taskId: e });
  await s.failTask(BOB, { taskId: e, failureNote: 'provider sandbox is down' });
  await s.updateMissionProgress(PIA, { missionId: m, progress: 40, note: 'on track' });

  const apiPlan = (await s.createMission(QUINN, { name: 'Rate limits', project: 'api', pilot: 'quinn', status: 'plan', priority: 'urgent' })).missionId;
  await s.createTask(QUINN, { title: 'Token bucket', missionId: apiPlan });
  const brainstorm = (await s.createMission(PIA, { name: 'Search', project: 'web', pilot: 'pia', targetDate: '2025-12-01' })).missionId;

  // A mission that went all the way: one task done with evidence, mission evidence, complete.
  const shipped = (await s.createMission(PIA, { name: 'Hotfix', project: 'web', pilot: 'pia', status: 'plan' })).missionId;
  const fix = (await s.createTask(PIA, { title: 'Fix', missionId: shipped })).taskId;
  await s.updateMissionStatus(PIA, { missionId: shipped, status: 'execute' });
  await s.checkoutTask(PIA, { taskId: fix });
  await s.completeTask(PIA, { taskId: fix, completionNote: 'fixed in commit abc1234def' });
  await s.addMissionEvidence(PIA, { missionId: shipped, evidence: [{ kind: 'commit', value: 'abc1234def' }] });
  await s.updateMissionStatus(PIA, { missionId: shipped, status: 'complete' });

  const cancelled: string[] = [];
  for (const name of ['Old idea', 'Older idea']) {
    const id = (await s.createMission(PIA, { name, project: 'web', pilot: 'pia' })).missionId;
    t.clock.advance(1000);
    await s.updateMissionStatus(PIA, { missionId: id, status: 'cancelled', reason: 'superseded' });
    cancelled.push(id);
  }

  // cleo holds "Client" on a 5-minute lease; 10 minutes later it has expired (no sweep has run).
  await s.checkoutTask(CLEO, { taskId: b, leaseMinutes: 5 });
  t.clock.advance(10 * 60_000);
  return { checkout: m, tasks: { a, b, c, d, e }, apiPlan, brainstorm, shipped, cancelled };
}

interface Harness {
  t: TestSortie;
  app: Hono;
  dispose(): Promise<void>;
}

async function openHarness(dialect: DialectName, localActor: Actor | null = LOCAL): Promise<Harness> {
  const { url, dispose } = await freshDatabaseUrl(dialect);
  const t = await openTestSortie(url);
  await t.sortie.changes.start();
  const runtime = { sortie: t.sortie, logger: silentLogger, stop: async () => {} };
  const auth = new AuthGate({ sortie: t.sortie, logger: silentLogger, recheckMs: 0 });
  const app = createHttpApp({ runtime, auth, mount: [dashboardRoutes({ sortie: t.sortie, logger: silentLogger, localActor })] });
  return {
    t,
    app,
    async dispose() {
      await t.close();
      await dispose();
    },
  };
}

// biome-ignore lint/suspicious/noExplicitAny: JSON bodies are checked field by field
type Json = any;

async function call(app: Hono, path: string, init: RequestInit = {}): Promise<{ status: number; body: Json; headers: Headers }> {
  const res = await app.request(path, init);
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null, headers: res.headers };
}

function post(app: Hono, path: string, body: unknown, headers: Record<string, string> = {}) {
  return call(app, path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
}

function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}

function cardOf(board: Json, missionId: string): Json {
  for (const col of board.columns) for (const m of col.missions) if (m.missionId === missionId) return { ...m, column: col.status };
  return undefined;
}

for (const dialect of DIALECTS) {
  describe(`dashboard API (${dialect})`, () => {
    let h: Harness;
    let w: World;

    beforeAll(async () => {
      h = await openHarness(dialect);
      w = await buildWorld(h.t);
    });
    afterAll(() => h.dispose());

    it('GET /api/board: missions by stage with both progress figures, task counts, target date and warnings', async () => {
      const { status, body } = await call(h.app, '/api/board');
      expect(status).toBe(200);
      expect(body.columns.map((c: Json) => c.status)).toEqual(['brainstorm', 'plan', 'execute', 'validate', 'complete']);
      expect(body.lastSeq).toBe(await lastEventSeq(h.t.database.kysely));
      const card = cardOf(body, w.checkout);
      expect(card).toMatchObject({
        column: 'execute',
        name: 'Checkout',
        project: 'web',
        pilot: 'pia',
        priority: 'high',
        progress: 40,
        computedProgress: 20,
        targetDate: '2026-06-01T00:00:00.000Z',
      });
      expect(card.taskCounts).toEqual({ total: 5, todo: 2, in_progress: 1, review: 0, blocked: 0, done: 1, cancelled: 0, failed: 1 });
      // "Cart" is ready and unclaimed since "Design" closed 10 minutes ago; "Client" holds an expired lease.
      expect(card.warnings).toEqual({ stalled: 0, expiredLeases: 1, failed: 1, overdue: false, overdueTasks: 0 });
      const tight = await call(h.app, '/api/board?stalledMinutes=5');
      expect(cardOf(tight.body, w.checkout).warnings.stalled).toBe(1);
      expect(tight.body.stalledMinutes).toBe(5);
      expect(cardOf(body, w.brainstorm)).toMatchObject({ column: 'brainstorm', warnings: { overdue: true } });
      expect(cardOf(body, w.apiPlan)).toMatchObject({ column: 'plan', taskCounts: { total: 1, todo: 1 }, progress: null, computedProgress: 0 });
      expect(cardOf(body, w.shipped)).toMatchObject({ column: 'complete', progress: 100, computedProgress: 100 });
      expect(body.options).toEqual({ projects: ['api', 'web'], pilots: ['pia', 'quinn'] });
      // Cancelled missions stay behind the toggle.
      for (const id of w.cancelled) expect(cardOf(body, id)).toBeUndefined();
    });

    it('GET /api/board: open columns sort by priority; filters by project and pilot; cancelled behind a toggle; closed columns capped', async () => {
      const plan = (await call(h.app, '/api/board')).body.columns.find((c: Json) => c.status === 'plan');
      expect(plan.missions.map((m: Json) => m.priority)).toEqual(['urgent']);
      const api = (await call(h.app, '/api/board?project=api')).body;
      expect(api.columns.flatMap((c: Json) => c.missions.map((m: Json) => m.missionId))).toEqual([w.apiPlan]);
      expect(api.filters).toEqual({ project: 'api', pilot: null, includeCancelled: false });
      const quinn = (await call(h.app, '/api/board?pilot=quinn')).body;
      expect(quinn.columns.flatMap((c: Json) => c.missions.map((m: Json) => m.pilot))).toEqual(['quinn']);
      const withCancelled = (await call(h.app, '/api/board?cancelled=1&closedLimit=1')).body;
      const col = withCancelled.columns.find((c: Json) => c.status === 'cancelled');
      expect(col.total).toBe(2);
      expect(col.missions.map((m: Json) => m.missionId)).toEqual([w.cancelled[1]]);
      const bad = await call(h.app, '/api/board?stalledMinutes=soon');
      expect(bad.status).toBe(400);
      expect(bad.body.error.code).toBe('VALIDATION_FAILED');
    });

    it('GET /api/missions/:id: graph nodes and edges match the database, with holders, leases and the critical path', async () => {
      const { status, body } = await call(h.app, `/api/missions/${w.checkout}`);
      expect(status).toBe(200);
      const stored = await storedGraph(h.t.database, w.checkout);
      const nodes = body.graph.nodes.map((n: Json) => [n.id, n.key, n.status, n.holder, n.leaseExpiresAt]).sort();
      expect(nodes).toEqual(stored.nodes.map((r) => [r.id, r.key, r.status, r.claimedBy, r.leaseExpiresAt]).sort());
      const edges = body.graph.edges.map((e: Json) => `${e.from}>${e.to}`).sort();
      expect(edges).toEqual(stored.edges);
      const client = body.graph.nodes.find((n: Json) => n.id === w.tasks.b);
      expect(client).toMatchObject({ holder: 'cleo', status: 'in_progress' });
      // Open work: Client/Cart (1) → Checkout page (1) is the longest chain; the failed spike is a chain of one.
      expect(body.graph.criticalPath).toHaveLength(2);
      expect(body.graph.criticalPath[1]).toBe(w.tasks.d);
      const critical = body.graph.edges.filter((e: Json) => e.critical);
      expect(critical).toEqual([{ from: body.graph.criticalPath[0], to: w.tasks.d, critical: true }]);
      expect(
        body.graph.nodes
          .filter((n: Json) => n.critical)
          .map((n: Json) => n.id)
          .sort(),
      ).toEqual([...body.graph.criticalPath].sort());
      expect(body.mission.brief).toContain('<script>window.__pwned = true</script>');
      expect(body.moves).toEqual([
        { to: 'validate', needsReason: false },
        { to: 'cancelled', needsReason: true },
      ]);
      expect(body.permissions).toEqual({ move: true, progress: true });
      expect(body.warnings).toMatchObject({ expiredLeases: 1, failed: 1 });
    });

    it('GET /api/missions/:id: deliverables with evidence, verification state and repository links', async () => {
      let page = (await call(h.app, `/api/missions/${w.checkout}`)).body;
      expect(page.repoUrl).toBe(REPO);
      expect(page.deliverables).toEqual([expect.objectContaining({ name: 'Payment API', state: 'missing', evidence: [] })]);
      expect(page.evidenceProblems).toEqual(['deliverable "Payment API" has no evidence of kind commit']);
      const design = page.mission.tasks.find((t: Json) => t.taskId === w.tasks.a);
      expect(design.evidence.find((e: Json) => e.kind === 'commit')).toMatchObject({ value: SHA, link: `${REPO}/commit/${SHA}` });
      expect(design.evidence.find((e: Json) => e.kind === 'file')).toMatchObject({ value: 'docs/flow.md', link: `${REPO}/blob/HEAD/docs/flow.md` });
      await h.t.sortie.addMissionEvidence(PIA, { missionId: w.checkout, deliverable: 'Payment API', evidence: [{ kind: 'commit', value: SHA }] });
      page = (await call(h.app, `/api/missions/${w.checkout}`)).body;
      const [deliverable] = page.deliverables;
      expect(deliverable.state).toBe('proven');
      expect(deliverable.evidence).toEqual([
        expect.objectContaining({ kind: 'commit', value: SHA, link: `${REPO}/commit/${SHA}`, verification: expect.any(String) }),
      ]);
      expect(page.evidenceProblems).toEqual([]);
      expect((await call(h.app, '/api/missions/01ARZ3NDEKTSV4RRFFQ69G5FAV')).body.error.code).toBe('NOT_FOUND');
    });

    it('GET /api/missions/:id and /events: the timeline, newest first, pages without gaps or duplicates', async () => {
      const all = await h.t.database.kysely.selectFrom('events').select('seq').where('mission_id', '=', w.checkout).orderBy('seq', 'desc').execute();
      const first = (await call(h.app, `/api/missions/${w.checkout}?events=4`)).body.timeline;
      expect(first.events).toHaveLength(4);
      const seen = first.events.map((e: Json) => e.seq);
      let before = first.before;
      while (before !== null) {
        const page = (await call(h.app, `/api/missions/${w.checkout}/events?before=${before}&limit=3`)).body;
        seen.push(...page.events.map((e: Json) => e.seq));
        before = page.before;
      }
      expect(seen).toEqual(all.map((r) => r.seq));
    });

    it('GET /api/tasks/:id: the task with linked evidence, its mission and its own events; T-keys with missionId', async () => {
      const { status, body } = await call(h.app, `/api/tasks/${w.tasks.a}`);
      expect(status).toBe(200);
      expect(body.task).toMatchObject({ taskId: w.tasks.a, status: 'done' });
      expect(
        body.task.evidence
          .map((e: Json) => e.link)
          .filter(Boolean)
          .sort(),
      ).toEqual([`${REPO}/blob/HEAD/docs/flow.md`, `${REPO}/commit/${SHA}`]);
      expect(body.mission).toEqual({ missionId: w.checkout, name: 'Checkout', status: 'execute' });
      expect(body.timeline.events.map((e: Json) => e.kind)).toEqual(['task.completed', 'task.claimed', 'task.created']);
      expect(body.timeline.events.every((e: Json) => e.taskId === w.tasks.a)).toBe(true);
      const key = body.task.key;
      expect((await call(h.app, `/api/tasks/${key}?missionId=${w.checkout}`)).body.task.taskId).toBe(w.tasks.a);
      expect((await call(h.app, `/api/tasks/${key}`)).body.error.code).toBe('VALIDATION_FAILED');
    });

    it('GET /api/agents: every agent seen, what it holds with lease expiry, unread messages, last activity; not the system', async () => {
      await h.t.sortie.sweepExpiredLeases();
      await h.t.sortie.checkoutTask(CLEO, { taskId: w.tasks.c, leaseMinutes: 20 });
      // dana was given a task that was then cancelled: two unread messages, and nothing else to be seen by.
      const spare = (await h.t.sortie.createTask(PIA, { title: 'Ops note', project: 'web', assignedTo: 'dana' })).taskId;
      await h.t.sortie.cancelTask(PIA, { taskId: spare, cancelReason: 'not needed after all' });
      const { status, body } = await call(h.app, '/api/agents');
      expect(status).toBe(200);
      const names = body.agents.map((a: Json) => a.agent).sort();
      expect(names).toEqual(['bob', 'cleo', 'dana', 'operator', 'pia', 'quinn']);
      expect(body.agents.find((a: Json) => a.agent === 'dana')).toEqual({
        agent: 'dana',
        lastActivityAt: null,
        events: 0,
        holds: [],
        assignedOpen: 0,
        piloting: 0,
        missions: 0,
        unread: 2,
      });
      // Every agent's unread count is its unread messages in the database (none: 0).
      const unreadRows = await h.t.database.kysely
        .selectFrom('messages')
        .select(['agent', (eb) => eb.fn.countAll<number>().as('n')])
        .where('read_at', 'is', null)
        .groupBy('agent')
        .execute();
      const unread = new Map(unreadRows.map((r) => [r.agent, Number(r.n)]));
      expect(unread.get('bob')).toBeGreaterThan(0);
      expect(Object.fromEntries(body.agents.map((a: Json) => [a.agent, a.unread]))).toEqual(
        Object.fromEntries(names.map((n: string) => [n, unread.get(n) ?? 0])),
      );
      await h.t.sortie.ackMessages(BOB, { upToSeq: await lastEventSeq(h.t.database.kysely) });
      expect((await call(h.app, '/api/agents')).body.agents.find((a: Json) => a.agent === 'bob').unread).toBe(0);
      const cleo = body.agents.find((a: Json) => a.agent === 'cleo');
      const row = await h.t.database.kysely.selectFrom('tasks').select(['lease_expires_at']).where('id', '=', w.tasks.c).executeTakeFirstOrThrow();
      expect(cleo.holds).toEqual([
        expect.objectContaining({ taskId: w.tasks.c, missionId: w.checkout, missionName: 'Checkout', leaseExpiresAt: row.lease_expires_at, expired: false }),
      ]);
      const lastCleo = await h.t.database.kysely.selectFrom('events').select('at').where('actor', '=', 'cleo').orderBy('seq', 'desc').executeTakeFirstOrThrow();
      expect(cleo.lastActivityAt).toBe(lastCleo.at);
      expect(body.agents.find((a: Json) => a.agent === 'pia')).toMatchObject({ piloting: 2, holds: [] });
      // The project filter counts that project's messages only: dana's are all in web.
      const api = (await call(h.app, '/api/agents?project=api')).body;
      expect(api.agents.map((a: Json) => a.agent)).toEqual(['quinn']);
      expect(api.agents[0].unread).toBe(0);
      expect((await call(h.app, '/api/agents?project=web')).body.agents.find((a: Json) => a.agent === 'dana').unread).toBe(2);
      expect(api.projects).toEqual(['api', 'web']);
    });

    it('POST status and progress act as the caller through the service; refusals change nothing', async () => {
      const before = await lastEventSeq(h.t.database.kysely);
      const refused = await post(h.app, `/api/missions/${w.checkout}/status`, { status: 'complete' });
      expect(refused.status).toBe(409);
      expect(refused.body.error).toMatchObject({ code: 'INVALID_TRANSITION', hint: expect.stringContaining('validate') });
      const noReason = await post(h.app, `/api/missions/${w.checkout}/status`, { status: 'cancelled' });
      expect(noReason.status).toBe(400);
      expect(noReason.body.error.code).toBe('VALIDATION_FAILED');
      const badProgress = await post(h.app, `/api/missions/${w.checkout}/progress`, { progress: 101 });
      expect(badProgress.status).toBe(400);
      const form = await call(h.app, `/api/missions/${w.checkout}/progress`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain' },
        body: '{"progress":1}',
      });
      expect(form.status).toBe(400);
      const crossSite = await post(h.app, `/api/missions/${w.checkout}/progress`, { progress: 1 }, { origin: 'https://evil.example' });
      expect(crossSite.status).toBe(403);
      expect(await lastEventSeq(h.t.database.kysely)).toBe(before);
      expect((await h.t.sortie.getMission(PIA, { missionId: w.checkout })).progress).toBe(40);

      const ok = await post(h.app, `/api/missions/${w.checkout}/progress`, { progress: 55, note: 'from the dashboard' }, { origin: 'http://localhost' });
      expect(ok.status).toBe(200);
      expect(ok.body).toMatchObject({ missionId: w.checkout, progress: 55 });
      const event = await h.t.database.kysely
        .selectFrom('events')
        .selectAll()
        .where('seq', '=', before + 1)
        .executeTakeFirstOrThrow();
      expect(event).toMatchObject({ kind: 'mission.progress', actor: LOCAL.agent, mission_id: w.checkout });
      const moved = await post(h.app, `/api/missions/${w.apiPlan}/status`, { status: 'execute' });
      expect(moved.status).toBe(200);
      expect((await h.t.sortie.getMission(QUINN, { missionId: w.apiPlan })).status).toBe('execute');
    });

    it('serves the page, its modules and the three libraries; nothing outside web/', async () => {
      const page = await h.app.request('/');
      expect(page.status).toBe(200);
      expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
      expect(await page.text()).toContain('/app/js/main.js');
      for (const path of ['/app/js/main.js', '/app/app.css', '/vendor/dagre.js', '/vendor/marked.js', '/vendor/purify.js']) {
        const res = await h.app.request(path);
        expect(res.status, path).toBe(200);
        expect(res.headers.get('content-type'), path).toMatch(/^(text\/javascript|text\/css)/);
        const again = await h.app.request(path, { headers: { 'if-none-match': res.headers.get('etag') as string } });
        expect(again.status, path).toBe(304);
      }
      for (const path of ['/app/../package.json', '/app/%2e%2e/package.json', '/app/js/nope.js', '/vendor/kysely.js']) {
        expect((await h.app.request(path)).status, path).toBe(404);
      }
    });
  });
}

describe('dashboard API access', () => {
  it('answers 401 with WWW-Authenticate when no one identified the caller and there is no local operator', async () => {
    const h = await openHarness('sqlite', null);
    try {
      const res = await call(h.app, '/api/board');
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('UNAUTHORIZED');
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect((await h.app.request('/')).status).toBe(200);
    } finally {
      await h.dispose();
    }
  });

  it('serves no unauthenticated request addressed to a non-loopback host name (DNS rebinding)', async () => {
    const h = await openHarness('sqlite');
    try {
      const res = await call(h.app, 'http://evil.example:7420/api/board');
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe('FORBIDDEN');
      const named = await call(h.app, 'http://evil.example:7420/api/board', { headers: { 'x-sortie-agent': 'bob' } });
      expect(named.status).toBe(403);
      expect((await call(h.app, 'http://127.0.0.1:7420/api/board')).status).toBe(200);
    } finally {
      await h.dispose();
    }
  });

  describe('with tokens on', () => {
    let h: Harness;
    let w: World;
    const tokens: Record<string, string> = {};

    beforeAll(async () => {
      h = await openHarness('sqlite');
      w = await buildWorld(h.t);
      const mint = async (agent: string, role: 'viewer' | 'pilot' | 'worker', projects?: string[]) =>
        (await h.t.sortie.createToken(OPERATOR, { agent, role, projects })).token;
      tokens.viewerWeb = await mint('vera', 'viewer', ['web']);
      tokens.pilotPia = await mint('pia', 'pilot', ['web']);
      tokens.pilotQuinn = await mint('quinn', 'pilot');
      tokens.workerBob = await mint('bob', 'worker', ['web']);
    });
    afterAll(() => h.dispose());

    it('requires a token for the API (the login shows on this 401) but not for the page', async () => {
      expect((await call(h.app, '/api/board')).status).toBe(401);
      expect((await call(h.app, '/api/board', { headers: bearer('sortie_nope') })).status).toBe(401);
      expect((await h.app.request('/')).status).toBe(200);
      const session = await call(h.app, '/api/session', { headers: bearer(tokens.viewerWeb) });
      expect(session.body).toEqual({ agent: 'vera', role: 'viewer', projects: ['web'], authenticated: true });
    });

    it('scopes every read to the token projects; other projects answer like missing ids', async () => {
      const auth = { headers: bearer(tokens.viewerWeb) };
      const board = (await call(h.app, '/api/board', auth)).body;
      const projects = new Set(board.columns.flatMap((c: Json) => c.missions.map((m: Json) => m.project)));
      expect([...projects]).toEqual(['web']);
      expect(board.options).toEqual({ projects: ['web'], pilots: ['pia'] });
      expect((await call(h.app, '/api/board?project=api', auth)).body.error.code).toBe('NOT_FOUND');
      const hidden = await call(h.app, `/api/missions/${w.apiPlan}`, auth);
      const missing = await call(h.app, '/api/missions/01ARZ3NDEKTSV4RRFFQ69G5FAV', auth);
      expect(hidden.status).toBe(404);
      const masked = (error: Json, id: string) => JSON.stringify(error).replaceAll(id, '<ID>');
      expect(masked(hidden.body.error, w.apiPlan)).toBe(masked(missing.body.error, '01ARZ3NDEKTSV4RRFFQ69G5FAV'));
      const apiTask = (await h.t.database.kysely.selectFrom('tasks').select('id').where('mission_id', '=', w.apiPlan).executeTakeFirstOrThrow()).id;
      expect((await call(h.app, `/api/tasks/${apiTask}`, auth)).status).toBe(404);
      // bob has a message in api too (quinn gave him a task there): a web token counts only bob's web messages.
      // With tokens on, an assignee must hold a token for the project (rosters, issue 11).
      await h.t.sortie.createToken(OPERATOR, { agent: 'bob', role: 'worker', projects: ['api'] });
      await h.t.sortie.createTask(QUINN, { title: 'Load test', project: 'api', assignedTo: 'bob' });
      const webUnread = await h.t.database.kysely
        .selectFrom('messages')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('agent', '=', 'bob')
        .where('project', '=', 'web')
        .where('read_at', 'is', null)
        .executeTakeFirstOrThrow();
      const agents = (await call(h.app, '/api/agents', auth)).body;
      expect(agents.agents.map((a: Json) => a.agent)).not.toContain('quinn');
      expect(agents.agents.find((a: Json) => a.agent === 'bob').unread).toBe(Number(webUnread.n));
      expect(agents.projects).toEqual(['web']);
      expect((await call(h.app, `/api/missions/${w.checkout}/events`, auth)).status).toBe(200);
    });

    it('lets a pilot token move its own mission and report progress; viewers, workers and other pilots are refused', async () => {
      const page = (await call(h.app, `/api/missions/${w.checkout}`, { headers: bearer(tokens.viewerWeb) })).body;
      expect(page.permissions).toEqual({ move: false, progress: false });
      expect((await call(h.app, `/api/missions/${w.checkout}`, { headers: bearer(tokens.pilotQuinn) })).body.permissions).toEqual({
        move: false,
        progress: false,
      });
      expect((await call(h.app, `/api/missions/${w.checkout}`, { headers: bearer(tokens.pilotPia) })).body.permissions).toEqual({ move: true, progress: true });
      const before = await lastEventSeq(h.t.database.kysely);
      for (const token of [tokens.viewerWeb, tokens.workerBob, tokens.pilotQuinn]) {
        const res = await post(h.app, `/api/missions/${w.checkout}/progress`, { progress: 90 }, bearer(token));
        expect(res.status).toBe(403);
        expect(res.body.error.code).toBe('FORBIDDEN');
      }
      expect(await lastEventSeq(h.t.database.kysely)).toBe(before);
      const ok = await post(h.app, `/api/missions/${w.checkout}/progress`, { progress: 90 }, bearer(tokens.pilotPia));
      expect(ok.status).toBe(200);
      const moved = await post(h.app, `/api/missions/${w.checkout}/status`, { status: 'validate' }, bearer(tokens.pilotPia));
      expect(moved.body).toMatchObject({ status: 'validate' });
    });

    it('streams only the events of the token projects', async () => {
      const stream = await openStream(h.app, { ...bearer(tokens.viewerWeb), 'last-event-id': '0' });
      try {
        const newest = await lastEventSeq(h.t.database.kysely);
        await stream.until((m) => m.some((x) => x.event === 'ready'));
        await h.t.sortie.updateMissionProgress(QUINN, { missionId: w.apiPlan, progress: 10 });
        await h.t.sortie.updateMissionProgress(PIA, { missionId: w.checkout, progress: 95 });
        await stream.until((m) => changes(m).some((e) => e.seq > newest));
        const seen = changes(stream.messages);
        const webSeqs = await h.t.database.kysely.selectFrom('events').select('seq').where('project', '=', 'web').orderBy('seq').execute();
        expect(seen.map((e) => e.seq)).toEqual(webSeqs.map((r) => r.seq));
        expect(seen.every((e) => e.project === 'web')).toBe(true);
      } finally {
        await stream.close();
      }
    });
  });
});

interface Message {
  event: string;
  id: string | null;
  data: string;
}

interface Stream {
  status: number;
  messages: Message[];
  until(done: (messages: Message[]) => boolean): Promise<void>;
  close(): Promise<void>;
}

/** Opens /api/stream and parses its messages as they arrive. */
async function openStream(app: Hono, headers: Record<string, string> = {}, path = '/api/stream'): Promise<Stream> {
  const res = await app.request(path, { headers });
  const messages: Message[] = [];
  if (!res.body) throw new Error('no body');
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  return {
    status: res.status,
    messages,
    async until(done) {
      const deadline = Date.now() + 20_000;
      while (!done(messages)) {
        if (Date.now() > deadline) throw new Error(`stream did not reach the expected state; got ${JSON.stringify(messages.map((m) => [m.event, m.id]))}`);
        const { value, done: ended } = await reader.read();
        if (ended) throw new Error('stream ended');
        buffer += value;
        for (let cut = buffer.indexOf('\n\n'); cut >= 0; cut = buffer.indexOf('\n\n')) {
          const block = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          const msg: Message = { event: 'message', id: null, data: '' };
          const data: string[] = [];
          for (const line of block.split('\n')) {
            if (line.startsWith('event: ')) msg.event = line.slice(7);
            else if (line.startsWith('id: ')) msg.id = line.slice(4);
            else if (line.startsWith('data: ')) data.push(line.slice(6));
          }
          msg.data = data.join('\n');
          if (data.length) messages.push(msg);
        }
      }
    },
    async close() {
      await reader.cancel().catch(() => {});
    },
  };
}

function changes(messages: Message[]): Json[] {
  return messages
    .filter((m) => m.event === 'change')
    .map((m) => {
      const e = JSON.parse(m.data);
      expect(m.id).toBe(String(e.seq));
      return e;
    });
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

for (const dialect of DIALECTS) {
  describe(`event stream resume (${dialect})`, () => {
    let h: Harness;
    let w: World;

    beforeAll(async () => {
      h = await openHarness(dialect);
      w = await buildWorld(h.t);
    });
    afterAll(() => h.dispose());

    const newest = () => lastEventSeq(h.t.database.kysely);
    const bump = (n: number) => h.t.sortie.updateMissionProgress(PIA, { missionId: w.checkout, progress: n });

    it('replays after Last-Event-ID, then continues live: every event once, in order', async () => {
      const last = await newest();
      const from = last - 5;
      const stream = await openStream(h.app, { 'last-event-id': String(from) });
      try {
        expect(stream.status).toBe(200);
        await stream.until((m) => m.some((x) => x.event === 'ready'));
        const ready = JSON.parse(stream.messages.find((m) => m.event === 'ready')?.data as string);
        expect(ready).toEqual({ from, lastSeq: last, reset: false });
        for (const n of [61, 62, 63]) await bump(n);
        await stream.until((m) => changes(m).some((e) => e.seq === last + 3));
        expect(changes(stream.messages).map((e) => e.seq)).toEqual(range(from + 1, last + 3));
      } finally {
        await stream.close();
      }
    });

    it('loses nothing and repeats nothing when writes race the replay and a reconnect', async () => {
      const start = await newest();
      // Writes keep committing while the first stream replays and goes live.
      let writing = true;
      let n = 0;
      const writer = (async () => {
        while (writing) await bump(n++ % 100);
      })();
      const first = await openStream(h.app, { 'last-event-id': String(start - 3) });
      await first.until((m) => changes(m).length >= 12);
      const got = changes(first.messages).map((e) => e.seq);
      await first.close();
      // More commits land while the client is away; it reconnects with the last id it saw.
      const resumeAt = got[got.length - 1];
      const second = await openStream(h.app, { 'last-event-id': String(resumeAt) });
      await second.until((m) => changes(m).length >= 8);
      writing = false;
      await writer;
      const end = await newest();
      await second.until((m) => changes(m).some((e) => e.seq === end));
      await second.close();
      const all = [...got, ...changes(second.messages).map((e) => e.seq)];
      expect(all).toEqual(range(start - 2, end));
    });

    it('follows from ?after= without a header, from now without either, and reports an unusable position as a reset', async () => {
      const last = await newest();
      const byQuery = await openStream(h.app, {}, `/api/stream?after=${last - 1}`);
      await byQuery.until((m) => m.some((x) => x.event === 'ready'));
      expect(changes(byQuery.messages).map((e) => e.seq)).toEqual([last]);
      await byQuery.close();

      const fromNow = await openStream(h.app);
      await fromNow.until((m) => m.some((x) => x.event === 'ready'));
      expect(changes(fromNow.messages)).toEqual([]);
      await bump(7);
      await fromNow.until((m) => changes(m).length === 1);
      expect(changes(fromNow.messages)[0].seq).toBe(last + 1);
      await fromNow.close();

      const ahead = await openStream(h.app, { 'last-event-id': String(last + 1000) });
      await ahead.until((m) => m.some((x) => x.event === 'ready'));
      expect(JSON.parse(ahead.messages.find((m) => m.event === 'ready')?.data as string)).toEqual({ from: last + 1, lastSeq: last + 1, reset: true });
      await ahead.close();

      const bad = await call(h.app, '/api/stream', { headers: { 'last-event-id': 'yesterday' } });
      expect(bad.status).toBe(400);
      expect(bad.body.error.code).toBe('VALIDATION_FAILED');
    });
  });
}
