// `sortie mcp`: one MCP connection over stdin/stdout for the agent that spawned this process.
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { Actor } from '../core/model.js';
import type { Runtime } from '../runtime/runtime.js';
import type { Profile } from './profiles.js';
import { createMcpServer } from './server.js';

export async function serveStdio(runtime: Runtime, identity: Actor | undefined, profile: Profile): Promise<void> {
  const { server, close } = createMcpServer({ sortie: runtime.sortie, logger: runtime.logger, identity, profile });
  const transport = new StdioServerTransport();
  await new Promise<void>((resolve) => {
    transport.onclose = () => resolve();
    process.stdin.on('end', () => resolve());
    server.connect(transport).catch((error) => {
      runtime.logger.error({ err: error }, 'stdio transport failed');
      resolve();
    });
  });
  close();
  await server.close().catch(() => {});
}
