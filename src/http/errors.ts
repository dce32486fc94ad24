// The HTTP adapter's one error renderer, installed with Hono's onError: every route's refusal or failure (the
// dashboard API, the auth gate, /mcp outside JSON-RPC answers) leaves here, with the status its code maps to.
import type { Context, ErrorHandler } from 'hono';
import type { Logger } from 'pino';
import { type DomainError, type ErrorCode, isFailure, type SchemaIssues, toDomainError } from '../core/errors.js';

/** Every code's HTTP status. Exhaustive: a code added to ERROR_CODES without a status here does not compile. */
export const HTTP_STATUS = {
  VALIDATION_FAILED: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  INVALID_TRANSITION: 409,
  DEPENDENCY_NOT_DONE: 409,
  DEPENDENCY_CYCLE: 409,
  ALREADY_CLAIMED: 409,
  TASK_START_BLOCKED: 409,
  LEASE_LOST: 409,
  MISSION_NOT_ACTIVE: 409,
  CONFLICT: 409,
  EVIDENCE_REQUIRED: 422,
  INTERNAL: 500,
  UNAVAILABLE: 503,
} as const satisfies Record<ErrorCode, 400 | 401 | 403 | 404 | 409 | 422 | 500 | 503>;

/** The JSON-RPC error code of a refusal answered outside a JSON-RPC exchange on /mcp (a server error, -32000…-32099). */
const RPC_REFUSAL = -32001;
/** JSON-RPC's "Internal error", for a failure on /mcp. */
const RPC_INTERNAL = -32603;

/** Extra response headers a refusal needs (a 401's precise Bearer challenge), kept beside it, off its JSON. */
const HEADERS = new WeakMap<DomainError, Record<string, string>>();

/** Attaches response headers to a refusal (they replace the renderer's defaults) and returns it, for `throw`. */
export function withHeaders(error: DomainError, headers: Record<string, string>): DomainError {
  HEADERS.set(error, headers);
  return error;
}

/**
 * A request's query or body that fails its schema at the root (not an object at all) is named "request"; a field
 * is named by its path.
 */
function schemaNames(error: SchemaIssues) {
  return { prefix: error.issues[0]?.path.length ? undefined : 'request' };
}

/**
 * Renders anything a route threw as toDomainError makes it: `{ error: { code, message, hint, details } }` on the
 * API, the JSON-RPC error envelope (data: code and hint) on /mcp, with the code's status; a 401 carries a Bearer
 * challenge. A failure is logged with its cause and correlation id, and the caller told only the id.
 */
export function renderHttpError(c: Context, error: unknown, logger: Logger): Response {
  const domain = toDomainError(error, { schema: schemaNames });
  if (isFailure(domain)) {
    logger.error({ err: domain.cause, path: c.req.path, correlationId: domain.details.correlationId }, 'request failed unexpectedly');
  }
  const status = HTTP_STATUS[domain.code];
  const headers = { ...(status === 401 ? { 'WWW-Authenticate': 'Bearer realm="sortie"' } : {}), ...HEADERS.get(domain) };
  if (c.req.path === '/mcp' || c.req.path.startsWith('/mcp/')) {
    const code = domain.code === 'INTERNAL' ? RPC_INTERNAL : RPC_REFUSAL;
    const body = { jsonrpc: '2.0', error: { code, message: `${domain.code}: ${domain.message}`, data: { code: domain.code, hint: domain.hint } }, id: null };
    return c.json(body, status, headers);
  }
  return c.json({ error: domain.toJSON() }, status, headers);
}

/** The renderer as Hono's onError handler, for `app.onError(...)`. */
export function onHttpError(logger: Logger): ErrorHandler {
  return (error, c) => renderHttpError(c, error, logger);
}
