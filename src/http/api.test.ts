// The dashboard API's meta route: the status sets the front end counts with come from the core, behind the same
// sign-in as every other /api route.
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { MISSION_STATUS_ALIASES, MISSION_STATUS_LABELS, OPEN_TASK_STATUSES, TASK_STATUS_LABELS, TASK_STATUS_ORDER } from '../core/status-traits.js';
import type { Sortie } from '../service/sortie.js';
import { createDashboardApi } from './api.js';

const silentLogger = pino({ level: 'silent' });
// The meta route reads no data: no use case may be called.
const NO_SORTIE = new Proxy({} as Sortie, {
  get: (_, name) => {
    throw new Error(`the meta route called sortie.${String(name)}`);
  },
});

describe('GET /api/meta', () => {
  it("answers the core's open mission and task statuses, their labels and the task statuses' order", async () => {
    const api = createDashboardApi({ sortie: NO_SORTIE, logger: silentLogger, localActor: { agent: 'local-op', role: 'admin' } });
    const res = await api.request('http://127.0.0.1/meta');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      missionStatuses: { open: [...MISSION_STATUS_ALIASES.open], labels: MISSION_STATUS_LABELS },
      taskStatuses: { open: [...OPEN_TASK_STATUSES], order: [...TASK_STATUS_ORDER], labels: TASK_STATUS_LABELS },
    });
  });

  it('answers 401 like every other route when the caller must sign in', async () => {
    const api = createDashboardApi({ sortie: NO_SORTIE, logger: silentLogger, localActor: null });
    const res = await api.request('http://127.0.0.1/meta');
    expect(res.status).toBe(401);
    expect((await res.json()).error.code).toBe('UNAUTHORIZED');
  });
});
