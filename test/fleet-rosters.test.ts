// Rosters and the default project over HTTP, with real tokens against a `sortie serve` process (configured default
// project: web) and the MCP SDK's client: an agent without a covering token is refused on create_mission, changing
// nothing; a token scoped to one project creates there when no project is named; a token for several projects gets
// the configured default, as before. Needs `npm run build`.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lastEventSeq } from '../src/db/events-repo.js';
import type { AgentClient, ToolError } from './support/clients.js';
import { SHARED_DIALECTS } from './support/dialects.js';
import { connectWithToken, type FleetStore, mintToken, OPERATOR, openFleetStore, type Replica, startReplica } from './support/fleet.js';

for (const dialect of SHARED_DIALECTS) {
  describe(`rosters and the default project over HTTP (${dialect})`, () => {
    let fleet: FleetStore;
    let replica: Replica | undefined;
    const clients: AgentClient[] = [];
    let pia: AgentClient;
    let tess: AgentClient;
    let opal: AgentClient;

    beforeAll(async () => {
      fleet = await openFleetStore(dialect);
      const tokens = {
        pia: await mintToken(fleet.store, 'pia', 'pilot', ['api']),
        tess: await mintToken(fleet.store, 'tess', 'pilot', ['web', 'api']),
        opal: await mintToken(fleet.store, 'opal', 'pilot', ['api', 'ops']),
      };
      await mintToken(fleet.store, 'wes', 'worker', ['api']);
      replica = await startReplica(fleet.url, { env: { SORTIE_PROJECT: 'web' } });
      for (const [label, token] of Object.entries(tokens)) {
        const client = await connectWithToken(replica.url, token, label);
        clients.push(client);
        // Listing the tools makes the SDK client check every answer against its advertised output schema.
        await client.client.listTools();
      }
      [pia, tess, opal] = clients;
    });

    afterAll(async () => {
      await Promise.all(clients.map((c) => c.close().catch(() => {})));
      await replica?.stop();
      await fleet?.dispose();
    });

    /** A refusal that leaves the event log and the missions and tasks tables as they were. */
    async function refusedUnchanged(client: AgentClient, tool: string, args: Record<string, unknown>): Promise<ToolError> {
      const db = fleet.store.database.kysely;
      const rows = async () => {
        const missions = await db.selectFrom('missions').selectAll().execute();
        const tasks = await db.selectFrom('tasks').selectAll().execute();
        return [...missions, ...tasks].map((r) => JSON.stringify(r)).sort();
      };
      const before = { seq: await lastEventSeq(db), rows: await rows() };
      const error = await client.refuse(tool, args);
      expect({ seq: await lastEventSeq(db), rows: await rows() }).toEqual(before);
      return error;
    }

    it('create_mission with an agent holding no covering token is refused with VALIDATION_FAILED, changing nothing', async () => {
      const unknown = await refusedUnchanged(pia, 'create_mission', { name: 'crew', project: 'api', pilot: 'pia', agents: ['wes', 'nobody'] });
      expect(unknown).toMatchObject({ code: 'VALIDATION_FAILED', message: 'agents: nobody holds no token for project api' });
      expect(unknown.details).toMatchObject({ field: 'agents', agents: ['nobody'], project: 'api', candidates: ['opal', 'pia', 'tess', 'wes'] });
      expect(unknown.hint).toContain('sortie token create --agent nobody --project api');
      // tess's token covers web and api, not ops.
      const elsewhere = await refusedUnchanged(opal, 'create_mission', { name: 'ops crew', project: 'ops', pilot: 'tess' });
      expect(elsewhere).toMatchObject({ code: 'VALIDATION_FAILED', message: 'pilot: tess holds no token for project ops' });

      const made = await pia.call('create_mission', { name: 'crew', project: 'api', pilot: 'pia', agents: ['wes'] });
      expect(made).toMatchObject({ project: 'api', pilot: 'pia', agents: ['pia', 'wes'] });
      const assign = await refusedUnchanged(pia, 'create_task', { title: 'x', missionId: made.missionId, assignedTo: 'nobody' });
      expect(assign).toMatchObject({ code: 'VALIDATION_FAILED', message: 'assignedTo: nobody holds no token for project api' });
    });

    it('a token scoped to one project creates in it when no project is named; several projects get the configured default', async () => {
      const mine = await pia.call('create_mission', { name: 'no project named', pilot: 'pia' });
      expect(mine.project).toBe('api');
      expect((await fleet.store.sortie.getMission(OPERATOR, { missionId: mine.missionId })).project).toBe('api');
      expect((await pia.call('create_task', { title: 'loose' })).project).toBe('api');
      expect((await pia.call('list_mission_templates', {})).project).toBe('api');

      // Two projects: the server's configured default (web here), as before — and NOT_FOUND when the token lacks it.
      expect((await tess.call('create_mission', { name: 'two projects', pilot: 'tess' })).project).toBe('web');
      const outside = await refusedUnchanged(opal, 'create_mission', { name: 'two projects', pilot: 'opal' });
      expect(outside).toMatchObject({ code: 'NOT_FOUND', message: 'project web not found' });
    });
  });
}
