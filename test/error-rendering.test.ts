// One error path, seen from each adapter: a real unexpected error (a mission row whose JSON no longer parses) is
// answered as INTERNAL with a correlation id, which the log carries beside the original error — over MCP through
// the SDK's Client, over HTTP as a 500, and from the CLI as one line with a non-zero exit. Auth refusals leave in
// the same shape as every other refusal. The CLI part runs the built `bin/sortie.js` (`npm run build` first).
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpApp } from '../src/http/app.js';
import { AuthGate } from '../src/http/auth.js';
import { dashboardRoutes } from '../src/http/dashboard.js';
import { createMcpServer } from '../src/mcp/server.js';
import type { Sortie } from '../src/service/sortie.js';
import { PROCESS_TEST_TIMEOUT_MS } from './support/budget.js';
import { runSortie } from './support/cli.js';
import { openTestSortie, type TestSortie, tempDir } from './support/sortie.js';

const PIA = { agent: 'pia', role: 'admin' as const };
const CORRELATION = /\(correlation id ([0-9a-f-]{36})\)/;

function capturingLogger() {
  const lines: Array<Record<string, unknown>> = [];
  return { logger: pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line)) }), lines };
}

let t: TestSortie;
let dbPath: string;
let broken: string;
let healthy: string;

beforeAll(async () => {
  dbPath = join(tempDir(), 'errors.db');
  t = await openTestSortie(dbPath);
  healthy = (await t.sortie.createMission(PIA, { name: 'healthy', pilot: 'pia' })).missionId;
  broken = (await t.sortie.createMission(PIA, { name: 'broken', pilot: 'pia' })).missionId;
  // Valid JSON that no longer matches the column's schema: every read of the mission throws a plain Error.
  await t.database.kysely.updateTable('missions').set({ deliverables: '[{"name":1}]' }).where('id', '=', broken).execute();
});
afterAll(async () => {
  await t?.close();
});

describe('MCP: a tool whose use case throws an unexpected error', () => {
  it('answers INTERNAL with a correlation id, no structuredContent, and logs the error with that id', async () => {
    const { logger, lines } = capturingLogger();
    const { server } = createMcpServer({ sortie: t.sortie, logger, identity: { agent: 'pia' }, profile: 'full' });
    const [a, b] = InMemoryTransport.createLinkedPair();
    await server.connect(b);
    const client = new Client({ name: 'test-errors', version: '1.0.0' });
    await client.connect(a);
    try {
      const result = (await client.callTool({ name: 'get_mission', arguments: { missionId: broken } })) as CallToolResult;
      expect(result.isError).toBe(true);
      expect(result.structuredContent).toBeUndefined();
      const { error } = JSON.parse((result.content[0] as { text: string }).text);
      expect(error.code).toBe('INTERNAL');
      expect(error.message).toMatch(CORRELATION);
      expect(error.details.correlationId).toBe(CORRELATION.exec(error.message)?.[1]);
      expect(JSON.stringify(error)).not.toContain('corrupt JSON');
      expect(lines.filter((l) => l.level === 50)).toEqual([
        expect.objectContaining({
          tool: 'get_mission',
          correlationId: error.details.correlationId,
          err: expect.objectContaining({ message: expect.stringContaining('corrupt JSON in column missions.deliverables') }),
        }),
      ]);
      // The same server still answers a healthy read.
      expect(((await client.callTool({ name: 'get_mission', arguments: { missionId: healthy } })) as CallToolResult).isError).toBeFalsy();
    } finally {
      await client.close();
    }
  });
});

