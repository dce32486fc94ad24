// Raw JSON-RPC over a spawned `sortie mcp` (needs `npm run build`): lines in, every reply collected, no SDK client
// in between — for input a real client would never send. Replies are matched by id; a reply the server sends
// without a readable id (id null) is found with a sentinel ping sent right after the line.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { SORTIE_BIN } from './clients.js';

export type Id = string | number | null;
// biome-ignore lint/suspicious/noExplicitAny: replies are read loosely and each field a test uses is asserted
export type Reply = { jsonrpc: string; id: Id; result?: any; error?: { code: number; message: string; data?: unknown } };

export const PROTOCOL_VERSION = '2025-06-18';

export class RawStdio {
  /** Every reply so far, in arrival order. */
  readonly replies: Reply[] = [];
  private buffer = '';
  private waiters: Array<() => void> = [];
  private sentinel = 0;
  stderr = '';

  constructor(readonly child: ChildProcess) {
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (text: string) => {
      this.buffer += text;
      let newline = this.buffer.indexOf('\n');
      while (newline !== -1) {
        const line = this.buffer.slice(0, newline);
        this.buffer = this.buffer.slice(newline + 1);
        if (line.trim()) this.replies.push(JSON.parse(line));
        newline = this.buffer.indexOf('\n');
      }
      this.wake();
    });
    child.stderr?.on('data', (d) => {
      this.stderr += d;
    });
    child.on('exit', () => this.wake());
    // A server that exits while a test is still writing must fail the test, not crash the runner with EPIPE.
    child.stdin?.on('error', () => {});
  }

  private wake(): void {
    for (const waiter of this.waiters.splice(0)) waiter();
  }

  get exited(): boolean {
    return this.child.exitCode !== null || this.child.signalCode !== null;
  }

  /** Writes one line (a string is sent as is, anything else as JSON). Resolves once the pipe has taken it. */
  async send(message: unknown): Promise<void> {
    const line = `${typeof message === 'string' ? message : JSON.stringify(message)}\n`;
    if (!this.child.stdin?.write(line) && !this.exited) await Promise.race([once(this.child.stdin!, 'drain'), once(this.child, 'exit')]);
  }

  /** The replies carrying `id`, once at least one has arrived; rejects if the process exits first. */
  async waitFor(id: Id): Promise<Reply[]> {
    for (;;) {
      const found = this.replies.filter((r) => r.id === id);
      if (found.length) return found;
      if (this.exited)
        throw new Error(`sortie mcp exited (code ${this.child.exitCode}, signal ${this.child.signalCode}) without answering id ${id}: ${this.stderr}`);
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  /**
   * Sends `message`, then a ping, and returns every reply that arrived before the ping's answer (the server reads
   * lines in order, and what it answers without running a handler is written before the next line is read).
   */
  async exchange(message: unknown): Promise<Reply[]> {
    const from = this.replies.length;
    const sentinel = `sentinel-${++this.sentinel}`;
    await this.send(message);
    await this.send({ jsonrpc: '2.0', id: sentinel, method: 'ping' });
    await this.waitFor(sentinel);
    const upTo = this.replies.findIndex((r) => r.id === sentinel);
    return this.replies.slice(from, upTo);
  }

  async initialize(): Promise<void> {
    await this.send({
      jsonrpc: '2.0',
      id: 'init',
      method: 'initialize',
      params: { protocolVersion: PROTOCOL_VERSION, capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
    });
    const [reply] = await this.waitFor('init');
    if (!reply.result) throw new Error(`initialize failed: ${JSON.stringify(reply)}`);
    await this.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
  }

  async kill(): Promise<void> {
    if (this.exited) return;
    this.child.kill('SIGKILL');
    await once(this.child, 'exit');
  }
}

/** Spawns `sortie mcp --agent <agent>` on `dbPath`, initialized. Killed (and the error rethrown) if that fails. */
export async function spawnRawStdio(dbPath: string, agent = 'alice'): Promise<RawStdio> {
  const child = spawn(process.execPath, [SORTIE_BIN, 'mcp', '--agent', agent, '--db', dbPath], {
    env: { ...process.env, SORTIE_LOG_LEVEL: 'warn' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const raw = new RawStdio(child);
  try {
    await raw.initialize();
    return raw;
  } catch (error) {
    await raw.kill();
    throw error;
  }
}

/** One raw POST to /mcp: status and parsed body (undefined when empty). */
export async function postRaw(url: string, body: string, headers: Record<string, string> = {}): Promise<{ status: number; body: unknown }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': PROTOCOL_VERSION, ...headers },
    body,
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}
