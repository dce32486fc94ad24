// `sortie mcp`: one MCP connection over stdin/stdout for the agent that spawned this process.
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import type { Logger } from 'pino';
import type { Actor } from '../core/model.js';
import type { Runtime } from '../runtime/runtime.js';
import type { Profile } from './profiles.js';
import { type GuardReply, MAX_MESSAGE_BYTES, parseErrorReply, type Screen, screenBatch, TopLevelIdScanner, tooLargeReply } from './protocol-guard.js';
import { createMcpServer } from './server.js';

/**
 * Newline-delimited JSON-RPC on stdin/stdout, like the SDK's StdioServerTransport, but a bad line never ends the
 * connection: the SDK's closes itself on a message over its 10 MiB buffer and drops unparseable lines unanswered.
 * Here a line over `maxBytes` is dropped as it streams (never buffered, so its size costs no memory) and refused
 * under its id; invalid JSON gets -32700; malformed JSON-RPC is answered by the connection's guard.
 */
export class GuardedStdioTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;

  private parts: Buffer[] = [];
  private size = 0;
  /** Set while an oversized line is being dropped: reads its id as it passes. */
  private oversized: TopLevelIdScanner | undefined;
  private closed = false;

  constructor(
    private readonly screen: Screen,
    private readonly logger: Logger,
    private readonly stdin: NodeJS.ReadableStream = process.stdin,
    private readonly stdout: NodeJS.WritableStream = process.stdout,
    private readonly maxBytes = MAX_MESSAGE_BYTES,
  ) {}

  async start(): Promise<void> {
    this.stdin.on('data', this.ondata);
    this.stdin.on('error', this.onstdinerror);
  }

  private readonly ondata = (chunk: Buffer | string): void => {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    let start = 0;
    while (!this.closed) {
      const newline = bytes.indexOf(0x0a, start);
      this.take(bytes.subarray(start, newline === -1 ? bytes.length : newline));
      if (newline === -1) return;
      this.endLine();
      start = newline + 1;
    }
  };

  private readonly onstdinerror = (error: Error): void => {
    this.onerror?.(error);
  };

  private take(piece: Buffer): void {
    if (piece.length === 0) return;
    if (!this.oversized && this.size + piece.length > this.maxBytes) {
      this.oversized = new TopLevelIdScanner();
      for (const part of this.parts) this.oversized.feed(part);
      this.parts = [];
    }
    this.size += piece.length;
    if (this.oversized) this.oversized.feed(piece);
    else this.parts.push(piece);
  }

  private endLine(): void {
    const { parts, size, oversized } = this;
    this.parts = [];
    this.size = 0;
    this.oversized = undefined;
    if (oversized) {
      this.logger.warn({ bytes: size, limit: this.maxBytes }, 'stdio message over the size limit refused');
      this.reply(tooLargeReply(oversized.id(), size));
      return;
    }
    const line = Buffer.concat(parts, size).toString('utf8').replace(/\r$/, '');
    if (line.trim() === '') return;
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch {
      this.reply(parseErrorReply());
      return;
    }
    if (Array.isArray(raw)) {
      // MCP 2025-06-18 dropped JSON-RPC batching, and the SDK's stdio never read it: refused, every id answered.
      const batch = screenBatch(raw, this.screen, 'batches are not supported on stdio; send one message per line');
      if ('replies' in batch) for (const reply of batch.replies) this.reply(reply);
      return;
    }
    const screened = this.screen(raw);
    if ('reply' in screened) {
      if (screened.reply) this.reply(screened.reply);
      return;
    }
    try {
      this.onmessage?.(screened.pass);
    } catch (error) {
      this.onerror?.(error as Error);
    }
  }

  private reply(reply: GuardReply): void {
    this.stdout.write(`${JSON.stringify(reply)}\n`);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stdin.off('data', this.ondata);
    this.stdin.off('error', this.onstdinerror);
    if (this.stdin.listenerCount('data') === 0) this.stdin.pause();
    this.parts = [];
    this.oversized = undefined;
    this.onclose?.();
  }

  send(message: JSONRPCMessage): Promise<void> {
    return new Promise((resolve) => {
      if (this.stdout.write(`${JSON.stringify(message)}\n`)) resolve();
      else this.stdout.once('drain', resolve);
    });
  }
}

/** `instance` is this process's instance (given or generated at start): every stdio process is its own instance. */
export async function serveStdio(runtime: Runtime, identity: Actor | undefined, profile: Profile, instance?: string): Promise<void> {
  const { server, close, screen } = createMcpServer({ sortie: runtime.sortie, logger: runtime.logger, identity, instance, profile, transport: 'stdio' });
  const transport = new GuardedStdioTransport(screen, runtime.logger);
  await new Promise<void>((resolve) => {
    transport.onclose = () => resolve();
    process.stdin.on('end', () => resolve());
    // A broken stdin ends the session with a non-zero exit and one clear line, rather than a process that hears nothing.
    process.stdin.on('error', (error) => {
      runtime.logger.error({ err: error }, 'stdin failed; sortie mcp exits');
      process.exitCode = 1;
      resolve();
    });
    server.connect(transport).catch((error) => {
      runtime.logger.error({ err: error }, 'stdio transport failed');
      process.exitCode = 1;
      resolve();
    });
  });
  close();
  await server.close().catch(() => {});
}
