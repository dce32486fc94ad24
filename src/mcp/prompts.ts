// The MCP prompts: `work_mission`, the agent guide (agent-guide.ts) as a user message, for a mission when named.
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { workMissionText } from './agent-guide.js';

/** Prompt arguments are strings (MCP); a mission id or name is short, so a longer one is refused, not quoted. */
const WorkMissionArgs = {
  missionId: z.string().trim().min(1).max(200).optional().describe('The mission to work (id or name); the guide names it first'),
};

export function registerPrompts(server: McpServer): void {
  server.registerPrompt(
    'work_mission',
    {
      title: 'Work a Sortie mission',
      description: 'How to work Sortie tasks: my_work at session start, claim, heartbeat, complete with evidence, block on a task, sortie wait when idle.',
      argsSchema: WorkMissionArgs,
    },
    ({ missionId }) => ({
      description: missionId ? `Work mission ${missionId} with Sortie` : 'Work a Sortie mission',
      messages: [{ role: 'user', content: { type: 'text', text: workMissionText(missionId) } }],
    }),
  );
}
