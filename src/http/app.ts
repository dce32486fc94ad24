// The HTTP app of `sortie serve`: MCP over Streamable HTTP at /mcp, a health endpoint, and the dashboard's routes.
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import { Hono } from 'hono';
import type { Actor } from '../core/model.js';
import { assertAgentName } from '../core/identity.js';
import { lastEventSeq } from '../db/events-repo.js';
import { createMcpServer, VERSION } from '../mcp/server.js';
import { type AnyTool, PROFILES, type Profile } from '../mcp/tool.js';
import type { Runtime } from '../runtime/runtime.js';

export interface HttpAppOptions {
  runtime: Runtime;
  extraTools?: readonly AnyTool[];
  /** Extra routes (dashboard, API) mounted by other modules. */
  mount?: Array<(app: Hono) => void>;
}

/** On an unauthenticated loopback server the agent names itself: X-Sortie-Agent header or ?agent=. */
function identityOf(req: Request): Actor | undefined {
  const url = new URL(req.url);
  const name = req.headers.get('x-sortie-agent') ?? url.searchParams.get('agent');
  if (!name) return undefined;
  const instance = req.headers.get('x-sortie-instance') ?? url.searchParams.get('instance') ?? undefined;
  return { agent: assertAgentName(name), ...(instance ? { instance } : {}) };
}

function profileOf(req: Request): Profile {
  const value = req.headers.get('x-sortie-tools') ?? new URL(req.url).searchParams.get('tools') ?? 'full';
  return (PROFILES as readonly string[]).includes(value) ? (value as Profile) : 'full';
}

export function createHttpApp(options: HttpAppOptions): Hono {
  const { runtime } = options;
  const app = new Hono();

  app.get('/health', async (c) => {
    const db = runtime.sortie.deps.database;
    try {
      const seq = await lastEventSeq(db.kysely);
      return c.json({ status: 'ok', version: VERSION, database: { dialect: db.dialect, location: db.location }, lastEventSeq: seq });
    } catch (error) {
      runtime.logger.error({ err: error }, 'health check failed');
      return c.json({ status: 'error', version: VERSION }, 503);
    }
  });

  // Stateless Streamable HTTP: every request gets its own server and transport, so any replica can serve any
  // request and nothing is kept between them.
  app.all('/mcp', async (c) => {
    if (c.req.method !== 'POST') {
      return c.json({ jsonrpc: '2.0', error: { code: -32000, message: 'Method not allowed: this server is stateless; POST JSON-RPC to /mcp' }, id: null }, 405);
    }
    let identity: Actor | undefined;
    try {
      identity = identityOf(c.req.raw);
    } catch (error) {
      return c.json({ jsonrpc: '2.0', error: { code: -32602, message: (error as Error).message }, id: null }, 400);
    }
    const { server, close } = createMcpServer({ sortie: runtime.sortie, logger: runtime.logger, identity, profile: profileOf(c.req.raw), extraTools: options.extraTools });
    const transport = new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    await server.connect(transport);
    try {
      return await transport.handleRequest(c.req.raw);
    } finally {
      close();
      void server.close();
    }
  });

  for (const mount of options.mount ?? []) mount(app);
  return app;
}
