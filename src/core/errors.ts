// The one error model: every refusal is a DomainError with a stable code and a hint an agent can act on, and
// toDomainError is the one way anything thrown becomes one.
import { z } from 'zod';

export const ERROR_CODES = [
  'INVALID_TRANSITION',
  'DEPENDENCY_NOT_DONE',
  'DEPENDENCY_CYCLE',
  'EVIDENCE_REQUIRED',
  'LEASE_LOST',
  'ALREADY_CLAIMED',
  'TASK_START_BLOCKED',
  'NOT_FOUND',
  'FORBIDDEN',
  'UNAUTHORIZED',
  'VALIDATION_FAILED',
  'MISSION_NOT_ACTIVE',
  'CONFLICT',
  // Failures, not refusals: the server could not answer (a bug, or a database it cannot reach). Reported
  // generically with a correlation id; the original error is logged with that id.
  'INTERNAL',
  'UNAVAILABLE',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** The codes that mean the server failed rather than refused: each adapter logs these with their cause. */
export const FAILURE_CODES = ['INTERNAL', 'UNAVAILABLE'] as const satisfies readonly ErrorCode[];

export class DomainError extends Error {
  readonly code: ErrorCode;
  readonly hint: string;
  readonly details: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, hint: string, details: Record<string, unknown> = {}, options: { cause?: unknown } = {}) {
    super(message, options);
    this.name = 'DomainError';
    this.code = code;
    this.hint = hint;
    this.details = details;
  }

  toJSON(): { code: ErrorCode; message: string; hint: string; details: Record<string, unknown> } {
    return { code: this.code, message: this.message, hint: this.hint, details: this.details };
  }
}

export function isDomainError(error: unknown): error is DomainError {
  return error instanceof DomainError;
}

/** Whether a DomainError reports a failure of the server (INTERNAL, UNAVAILABLE) rather than a refusal. */
export function isFailure(error: DomainError): boolean {
  return (FAILURE_CODES as readonly string[]).includes(error.code);
}

/** How much of a caller's value a refusal quotes: enough to recognise it, never enough to flood a context window. */
export const ECHO_MAX = 80;

/**
 * A caller-supplied value as a refusal may quote it: itself when short, else its first ECHO_MAX characters and
 * its length ("abc…(1048576 chars)"). Every message and detail that repeats what the caller sent goes through it,
 * so a 1 MiB id gets an answer of a few hundred bytes.
 */
export function echo(value: unknown, max = ECHO_MAX): string {
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  return text.length <= max ? text : `${text.slice(0, max)}…(${text.length} chars)`;
}

/** How many schema issues a refusal lists (a 30,000-item list of wrong types has 30,000). */
const MAX_ISSUES = 10;

/** The issues of a failed schema parse, structurally (no zod import needed here). */
export interface SchemaIssues {
  issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }>;
}

/**
 * The one conversion of a schema violation into a refusal: VALIDATION_FAILED naming the first offending field
 * (under `prefix`, when the schema parsed a part of the input), with at most MAX_ISSUES issues, every path and
 * message echoed short. Every adapter and use case that parses with a schema reports through this.
 */
export interface SchemaRefusalOptions {
  prefix?: string;
  hint?: (field: string) => string;
}

export function schemaRefusal(error: SchemaIssues, options: SchemaRefusalOptions = {}): DomainError {
  const at = (path: ReadonlyArray<PropertyKey>) => echo([options.prefix, ...path.map(String)].filter(Boolean).join('.'));
  const issue = error.issues[0];
  const field = (issue && at(issue.path)) || options.prefix || 'arguments';
  // A custom check may carry its own hint (e.g. the kinds and tiers an evidence requirement may name).
  const own = (issue as { params?: { hint?: unknown } } | undefined)?.params?.hint;
  const hint = typeof own === 'string' ? own : (options.hint?.(field) ?? `Correct "${field}" and retry.`);
  return new DomainError('VALIDATION_FAILED', `${field}: ${echo(issue?.message ?? 'invalid', 300)}`, hint, {
    field,
    issues: error.issues.slice(0, MAX_ISSUES).map((i) => ({ path: at(i.path), message: echo(i.message, 300) })),
    ...(error.issues.length > MAX_ISSUES ? { moreIssues: error.issues.length - MAX_ISSUES } : {}),
  });
}

