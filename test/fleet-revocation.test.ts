// Nothing outlives its token: revoking a token (by the CLI, or by any other process on the database) ends the
// dashboard event streams and the MCP sessions of that token on every replica, while other tokens' streams go on.
// No timing is asserted: each test awaits the end of the streams, and only a hang (the test timeout) fails it.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SORTIE_BIN } from './support/clients.js';
import { SHARED_DIALECTS } from './support/dialects.js';
import { type FleetStore, mintToken, OPERATOR, openFleetStore, type Replica, startReplica } from './support/fleet.js';

/** Spawning servers and a CLI on a busy 2-core machine: a hang detector, not a speed requirement. */
const TIMEOUT_MS = 180_000;

const JSON_HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
const PROTOCOL = '2025-06-18';

/** An open text/event-stream response, read in the background; `ended` settles when the server ends it. */
interface OpenStream {
  /** Resolves once the received text contains `needle`. */
  seen(needle: string): Promise<void>;
  /** Resolves when the body ends (cleanly or with a network error): the server closed it. */
  ended: Promise<'end' | 'error'>;
  cancel(): Promise<void>;
}

async function openStream(url: string, headers: Record<string, string>): Promise<OpenStream> {
  const controller = new AbortController();
  const res = await fetch(url, { headers, signal: controller.signal });
  if (res.status !== 200) throw new Error(`${url} answered ${res.status}: ${await res.text()}`);
  expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let text = '';
  const waiters: Array<{ needle: string; resolve: () => void }> = [];
  const wake = () => {
    for (const w of waiters.splice(0)) {
      if (text.includes(w.needle)) w.resolve();
      else waiters.push(w);
    }
  };
  const ended = (async (): Promise<'end' | 'error'> => {
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return 'end';
        text += decoder.decode(value, { stream: true });
        wake();
      }
    } catch {
      return 'error';
    }
  })();
  return {
    seen: (needle) =>
      new Promise<void>((resolve, reject) => {
        waiters.push({ needle, resolve });
        wake();
        void ended.then(() => reject(new Error(`stream ended before "${needle}" arrived: ${text}`)));
      }),
    ended,
    async cancel() {
      controller.abort();
      await ended;
    },
  };
}

function revokeWithCli(dbUrl: string, tokenId: string): Promise<void> {
  const child = spawn(process.execPath, [SORTIE_BIN, '--db', dbUrl, 'token', 'revoke', tokenId], {
    env: { ...process.env, SORTIE_LOG_LEVEL: 'warn', SORTIE_AGENT: 'operator' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d) => {
    output += d;
  });
  child.stderr.on('data', (d) => {
    output += d;
  });
  return once(child, 'exit').then(([code]) => {
    if (code !== 0) throw new Error(`sortie token revoke exited ${code}: ${output}`);
  });
}

describe.each(SHARED_DIALECTS)('revocation ends streams and sessions (%s)', (dialect) => {
  let fleet: FleetStore;
  let stateless: Replica;
  let sessions: Replica;
  const open: OpenStream[] = [];

  beforeAll(async () => {
    fleet = await openFleetStore(dialect);
    // A token must exist before the replicas start, so both demand tokens from their first request.
    await mintToken(fleet.store, 'root', 'admin');
    stateless = await startReplica(fleet.url);
    sessions = await startReplica(fleet.url, { sessions: true });
  }, TIMEOUT_MS);
  afterAll(async () => {
    await Promise.all(open.map((s) => s.cancel()));
    await stateless?.stop();
    await sessions?.stop();
    await fleet?.dispose();
  }, TIMEOUT_MS);

  async function token(agent: string, role: 'viewer' | 'pilot' | 'worker') {
    const secret = await mintToken(fleet.store, agent, role);
    const info = (await fleet.store.sortie.listTokens(OPERATOR, {})).find((t) => t.agent === agent);
    return { secret, tokenId: info?.tokenId as string };
  }

  async function dashboardStream(replica: Replica, secret: string): Promise<OpenStream> {
    const stream = await openStream(`${replica.url}/api/stream`, { authorization: `Bearer ${secret}`, accept: 'text/event-stream' });
    open.push(stream);
    // The replay is done and the stream is live: what follows is the stream outliving (or not) its token.
    await stream.seen('event: ready');
    return stream;
  }

  it(
    'a viewer revoked by the CLI loses its dashboard stream on every replica; another token keeps its own',
    async () => {
      const viewer = await token('vera', 'viewer');
      const other = await token('otto', 'viewer');
      const onStateless = await dashboardStream(stateless, viewer.secret);
      const onSessions = await dashboardStream(sessions, viewer.secret);
      const bystander = await dashboardStream(stateless, other.secret);

      await revokeWithCli(fleet.url, viewer.tokenId);
      expect(await onStateless.ended).toBe('end');
      expect(await onSessions.ended).toBe('end');

      // The bystander's stream is still live: a change made now reaches it.
      // Piloted by root: once tokens exist, a pilot must hold one (root's covers every project).
      const mission = await fleet.store.sortie.createMission({ agent: 'root' }, { name: 'after-revocation', pilot: 'root' });
      await bystander.seen(mission.missionId);
      // And the revoked token cannot open a new stream.
      const again = await fetch(`${stateless.url}/api/stream`, { headers: { authorization: `Bearer ${viewer.secret}` } });
      expect(again.status).toBe(401);
    },
    TIMEOUT_MS,
  );

  it(
    'a revoked token ends its MCP session and the session event stream (--sessions)',
    async () => {
      const pilot = await token('pia', 'pilot');
      const auth = { authorization: `Bearer ${pilot.secret}` };
      const init = await fetch(`${sessions.url}/mcp`, {
        method: 'POST',
        headers: { ...JSON_HEADERS, ...auth },
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: 1,
          method: 'initialize',
          params: { protocolVersion: PROTOCOL, capabilities: {}, clientInfo: { name: 'revocation-test', version: '1' } },
        }),
      });
      expect(init.status).toBe(200);
      const sessionId = init.headers.get('mcp-session-id') as string;
      expect(sessionId).toBeTruthy();
      const inSession = { ...JSON_HEADERS, ...auth, 'mcp-session-id': sessionId, 'mcp-protocol-version': PROTOCOL };
      const initialized = await fetch(`${sessions.url}/mcp`, {
        method: 'POST',
        headers: inSession,
        body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }),
      });
      expect(initialized.status).toBe(202);
      // The session's GET stream: what carries resource notifications to a subscriber.
      const stream = await openStream(`${sessions.url}/mcp`, {
        ...auth,
        'mcp-session-id': sessionId,
        'mcp-protocol-version': PROTOCOL,
        accept: 'text/event-stream',
      });
      open.push(stream);
      const list = await fetch(`${sessions.url}/mcp`, {
        method: 'POST',
        headers: inSession,
        body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }),
      });
      expect(list.status).toBe(200);

      // Revoked by another process on the database (this test's own store), not through the replica.
      await fleet.store.sortie.revokeToken(OPERATOR, { tokenId: pilot.tokenId });
      expect(['end', 'error']).toContain(await stream.ended);
      const after = await fetch(`${sessions.url}/mcp`, {
        method: 'POST',
        headers: inSession,
        body: JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'tools/list' }),
      });
      expect(after.status).toBe(401);
    },
    TIMEOUT_MS,
  );
});
