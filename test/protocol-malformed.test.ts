// Malformed and oversized protocol input, as raw JSON-RPC over a spawned `sortie mcp` (stdio) and a spawned
// `sortie serve` (HTTP, stateless and sessions): every malformed request with an id gets exactly one short reply —
// a JSON-RPC error with a one-line message, or a tool refusal in the documented shape — and the server goes on
// answering. Needs `npm run build`.
import { join } from 'node:path';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness } from './support/clients.js';
import { type Replica, startReplica } from './support/fleet.js';
import { type Id, postRaw, type RawStdio, type Reply, spawnRawStdio } from './support/raw-rpc.js';
import { tempDir } from './support/sortie.js';

const MiB = 1024 * 1024;

type Expect = { rpc: number } | { tool: 'VALIDATION_FAILED' | 'NOT_FOUND' };

interface Case {
  name: string;
  /** The message, with ID standing for the case's id where it has one. */
  message: (id: Id) => unknown;
  expect: Expect;
  /** The reply's id: the case's id, or null when the message has no readable id. */
  echoesId: boolean;
}

const call = (params: unknown) => (id: Id) => ({ jsonrpc: '2.0', id, method: 'tools/call', params });
const CASES: Case[] = [
  ...[
    ['a string', 'str'],
    ['a number', 5],
    ['an array', [1, 2]],
    ['null', null],
    ['a boolean', true],
  ].map(
    ([kind, value]): Case => ({
      name: `tools/call arguments ${kind}`,
      message: call({ name: 'my_work', arguments: value }),
      expect: { tool: 'VALIDATION_FAILED' },
      echoesId: true,
    }),
  ),
  { name: 'tools/call params a string', message: call('str'), expect: { rpc: -32602 }, echoesId: true },
  { name: 'tools/call params an array', message: call([{ name: 'my_work' }]), expect: { rpc: -32602 }, echoesId: true },
  { name: 'tools/call params a number', message: call(7), expect: { rpc: -32602 }, echoesId: true },
  { name: 'tools/call without params', message: (id) => ({ jsonrpc: '2.0', id, method: 'tools/call' }), expect: { rpc: -32602 }, echoesId: true },
  { name: 'tools/call without a name', message: call({ arguments: {} }), expect: { rpc: -32602 }, echoesId: true },
  { name: 'tools/call name a number', message: call({ name: 42 }), expect: { rpc: -32602 }, echoesId: true },
  { name: 'tools/call name null', message: call({ name: null }), expect: { rpc: -32602 }, echoesId: true },
  { name: 'tools/call unknown tool', message: call({ name: 'no_such_tool', arguments: {} }), expect: { tool: 'NOT_FOUND' }, echoesId: true },
  { name: 'tools/call 100 KB tool name', message: call({ name: 'x'.repeat(100_000) }), expect: { tool: 'NOT_FOUND' }, echoesId: true },
  { name: 'tools/call bad _meta', message: call({ name: 'my_work', _meta: 'str' }), expect: { rpc: -32602 }, echoesId: true },
  { name: 'unknown method', message: (id) => ({ jsonrpc: '2.0', id, method: 'no/such_method' }), expect: { rpc: -32601 }, echoesId: true },
  { name: 'tools/list params a string', message: (id) => ({ jsonrpc: '2.0', id, method: 'tools/list', params: 'x' }), expect: { rpc: -32602 }, echoesId: true },
  {
    name: 'resources/read uri a number',
    message: (id) => ({ jsonrpc: '2.0', id, method: 'resources/read', params: { uri: 5 } }),
    expect: { rpc: -32602 },
    echoesId: true,
  },
  { name: 'missing jsonrpc', message: (id) => ({ id, method: 'ping' }), expect: { rpc: -32600 }, echoesId: true },
  { name: 'jsonrpc 1.0', message: (id) => ({ jsonrpc: '1.0', id, method: 'ping' }), expect: { rpc: -32600 }, echoesId: true },
  { name: 'method a number', message: (id) => ({ jsonrpc: '2.0', id, method: 5 }), expect: { rpc: -32600 }, echoesId: true },
  { name: 'an unexpected member', message: (id) => ({ jsonrpc: '2.0', id, method: 'ping', extra: 1 }), expect: { rpc: -32600 }, echoesId: true },
  { name: 'a request without method', message: (id) => ({ jsonrpc: '2.0', id }), expect: { rpc: -32600 }, echoesId: true },
  ...[
    ['null', null],
    ['an object', { a: 1 }],
    ['a fraction', 1.5],
    ['a boolean', false],
  ].map(
    ([kind, value]): Case => ({ name: `id ${kind}`, message: () => ({ jsonrpc: '2.0', id: value, method: 'ping' }), expect: { rpc: -32600 }, echoesId: false }),
  ),
  { name: 'a JSON string', message: () => '"just a string"', expect: { rpc: -32600 }, echoesId: false },
  { name: 'a JSON number', message: () => '5', expect: { rpc: -32600 }, echoesId: false },
  { name: 'JSON null', message: () => 'null', expect: { rpc: -32600 }, echoesId: false },
  { name: 'a malformed notification', message: () => ({ jsonrpc: '2.0', method: 'notifications/x', params: 'str' }), expect: { rpc: -32600 }, echoesId: false },
  { name: 'invalid JSON', message: () => '{"jsonrpc":"2.0","id":1,"method":', expect: { rpc: -32700 }, echoesId: false },
];

