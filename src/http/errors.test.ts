// The HTTP renderer: every code has a status (checked by the compiler and here), refusals and failures leave in
// one shape per path, and a failure is logged with the correlation id its answer names.
import { Hono } from 'hono';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { DomainError, ERROR_CODES, type ErrorCode } from '../core/errors.js';
import { HTTP_STATUS, onHttpError, withHeaders } from './errors.js';

// Compile-time guard: a code added to ERROR_CODES and missing from HTTP_STATUS fails `tsc` here (and where the
// table is declared), so no code silently becomes a 400.
const exhaustive: Record<ErrorCode, number> = HTTP_STATUS;

function capturingLogger() {
  const lines: Array<Record<string, unknown>> = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line)) });
  return { logger, lines };
}

function appThrowing(error: unknown) {
  const { logger, lines } = capturingLogger();
  const app = new Hono();
  app.onError(onHttpError(logger));
  app.all('*', () => {
    throw error;
  });
  return { app, lines };
}

describe('HTTP_STATUS', () => {
  it('maps every code to a 4xx or 5xx status', () => {
    for (const code of ERROR_CODES) expect(exhaustive[code], code).toBeGreaterThanOrEqual(400);
    expect(Object.keys(HTTP_STATUS).sort()).toEqual([...ERROR_CODES].sort());
    expect(HTTP_STATUS.INTERNAL).toBe(500);
    expect(HTTP_STATUS.UNAVAILABLE).toBe(503);
  });
});

describe('renderHttpError', () => {
  it('answers a refusal with its status and { error: { code, message, hint, details } }', async () => {
    const { app, lines } = appThrowing(new DomainError('CONFLICT', 'already there', 'Pick another name.', { name: 'x' }));
    const res = await app.request('http://127.0.0.1/api/x');
    expect(res.status).toBe(409);
    expect(await res.json()).toEqual({ error: { code: 'CONFLICT', message: 'already there', hint: 'Pick another name.', details: { name: 'x' } } });
    expect(lines).toEqual([]);
  });

  it('answers an unexpected error with a 500 naming a correlation id, and logs the error with that id', async () => {
    const { app, lines } = appThrowing(new Error('disk on fire at /var/lib/secret'));
    const res = await app.request('http://127.0.0.1/api/x');
    expect(res.status).toBe(500);
    const { error } = await res.json();
    expect(error.code).toBe('INTERNAL');
    expect(error.message).toContain(`correlation id ${error.details.correlationId}`);
    expect(JSON.stringify(error)).not.toContain('secret');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 50,
      correlationId: error.details.correlationId,
      path: '/api/x',
      err: { message: 'disk on fire at /var/lib/secret' },
    });
  });

  it('answers on /mcp in the JSON-RPC envelope, with the code and hint as its data', async () => {
    const refused = await appThrowing(new DomainError('FORBIDDEN', 'no', 'Ask an admin.')).app.request('http://127.0.0.1/mcp', { method: 'POST' });
    expect(refused.status).toBe(403);
    expect(await refused.json()).toEqual({
      jsonrpc: '2.0',
      error: { code: -32001, message: 'FORBIDDEN: no', data: { code: 'FORBIDDEN', hint: 'Ask an admin.' } },
      id: null,
    });
    const failed = await appThrowing(new Error('boom')).app.request('http://127.0.0.1/mcp', { method: 'POST' });
    expect(failed.status).toBe(500);
    const body = await failed.json();
    expect(body.error).toMatchObject({ code: -32603, data: { code: 'INTERNAL' } });
    expect(body.error.message).toMatch(/^INTERNAL: unexpected server error \(correlation id [0-9a-f-]{36}\)$/);
  });

  it('challenges a 401 with Bearer, or with the headers the refusal carries', async () => {
    const plain = await appThrowing(new DomainError('UNAUTHORIZED', 'sign in', 'Send a token.')).app.request('http://127.0.0.1/api/x');
    expect(plain.headers.get('www-authenticate')).toBe('Bearer realm="sortie"');
    const precise = withHeaders(new DomainError('UNAUTHORIZED', 'bad token', 'Check it.'), {
      'WWW-Authenticate': 'Bearer realm="sortie", error="invalid_token"',
    });
    const res = await appThrowing(precise).app.request('http://127.0.0.1/api/x');
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="sortie", error="invalid_token"');
    expect((await res.json()).error).toEqual({ code: 'UNAUTHORIZED', message: 'bad token', hint: 'Check it.', details: {} });
  });
});
