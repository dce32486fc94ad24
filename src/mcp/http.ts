// MCP over Streamable HTTP, in two modes: stateless (default: any replica serves any request) and session mode
// (`sortie serve --sessions`: a GET event stream per session, so resource subscriptions reach the client).
// Takes and returns web-standard Request/Response, so the HTTP app stays free of SDK imports.
import { randomUUID } from 'node:crypto';
import { MAX_BATCH_SIZE, readRequestBody } from '@modelcontextprotocol/sdk/server/requestBody.js';
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import { isJsonContentType } from '@modelcontextprotocol/sdk/shared/mediaType.js';
import { isJSONRPCRequest, type RequestId } from '@modelcontextprotocol/sdk/types.js';
import type { Logger } from 'pino';
import type { Actor } from '../core/model.js';
import type { Sortie } from '../service/sortie.js';
import type { Profile } from './profiles.js';
import { type GuardReply, INVALID_PARAMS, MAX_MESSAGE_BYTES, parseErrorReply, type Screen, screenBatch, tooLargeReply } from './protocol-guard.js';
import { createMcpServer } from './server.js';

export interface McpHttpOptions {
  sortie: Sortie;
  logger: Logger;
}

/** Who is calling, as the HTTP layer established it. */
export interface McpCaller {
  /** The connection identity (token or self-named agent); undefined lets callers name themselves per call. */
  identity: Actor | undefined;
  /** Stable owner key for session binding: the token id when authenticated. */
  owner: string;
  profile: Profile;
  /** The instance the request named, for callers that name their agent per call (no connection identity). */
  instance?: string;
  /** Calls onRevoked soon after the caller's token is revoked (on any replica); returns the unwatch function. */
  watchRevocation?: (onRevoked: () => void) => () => void;
}

function rpcError(status: number, code: number, message: string): Response {
  return new Response(JSON.stringify({ jsonrpc: '2.0', error: { code, message }, id: null }), { status, headers: { 'content-type': 'application/json' } });
}

function guardResponse(status: number, body: GuardReply | GuardReply[]): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

/** 400 for a message that is not a JSON-RPC request at all; 200 for a request answered (as the SDK answers errors). */
function statusOf(reply: GuardReply): number {
  return 'error' in reply && reply.error.code !== INVALID_PARAMS ? 400 : 200;
}

/** What to do with the calls of a request whose client went away before its answer. */
type OnGone = (requestIds: RequestId[]) => void;

/**
 * Hands the parsed body to the transport, unless the client goes away first (a long-poll it gave up on, a killed
 * agent): then `onGone` cancels the calls in flight — their signal aborts, so a waiting claim_next_task stops and
 * claims nothing — and the request settles at once with a status nobody reads, because the SDK never answers a
 * cancelled call and its answer would otherwise hold this request (and its server) forever.
 */
async function answer(transport: WebStandardStreamableHTTPServerTransport, req: Request, parsedBody: unknown, onGone: OnGone): Promise<Response> {
  const { signal } = req;
  let unlisten = () => {};
  const gone = new Promise<Response>((resolve) => {
    const abort = () => {
      const messages = Array.isArray(parsedBody) ? parsedBody : [parsedBody];
      onGone(messages.filter(isJSONRPCRequest).map((m) => m.id));
      resolve(new Response(null, { status: 499 }));
    };
    if (signal.aborted) return abort();
    signal.addEventListener('abort', abort, { once: true });
    unlisten = () => signal.removeEventListener('abort', abort);
  });
  try {
    return await Promise.race([transport.handleRequest(req, { parsedBody }), gone]);
  } finally {
    unlisten();
  }
}

/**
 * Reads a POST body (at most MAX_MESSAGE_BYTES, like stdio) and screens it with the connection's guard before the
 * SDK sees it: a refusal is answered here; otherwise the parsed body goes on to the transport. Requests the SDK
 * refuses on headers alone (wrong Accept or Content-Type) are left to it, so its answers to those stay unchanged.
 */
