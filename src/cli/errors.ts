// The CLI's one error renderer: every refusal and failure of a command is one line on stderr and a non-zero exit,
// `error: CODE: message (hint: …)`, or with --json `{"error":{"code","message","hint"}}` (also on stderr, so stdout
// holds only results). Hints are rendered in the CLI's terms (./hints.ts).
import { CommanderError } from 'commander';
import { DomainError, isFailure, toDomainError } from '../core/errors.js';
import { maskCredentials } from '../db/mask-credentials.js';
import { createLogger } from '../runtime/runtime.js';
import { cliHint } from './hints.js';

/** A refusal as the one line the CLI prints for it (with its newline). */
export function errorLine(error: DomainError, json: boolean): string {
  const hint = cliHint(error.hint);
  if (json) return `${JSON.stringify({ error: { code: error.code, message: error.message, hint } })}\n`;
  return `error: ${error.code}: ${error.message} (hint: ${hint})\n`;
}

/** Commander's "error: unknown option '--x'" as one refusal line: error: VALIDATION_FAILED: … (hint: …). */
export function usageError(text: string, json = false): string {
  const message = text
    .replace(/^error:\s*/i, '')
    .replace(/\s+/g, ' ')
    .trim();
  return errorLine(new DomainError('VALIDATION_FAILED', message, 'add --help to the command for its usage'), json);
}

/**
 * An error as the log may show it. A driver's message or stack can quote a database location (a path from --db,
 * a URL with its password): every location in them is masked.
 */
function loggable(error: unknown): unknown {
  if (!(error instanceof Error)) return { message: maskCredentials(String(error)) };
  // Same prototype, so the log still names its type (SqliteError, DatabaseError); only these fields are copied.
  const masked: Error = Object.create(Object.getPrototypeOf(error));
  const { code } = error as { code?: unknown };
  return Object.assign(masked, { message: maskCredentials(error.message), stack: maskCredentials(error.stack ?? '') }, code === undefined ? {} : { code });
}

/**
 * Reports what a command threw and returns its exit code: a usage error was already printed by commander (exit
 * 2); anything else becomes a DomainError (toDomainError) printed as one line (exit 1). A failure (INTERNAL,
 * UNAVAILABLE) is first logged on stderr with its masked cause and correlation id, which its line names; one that
 * already says what went wrong (a database that cannot be reached, named) has no correlation id and is not logged.
 */
export function report(error: unknown, options: { json: boolean }): number {
  if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
  const domain = toDomainError(error);
  if (isFailure(domain) && domain.details.correlationId !== undefined) {
    // Synchronous, so the log line is on stderr before the error line that names its correlation id.
    const logger = createLogger(process.env.SORTIE_LOG_LEVEL ?? 'warn', { sync: true });
    logger.error({ err: loggable(domain.cause), correlationId: domain.details.correlationId }, 'command failed unexpectedly');
  }
  process.stderr.write(errorLine(domain, options.json));
  return 1;
}