/**
 * Node's socket errors and PostgreSQL's SQLSTATEs for "cannot be reached now": admin or crash shutdown, cannot
 * connect now, too many connections (the 08… connection-exception class is matched by prefix). Retrying later may
 * succeed, so these become UNAVAILABLE rather than INTERNAL.
 */
const UNAVAILABLE_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  '57P01',
  '57P02',
  '57P03',
  '53300',
]);

/** node-postgres's own words when its pool cannot get a connection or the server drops one. */
const UNAVAILABLE_MESSAGE = /timeout exceeded when trying to connect|Connection terminated (unexpectedly|due to connection timeout)/i;

/** Whether an error says the database (or the network to it) is unreachable, judged structurally. */
export function isUnavailable(error: unknown): boolean {
  if (error === null || typeof error !== 'object') return false;
  const { code, message, errors } = error as { code?: unknown; message?: unknown; errors?: unknown };
  if (typeof code === 'string' && (UNAVAILABLE_CODES.has(code) || /^08[0-9A-Z]{3}$/.test(code))) return true;
  if (typeof message === 'string' && UNAVAILABLE_MESSAGE.test(message)) return true;
  // A host with several addresses (localhost: ::1 and 127.0.0.1) fails with an AggregateError of one per address.
  return Array.isArray(errors) && errors.length > 0 && errors.every(isUnavailable);
}

export interface ToDomainErrorOptions {
  /** How a schema violation names its fields (per adapter: a prefix, a hint pointing at its schema). */
  schema?: SchemaRefusalOptions | ((error: SchemaIssues) => SchemaRefusalOptions);
  /** The id reported for a failure; default a random UUID. */
  correlationId?: string;
}

/**
 * The one conversion of anything thrown into what an adapter renders: a DomainError as it is; a schema violation
 * as schemaRefusal reports it; a database that cannot be reached as UNAVAILABLE; anything else as INTERNAL. A
 * failure carries a correlation id (in its message and `details.correlationId`) and the original as its `cause`,
 * which the adapter logs with the id; the caller is told nothing more, since a driver's message can quote
 * locations and internals.
 */
export function toDomainError(error: unknown, options: ToDomainErrorOptions = {}): DomainError {
  if (isDomainError(error)) return error;
  if (error instanceof z.ZodError) {
    return schemaRefusal(error, typeof options.schema === 'function' ? options.schema(error) : options.schema);
  }
  const correlationId = options.correlationId ?? crypto.randomUUID();
  if (isUnavailable(error)) {
    return new DomainError(
      'UNAVAILABLE',
      `the database cannot be reached (correlation id ${correlationId})`,
      'Retry shortly; if it persists, check the database and report the correlation id to the operator.',
      { correlationId },
      { cause: error },
    );
  }
  return new DomainError(
    'INTERNAL',
    `unexpected server error (correlation id ${correlationId})`,
    'Retry once; if it persists, report the correlation id to the operator.',
    { correlationId },
    { cause: error },
  );
}

/**
 * A failure the caller's own code recognised (a token store that cannot be read): `code` with `message`, a
 * correlation id and the original as its cause, rendered and logged like those toDomainError makes.
 */
export function failure(
  code: (typeof FAILURE_CODES)[number],
  message: string,
  hint: string,
  cause: unknown,
  correlationId: string = crypto.randomUUID(),
): DomainError {
  return new DomainError(code, `${message} (correlation id ${correlationId})`, hint, { correlationId }, { cause });
}

export function notFound(kind: string, ref: string, hint?: string): DomainError {
  const shown = echo(ref);
  return new DomainError(
    'NOT_FOUND',
    `${kind} ${shown} not found`,
    hint ?? `Check the ${kind} id (list_${kind === 'mission' ? 'missions' : 'tasks'} shows them).`,
    {
      kind,
      ref: shown,
    },
  );
}

export function validationFailed(field: string, problem: string, hint?: string): DomainError {
  return new DomainError('VALIDATION_FAILED', `${field}: ${problem}`, hint ?? `Correct the field "${field}" and retry.`, { field });
}

export function forbidden(message: string, hint: string): DomainError {
  return new DomainError('FORBIDDEN', message, hint);
}