/** A reply is short, one line, with the code the case expects — whatever the input's size. */
function assertShape(reply: Reply, expected: Expect, id: Id): void {
  expect(reply.jsonrpc).toBe('2.0');
  expect(reply.id).toBe(id);
  expect(JSON.stringify(reply).length).toBeLessThan(1000);
  if ('rpc' in expected) {
    expect(reply.result).toBeUndefined();
    expect(reply.error?.code).toBe(expected.rpc);
    expect(reply.error?.message).toMatch(/^[^\n]+$/);
  } else {
    expect(reply.error).toBeUndefined();
    expect(reply.result.isError).toBe(true);
    expect(reply.result.structuredContent).toBeUndefined();
    const { error } = JSON.parse(reply.result.content[0].text);
    expect(error.code).toBe(expected.tool);
    expect(error.message).toMatch(/^[^\n]+$/);
    expect(typeof error.hint).toBe('string');
  }
}

/** The payload the documented my_work answer carries: the server still works after the bad input. */
function assertMyWork(reply: Reply): void {
  expect(reply.error).toBeUndefined();
  expect(reply.result.isError).toBeUndefined();
  expect(reply.result.structuredContent.agent).toBe('alice');
}

const myWork = (id: Id) => ({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'my_work', arguments: {} } });

describe('malformed JSON-RPC over stdio (sortie mcp)', () => {
  let raw: RawStdio;
  const sentIds: Id[] = [];
  beforeAll(async () => {
    raw = await spawnRawStdio(join(tempDir(), 'sortie.db'));
  });
  afterAll(async () => {
    await raw?.kill();
  });

  it.each(CASES.map((c, i) => [c.name, c, i] as const))('%s: exactly one reply of the documented shape', async (_name, c, i) => {
    const id = c.echoesId ? `case-${i}` : null;
    if (id !== null) sentIds.push(id);
    const message = c.message(id);
    const replies = await raw.exchange(message);
    // Everything this case answers is answered before the next line is read; nothing else arrives meanwhile.
    expect(replies).toHaveLength(1);
    assertShape(replies[0], c.expect, id);
  });

  it('refuses a batch (stdio has none since MCP 2025-06-18) with one reply per id, and runs nothing', async () => {
    const replies = await raw.exchange([myWork('batch-1'), { jsonrpc: '2.0', method: 'notifications/initialized' }, myWork('batch-2')]);
    expect(replies.map((r) => r.id)).toEqual(['batch-1', 'batch-2']);
    for (const reply of replies) assertShape(reply, { rpc: -32600 }, reply.id);
    const empty = await raw.exchange('[]');
    expect(empty).toHaveLength(1);
    assertShape(empty[0], { rpc: -32600 }, null);
  });

  it('still answers afterwards, and gave every id exactly one reply', async () => {
    await raw.send(myWork('after'));
    const [reply] = await raw.waitFor('after');
    assertMyWork(reply);
    for (const id of sentIds) expect(raw.replies.filter((r) => r.id === id)).toHaveLength(1);
    expect(raw.exited).toBe(false);
  });
});

describe('malformed JSON-RPC over HTTP (sortie serve)', () => {
  let replica: Replica;
  let url: string;
  beforeAll(async () => {
    replica = await startReplica(join(tempDir(), 'sortie.db'));
    url = `${replica.url}/mcp?agent=alice`;
  });
  afterAll(async () => {
    await replica?.stop();
  });

  it.each(CASES.map((c, i) => [c.name, c, i] as const))('%s: one response of the documented shape', async (_name, c, i) => {
    const id = c.echoesId ? i : null;
    const message = c.message(id);
    const { status, body } = await postRaw(url, typeof message === 'string' ? message : JSON.stringify(message));
    // Not JSON-RPC at all: 400 (as the SDK answers); a request understood and answered: 200.
    const envelope = 'rpc' in c.expect && (c.expect.rpc === -32700 || c.expect.rpc === -32600);
    expect(status).toBe(envelope ? 400 : 200);
    assertShape(body as Reply, c.expect, id);
  });

  it('runs a valid batch, and refuses one with a malformed entry as a whole, one reply per id', async () => {
    const good = await postRaw(url, JSON.stringify([myWork(1), myWork(2)]));
    expect(good.status).toBe(200);
    for (const reply of good.body as Reply[]) assertMyWork(reply);
    const bad = await postRaw(url, JSON.stringify([myWork(1), call('str')(2)]));
    expect(bad.status).toBe(400);
    const replies = bad.body as Reply[];
    expect(replies.map((r) => r.id)).toEqual([1, 2]);
    assertShape(replies[0], { rpc: -32600 }, 1);
    assertShape(replies[1], { rpc: -32602 }, 2);
    const empty = await postRaw(url, '[]');
    expect(empty.status).toBe(400);
    assertShape(empty.body as Reply, { rpc: -32600 }, null);
  });

  it('still answers afterwards', async () => {
    const { status, body } = await postRaw(url, JSON.stringify(myWork('after')));
    expect(status).toBe(200);
    assertMyWork(body as Reply);
  });
});

