// Shared input pieces: dates in ISO or epoch ms, list limits, id-or-list arguments.
import { z } from 'zod';
import { echo, schemaRefusal, validationFailed } from '../core/errors.js';
import { Name } from '../core/identity.js';

/**
 * Parses a use case's input with its schema. A violation is refused like every other refusal — VALIDATION_FAILED
 * naming the first offending field — so interfaces never see a raw ZodError from the service layer.
 */
export function parseInput<S extends z.ZodType>(schema: S, raw: unknown, field?: string): z.output<S> {
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  throw schemaRefusal(parsed.error, { prefix: field });
}

/**
 * The largest event sequence number or version a caller may name: both are PostgreSQL `integer` columns, which
 * refuse a bigger parameter outright (22003) — a value past it can only be a mistake, so it is refused as one.
 */
export const MAX_INT4 = 2_147_483_647;
/** The claim epoch a holder passes back on its writes: a stale one is refused with LEASE_LOST. */
export const Epoch = z.number().int().min(0).optional().describe('Your claim epoch');

/** An event sequence number argument (since, after, before). */
export const SeqInput = z.number().int().min(0).max(MAX_INT4);

/**
 * The longest a tool call may be held waiting (waitSeconds): under the 60 s request timeout of the MCP SDK's client,
 * which common clients share, so a held call answers before its client gives up on it.
 */
export const MAX_WAIT_SECONDS = 50;
/** A waitSeconds argument: hold the call up to this long; 0 (the default) answers at once. */
export const WaitSeconds = z.number().int().min(0).max(MAX_WAIT_SECONDS);

/**
 * Refuses a NUL character anywhere in an argument (a string value or an object key), naming where it is. SQLite
 * would store it and PostgreSQL refuses it in text ("invalid byte sequence"), so one database would keep what the
 * other cannot: every interface that takes JSON calls this before anything else.
 */
export function assertNoNul(value: unknown, path = ''): void {
  if (typeof value === 'string') {
    if (value.includes('\u0000'))
      throw validationFailed(path || 'arguments', 'contains a NUL character (\\u0000)', 'Remove NUL characters; text may not contain them.');
    return;
  }
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) assertNoNul(item, `${path}[${i}]`);
    return;
  }
  if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      const at = path ? `${path}.${echo(key, 40)}` : echo(key, 40);
      if (key.includes('\u0000')) throw validationFailed(at, 'has a NUL character (\\u0000) in its name', 'Remove NUL characters from argument names.');
      assertNoNul(item, at);
    }
  }
}

/**
 * Dates are stored as ISO-8601 text and compared as text, which orders correctly only for four-digit years: so
 * a date is an instant from 0000-01-01 to 9999-12-31 (UTC). Past those, Date gives "+010000-…" strings or, past
 * ±8.64e15 ms, a RangeError.
 */
const MIN_DATE_MS = Date.parse('0000-01-01T00:00:00.000Z');
const MAX_DATE_MS = Date.parse('9999-12-31T23:59:59.999Z');
const DATE_HINT = 'Use ISO-8601 (2026-12-01 or 2026-12-01T09:00:00Z) or epoch milliseconds, for a year from 0000 to 9999.';

/** The epoch ms of a date argument, or null when it is no date Sortie can store. */
function dateMs(value: string | number): number | null {
  if (typeof value === 'string' && value.length > 64) return null;
  const ms = typeof value === 'number' ? value : /^-?\d{10,}$/.test(value) ? Number(value) : Date.parse(value);
  return Number.isFinite(ms) && ms >= MIN_DATE_MS && ms <= MAX_DATE_MS ? ms : null;
}

export const DateInput = z
  .union([z.string(), z.number()])
  .refine((v) => (typeof v === 'string' && v === '') || dateMs(v) !== null, 'is not a date from year 0000 to 9999 (ISO-8601 or epoch ms)');
export type DateInput = z.infer<typeof DateInput>;

/** Accepts ISO-8601 strings, YYYY-MM-DD, or epoch milliseconds (VantagePeers); returns ISO-8601 UTC. */
export function toIso(value: DateInput | null | undefined, field: string): string | null {
  if (value === undefined || value === null || value === '') return null;
  const ms = dateMs(value);
  if (ms === null) throw validationFailed(field, `"${echo(value)}" is not a date from year 0000 to 9999`, DATE_HINT);
  return new Date(ms).toISOString();
}

/** Bounds on every list an argument may carry: past them a call is refused, never half-applied or sent to SQL. */
export const MAX_AGENTS = 100;
export const MAX_DEPENDS_ON = 200;
export const MAX_STATUSES = 20;
export const MAX_KINDS = 20;

/** Free text bounds: a reason is a sentence or a paragraph, a note a page. */
export const MAX_REASON = 5000;
export const MAX_NOTE = 20_000;

/** A reason argument (cancel, reopen, release, rework…). */
export const Reason = z.string().max(MAX_REASON);
/** A note argument (failure note, progress note…). */
export const Note = z.string().max(MAX_NOTE);

/** Refuses a free-text argument past its bound; for use cases that take the text outside a schema. */
export function assertTextLength(field: string, value: string | null | undefined, max: number): void {
  if (typeof value === 'string' && value.length > max) throw validationFailed(field, `is ${value.length} characters; at most ${max}`);
}

export const DEFAULT_LIMIT = 20;
export const MAX_LIMIT = 200;

export function pageLimit(limit: number | undefined): number {
  if (limit === undefined) return DEFAULT_LIMIT;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
    throw validationFailed('limit', `must be an integer from 1 to ${MAX_LIMIT}, got ${limit}`);
  }
  return limit;
}

/** VantagePeers takes "a string or string[]" in several places; the list is bounded (ids of dependencies). */
export const OneOrMany = z.union([z.string().max(200), z.array(z.string().max(200)).max(MAX_DEPENDS_ON)]);

/** One agent name or a list of them (a mission's agents), each by the name rule, at most MAX_AGENTS. */
export const NameOrNames = z.union([Name, z.array(Name).max(MAX_AGENTS)]);
export function asList(value: string | string[] | undefined | null): string[] {
  if (value === undefined || value === null) return [];
  return (Array.isArray(value) ? value : [value]).map((v) => v.trim()).filter((v) => v.length > 0);
}
