// The MCP server factory: one McpServer per connection, carrying that connection's identity and tool profile.
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { Logger } from 'pino';
import { resolveActor } from '../core/identity.js';
import type { Actor } from '../core/model.js';
import type { Sortie } from '../service/sortie.js';
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
}

const INSTRUCTIONS = `Sortie coordinates missions: a brief plus tasks with dependencies, owned by a pilot, moving brainstorm → plan → execute → validate → complete.
Start each session with my_work (and check_messages when it shows unread messages). Claim with claim_next_task (or checkout_task), keep the lease with heartbeat_task, finish with complete_task citing evidence (commit SHA, #PR, test ratio 18/18, file path). Errors carry a code and a hint: act on the hint.`;

/** The server, a function detaching it from the change feed, and the guard its transport screens messages with. */
export function createMcpServer(options: McpServerOptions): { server: McpServer; close: () => void; screen: Screen } {
  const { sortie, logger, identity } = options;
  const server = new McpServer(
    { name: 'sortie', version: VERSION },
    {
      // The SDK does not declare resources.subscribe by itself; Sortie implements subscriptions, so declare it.
      capabilities: { tools: {}, resources: { subscribe: true, listChanged: false }, prompts: {}, logging: {} },
      instructions: INSTRUCTIONS,
    },
  );
  const reader = (): Actor => identity ?? { agent: 'anonymous' };
  const ctx = {
    sortie,
    actor: (args: { createdBy?: string; callerOrchestrator?: string; callerInstance?: string }) => {
      const actor = resolveActor(identity, [args.createdBy, args.callerOrchestrator]);
      const instance = identity?.instance ?? options.instance ?? args.callerInstance;
      return instance ? { ...actor, instance } : actor;
    },
    reader,
  };
  const tools = toolsFor(options.profile ?? 'full');
  registerTools(server, tools, ctx, logger);
  const detach = registerResources(server, sortie, reader, logger);
  registerPrompts(server);
  return { server, close: detach, screen: protocolGuard(new Set(tools.map((t) => t.name))) };
}
