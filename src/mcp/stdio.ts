// `sortie mcp`: one MCP connection over stdin/stdout for the agent that spawned this process.
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { Actor } from '../core/model.js';
import type { Runtime } from '../runtime/runtime.js';
import { createMcpServer } from './server.js';
import type { AnyTool, Profile } from './tool.js';

/** `instance` is this process's instance (given or generated at start): every stdio process is its own instance. */
export async function serveStdio(
  runtime: Runtime,
  identity: Actor | undefined,
  profile: Profile,
  extraTools: readonly AnyTool[] = [],
  instance?: string,
): Promise<void> {
  const { server, close } = createMcpServer({ sortie: runtime.sortie, logger: runtime.logger, identity, instance, profile, extraTools });
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
