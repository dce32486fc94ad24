// Refusals quote what the caller sent only briefly, a schema violation becomes one bounded VALIDATION_FAILED, and
// toDomainError turns anything thrown into a DomainError: failures with a correlation id and their cause.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  DomainError,
  ECHO_MAX,
  ERROR_CODES,
  echo,
  FAILURE_CODES,
  failure,
  isFailure,
  isUnavailable,
  notFound,
  schemaRefusal,
  toDomainError,
  validationFailed,
} from './errors.js';

describe('echo', () => {
  it('quotes short values whole and long ones as a prefix with their length', () => {
    expect(echo('T3')).toBe('T3');
    expect(echo('x'.repeat(ECHO_MAX))).toBe('x'.repeat(ECHO_MAX));
    expect(echo('x'.repeat(1024 * 1024))).toBe(`${'x'.repeat(ECHO_MAX)}…(1048576 chars)`);
    expect(echo({ a: 1 })).toBe('{"a":1}');
  });

  it('keeps a NOT_FOUND for a 1 MiB id to a few hundred bytes', () => {
    expect(JSON.stringify(notFound('task', 'x'.repeat(1024 * 1024)).toJSON()).length).toBeLessThan(400);
  });
});

describe('schemaRefusal', () => {
  it('names the first field (under a prefix), lists at most ten issues and echoes long paths short', () => {
    const parsed = z.object({ agents: z.array(z.string()) }).safeParse({ agents: Array(30_000).fill(42) });
    if (parsed.success) throw new Error('expected a violation');
    const error = schemaRefusal(parsed.error, { prefix: 'input' });
    expect(error).toMatchObject({ code: 'VALIDATION_FAILED', details: { field: 'input.agents.0', moreIssues: 29_990 } });
    expect(error.details.issues).toHaveLength(10);
    expect(JSON.stringify(error.toJSON()).length).toBeLessThan(2000);
    const keyed = z.record(z.string(), z.string()).safeParse({ ['k'.repeat(1024 * 1024)]: 5 });
    if (keyed.success) throw new Error('expected a violation');
    expect(JSON.stringify(schemaRefusal(keyed.error).toJSON()).length).toBeLessThan(1000);
  });
});

describe('toDomainError', () => {
  const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

  it('returns a DomainError as it is', () => {
    const refusal = validationFailed('name', 'is empty');
    expect(toDomainError(refusal)).toBe(refusal);
    expect(isFailure(refusal)).toBe(false);
  });

  it('reports a schema violation as schemaRefusal does, with the options the adapter gives', () => {
    const parsed = z.object({ name: z.string() }).safeParse({ name: 5 });
    if (parsed.success) throw new Error('expected a violation');
    const hint = (field: string) => `Fix ${field}.`;
    expect(toDomainError(parsed.error, { schema: { prefix: 'input', hint } }).toJSON()).toEqual(
      schemaRefusal(parsed.error, { prefix: 'input', hint }).toJSON(),
    );
    const root = z.object({}).safeParse(42);
    if (root.success) throw new Error('expected a violation');
    const named = toDomainError(root.error, { schema: (e) => ({ prefix: e.issues[0]?.path.length ? undefined : 'request' }) });
    expect(named).toMatchObject({ code: 'VALIDATION_FAILED', details: { field: 'request' } });
  });

  it('reports anything else as INTERNAL with a correlation id, keeping the original as its cause', () => {
    const original = new TypeError("Cannot read properties of undefined (reading 'x') at /srv/secret/path.ts");
    const error = toDomainError(original);
    expect(error.code).toBe('INTERNAL');
    expect(isFailure(error)).toBe(true);
    expect(error.details.correlationId).toMatch(UUID);
    expect(error.message).toBe(`unexpected server error (correlation id ${error.details.correlationId})`);
    expect(error.hint).toContain('correlation id');
    expect(error.cause).toBe(original);
    // The caller is told nothing of the original.
    expect(JSON.stringify(error.toJSON())).not.toContain('secret');
    expect(toDomainError(original).details.correlationId).not.toBe(error.details.correlationId);
    expect(toDomainError('a string', { correlationId: 'c-1' })).toMatchObject({ code: 'INTERNAL', details: { correlationId: 'c-1' }, cause: 'a string' });
    expect(toDomainError(undefined).code).toBe('INTERNAL');
  });

  it('reports a database that cannot be reached as UNAVAILABLE, with a correlation id', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    const error = toDomainError(refused, { correlationId: 'c-2' });
    expect(error).toMatchObject({ code: 'UNAVAILABLE', details: { correlationId: 'c-2' }, cause: refused });
    expect(error.message).toContain('correlation id c-2');
    expect(isFailure(error)).toBe(true);
    const cases: unknown[] = [
      Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }),
      Object.assign(new Error('the database system is starting up'), { code: '57P03' }),
      Object.assign(new Error('sorry, too many clients already'), { code: '53300' }),
      Object.assign(new Error('connection failure'), { code: '08006' }),
      new Error('timeout exceeded when trying to connect'),
      new Error('Connection terminated unexpectedly'),
      new AggregateError([Object.assign(new Error('::1'), { code: 'ECONNREFUSED' }), Object.assign(new Error('127.0.0.1'), { code: 'ECONNREFUSED' })]),
    ];
    for (const cause of cases) expect(toDomainError(cause).code, String((cause as Error).message)).toBe('UNAVAILABLE');
    for (const cause of [
      Object.assign(new Error('duplicate key'), { code: '23505' }),
      Object.assign(new Error('deadlock detected'), { code: '40P01' }),
      new AggregateError([]),
      null,
      42,
    ]) {
      expect(isUnavailable(cause)).toBe(false);
    }
  });

  it('lets an adapter name a failure it recognised itself, in the same shape', () => {
    const cause = new Error('SQLITE_CANTOPEN');
    const error = failure('UNAVAILABLE', 'the token store cannot be read', 'Retry shortly.', cause, 'c-3');
    expect(error).toMatchObject({
      code: 'UNAVAILABLE',
      message: 'the token store cannot be read (correlation id c-3)',
      details: { correlationId: 'c-3' },
      cause,
    });
    expect(error).toBeInstanceOf(DomainError);
  });

  it('lists the failure codes among the codes', () => {
    for (const code of FAILURE_CODES) expect(ERROR_CODES).toContain(code);
  });
});