async function handleGuarded(transport: WebStandardStreamableHTTPServerTransport, req: Request, screen: Screen, onGone: OnGone): Promise<Response> {
  const accept = req.headers.get('accept') ?? '';
  if (
    req.method !== 'POST' ||
    !isJsonContentType(req.headers.get('content-type')) ||
    !accept.includes('application/json') ||
    !accept.includes('text/event-stream')
  ) {
    return transport.handleRequest(req);
  }
  let raw: unknown;
  try {
    const body = await readRequestBody(req, MAX_MESSAGE_BYTES);
    if (body.tooLarge) return guardResponse(413, tooLargeReply(null, Number(req.headers.get('content-length')) || undefined));
    raw = JSON.parse(body.text);
  } catch {
    return guardResponse(400, parseErrorReply());
  }
  if (Array.isArray(raw)) {
    // Over the SDK's batch limit: the SDK refuses it (one -32600).
    if (raw.length > MAX_BATCH_SIZE) return transport.handleRequest(req, { parsedBody: raw });
    const batch = screenBatch(raw, screen);
    // An empty batch is answered with one error object, not an array (JSON-RPC 2.0 §6).
    if ('replies' in batch) return guardResponse(400, raw.length === 0 ? batch.replies[0] : batch.replies);
    return answer(transport, req, batch.pass, onGone);
  }
  const screened = screen(raw);
  if ('reply' in screened) return screened.reply ? guardResponse(statusOf(screened.reply), screened.reply) : new Response(null, { status: 202 });
  return answer(transport, req, screened.pass, onGone);
}

/** A server built for one kind of caller, idle between its requests. */
interface Built {
  server: ReturnType<typeof createMcpServer>['server'];
  screen: Screen;
  close: () => void;
}

/** Idle servers kept per caller, and callers kept: bounds on what a replica holds for stateless requests. */
const IDLE_PER_CALLER = 16;
const CALLERS_KEPT = 256;

/**
 * Stateless: nothing a request leaves behind matters to the next, and a load balancer may send each one anywhere.
 * There is no GET stream, hence no server-initiated notifications. Each request gets its own transport; the MCP
 * server it is connected to is built once per caller — identity, instance and profile, which fix its tools, hints
 * and actor — and reused: building a server (every tool registered, its schemas wrapped) per request was about 12%
 * of the server's CPU over HTTP. A server serves one request at a time (the SDK binds it to one transport), so
 * concurrent requests of one caller take another idle server or build one; at most IDLE_PER_CALLER wait per caller,
 * for the CALLERS_KEPT callers seen last.
 */
export class StatelessMcp {
  private readonly idle = new Map<string, Built[]>();

  constructor(private readonly options: McpHttpOptions) {}

  async handle(req: Request, caller: McpCaller): Promise<Response> {
    if (req.method !== 'POST') {
      return rpcError(405, -32000, 'Method not allowed: this server is stateless; POST JSON-RPC to /mcp (start it with --sessions for event streams)');
    }
    const key = JSON.stringify([caller.identity ?? null, caller.instance ?? null, caller.profile]);
    const built = this.take(key) ?? this.build(caller);
    const transport = new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    await built.server.connect(transport);
    try {
      // A client gone mid-call: closing this request's transport (as the finally does too) aborts its calls.
      return await handleGuarded(transport, req, built.screen, () => void transport.close());
    } finally {
      // Closing the transport detaches the server from it (and aborts whatever still runs), so it can serve again.
      await transport.close().catch(() => {});
      this.put(key, built);
    }
  }

  private build(caller: McpCaller): Built {
    return createMcpServer({
      ...this.options,
      identity: caller.identity,
      instance: caller.instance,
      profile: caller.profile,
      transport: 'http',
      notifications: false,
    });
  }

  private take(key: string): Built | undefined {
    const list = this.idle.get(key);
    const built = list?.pop();
    if (list) {
      // Most recently used last: the first key is the one to drop when too many callers are kept.
      this.idle.delete(key);
      if (list.length) this.idle.set(key, list);
    }
    return built;
  }

  private put(key: string, built: Built): void {
    const list = this.idle.get(key) ?? [];
    this.idle.delete(key);
    if (list.length >= IDLE_PER_CALLER) {
      this.discard(built);
      list.length && this.idle.set(key, list);
      return;
    }
    list.push(built);
    this.idle.set(key, list);
    while (this.idle.size > CALLERS_KEPT) {
      const [oldest, servers] = this.idle.entries().next().value as [string, Built[]];
      this.idle.delete(oldest);
      for (const s of servers) this.discard(s);
    }
  }

  private discard(built: Built): void {
    built.close();
    void built.server.close().catch(() => {});
  }

  /** Drops every idle server (server shutdown). */
  close(): void {
    for (const servers of this.idle.values()) for (const s of servers) this.discard(s);
    this.idle.clear();
  }
}

/**
 * A session outlives its requests: a client gone mid-call cancels just that request's calls, as a
 * notifications/cancelled from it would.
 */
