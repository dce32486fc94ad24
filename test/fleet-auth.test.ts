// Authenticated HTTP: 401 with WWW-Authenticate, what stays open, refusing to bind beyond loopback without auth,
// the switch to tokens once one exists, the token CLI, and session mode (subscriptions over HTTP, bound to a token).
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { ResourceUpdatedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, waitForHealth } from '../bench/net.js';
import { COMMAND_TIMEOUT_MS } from './support/budget.js';
import { SORTIE_BIN } from './support/clients.js';
import { SHARED_DIALECTS } from './support/dialects.js';
import { connectWithToken, type FleetStore, mintToken, OPERATOR, openFleetStore, type Replica, startReplica } from './support/fleet.js';
import { tempDir } from './support/sortie.js';

const INIT = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'curl', version: '1' } },
};
const JSON_HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };

function sortie(args: string[], env: Record<string, string> = {}) {
  // A command that should refuse to serve but serves instead is killed, not left listening.
  return spawnSync(process.execPath, [SORTIE_BIN, ...args], {
    env: { ...process.env, SORTIE_LOG_LEVEL: 'warn', ...env },
    encoding: 'utf8',
    timeout: COMMAND_TIMEOUT_MS,
    killSignal: 'SIGKILL',
  });
}

describe('bearer tokens on /mcp and /api', () => {
  let fleet: FleetStore;
  let replica: Replica;
  let token: string;

  beforeAll(async () => {
    fleet = await openFleetStore('sqlite');
    token = await mintToken(fleet.store, 'alice', 'pilot');
    replica = await startReplica(fleet.url);
  });
  afterAll(async () => {
    await replica?.stop();
    await fleet?.dispose();
  });

  it('answers a request without a token with 401 and a Bearer challenge, on MCP and on the API', async () => {
    const mcp = await fetch(`${replica.url}/mcp`, { method: 'POST', headers: JSON_HEADERS, body: JSON.stringify(INIT) });
    expect(mcp.status).toBe(401);
    expect(mcp.headers.get('www-authenticate')).toBe('Bearer realm="sortie"');
    const body = await mcp.json();
    expect(body.error.data.code).toBe('UNAUTHORIZED');
    for (const path of ['/api/board', '/api/anything-at-all', '/api/events']) {
      const api = await fetch(`${replica.url}${path}`);
      expect(api.status, path).toBe(401);
      expect(api.headers.get('www-authenticate'), path).toBe('Bearer realm="sortie"');
      expect((await api.json()).error.code, path).toBe('UNAUTHORIZED');
    }
  });

  it('answers a wrong, malformed or revoked token with 401 invalid_token', async () => {
    const forged = token.slice(0, -4) + (token.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    const revokedToken = await mintToken(fleet.store, 'bob', 'worker');
    const info = (await fleet.store.sortie.listTokens(OPERATOR, {})).find((t) => t.agent === 'bob');
    await fleet.store.sortie.revokeToken(OPERATOR, { tokenId: info?.tokenId as string });
    for (const bad of [forged, 'sortie_not-a-token', 'Basic-looking', revokedToken]) {
      const res = await fetch(`${replica.url}/mcp`, {
        method: 'POST',
        headers: { ...JSON_HEADERS, authorization: `Bearer ${bad}` },
        body: JSON.stringify(INIT),
      });
      expect(res.status, bad).toBe(401);
      expect(res.headers.get('www-authenticate'), bad).toMatch(/^Bearer realm="sortie", error="invalid_token"/);
    }
    const basic = await fetch(`${replica.url}/mcp`, {
      method: 'POST',
      headers: { ...JSON_HEADERS, authorization: 'Basic YWxpY2U6eA==' },
      body: JSON.stringify(INIT),
    });
    expect(basic.status).toBe(401);
  });

  it('a self-named agent is not enough once tokens exist', async () => {
    const res = await fetch(`${replica.url}/mcp?agent=alice`, {
      method: 'POST',
      headers: { ...JSON_HEADERS, 'x-sortie-agent': 'alice' },
      body: JSON.stringify(INIT),
    });
    expect(res.status).toBe(401);
  });

  it('keeps /health open and accepts the token as ?access_token= on GET only (for EventSource)', async () => {
    expect((await fetch(`${replica.url}/health`)).status).toBe(200);
    const get = await fetch(`${replica.url}/mcp?access_token=${encodeURIComponent(token)}`);
    expect(get.status).toBe(405); // authenticated; a stateless server has no GET stream
    const post = await fetch(`${replica.url}/mcp?access_token=${encodeURIComponent(token)}`, {
      method: 'POST',
      headers: JSON_HEADERS,
      body: JSON.stringify(INIT),
    });
    expect(post.status).toBe(401);
  });

  it('a valid token reaches the tools as its agent and stamps last use', async () => {
    const client = await connectWithToken(replica.url, token, 'alice');
    expect((await client.call('my_work')).agent).toBe('alice');
    await client.close();
    const info = (await fleet.store.sortie.listTokens(OPERATOR, {})).find((t) => t.agent === 'alice');
    expect(info?.lastUsedAt).not.toBeNull();
  });

  it('revocation takes effect on the next request', async () => {
    const carol = await mintToken(fleet.store, 'carol', 'worker');
    const client = await connectWithToken(replica.url, carol, 'carol');
    expect((await client.call('my_work')).agent).toBe('carol');
    const id = (await fleet.store.sortie.listTokens(OPERATOR, {})).find((t) => t.agent === 'carol')?.tokenId as string;
    await fleet.store.sortie.revokeToken(OPERATOR, { tokenId: id });
    await expect(client.call('my_work')).rejects.toThrow(/401|UNAUTHORIZED/);
  });
});

describe('binding beyond loopback', () => {
  it('refuses 0.0.0.0 when no authentication is configured, with a message that says what to do', () => {
    const db = join(tempDir(), 'open.db');
    const result = sortie(['serve', '--host', '0.0.0.0', '--port', '0', '--db', db]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('refusing to listen on 0.0.0.0');
    expect(result.stderr).toContain('sortie token create --agent NAME --role admin');
    expect(result.stderr).toContain('SORTIE_AUTH=required');
  });

  it('refuses an unknown SORTIE_AUTH value instead of guessing', () => {
    const result = sortie(['serve', '--port', '0', '--db', join(tempDir(), 'x.db')], { SORTIE_AUTH: 'off' });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('SORTIE_AUTH=off is not understood');
  });

  it('serves on 0.0.0.0 with SORTIE_AUTH=required, demanding a token before any exists', async () => {
    const replica = await startReplica(join(tempDir(), 'required.db'), { host: '0.0.0.0', env: { SORTIE_AUTH: 'required' } });
    try {
      expect(replica.stderr()).toContain('auth bearer tokens required');
      const res = await fetch(`${replica.url}/mcp?agent=alice`, { method: 'POST', headers: JSON_HEADERS, body: JSON.stringify(INIT) });
      expect(res.status).toBe(401);
    } finally {
      await replica.stop();
    }
  });

  it('serves on 0.0.0.0 once a token exists', async () => {
    const fleet = await openFleetStore('sqlite');
    try {
      const token = await mintToken(fleet.store, 'alice', 'admin');
      const replica = await startReplica(fleet.url, { host: '0.0.0.0' });
      try {
        const client = await connectWithToken(replica.url, token, 'alice');
        expect((await client.call('my_work')).agent).toBe('alice');
        await client.close();
      } finally {
        await replica.stop();
      }
    } finally {
      await fleet.dispose();
    }
  });

  it('an open loopback server starts demanding tokens as soon as the first one is created', async () => {
    const fleet = await openFleetStore('sqlite');
    const replica = await startReplica(fleet.url);
    try {
      const open = await fetch(`${replica.url}/mcp?agent=alice`, { method: 'POST', headers: JSON_HEADERS, body: JSON.stringify(INIT) });
      expect(open.status).toBe(200);
      await mintToken(fleet.store, 'alice', 'admin');
      let status = 200;
      for (let i = 0; i < 100 && status !== 401; i++) {
        await new Promise((r) => setTimeout(r, 100));
        status = (await fetch(`${replica.url}/mcp?agent=alice`, { method: 'POST', headers: JSON_HEADERS, body: JSON.stringify(INIT) })).status;
      }
      expect(status).toBe(401);
    } finally {
      await replica.stop();
      await fleet.dispose();
    }
  });
});

for (const dialect of SHARED_DIALECTS) {
  describe(`sortie token CLI (${dialect})`, () => {
    it('creates (secret shown once, stored hashed), lists and revokes', async () => {
      const fleet = await openFleetStore(dialect);
      try {
        const created = sortie([
          '--json',
          'token',
          'create',
          '--agent',
          'alice',
          '--role',
          'pilot',
          '--project',
          'web',
          '--project',
          'api,ops',
          '--db',
          fleet.url,
        ]);
        expect(created.status, created.stderr).toBe(0);
        const out = JSON.parse(created.stdout);
        expect(out.token).toMatch(/^sortie_[0-9A-Z]{26}_[A-Za-z0-9_-]{43}$/);
        expect(out).toMatchObject({ agent: 'alice', role: 'pilot', projects: ['web', 'api', 'ops'], revokedAt: null });
        // Stored as a hash: the secret appears nowhere in the row.
        const row = await fleet.store.database.kysely.selectFrom('tokens').selectAll().where('id', '=', out.tokenId).executeTakeFirstOrThrow();
        expect(JSON.stringify(row)).not.toContain(out.token.split('_').slice(2).join('_'));
        expect(row.secret_hash).toMatch(/^[0-9a-f]{64}$/);
        // The token works.
        const auth = await fleet.store.sortie.authenticate(out.token);
        expect(auth?.actor).toEqual({ agent: 'alice', role: 'pilot', projects: ['web', 'api', 'ops'] });

        const listed = sortie(['--json', 'token', 'list', '--db', fleet.url]);
        expect(listed.status, listed.stderr).toBe(0);
        const rows = JSON.parse(listed.stdout);
        expect(rows.map((r: { tokenId: string }) => r.tokenId)).toEqual([out.tokenId]);
        expect(listed.stdout).not.toContain(out.token);
        const human = sortie(['token', 'list', '--db', fleet.url]);
        expect(human.stdout).toMatch(/alice\s+pilot\s+web,api,ops/);

        const revoked = sortie(['--json', 'token', 'revoke', out.tokenId, '--db', fleet.url]);
        expect(revoked.status, revoked.stderr).toBe(0);
        expect(JSON.parse(revoked.stdout).revokedAt).not.toBeNull();
        expect(await fleet.store.sortie.authenticate(out.token)).toBeNull();
        expect(JSON.parse(sortie(['--json', 'token', 'list', '--db', fleet.url]).stdout)).toEqual([]);
        expect(JSON.parse(sortie(['--json', 'token', 'list', '--all', '--db', fleet.url]).stdout)).toHaveLength(1);

        const unknown = sortie(['token', 'revoke', '01ARZ3NDEKTSV4RRFFQ69G5FAV', '--db', fleet.url]);
        expect(unknown.status).toBe(1);
        expect(unknown.stderr).toContain('NOT_FOUND: token 01ARZ3NDEKTSV4RRFFQ69G5FAV not found');
        const noAgent = sortie(['token', 'create', '--db', fleet.url]);
        expect(noAgent.status).toBe(1);
        expect(noAgent.stderr).toContain('name the agent the token acts as');
      } finally {
        await fleet.dispose();
      }
    });
  });
}

describe('token management rules', () => {
  it('only admins manage tokens; a scoped admin stays inside its projects', async () => {
    const fleet = await openFleetStore('sqlite');
    try {
      const s = fleet.store.sortie;
      await expect(s.createToken({ agent: 'pia', role: 'pilot' }, { agent: 'x' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
      await expect(s.listTokens({ agent: 'pia', role: 'pilot' }, {})).rejects.toMatchObject({ code: 'FORBIDDEN' });
      const scopedAdmin = { agent: 'ada', role: 'admin' as const, projects: ['web'] };
      const inherited = await s.createToken(scopedAdmin, { agent: 'w1' });
      expect(inherited.info.projects).toEqual(['web']);
      await expect(s.createToken(scopedAdmin, { agent: 'w2', projects: ['api'] })).rejects.toMatchObject({
        code: 'NOT_FOUND',
        message: 'project api not found',
      });
      const global = await s.createToken(OPERATOR, { agent: 'root', role: 'admin' });
      expect((await s.listTokens(scopedAdmin, {})).map((t) => t.agent)).toEqual(['w1']);
      await expect(s.revokeToken(scopedAdmin, { tokenId: global.info.tokenId })).rejects.toMatchObject({
        code: 'NOT_FOUND',
        message: `token ${global.info.tokenId} not found`,
      });
      await expect(s.createToken(OPERATOR, { agent: 'x', projects: [] })).rejects.toThrow();
      await expect(s.createToken(OPERATOR, { agent: 'not a name' })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    } finally {
      await fleet.dispose();
    }
  });
});

describe('session mode (--sessions)', () => {
  let fleet: FleetStore;
  let sessions: Replica;
  let stateless: Replica;
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    fleet = await openFleetStore('sqlite');
    tokens.pia = await mintToken(fleet.store, 'pia', 'pilot', ['web']);
    tokens.root = await mintToken(fleet.store, 'root', 'admin');
    sessions = await startReplica(fleet.url, { sessions: true });
    stateless = await startReplica(fleet.url);
  });
  afterAll(async () => {
    await sessions?.stop();
    await stateless?.stop();
    await fleet?.dispose();
  });

  it('delivers resource updates over the GET stream, for changes made through another replica, only within scope', async () => {
    fleet.store.clock.set(Date.now());
    const web = await fleet.store.sortie.createMission({ agent: 'pia' }, { name: 'watched', project: 'web', pilot: 'pia' });
    // pia's token does not cover api, so pia could not pilot it: root's covers every project.
    const api = await fleet.store.sortie.createMission({ agent: 'root' }, { name: 'hidden', project: 'api', pilot: 'root' });
    const watcher = await connectWithToken(sessions.url, tokens.pia, 'pia-watch');
    const updates: string[] = [];
    watcher.client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => {
      updates.push(n.params.uri);
    });
    await watcher.client.subscribeResource({ uri: `sortie://missions/${api.missionId}` });
    await watcher.client.subscribeResource({ uri: `sortie://missions/${web.missionId}` });
    const writer = await connectWithToken(stateless.url, tokens.root, 'root');
    const waitFor = async (uri: string, poke: () => Promise<unknown>) => {
      const deadline = Date.now() + 20_000;
      await poke();
      for (let i = 1; !updates.includes(uri) && Date.now() < deadline; i++) {
        await new Promise((r) => setTimeout(r, 50));
        if (i % 20 === 0) await poke();
      }
      expect(updates).toContain(uri);
    };
    const webUri = `sortie://missions/${web.missionId}`;
    // First make sure the client's GET stream is open: a change through the other replica arrives.
    await waitFor(webUri, () => writer.call('update_mission', { missionId: web.missionId, description: `visible ${Date.now()}` }));
    updates.length = 0;
    // Now a change out of scope, then one in scope: the first is committed (and would be sent) before the second.
    await writer.call('update_mission', { missionId: api.missionId, description: 'secret change' });
    await waitFor(webUri, () => writer.call('update_mission', { missionId: web.missionId, description: `visible ${Date.now()}` }));
    expect(updates).not.toContain(`sortie://missions/${api.missionId}`);
    await watcher.close();
    await writer.close();
  });

  it('binds a session to its token: another token presenting the session id gets 404, like an unknown id', async () => {
    const init = await fetch(`${sessions.url}/mcp`, {
      method: 'POST',
      headers: { ...JSON_HEADERS, authorization: `Bearer ${tokens.pia}` },
      body: JSON.stringify(INIT),
    });
    expect(init.status).toBe(200);
    const id = init.headers.get('mcp-session-id');
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    const list = { jsonrpc: '2.0', id: 2, method: 'tools/list' };
    const headers = (token: string, session: string) => ({
      ...JSON_HEADERS,
      authorization: `Bearer ${token}`,
      'mcp-session-id': session,
      'mcp-protocol-version': '2025-06-18',
    });
    const own = await fetch(`${sessions.url}/mcp`, { method: 'POST', headers: headers(tokens.pia, id as string), body: JSON.stringify(list) });
    expect(own.status).toBe(200);
    const stolen = await fetch(`${sessions.url}/mcp`, { method: 'POST', headers: headers(tokens.root, id as string), body: JSON.stringify(list) });
    const unknown = await fetch(`${sessions.url}/mcp`, { method: 'POST', headers: headers(tokens.root, crypto.randomUUID()), body: JSON.stringify(list) });
    expect(stolen.status).toBe(404);
    expect(await stolen.text()).toBe(await unknown.text());
    const noToken = await fetch(`${sessions.url}/mcp`, {
      method: 'POST',
      headers: { ...JSON_HEADERS, 'mcp-session-id': id as string },
      body: JSON.stringify(list),
    });
    expect(noToken.status).toBe(401);
    const closed = await fetch(`${sessions.url}/mcp`, { method: 'DELETE', headers: headers(tokens.pia, id as string) });
    expect(closed.status).toBe(200);
    const after = await fetch(`${sessions.url}/mcp`, { method: 'POST', headers: headers(tokens.pia, id as string), body: JSON.stringify(list) });
    expect(after.status).toBe(404);
  });

  it('a stateless replica has no GET stream', async () => {
    const res = await fetch(`${stateless.url}/mcp`, { headers: { authorization: `Bearer ${tokens.pia}`, accept: 'text/event-stream' } });
    expect(res.status).toBe(405);
  });

  it('shuts down cleanly with an event stream open', async () => {
    const port = await freePort();
    const child = spawn(process.execPath, [SORTIE_BIN, 'serve', '--sessions', '--port', String(port), '--db', fleet.url], {
      env: { ...process.env, SORTIE_LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    try {
      await waitForHealth(`http://127.0.0.1:${port}`, child);
      const client = await connectWithToken(`http://127.0.0.1:${port}`, tokens.pia, 'pia-stream');
      await client.client.subscribeResource({ uri: 'sortie://missions/01ARZ3NDEKTSV4RRFFQ69G5FAV' });
      child.kill('SIGTERM');
      const [code] = await once(child, 'exit');
      expect(code).toBe(0);
      await client.close().catch(() => {});
    } finally {
      // Whatever failed above, the server does not outlive the test.
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await once(child, 'exit');
      }
    }
  });
});

describe('an open (token-less) server and DNS rebinding', () => {
  let fleet: FleetStore;
  let replica: Replica;

  beforeAll(async () => {
    fleet = await openFleetStore('sqlite');
    replica = await startReplica(fleet.url);
  });
  afterAll(async () => {
    await replica?.stop();
    await fleet?.dispose();
  });

  /** POSTs an MCP initialize with the Host and Origin a browser would send for a page at that name. */
  async function initializeAs(host: string, origin?: string): Promise<{ status: number; body: string }> {
    const { request } = await import('node:http');
    const port = new URL(replica.url).port;
    return new Promise((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port,
          path: '/mcp',
          method: 'POST',
          headers: { ...JSON_HEADERS, host: `${host}:${port}`, 'x-sortie-agent': 'alice', ...(origin ? { origin } : {}) },
        },
        (res) => {
          let body = '';
          res.on('data', (d) => {
            body += d;
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        },
      );
      req.on('error', reject);
      req.end(JSON.stringify(INIT));
    });
  }

  it('serves a loopback caller that names itself', async () => {
    expect((await initializeAs('127.0.0.1')).status).toBe(200);
    expect((await initializeAs('localhost')).status).toBe(200);
  });

  it('refuses a request addressed to another name, or sent from another origin, with 403 FORBIDDEN', async () => {
    for (const [host, origin] of [
      ['attacker.example', undefined],
      ['127.0.0.1', 'http://attacker.example'],
    ] as const) {
      const res = await initializeAs(host, origin);
      expect(res.status, `${host} ${origin ?? ''}`).toBe(403);
      expect(res.body).toContain('FORBIDDEN');
    }
  });

  it('refuses an opaque or unreadable origin (Origin: null, a sandboxed frame or file: page) with 403 FORBIDDEN', async () => {
    for (const origin of ['null', 'not a url']) {
      const res = await initializeAs('127.0.0.1', origin);
      expect(res.status, origin).toBe(403);
      expect(res.body).toContain('FORBIDDEN');
      // The refusal names the origin, not the (loopback) host, as the reason.
      expect(res.body).toContain(`requests from origin ${origin} are not served`);
    }
    // The same opaque origin is refused on the dashboard API of the same open server.
    const api = await fetch(`${replica.url}/api/board`, { headers: { origin: 'null' } });
    expect(api.status).toBe(403);
  });
});
