// Missions and tasks as MCP resources, with subscriptions: a subscriber hears of every change, from any process.
import { type McpServer, ResourceTemplate } from '@modelcontextprotocol/sdk/server/mcp.js';
import { SubscribeRequestSchema, UnsubscribeRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import type { Logger } from 'pino';
import type { Actor, SortieEvent } from '../core/model.js';
import { canSeeProject } from '../service/access.js';
import type { Sortie } from '../service/sortie.js';
import { BOUNDS, missionFull, taskRecord } from './responses.js';

export const missionUri = (id: string) => `sortie://missions/${id}`;
export const taskUri = (id: string) => `sortie://tasks/${id}`;

function json(uri: string, value: unknown) {
  return { contents: [{ uri, mimeType: 'application/json', text: JSON.stringify(value) }] };
}

/** How many missions resources/list shows: the caller's most recent open ones. */
export const LISTED_MISSIONS = 50;

/**
 * Registers the resources and, when the connection can be sent notifications (`subscriptions`), the subscription
 * handlers; returns a function that detaches from the change feed. `member` is the connection's agent, whose
 * missions resources/list shows.
 */
export function registerResources(
  server: McpServer,
  sortie: Sortie,
  reader: () => Actor,
  logger: Logger,
  { subscriptions, member }: { subscriptions: boolean; member: string | undefined },
): () => void {
  server.registerResource(
    'mission',
    new ResourceTemplate('sortie://missions/{missionId}', {
      // The caller's open missions (pilot or agent), newest first; a connection with no identity sees every open
      // mission it may see, as list_missions would show it.
      list: async () => {
        const page = await sortie.listMissions(reader(), { agent: member, status: 'open', limit: LISTED_MISSIONS });
        return {
          resources: page.items.map((m) => ({
            uri: missionUri(m.missionId),
            name: m.name,
            mimeType: 'application/json',
            description: `${m.status} · ${m.project} · pilot ${m.pilot}`,
          })),
        };
      },
    }),
    { title: 'Mission', description: 'A mission with its tasks, progress, deliverables and evidence', mimeType: 'application/json' },
    // As get_mission {fields: 'full'} answers: the whole mission, its first task records, a cursor for the rest.
    async (uri, { missionId }) => {
      const mission = await sortie.getMission(reader(), { missionId: String(missionId), withTaskEvidence: false });
      const page = await sortie.listTasks(reader(), { missionId: mission.missionId, fields: 'full', limit: BOUNDS.missionTasksFull });
      return json(uri.href, missionFull(mission, page));
    },
  );
  server.registerResource(
    'task',
    new ResourceTemplate('sortie://tasks/{taskId}', { list: undefined }),
    { title: 'Task', description: 'A task with its claim, dependencies and evidence', mimeType: 'application/json' },
    async (uri, { taskId }) => json(uri.href, taskRecord(await sortie.getTask(reader(), { taskId: String(taskId) }))),
  );

  if (!subscriptions) return () => {};
  const subscribed = new Set<string>();
  // The feed is followed only while the client is subscribed to something: a follower has the feed read back every
  // event this process commits (and, every poll, other processes' ones), which an agent that never subscribes —
  // most do not — would pay for on every call.
  let unfollow: (() => void) | null = null;
  const follow = () => {
    if (subscribed.size > 0) unfollow ??= sortie.changes.subscribe(onEvents);
    else {
      unfollow?.();
      unfollow = null;
    }
  };
  server.server.setRequestHandler(SubscribeRequestSchema, async (request) => {
    subscribed.add(request.params.uri);
    follow();
    return {};
  });
  server.server.setRequestHandler(UnsubscribeRequestSchema, async (request) => {
    subscribed.delete(request.params.uri);
    follow();
    return {};
  });

  const onEvents = (events: SortieEvent[]) => {
    if (subscribed.size === 0) return;
    const changed = new Set<string>();
    for (const e of events) {
      if (!canSeeProject(reader(), e.project)) continue;
      if (e.missionId) changed.add(missionUri(e.missionId));
      if (e.taskId) changed.add(taskUri(e.taskId));
    }
    for (const uri of changed) {
      if (!subscribed.has(uri)) continue;
      server.server.sendResourceUpdated({ uri }).catch((error) => logger.debug({ err: error, uri }, 'resource update not delivered'));
    }
  };
  return () => {
    subscribed.clear();
    follow();
  };
}
