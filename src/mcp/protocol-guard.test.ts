import { describe, expect, it } from 'vitest';
import { protocolGuard, screenBatch, TopLevelIdScanner } from './protocol-guard.js';

function scan(text: string, chunk = Number.POSITIVE_INFINITY): string | number | null {
  const scanner = new TopLevelIdScanner();
  const bytes = Buffer.from(text);
  for (let at = 0; at < bytes.length; at += Math.min(chunk, bytes.length)) scanner.feed(bytes.subarray(at, at + chunk));
  return scanner.id();
}

describe('TopLevelIdScanner', () => {
  it.each([
    ['id first', '{"jsonrpc":"2.0","id":7,"method":"ping"}', 7],
    ['id last (how the SDK client writes it)', '{"method":"tools/call","params":{"name":"x"},"jsonrpc":"2.0","id":42}', 42],
    ['a string id with an escaped quote', '{"id":"a\\"b","method":"ping"}', 'a"b'],
    ['a negative id, spaced out', '{ "id" : -3 , "method":"ping" }', -3],
    ['nested ids are not the id', '{"params":{"id":9,"arguments":{"id":"x"}},"id":3}', 3],
    ['only nested ids', '{"method":"m","params":{"id":9}}', null],
    ['"id" inside a string value', '{"method":"m","params":{"note":"\\"id\\":5"}}', null],
    ['a key that merely starts with id', '{"idx":5,"method":"m"}', null],
    ['an escaped key', '{"i\\u0064":5}', null],
    ['id null', '{"id":null,"method":"m"}', null],
    ['a fractional id', '{"id":1.5,"method":"m"}', null],
    ['an object id', '{"id":{"a":1},"method":"m"}', null],
    ['a batch', '[{"id":1,"method":"m"}]', null],
    ['an id longer than 256 bytes', `{"id":"${'x'.repeat(300)}","method":"m"}`, null],
    ['an id number at the very end of a truncated line', '{"method":"m","id":12', 12],
  ])('%s', (_name, text, id) => {
    expect(scan(text)).toBe(id);
    // The same answer however the bytes are split across reads.
    expect(scan(text, 1)).toBe(id);
    expect(scan(text, 5)).toBe(id);
  });

  it('reads the id of a line of many megabytes without keeping it', () => {
    const filler = 'a'.repeat(8 * 1024 * 1024);
    expect(scan(`{"method":"tools/call","params":{"arguments":{"id":1,"f":"${filler}"}},"jsonrpc":"2.0","id":"big"}`, 65536)).toBe('big');
  });
});

describe('screenBatch', () => {
  const screen = protocolGuard(new Set(['my_work']));
  const ping = (id: number) => ({ jsonrpc: '2.0', id, method: 'ping' });

  it('passes a batch whose entries all pass', () => {
    const batch = screenBatch([ping(1), ping(2)], screen);
    expect('pass' in batch && batch.pass).toHaveLength(2);
  });

  it('refuses a batch with a bad entry as a whole: one reply per id, the bad one its own', () => {
    const batch = screenBatch(
      [ping(1), { jsonrpc: '2.0', id: 2, method: 'ping', params: 'x' }, { jsonrpc: '2.0', method: 'notifications/initialized' }],
      screen,
    );
    expect('replies' in batch && batch.replies.map((r) => [r.id, 'error' in r && r.error.code])).toEqual([
      [1, -32600],
      [2, -32602],
    ]);
  });
});