describe('HTTP: one renderer for every route', () => {
  function app(options: { sortie?: Sortie; mode?: 'auto' | 'required' } = {}) {
    const { logger, lines } = capturingLogger();
    const sortie = options.sortie ?? t.sortie;
    const auth = new AuthGate({ sortie, logger, mode: options.mode, recheckMs: 0 });
    const runtime = { sortie, logger, stop: async () => {} };
    return { app: createHttpApp({ runtime, auth, mount: [dashboardRoutes({ sortie, logger, localActor: PIA })] }), lines };
  }

  it('answers an unexpected error with a 500 JSON refusal naming a correlation id, logged with the error', async () => {
    const { app: served, lines } = app();
    const res = await served.request(`http://127.0.0.1/api/missions/${broken}`);
    expect(res.status).toBe(500);
    const { error } = await res.json();
    expect(Object.keys(error).sort()).toEqual(['code', 'details', 'hint', 'message']);
    expect(error.code).toBe('INTERNAL');
    expect(error.message).toMatch(CORRELATION);
    expect(lines.filter((l) => l.level === 50)).toEqual([
      expect.objectContaining({
        path: `/api/missions/${broken}`,
        correlationId: error.details.correlationId,
        err: expect.objectContaining({ message: expect.stringContaining('corrupt JSON') }),
      }),
    ]);
  });

  it('answers auth refusals in the shape of every other refusal: the API object, JSON-RPC on /mcp', async () => {
    const open = app().app;
    const missing = await open.request('http://127.0.0.1/api/missions/nope');
    expect(missing.status).toBe(404);
    const apiRefusal = (await missing.json()).error;

    const locked = app({ mode: 'required' }).app;
    const unauthorized = await locked.request('http://127.0.0.1/api/board');
    expect(unauthorized.status).toBe(401);
    expect(unauthorized.headers.get('www-authenticate')).toBe('Bearer realm="sortie"');
    const authRefusal = (await unauthorized.json()).error;
    expect(Object.keys(authRefusal).sort()).toEqual(Object.keys(apiRefusal).sort());
    expect(authRefusal).toMatchObject({ code: 'UNAUTHORIZED', message: 'this server requires a bearer token', details: {} });

    const rebound = await open.request('http://attacker.example/api/board');
    expect(rebound.status).toBe(403);
    expect((await rebound.json()).error).toMatchObject({ code: 'FORBIDDEN', details: {} });

    const mcp = await locked.request('http://127.0.0.1/mcp', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(mcp.status).toBe(401);
    expect(await mcp.json()).toMatchObject({ jsonrpc: '2.0', id: null, error: { code: -32001, data: { code: 'UNAUTHORIZED' } } });
  });

  it('answers 503 UNAVAILABLE with a correlation id when the token store cannot be read', async () => {
    const failing = { ...t.sortie, tokensExist: () => Promise.reject(new Error('no such table: tokens')) } as Sortie;
    const { app: served, lines } = app({ sortie: failing });
    const res = await served.request('http://127.0.0.1/api/board');
    expect(res.status).toBe(503);
    const { error } = await res.json();
    expect(error).toMatchObject({ code: 'UNAVAILABLE', hint: 'Retry shortly; check the database.' });
    expect(error.message).toMatch(/^the token store cannot be read \(correlation id [0-9a-f-]{36}\)$/);
    expect(lines.filter((l) => l.level === 50)).toEqual([
      expect.objectContaining({ correlationId: error.details.correlationId, err: expect.objectContaining({ message: 'no such table: tokens' }) }),
    ]);
  });
});

describe('CLI: one line per error, in text and --json', { timeout: PROCESS_TEST_TIMEOUT_MS }, () => {
  const sortie = (...args: string[]) => runSortie(['--agent', 'pia', ...args]);

  it('reports an unexpected error as one INTERNAL line with a correlation id, logged with the error', async () => {
    const r = await sortie('--db', dbPath, 'mission', 'show', broken);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    const lines = r.stderr.split('\n').filter(Boolean);
    const errorLines = lines.filter((l) => l.startsWith('error: '));
    expect(errorLines, r.stderr).toHaveLength(1);
    expect(errorLines[0]).toMatch(/^error: INTERNAL: unexpected server error \(correlation id [0-9a-f-]{36}\) \(hint: .+\)$/);
    const id = CORRELATION.exec(errorLines[0])?.[1];
    // The log line (pino, stderr) carries the original error under the same id; nothing else is printed.
    const logs = lines.filter((l) => !l.startsWith('error: ')).map((l) => JSON.parse(l));
    expect(logs).toEqual([
      expect.objectContaining({ level: 50, correlationId: id, err: expect.objectContaining({ message: expect.stringContaining('corrupt JSON in column') }) }),
    ]);
  });

  it('prints {"error":{code,message,hint}} on stderr with --json, for refusals and failures alike', async () => {
    const refused = await sortie('--json', '--db', dbPath, 'mission', 'show', 'no-such-mission');
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe('');
    expect(refused.stderr.split('\n').filter(Boolean)).toHaveLength(1);
    const { error } = JSON.parse(refused.stderr);
    expect(Object.keys(error)).toEqual(['code', 'message', 'hint']);
    expect(error.code).toBe('NOT_FOUND');

    const failed = await sortie('--json', '--db', dbPath, 'mission', 'show', broken);
    expect(failed.code).toBe(1);
    const last = JSON.parse(failed.stderr.split('\n').filter(Boolean).at(-1) as string);
    expect(last.error.code).toBe('INTERNAL');
    expect(last.error.message).toMatch(CORRELATION);

    const usage = await sortie('--json', 'bogus');
    expect(usage.code).not.toBe(0);
    expect(JSON.parse(usage.stderr).error.code).toBe('VALIDATION_FAILED');
  });

  it('reports a database it cannot reach as UNAVAILABLE, naming it with the credentials masked', async () => {
    const r = await sortie('--db', 'postgres://sortie:S3cretPw@127.0.0.1:1/sortie', 'mission', 'list');
    expect(r.code).toBe(1);
    const lines = r.stderr.split('\n').filter(Boolean);
    expect(lines.at(-1), r.stderr).toMatch(
      /^error: UNAVAILABLE: cannot connect to the database postgres:\/\/sortie:\*\*\*@127\.0\.0\.1:1\/sortie \(ECONNREFUSED\) \(hint: .+--db.+\)$/,
    );
    expect(r.stderr).not.toContain('S3cretPw');
  });
});
