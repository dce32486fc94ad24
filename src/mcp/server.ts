// The MCP server factory: one McpServer per connection, carrying that connection's identity and tool profile.
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { Logger } from 'pino';
import { resolveActor } from '../core/identity.js';
import type { Actor } from '../core/model.js';
import type { Sortie } from '../service/sortie.js';
import { identityHint, type McpTransportName, unknownToolHint } from './connection-hints.js';
import type { Profile } from './profiles.js';
import { registerPrompts } from './prompts.js';
import { protocolGuard, type Screen } from './protocol-guard.js';
import { registerResources } from './resources.js';
import { registerTools } from './tool.js';
import { toolsFor } from './tools/index.js';

export const VERSION = '0.1.0';

export interface McpServerOptions {
  sortie: Sortie;
  logger: Logger;
  /** Who this connection is (stdio --agent, or the HTTP token). Undefined: callers name themselves per call. */
  identity?: Actor;
  /**
   * This connection's instance when the identity names none (stdio: the process's, always set). Without either,
   * a call's callerInstance names it, else the call acts as the agent's default instance.
   */
  instance?: string;
  /** Which tools of the registry (tools/index.ts) this connection gets; default full. */
  profile?: Profile;
  /** The transport, for hints worded in its terms (flags on stdio, headers on HTTP); default stdio. */
  transport?: McpTransportName;
  /**
   * Whether this connection can be sent notifications (resources/updated): stdio and session-mode HTTP can, stateless
   * HTTP cannot (no stream outlives a request). Without it, resources.subscribe is neither declared nor served.
   * Default true.
   */
  notifications?: boolean;
}

const INSTRUCTIONS = `Sortie coordinates missions: a brief plus tasks with dependencies, owned by a pilot, moving brainstorm → plan → execute → validate → complete.
Start each session with my_work (and check_messages when it shows unread messages). Claim with claim_next_task (or checkout_task), keep the lease with heartbeat_task, finish with complete_task citing evidence (commit SHA, #PR, test ratio 18/18, file path). Errors carry a code and a hint: act on the hint.`;

/** The server, a function detaching it from the change feed, and the guard its transport screens messages with. */
export function createMcpServer(options: McpServerOptions): { server: McpServer; close: () => void; screen: Screen } {
  const { sortie, logger, identity } = options;
  const transport = options.transport ?? 'stdio';
  const subscriptions = options.notifications ?? true;
  const profile = options.profile ?? 'full';
  const server = new McpServer(
    { name: 'sortie', version: VERSION },
    {
      // Only what works on this connection: subscriptions where notifications can be delivered (the SDK does not
      // declare resources.subscribe by itself). No `logging`: Sortie logs to stderr, never to the client.
      capabilities: { tools: {}, resources: subscriptions ? { subscribe: true, listChanged: false } : { listChanged: false }, prompts: {} },
      instructions: INSTRUCTIONS,
    },
  );
  const reader = (): Actor => identity ?? { agent: 'anonymous' };
  const ctx = {
    sortie,
    actor: (args: { createdBy?: string; callerOrchestrator?: string; callerInstance?: string }) => {
      const actor = resolveActor(identity, [args.createdBy, args.callerOrchestrator], identityHint(transport));
      const instance = identity?.instance ?? options.instance ?? args.callerInstance;
      return instance ? { ...actor, instance } : actor;
    },
    reader,
  };
  const tools = toolsFor(profile);
  registerTools(server, tools, ctx, logger);
  const detach = registerResources(server, sortie, reader, logger, { subscriptions, member: identity?.agent });
  registerPrompts(server);
  const screen = protocolGuard(new Set(tools.map((t) => t.name)), (name) => unknownToolHint(name, profile, transport));
  return { server, close: detach, screen };
}
