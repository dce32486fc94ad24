// NUL characters in text: SQLite would store them and PostgreSQL refuses them, so every JSON interface refuses them
// up front, naming where they are, on every dialect alike — never an INTERNAL from the database.
import { describe, expect, it } from 'vitest';
import { startHarness } from './support/clients.js';
import { DIALECTS, freshDatabaseUrl } from './support/dialects.js';
import { snapshot } from './support/unchanged.js';

for (const dialect of DIALECTS.filter((d) => d !== 'pglite')) {
  describe(`NUL characters on ${dialect}`, () => {
    it('are refused in any string or argument name, naming the field, and change nothing', async () => {
      const { url, dispose } = await freshDatabaseUrl(dialect);
      const harness = await startHarness('memory', url);
      try {
        const pia = await harness.connect('pia');
        const { missionId } = await pia.call('create_mission', { name: 'nul', pilot: 'pia' });
        const before = await snapshot(harness.store);
        const cases: Array<[string, Record<string, unknown>, string]> = [
          ['create_task', { missionId, title: 'a\u0000b' }, 'title'],
          ['create_task', { missionId, title: 'ok', tags: ['x', 'y\u0000'] }, 'tags[1]'],
          ['update_mission', { missionId, description: 'brief\u0000' }, 'description'],
          ['create_task', { missionId, title: 'ok', 'bad\u0000key': 1 }, 'bad'],
        ];
        for (const [tool, args, field] of cases) {
          const refusal = await pia.refuse(tool, args);
          expect(refusal.code).toBe('VALIDATION_FAILED');
          expect(refusal.message).toContain(field);
        }
        expect(await snapshot(harness.store)).toEqual(before);
        // The same text without the NUL is accepted, so the refusal is about the character alone.
        expect((await pia.call('create_task', { missionId, title: 'ab' })).title).toBe('ab');
      } finally {
        await harness.close();
        await dispose();
      }
    });
  });
}
