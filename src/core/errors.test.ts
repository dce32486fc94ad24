// Refusals quote what the caller sent only briefly, and a schema violation becomes one bounded VALIDATION_FAILED.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ECHO_MAX, echo, notFound, schemaRefusal } from './errors.js';

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
