// An MCP connection follows the change feed only while its client is subscribed to a resource: an agent that never
// subscribes (most) has no event of its own commits read back for it, and one that subscribes hears of the change.
// Counted with the database's onQuery hook, over the SDK's real Client on a linked in-memory transport.
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { ResourceUpdatedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Database, openDatabase } from '../src/db/database.js';
import { taskUri } from '../src/mcp/resources.js';
import { createMcpServer } from '../src/mcp/server.js';
import { createSortie, type Sortie } from '../src/service/sortie.js';
import { silentLogger, tempDir } from './support/sortie.js';

const PIA = { agent: 'pia' };
const NOTE = 'Shipped in 3f2c9e1, 12/12 tests.';

describe('following the change feed for resource subscriptions', () => {
  let database: Database;
  let sortie: Sortie;
  let client: Client;
  let detach: () => void;
  let eventReads = 0;
  let taskIds: string[];

  beforeEach(async () => {
    database = await openDatabase(join(tempDir(), 'follow.db'), {
      onQuery: (sql) => {
        if (/^\s*select\b[\s\S]*\bfrom "events"/i.test(sql)) eventReads++;
      },
    });
    sortie = createSortie({ database, logger: silentLogger });
    await sortie.migrate();
    const m = await sortie.createMission(PIA, { name: 'follow', pilot: 'pia', agents: ['ann'], project: 'follow' });
    taskIds = [];
    for (let i = 0; i < 3; i++) taskIds.push((await sortie.createTask(PIA, { title: `step ${i}`, missionId: m.missionId })).taskId);
    await sortie.updateMissionStatus(PIA, { missionId: m.missionId, status: 'plan' });
    await sortie.updateMissionStatus(PIA, { missionId: m.missionId, status: 'execute' });
    const [a, b] = InMemoryTransport.createLinkedPair();
    const made = createMcpServer({ sortie, logger: silentLogger, identity: { agent: 'ann' } });
    detach = made.close;
    await made.server.connect(b);
    client = new Client({ name: 'follower', version: '1' });
    await client.connect(a);
  });
  afterEach(async () => {
    await client?.close();
    detach?.();
    await sortie?.changes.stop();
    await database?.close();
  });

  /** Claims the next task over MCP and completes it; returns its id. */
  async function claimAndComplete(): Promise<string> {
    const claimed = (await client.callTool({ name: 'claim_next_task', arguments: { project: 'follow' } })).structuredContent as {
      task: { taskId: string; epoch: number };
    };
    const done = await client.callTool({ name: 'complete_task', arguments: { taskId: claimed.task.taskId, completionNote: NOTE, epoch: claimed.task.epoch } });
    expect(done.isError ?? false).toBe(false);
    return claimed.task.taskId;
  }

  /** Lets a feed read that a commit started finish (it runs right after the commit, on the next turns). */
  const settle = () => new Promise((resolve) => setTimeout(resolve, 50));

  it('without a subscription a claim and a completion read no events back; with one the client hears of its task; after unsubscribing, none again', async () => {
    eventReads = 0;
    expect(await claimAndComplete()).toBe(taskIds[0]);
    await settle();
    expect(eventReads).toBe(0);

    const updated: string[] = [];
    const heard = new Promise<void>((resolve) => {
      client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => {
        updated.push(n.params.uri);
        resolve();
      });
    });
    await client.subscribeResource({ uri: taskUri(taskIds[1]) });
    expect(await claimAndComplete()).toBe(taskIds[1]);
    await heard;
    expect(updated).toContain(taskUri(taskIds[1]));
    expect(eventReads).toBeGreaterThan(0);

    await client.unsubscribeResource({ uri: taskUri(taskIds[1]) });
    await settle();
    eventReads = 0;
    expect(await claimAndComplete()).toBe(taskIds[2]);
    await settle();
    expect(eventReads).toBe(0);
  });
});
