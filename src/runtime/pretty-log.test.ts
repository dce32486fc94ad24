import { describe, expect, it } from 'vitest';
import { prettyLine, prettyLogWanted } from './pretty-log.js';

describe('the human log', () => {
  it('is one line per event: time, level, message and its fields', () => {
    const line = prettyLine(
      JSON.stringify({
        level: 30,
        time: Date.UTC(2026, 0, 2, 3, 4, 5),
        app: 'sortie',
        pid: 1,
        msg: 'sortie serve listening',
        url: 'http://127.0.0.1:7420',
        applied: ['0001_init'],
      }),
    );
    expect(line).toBe('03:04:05 INFO  sortie serve listening url=http://127.0.0.1:7420 applied=["0001_init"]\n');
    const err = prettyLine(
      JSON.stringify({ level: 50, time: 0, msg: 'command failed', err: { type: 'Error', code: 'ECONNREFUSED', message: 'connect refused' } }),
    );
    expect(err).toBe('00:00:00 ERROR command failed err="Error ECONNREFUSED: connect refused"\n');
    expect(prettyLine(JSON.stringify({ level: 40, time: 0, msg: 'x', note: 'a'.repeat(500) })).length).toBeLessThan(200);
  });

  it('is chosen for a terminal, JSON otherwise; SORTIE_LOG_FORMAT decides when set', () => {
    expect(prettyLogWanted({}, true)).toBe(true);
    expect(prettyLogWanted({}, false)).toBe(false);
    expect(prettyLogWanted({ SORTIE_LOG_FORMAT: 'json' }, true)).toBe(false);
    expect(prettyLogWanted({ SORTIE_LOG_FORMAT: 'pretty' }, false)).toBe(true);
  });
});