describe('malformed JSON-RPC over HTTP sessions (sortie serve --sessions)', () => {
  let replica: Replica;
  beforeAll(async () => {
    replica = await startReplica(join(tempDir(), 'sortie.db'), { sessions: true });
  });
  afterAll(async () => {
    await replica?.stop();
  });

  it('answers malformed requests inside a session, which goes on', async () => {
    const url = `${replica.url}/mcp?agent=alice`;
    const init = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 0,
        method: 'initialize',
        params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
      }),
    });
    expect(init.status).toBe(200);
    const session = { 'mcp-session-id': init.headers.get('mcp-session-id') ?? '' };
    expect(session['mcp-session-id']).not.toBe('');
    for (const [i, c] of CASES.entries()) {
      if (!c.echoesId) continue;
      const { body } = await postRaw(url, JSON.stringify(c.message(i)), session);
      assertShape(body as Reply, c.expect, i);
    }
    const { body } = await postRaw(url, JSON.stringify(myWork('after')), session);
    assertMyWork(body as Reply);
  });
});

describe('oversized messages', () => {
  describe('over stdio (sortie mcp)', () => {
    let raw: RawStdio;
    beforeAll(async () => {
      raw = await spawnRawStdio(join(tempDir(), 'sortie.db'));
    });
    afterAll(async () => {
      await raw?.kill();
    });

    // The SDK client writes the id last, other clients first; either way the refusal carries it.
    it.each([
      { mib: 10, idFirst: false },
      { mib: 20, idFirst: true },
      { mib: 5, idFirst: false },
    ])('a $mib MiB line (id first: $idFirst) is refused under its id, and the next request is answered', async ({ mib, idFirst }) => {
      const id = `big-${mib}`;
      const params = { name: 'my_work', arguments: { filler: 'a'.repeat(mib * MiB) } };
      const line = idFirst
        ? JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params })
        : JSON.stringify({ method: 'tools/call', params, jsonrpc: '2.0', id });
      expect(line.length).toBeGreaterThan(mib * MiB);
      await raw.send(line);
      await raw.send(myWork(`${id}-next`));
      const [refusal] = await raw.waitFor(id);
      assertShape(refusal, { rpc: -32600 }, id);
      expect(refusal.error?.message).toContain('4194304');
      assertMyWork((await raw.waitFor(`${id}-next`))[0]);
      expect(raw.replies.filter((r) => r.id === id)).toHaveLength(1);
      expect(raw.exited).toBe(false);
    });

    it('a line that is oversized and not JSON is refused with id null, and the connection goes on', async () => {
      const replies = await raw.exchange(`{"id": ${'9'.repeat(5 * MiB)}`);
      expect(replies).toHaveLength(1);
      assertShape(replies[0], { rpc: -32600 }, null);
    });
  });

  it('the SDK client over stdio gets a coded error for an 11 MiB call, and its next call works', async () => {
    const harness = await startHarness('stdio', join(tempDir(), 'sortie.db'));
    try {
      const client = await harness.connect('alice');
      const big = client.raw('my_work', { filler: 'a'.repeat(11 * MiB) });
      await expect(big).rejects.toBeInstanceOf(McpError);
      await expect(big).rejects.toMatchObject({ code: -32600 });
      expect((await client.call('my_work')).agent).toBe('alice');
    } finally {
      await harness.close();
    }
  });

  describe('over HTTP (sortie serve)', () => {
    let replica: Replica;
    beforeAll(async () => {
      replica = await startReplica(join(tempDir(), 'sortie.db'));
    });
    afterAll(async () => {
      await replica?.stop();
    });

    it.each([11, 20])('a %i MiB body gets 413 with a coded JSON-RPC error, and the next request is answered', async (mib) => {
      const url = `${replica.url}/mcp?agent=alice`;
      const body = JSON.stringify(myWork(1)).replace('"arguments":{}', `"arguments":{"filler":"${'a'.repeat(mib * MiB)}"}`);
      const { status, body: reply } = await postRaw(url, body);
      expect(status).toBe(413);
      assertShape(reply as Reply, { rpc: -32600 }, null);
      const next = await postRaw(url, JSON.stringify(myWork(2)));
      expect(next.status).toBe(200);
      assertMyWork(next.body as Reply);
    });
  });
});
