// Completions of one mission's tasks at the same moment. On PostgreSQL they share the mission's lock and run side by
// side, so the completions of the last open tasks may each see another's task still open inside their transaction:
// the mission must still move to validate, exactly once, and the closer that moved it must hear of it. SQLite's one
// writer at a time is the control. PGlite is one connection, so its writes never overlap: it is not among these.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../src/core/model.js';
import { openDialectSortie, SHARED_DIALECTS } from './support/dialects.js';
import type { TestSortie } from './support/sortie.js';

const PIA: Actor = { agent: 'pia' };
const NOTE = 'Shipped in 3f2c9e1, 12/12 tests.';
const AGENTS = 8;
const ROUNDS = 6;

describe.each(SHARED_DIALECTS)('concurrent completions on %s', (dialect) => {
  let t: TestSortie;

  beforeAll(async () => {
    t = await openDialectSortie(dialect);
  });
  afterAll(() => t?.close());

  it(`the last ${AGENTS} tasks completed at once: the mission moves to validate exactly once, and that closer hears it`, async () => {
    const s = t.sortie;
    const agents = Array.from({ length: AGENTS }, (_, i) => ({ agent: `closer${i}` }));
    for (let round = 0; round < ROUNDS; round++) {
      const project = `close-${dialect}-${round}`;
      const m = await s.createMission(PIA, { name: `close-${round}`, pilot: 'pia', agents: agents.map((a) => a.agent), project });
      for (let i = 0; i < AGENTS; i++) await s.createTask(PIA, { title: `part ${i}`, missionId: m.missionId, assignedTo: agents[i].agent });
      await s.updateMissionStatus(PIA, { missionId: m.missionId, status: 'plan' });
      await s.updateMissionStatus(PIA, { missionId: m.missionId, status: 'execute' });
      const held = await Promise.all(agents.map((a) => s.claimNextTask(a, { project })));
      expect(held.every((task) => task !== null)).toBe(true);
      const closed = await Promise.all(
        agents.map((a, i) => s.completeTask(a, { taskId: held[i]?.taskId as string, completionNote: NOTE, epoch: held[i]?.epoch as number })),
      );
      expect(closed.map((c) => c.status)).toEqual(agents.map(() => 'done'));
      const mission = await s.getMission(PIA, { missionId: m.missionId });
      expect(mission.status, `round ${round}`).toBe('validate');
      const moves = (await s.listEvents(PIA, { missionId: m.missionId, limit: 500 })).items.filter(
        (e) => e.kind === 'mission.status_changed' && (e.details as { to?: string }).to === 'validate',
      );
      expect(moves, `round ${round}`).toHaveLength(1);
      const told = closed.filter((c) => c.missionMoved);
      expect(told, `round ${round}`).toHaveLength(1);
      expect(told[0]?.missionMoved).toEqual({ missionId: m.missionId, from: 'execute', to: 'validate' });
    }
  });
});
