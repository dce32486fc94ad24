// How a Sortie tool is declared and served: schemas, annotations, profiles, identity and error rendering.
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { type CallToolResult, ListToolsRequestSchema, type ListToolsResult, type Tool } from '@modelcontextprotocol/sdk/types.js';
import type { Logger } from 'pino';
import { type ZodObject, type ZodRawShape, type ZodType, z } from 'zod';
import { type DomainError, isFailure, toDomainError } from '../core/errors.js';
import { Name } from '../core/identity.js';
import type { Actor } from '../core/model.js';
import { assertNoNul } from '../service/inputs.js';
import type { Sortie } from '../service/sortie.js';
import { advertisedInputSchema } from './advertise.js';
import type { Profile } from './profiles.js';

export interface ToolContext {
  sortie: Sortie;
  /** Resolves the caller from the connection and any createdBy/callerOrchestrator arguments. */
  actor(args: IdentityArgs): Actor;
  /** The caller for reads: the connection identity, or "anonymous" on an unauthenticated connection without one. */
  reader(): Actor;
  /** This call's: aborted when the client cancels it or the connection closes (a waiting call stops at once). */
  signal?: AbortSignal;
}

export interface IdentityArgs {
  createdBy?: string;
  callerOrchestrator?: string;
  callerInstance?: string;
}

/** VantagePeers passes the caller's name on every mutating call; accepted, and checked against the connection. */
export const IdentityShape = {
  callerOrchestrator: Name.optional().describe('Optional; must match your identity'),
};

/** Claims also record the instance (alice-laptop) holding them. */
export const ClaimIdentityShape = {
  ...IdentityShape,
  callerInstance: Name.optional().describe('Optional instance name'),
};

export interface ToolDef<I extends ZodRawShape, O extends ZodRawShape> {
  name: string;
  title: string;
  description: string;
  input: I;
  output: ZodObject<O>;
  /** All four hints, always explicit. */
  annotations: { readOnlyHint: boolean; destructiveHint: boolean; idempotentHint: boolean; openWorldHint: boolean };
  profiles: readonly Profile[];
  /** Arguments accepted but not advertised: rarely needed, or another tool's job (complete_task's evidence on update_task). */
  unadvertised?: readonly string[];
  /** Marked for clients to keep loaded rather than defer behind tool search: the tools every session of the loop uses. */
  alwaysLoad?: boolean;
  /** Returns the structured result; the SDK checks it against `output` at run time (schemas are loose objects). */
  handler(args: z.infer<ZodObject<I>>, ctx: ToolContext): Promise<object>;
}

export function defineTool<I extends ZodRawShape, O extends ZodRawShape>(def: ToolDef<I, O>): ToolDef<I, O> {
  return def;
}

// biome-ignore lint/suspicious/noExplicitAny: a heterogeneous registry of tool definitions
export type AnyTool = ToolDef<any, any>;

export const READ = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false } as const;
export const WRITE = { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false } as const;
export const WRITE_IDEMPOTENT = { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false } as const;
export const DESTRUCTIVE = { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false } as const;

/** A refusal as the agent sees it: code, message and hint as JSON text, marked isError, no structuredContent. */
export function renderError(error: DomainError): CallToolResult {
  return { isError: true, content: [{ type: 'text' as const, text: JSON.stringify({ error: error.toJSON() }) }] };
}

/** How the MCP adapter names a schema violation: the hint points at the tool's advertised schema. */
const TOOL_SCHEMA = { hint: (field: string) => `Correct "${field}" and retry; tools/list shows each argument's schema.` };

/**
 * The MCP adapter's one error path: anything a tool threw, as toDomainError makes it, rendered as an isError
 * result; a failure (INTERNAL, UNAVAILABLE) is logged with its cause and correlation id first.
 */
export function renderThrown(error: unknown, logger: Logger, context: Record<string, unknown> = {}): CallToolResult {
  const domain = toDomainError(error, { schema: TOOL_SCHEMA });
  if (isFailure(domain)) logger.error({ err: domain.cause, correlationId: domain.details.correlationId, ...context }, 'tool failed unexpectedly');
  return renderError(domain);
}

export function registerTools(server: McpServer, tools: readonly AnyTool[], ctx: ToolContext, logger: Logger): void {
  for (const tool of tools) {
    server.registerTool(
      tool.name,
      {
        title: tool.title,
        description: tool.description,
        inputSchema: tool.input,
        // The schema object itself (loose), not its shape: a shape would be wrapped as a closed object and
        // clients that validate structuredContent would reject every extra field.
        outputSchema: tool.output,
        annotations: tool.annotations,
        // Clients that defer tools behind a search step (Claude Code) keep these loaded: the core of the loop.
        ...(tool.alwaysLoad ? { _meta: { 'anthropic/alwaysLoad': true } } : {}),
      },
      async (args: unknown, extra: { signal: AbortSignal }): Promise<CallToolResult> => {
        try {
          const result = await tool.handler(args as never, { ...ctx, signal: extra.signal });
          return { content: [{ type: 'text' as const, text: JSON.stringify(result) }], structuredContent: result as Record<string, unknown> };
        } catch (error) {
          return renderThrown(error, logger, { tool: tool.name });
        }
      },
    );
  }
  advertiseLean(server, new Map(tools.map((t) => [t.name, t.unadvertised ?? []])));
  // The SDK answers schema violations with its own untyped text. Sortie's contract is a stable code for every
  // refusal, so argument validation is redone here with the same schemas and reported as VALIDATION_FAILED.
  // (validateToolInput is an internal of SDK 1.32; the transport tests pin this behaviour.)
  const byName = new Map(tools.map((t) => [t.name, z.object(t.input)]));
  const internals = server as unknown as { validateToolInput: (tool: unknown, args: unknown, name: string) => Promise<unknown> };
  internals.validateToolInput = async (_tool, args, name) => {
    const schema = byName.get(name) as ZodType | undefined;
    if (!schema) return args;
    try {
      assertNoNul(args);
      return schema.parse(args ?? {});
    } catch (error) {
      // The SDK turns this into the isError result, with the message as its text.
      const [content] = renderThrown(error, logger, { tool: name }).content;
      throw new Error(content.type === 'text' ? content.text : '');
    }
  };
}

/**
 * Serves tools/list with the advertised input schemas (advertise.ts): the SDK builds the list from the validating
 * schemas, and this wraps its handler to take out what the model need not carry. (The handler map is an internal of
 * SDK 1.32, like validateToolInput; test/tool-budget.test.ts pins what a client receives.)
 */
function advertiseLean(server: McpServer, hidden: ReadonlyMap<string, readonly string[]>): void {
  const handlers = (server.server as unknown as { _requestHandlers: Map<string, (request: unknown, extra: unknown) => Promise<ListToolsResult>> })
    ._requestHandlers;
  const inner = handlers.get('tools/list');
  if (!inner) throw new Error('advertiseLean: tools/list is not registered yet');
  server.server.setRequestHandler(ListToolsRequestSchema, async (request, extra) => {
    const list = await inner(request, extra);
    return { ...list, tools: list.tools.map((t) => ({ ...t, inputSchema: advertisedInputSchema(t.inputSchema, hidden.get(t.name)) as Tool['inputSchema'] })) };
  });
}
