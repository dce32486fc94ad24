// Shared input pieces: dates in ISO or epoch ms, list limits, id-or-list arguments.
import { z } from 'zod';
import { DomainError, validationFailed } from '../core/errors.js';

/**
 * Parses a use case's input with its schema. A violation is refused like every other refusal — VALIDATION_FAILED
 * naming the first offending field — so interfaces never see a raw ZodError from the service layer.
 */
export function parseInput<S extends z.ZodType>(schema: S, raw: unknown, field?: string): z.output<S> {
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const at = [field, ...(issue?.path ?? []).map(String)].filter(Boolean).join('.') || 'arguments';
  throw new DomainError('VALIDATION_FAILED', `${at}: ${issue?.message ?? 'invalid'}`, `Correct "${at}" and retry.`, {
    field: at,
    issues: parsed.error.issues.map((i) => ({ path: [field, ...i.path.map(String)].filter(Boolean).join('.'), message: i.message })),
  });
}

export const DateInput = z.union([z.string(), z.number()]);
export type DateInput = z.infer<typeof DateInput>;

/** Accepts ISO-8601 strings, YYYY-MM-DD, or epoch milliseconds (VantagePeers); returns ISO-8601 UTC. */
export function toIso(value: DateInput | null | undefined, field: string): string | null {
  if (value === undefined || value === null || value === '') return null;
  const ms = typeof value === 'number' ? value : /^\d{10,}$/.test(value) ? Number(value) : Date.parse(value);
  if (!Number.isFinite(ms))
    throw validationFailed(field, `"${value}" is not a date`, 'Use ISO-8601 (2026-12-01 or 2026-12-01T09:00:00Z) or epoch milliseconds.');
  return new Date(ms).toISOString();
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

/** VantagePeers takes "a string or string[]" in several places. */
export const OneOrMany = z.union([z.string(), z.array(z.string())]);
export function asList(value: string | string[] | undefined | null): string[] {
  if (value === undefined || value === null) return [];
  return (Array.isArray(value) ? value : [value]).map((v) => v.trim()).filter((v) => v.length > 0);
}
