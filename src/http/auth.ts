// Authentication for `sortie serve`: a bearer token fixes who the caller is on /mcp and /api/*; /health and the
// dashboard's static files stay open. Auth is "configured" once any token exists or SORTIE_AUTH=required; until
// then a loopback-only server lets the caller name itself (X-Sortie-Agent header or ?agent=).
import type { MiddlewareHandler } from 'hono';
import type { Logger } from 'pino';
import { DomainError, echo, failure } from '../core/errors.js';
import { assertAgentName } from '../core/identity.js';
import type { Actor } from '../core/model.js';
import type { Sortie } from '../service/sortie.js';
import { withHeaders } from './errors.js';
import { RevocationWatch } from './revocation-watch.js';

declare module 'hono' {
  interface ContextVariableMap {
    /**
     * The caller, set by the auth middleware on every protected route (/mcp, /api/*). With auth configured it is
     * the token's Actor (agent, role, projects) and always defined; pass it to the service layer, which applies
     * roles and project scope. On an open loopback server it is the agent the request names, or undefined.
     */
    actor: Actor | undefined;
    /** The id of the token that authenticated the request (MCP sessions are bound to it); undefined when open. */
    tokenId: string | undefined;
    /** The instance the request names (X-Sortie-Instance or ?instance=), validated; also set with no agent named. */
    instance: string | undefined;
    /**
     * For a connection that outlives its request (an event stream, an MCP session): calls onRevoked soon after the
     * request's token is revoked, on any replica; returns the function that stops watching. Undefined when open.
     */
    watchRevocation: ((onRevoked: () => void) => () => void) | undefined;
  }
}

/** Whether a host name (or address) can only be reached from this machine; an open server answers nothing else. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** Whether an Origin header names a page served from this machine; `null` (an opaque origin) and garbage do not. */
export function isLoopbackOrigin(origin: string): boolean {
  if (!URL.canParse(origin)) return false;
  return isLoopback(new URL(origin).hostname);
}

/** The paths that require a token once auth is configured: MCP, and the dashboard's data API and event stream. */
export function isProtectedPath(path: string): boolean {
  return path === '/mcp' || path.startsWith('/mcp/') || path === '/api' || path.startsWith('/api/');
}

/** On an unauthenticated loopback server the agent names itself: X-Sortie-Agent header or ?agent=. */
export function identityOf(req: Request): Actor | undefined {
  const url = new URL(req.url);
  const name = req.headers.get('x-sortie-agent') ?? url.searchParams.get('agent');
  if (!name) return undefined;
  const instance = instanceOf(req);
  return { agent: assertAgentName(name), ...(instance ? { instance } : {}) };
}

/**
 * The instance a request names (X-Sortie-Instance header or ?instance=), with a token or a self-named agent. Tokens
 * name an agent, never an instance; a request naming none acts as the agent's default instance (see docs/fleet.md).
 */
export function instanceOf(req: Request): string | undefined {
  const instance = req.headers.get('x-sortie-instance') ?? new URL(req.url).searchParams.get('instance') ?? undefined;
  return instance ? assertAgentName(instance, 'instance') : undefined;
}

/**
 * The presented secret: `Authorization: Bearer …`, or `?access_token=` on GET requests only, because a browser's
 * EventSource cannot send headers (RFC 6750 §2.3; the query form can end up in proxy logs, so nothing else gets it).
 */
export function bearerOf(req: Request): string | null {
  const header = req.headers.get('authorization');
  if (header) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    return match ? match[1] : null;
  }
  if (req.method === 'GET') return new URL(req.url).searchParams.get('access_token');
  return null;
}

export type AuthMode = 'auto' | 'required';

/** Reads SORTIE_AUTH: unset or "auto" (tokens once any exists), "required" (tokens from the start). */
export function authModeFromEnv(env: NodeJS.ProcessEnv = process.env): AuthMode {
  const value = (env.SORTIE_AUTH ?? '').trim().toLowerCase();
  if (value === '' || value === 'auto') return 'auto';
  if (value === 'required') return 'required';
  throw new DomainError(
    'VALIDATION_FAILED',
    `SORTIE_AUTH=${env.SORTIE_AUTH} is not understood`,
    'Use "required" (or leave it unset for tokens-once-created).',
    { field: 'SORTIE_AUTH' },
  );
}

export interface AuthGateOptions {
  sortie: Sortie;
  logger: Logger;
  mode?: AuthMode;
  /** How long "no token exists yet" is trusted before asking the database again, in ms. */
  recheckMs?: number;
  /** How often the tokens of open streams and sessions are re-read for revocation, in ms (default 2 s). */
  revocationCheckMs?: number;
}

/**
 * Decides whether requests need a token and checks the ones presented. "Configured" is sticky: once a token exists
 * (created by `sortie token create` on any machine) every replica starts demanding tokens within `recheckMs`,
 * and never stops — revoking every token locks the server rather than opening it.
 */
