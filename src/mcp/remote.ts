// One tool call to a Sortie server over Streamable HTTP, as a client: how a short-lived command (the Claude Code
// hooks of `sortie hook`) reads an agent's work when the agent's MCP connection goes to `sortie serve`, not a file.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { DomainError } from '../core/errors.js';
import { VERSION } from './server.js';

export interface RemoteCall {
  /** The server's MCP endpoint, e.g. http://127.0.0.1:7420/mcp. */
  url: string;
  /** Sent with every request: the bearer token, X-Sortie-Agent, … */
  headers: Record<string, string>;
  tool: string;
  args?: Record<string, unknown>;
}

/**
 * Connects, calls the tool once and disconnects. Returns its structuredContent; a refusal is thrown as the
 * DomainError the server rendered (code, message, hint), a transport failure as UNAVAILABLE.
 */
export async function callRemoteTool(call: RemoteCall): Promise<unknown> {
  const client = new Client({ name: 'sortie-cli', version: VERSION });
  const transport = new StreamableHTTPClientTransport(new URL(call.url), { requestInit: { headers: call.headers } });
  let result: CallToolResult;
  try {
    await client.connect(transport);
    result = (await client.callTool({ name: call.tool, arguments: call.args ?? {} })) as CallToolResult;
  } catch (error) {
    throw new DomainError(
      'UNAVAILABLE',
      `the Sortie server at ${call.url} did not answer: ${(error as Error).message}`,
      'Check that sortie serve runs there and the token (SORTIE_TOKEN) is valid.',
      {},
      { cause: error },
    );
  } finally {
    await client.close().catch(() => {});
  }
  if (result.isError) {
    const text = result.content.find((c) => c.type === 'text')?.text ?? '';
    const refusal = parseRefusal(text);
    throw refusal ?? new DomainError('INTERNAL', `${call.tool} failed: ${text.slice(0, 200)}`, 'Retry; if it persists, see the server log.');
  }
  return result.structuredContent;
}

/** A refusal's text is {"error": {code, message, hint}} (README "Errors"). */
function parseRefusal(text: string): DomainError | undefined {
  try {
    const { error } = JSON.parse(text) as { error?: { code?: string; message?: string; hint?: string } };
    if (!error?.code) return undefined;
    return new DomainError(error.code as DomainError['code'], error.message ?? '', error.hint ?? '');
  } catch {
    return undefined;
  }
}
