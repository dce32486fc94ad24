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

export function notFound(kind: string, ref: string): DomainError {
  return new DomainError('NOT_FOUND', `${kind} ${ref} not found`, `Check the ${kind} id (list_${kind === 'mission' ? 'missions' : 'tasks'} shows them).`, {
    kind,
    ref,
  });
}

export function validationFailed(field: string, problem: string, hint?: string): DomainError {
  return new DomainError('VALIDATION_FAILED', `${field}: ${problem}`, hint ?? `Correct the field "${field}" and retry.`, { field });
}

export function forbidden(message: string, hint: string): DomainError {
  return new DomainError('FORBIDDEN', message, hint);
}
