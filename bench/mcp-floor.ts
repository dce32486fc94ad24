// The protocol's floor over stdio: an MCP server, built on the SDK like Sortie's, whose claim_next_task and
// complete_task do nothing — no database, no checks — and answer like Sortie's (a task in structuredContent, and its
// JSON as text). bench/claims.ts drives it exactly as it drives `sortie mcp`, so its rate is what two MCP calls over
// stdio cost on this machine before any of Sortie's work: the ceiling of the stdio case's share of raw.
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { z } from 'zod';

const server = new McpServer({ name: 'mcp-floor', version: '1' });
let next = 0;
const answer = (structured: Record<string, unknown>) => ({
  content: [{ type: 'text' as const, text: JSON.stringify(structured) }],
  structuredContent: structured,
});

server.registerTool('claim_next_task', { description: 'Claims nothing: the floor.', inputSchema: { project: z.string().optional() } }, async () =>
  answer({ task: { taskId: `floor-${++next}`, epoch: 1, status: 'in_progress' } }),
);
server.registerTool(
  'complete_task',
  { description: 'Completes nothing: the floor.', inputSchema: { taskId: z.string(), completionNote: z.string(), epoch: z.number().int() } },
  async ({ taskId }) => answer({ task: { taskId, status: 'done' } }),
);
await server.connect(new StdioServerTransport());
