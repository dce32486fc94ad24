// The HTTP app of `sortie serve`: MCP over Streamable HTTP at /mcp, a health endpoint, and the dashboard's routes.
import { Hono } from 'hono';
import { type McpSessions, StatelessMcp } from '../mcp/http.js';
import { PROFILES, type Profile } from '../mcp/profiles.js';
import { VERSION } from '../mcp/server.js';
import type { Runtime } from '../runtime/runtime.js';
import { AuthGate } from './auth.js';
import { onHttpError } from './errors.js';
import { githubWebhook } from './github-webhook.js';

export interface HttpAppOptions {
  runtime: Runtime;
  /**
   * Extra routes (dashboard, API) mounted by other modules. Routes under /api/* are behind the auth middleware:
   * read the caller with `c.get('actor')` and pass it to the service layer.
   */
  mount?: Array<(app: Hono) => void>;
  /** Token checks; default: tokens required once any exists. */
  auth?: AuthGate;
  /** Session mode (`--sessions`); default stateless. */
  sessions?: McpSessions;
}

function profileOf(req: Request): Profile {
  const value = req.headers.get('x-sortie-tools') ?? new URL(req.url).searchParams.get('tools') ?? 'full';
  return (PROFILES as readonly string[]).includes(value) ? (value as Profile) : 'full';
}

export function createHttpApp(options: HttpAppOptions): Hono {
  const { runtime } = options;
  const app = new Hono();
  // One renderer for every route: refusals of the auth gate, the API and /mcp, and any unexpected error (500 with
  // a correlation id, logged).
  app.onError(onHttpError(runtime.logger));
  const auth = options.auth ?? new AuthGate({ sortie: runtime.sortie, logger: runtime.logger });
  // Registered first, so it guards every protected route, including those mounted later and unknown /api paths.
  app.use('*', auth.middleware());

  app.get('/health', async (c) => {
    const db = runtime.sortie.deps.database;
    try {
      const seq = await runtime.sortie.lastEventSeq();
      return c.json({ status: 'ok', version: VERSION, database: { dialect: db.dialect, location: db.location }, lastEventSeq: seq });
    } catch (error) {
      runtime.logger.error({ err: error }, 'health check failed');
      return c.json({ status: 'error', version: VERSION }, 503);
    }
  });

  // GitHub's webhooks (see docs/github.md): signed per repository, so they need no token.
  app.post('/hooks/github', githubWebhook(runtime));

  const stateless = new StatelessMcp({ sortie: runtime.sortie, logger: runtime.logger });
  // MCP: stateless by default (any replica serves any request); session mode when `--sessions` is on. The
  // caller was set by the auth middleware: the token's actor, or the agent an open loopback server was told.
  app.all('/mcp', async (c) => {
    const identity = c.get('actor');
    const tokenId = c.get('tokenId');
    const caller = {
      identity,
      owner: tokenId ? `token:${tokenId}` : `agent:${identity?.agent ?? ''}`,
      profile: profileOf(c.req.raw),
      watchRevocation: c.get('watchRevocation'),
      instance: c.get('instance'),
    };
    return options.sessions ? options.sessions.handle(c.req.raw, caller) : stateless.handle(c.req.raw, caller);
  });

  for (const mount of options.mount ?? []) mount(app);
  return app;
}