export class AuthGate {
  private known = false;
  private checkedAt = 0;
  private readonly recheckMs: number;
  /** Ends the streams and sessions of revoked tokens; see RevocationWatch. */
  readonly revocations: RevocationWatch;

  constructor(private readonly options: AuthGateOptions) {
    this.known = options.mode === 'required';
    this.recheckMs = options.recheckMs ?? 1000;
    this.revocations = new RevocationWatch({ sortie: options.sortie, logger: options.logger, intervalMs: options.revocationCheckMs });
  }

  async configured(): Promise<boolean> {
    if (this.known) return true;
    const now = Date.now();
    if (now - this.checkedAt < this.recheckMs) return false;
    this.known = await this.options.sortie.tokensExist();
    this.checkedAt = now;
    return this.known;
  }

  /**
   * Hono middleware: sets `actor` and `tokenId` on protected paths, or throws the refusal (401/403/400, 503 when
   * tokens cannot be read) for the app's one error renderer.
   */
  middleware(): MiddlewareHandler {
    return async (c, next) => {
      if (!isProtectedPath(c.req.path)) return next();
      let configured: boolean;
      try {
        configured = await this.configured();
      } catch (error) {
        throw tokenStoreUnavailable(error);
      }
      if (!configured) {
        // Open mode trusts the caller to name itself, which is safe only for local callers. A web page whose DNS
        // name was rebound to 127.0.0.1 arrives with its own Host (and Origin): refuse it, as the dashboard API does.
        // `Origin: null` (a sandboxed frame, a data: or file: page) hides where the page is: refused as well.
        const host = new URL(c.req.url).hostname;
        const origin = c.req.header('origin');
        if (!isLoopback(host)) {
          throw new DomainError(
            'FORBIDDEN',
            `requests to ${host} are not served without authentication`,
            'Connect to http://127.0.0.1:PORT/mcp, or configure tokens (sortie token create).',
          );
        }
        if (origin !== undefined && !isLoopbackOrigin(origin)) {
          throw new DomainError(
            'FORBIDDEN',
            `requests from origin ${echo(origin)} are not served without authentication`,
            'Only pages served from this machine may call an open server; send no Origin (agents do not), or configure tokens (sortie token create).',
          );
        }
        try {
          c.set('actor', identityOf(c.req.raw));
          // Named even when the agent is not: callers that name themselves per call still act as this instance.
          c.set('instance', instanceOf(c.req.raw));
        } catch (error) {
          throw badName(error);
        }
        c.set('tokenId', undefined);
        c.set('watchRevocation', undefined);
        return next();
      }
      const presented = bearerOf(c.req.raw);
      if (!presented) {
        throw new DomainError(
          'UNAUTHORIZED',
          'this server requires a bearer token',
          'Send "Authorization: Bearer <token>"; an admin creates one with sortie token create.',
        );
      }
      let auth: Awaited<ReturnType<Sortie['authenticate']>>;
      try {
        auth = await this.options.sortie.authenticate(presented);
      } catch (error) {
        throw tokenStoreUnavailable(error);
      }
      if (!auth) {
        throw withHeaders(
          new DomainError(
            'UNAUTHORIZED',
            'the bearer token is unknown, revoked or malformed',
            'Check the token, or ask an admin for a new one (sortie token create).',
          ),
          { 'WWW-Authenticate': 'Bearer realm="sortie", error="invalid_token", error_description="the token is unknown, revoked or malformed"' },
        );
      }
      // The token fixes the identity: a named agent may only repeat it; an instance name narrows it.
      let named: Actor | undefined;
      let instance: string | undefined;
      try {
        named = identityOf(c.req.raw);
        instance = instanceOf(c.req.raw);
      } catch (error) {
        throw badName(error);
      }
      if (named && named.agent !== auth.actor.agent) {
        throw new DomainError(
          'FORBIDDEN',
          `this token acts as "${auth.actor.agent}", not "${named.agent}"`,
          `Drop the X-Sortie-Agent header / agent parameter or set it to "${auth.actor.agent}"; identity comes from the token.`,
        );
      }
      c.set('actor', instance ? { ...auth.actor, instance } : auth.actor);
      c.set('instance', instance);
      c.set('tokenId', auth.tokenId);
      const { tokenId } = auth;
      c.set('watchRevocation', (onRevoked) => this.revocations.watch(tokenId, onRevoked));
      return next();
    };
  }
}

/** Any error reading tokens: the server cannot decide who the caller is, so it answers 503, never "open". */
function tokenStoreUnavailable(error: unknown): DomainError {
  return failure('UNAVAILABLE', 'the token store cannot be read', 'Retry shortly; check the database.', error);
}

/** An agent or instance name in a header or parameter that is no name. */
function badName(error: unknown): DomainError {
  return new DomainError('VALIDATION_FAILED', (error as Error).message, 'Name the agent with letters, digits, . _ @ -.');
}
