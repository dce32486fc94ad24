import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { Sortie } from '../service/sortie.js';
import { RevocationWatch } from './revocation-watch.js';

/** A token store whose valid ids the test sets; `asked` records each batch the watch read. */
function store(valid: Set<string>, fail = { now: false }) {
  const asked: string[][] = [];
  const sortie = {
    async activeTokens(ids: readonly string[]) {
      asked.push([...ids]);
      if (fail.now) throw new Error('database unreachable');
      return new Set(ids.filter((id) => valid.has(id)));
    },
  } as unknown as Sortie;
  // A long interval: every test drives check() itself, so nothing depends on timers.
  return { watch: new RevocationWatch({ sortie, logger: pino({ level: 'silent' }), intervalMs: 3_600_000 }), asked };
}

describe('RevocationWatch', () => {
  it('ends every connection of a revoked token, once, and none of a valid one', async () => {
    const valid = new Set(['A', 'B']);
    const { watch, asked } = store(valid);
    const ended: string[] = [];
    watch.watch('A', () => ended.push('A1'));
    watch.watch('A', () => ended.push('A2'));
    watch.watch('B', () => ended.push('B1'));
    await watch.check();
    expect(ended).toEqual([]);
    expect(asked).toEqual([['A', 'B']]);

    valid.delete('A');
    await watch.check();
    expect(ended).toEqual(['A1', 'A2']);
    await watch.check();
    expect(ended).toEqual(['A1', 'A2']);
    expect(asked.at(-1)).toEqual(['B']);
    expect(watch.size).toBe(1);
    watch.stop();
  });

  it('stops watching a connection that closed by itself, and reads nothing once none is left', async () => {
    const { watch, asked } = store(new Set());
    let ended = false;
    const unwatch = watch.watch('A', () => {
      ended = true;
    });
    unwatch();
    unwatch();
    expect(watch.size).toBe(0);
    await watch.check();
    expect(ended).toBe(false);
    expect(asked).toEqual([]);
  });

  it('ends nothing when the check fails, and ends the revoked ones at the next check that succeeds', async () => {
    const fail = { now: true };
    const { watch } = store(new Set(), fail);
    let ended = 0;
    watch.watch('A', () => {
      ended += 1;
    });
    await watch.check();
    expect(ended).toBe(0);
    fail.now = false;
    await watch.check();
    expect(ended).toBe(1);
  });
});