function cancelIn(transport: WebStandardStreamableHTTPServerTransport): OnGone {
  return (requestIds) => {
    for (const requestId of requestIds) {
      transport.onmessage?.({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId, reason: 'the client went away' } });
    }
  };
}

interface Session {
  transport: WebStandardStreamableHTTPServerTransport;
  screen: Screen;
  close: () => Promise<void>;
  owner: string;
  lastSeen: number;
  openStreams: number;
}

export interface McpSessionsOptions extends McpHttpOptions {
  /** A session with no request and no open stream for this long is closed. Default 30 minutes. */
  idleMs?: number;
}

/**
 * Session mode. Sessions live in this replica's memory, so a load balancer must keep a client on one replica
 * (sticky on the Mcp-Session-Id header); a client whose replica went away gets 404 and opens a new session.
 * A session id presented by another owner (another token) answers 404 too, exactly like an unknown id.
 */
export class McpSessions {
  private readonly sessions = new Map<string, Session>();
  private readonly timer: NodeJS.Timeout;
  private readonly idleMs: number;

  constructor(private readonly options: McpSessionsOptions) {
    this.idleMs = options.idleMs ?? 30 * 60_000;
    this.timer = setInterval(() => void this.sweep(), Math.min(60_000, this.idleMs));
    this.timer.unref();
  }

  get size(): number {
    return this.sessions.size;
  }

  async handle(req: Request, caller: McpCaller): Promise<Response> {
    const id = req.headers.get('mcp-session-id');
    if (id) {
      const session = this.sessions.get(id);
      if (!session || session.owner !== caller.owner) return rpcError(404, -32001, 'Session not found');
      session.lastSeen = Date.now();
      const response = await handleGuarded(session.transport, req, session.screen, cancelIn(session.transport));
      return req.method === 'GET' ? this.tracked(session, response) : response;
    }
    if (req.method !== 'POST') return rpcError(400, -32000, 'Bad Request: no Mcp-Session-Id; open a session with an initialize POST first');
    const { server, close, screen } = createMcpServer({
      ...this.options,
      identity: caller.identity,
      instance: caller.instance,
      profile: caller.profile,
      transport: 'http',
      notifications: true,
    });
    let unwatch: (() => void) | undefined;
    const shutdown = async () => {
      unwatch?.();
      close();
      await server.close().catch(() => {});
    };
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      enableJsonResponse: true,
      onsessioninitialized: (sessionId) => {
        this.sessions.set(sessionId, { transport, screen, close: shutdown, owner: caller.owner, lastSeen: Date.now(), openStreams: 0 });
        // A session lives as long as its token: revocation (anywhere) ends it and its event stream; the client's
        // next request presents a revoked token and gets 401.
        unwatch = caller.watchRevocation?.(() => void this.end(sessionId));
      },
      onsessionclosed: (sessionId) => {
        this.sessions.delete(sessionId);
        void shutdown();
      },
    });
    await server.connect(transport);
    const response = await handleGuarded(transport, req, screen, cancelIn(transport));
    // Anything but a successful initialize leaves no session behind.
    if (!transport.sessionId || !this.sessions.has(transport.sessionId)) await shutdown();
    return response;
  }

  /** Counts an open GET stream as activity until the client goes away, so a quiet subscriber is not swept. */
  private tracked(session: Session, response: Response): Response {
    if (!response.body || response.status !== 200) return response;
    session.openStreams += 1;
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      session.openStreams -= 1;
      session.lastSeen = Date.now();
    };
    const reader = response.body.getReader();
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        try {
          const { done, value } = await reader.read();
          if (done) {
            end();
            controller.close();
          } else controller.enqueue(value);
        } catch (error) {
          end();
          controller.error(error);
        }
      },
      cancel(reason) {
        end();
        return reader.cancel(reason);
      },
    });
    return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
  }

  private async sweep(): Promise<void> {
    const cutoff = Date.now() - this.idleMs;
    for (const [id, session] of this.sessions) {
      if (session.openStreams > 0 || session.lastSeen > cutoff) continue;
      await this.end(id);
    }
  }

  /** Ends one session and its streams. */
  private async end(id: string): Promise<void> {
    const session = this.sessions.get(id);
    if (!session) return;
    this.sessions.delete(id);
    await session.transport.close().catch(() => {});
    await session.close();
  }

  /** Ends every session and its streams (server shutdown). */
  async close(): Promise<void> {
    clearInterval(this.timer);
    const all = [...this.sessions.values()];
    this.sessions.clear();
    for (const session of all) {
      await session.transport.close().catch(() => {});
      await session.close();
    }
  }
}
