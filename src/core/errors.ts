// The one error model: every refusal is a DomainError with a stable code and a hint an agent can act on.

export const ERROR_CODES = [
  'INVALID_TRANSITION',
  'DEPENDENCY_NOT_DONE',
  'DEPENDENCY_CYCLE',
  'EVIDENCE_REQUIRED',
  'LEASE_LOST',
  'ALREADY_CLAIMED',
  'NOT_FOUND',
  'FORBIDDEN',
  'UNAUTHORIZED',
  'VALIDATION_FAILED',
  'MISSION_NOT_ACTIVE',
  'CONFLICT',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export class DomainError extends Error {
  readonly code: ErrorCode;
  readonly hint: string;
  readonly details: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, hint: string, details: Record<string, unknown> = {}) {
    super(message);
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
export function schemaRefusal(error: SchemaIssues, options: { prefix?: string; hint?: (field: string) => string } = {}): DomainError {
  const at = (path: ReadonlyArray<PropertyKey>) => echo([options.prefix, ...path.map(String)].filter(Boolean).join('.'));
  const issue = error.issues[0];
  const field = (issue && at(issue.path)) || options.prefix || 'arguments';
  return new DomainError('VALIDATION_FAILED', `${field}: ${echo(issue?.message ?? 'invalid', 300)}`, options.hint?.(field) ?? `Correct "${field}" and retry.`, {
    field,
    issues: error.issues.slice(0, MAX_ISSUES).map((i) => ({ path: at(i.path), message: echo(i.message, 300) })),
    ...(error.issues.length > MAX_ISSUES ? { moreIssues: error.issues.length - MAX_ISSUES } : {}),
  });
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
