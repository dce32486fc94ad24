// The change feed as Server-Sent Events: `id:` is the event's sequence number, and a reconnect that sends
// Last-Event-ID resumes right after it — replayed from the events table, then live, without gaps or duplicates.
import type { Context } from 'hono';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { Actor, SortieEvent } from '../core/model.js';
import { SeqInput } from '../service/inputs.js';
import type { Sortie } from '../service/sortie.js';

/** A comment line this often keeps proxies and load balancers from closing an idle stream. */
export const KEEPALIVE_MS = 15_000;
/** What EventSource-style clients wait before reconnecting. */
const RETRY_MS = 2_000;

const Position = z
  .string()
  .trim()
  .regex(/^\d{1,10}$/, 'must be an event sequence number')
  .transform(Number)
  .pipe(SeqInput)
  .optional();
const StreamQuery = z.object({ after: Position, project: z.string().trim().min(1).max(100).optional() });

/**
 * Opens the stream. The resume position is the Last-Event-ID header (sent by EventSource and by the dashboard's
 * own reconnect), else ?after= (a page that loaded a snapshot at seq N follows from N), else "from now".
 * Messages: `event: change` per event (id = seq, data = the event as JSON), and one `event: ready` once the replay
 * is done (data: { from, lastSeq, reset }; `reset` means the position was beyond the newest event and the client
 * should reload).
 */
export function streamEvents(c: Context, sortie: Sortie, actor: Actor, logger: Logger): Response {
  const query = StreamQuery.parse(c.req.query());
  const header = c.req.header('last-event-id');
  const after = header !== undefined && header.trim() !== '' ? Position.parse(header) : query.after;

  const encoder = new TextEncoder();
  const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
  const writer = writable.getWriter();
  let closed = false;
  let keepalive: NodeJS.Timeout | undefined;
  let unwatch: (() => void) | undefined;
  const write = async (text: string): Promise<void> => {
    if (closed) return;
    try {
      await writer.write(encoder.encode(text));
    } catch {
      close();
    }
  };
  const send = async (events: SortieEvent[]): Promise<void> => {
    await write(events.map((e) => `id: ${e.seq}\nevent: change\ndata: ${JSON.stringify(e)}\n\n`).join(''));
  };

  // Throws (unknown project, bad position) before any byte is written, so the caller answers with a JSON error.
  const follower = sortie.followEvents(actor, { after, project: query.project }, send);
  function close(): void {
    if (closed) return;
    closed = true;
    follower.stop();
    unwatch?.();
    if (keepalive) clearInterval(keepalive);
    writer.close().catch(() => {});
  }
  c.req.raw.signal?.addEventListener('abort', close);
  // A stream opened with a token ends soon after that token is revoked, wherever it was revoked; the client's
  // reconnect then gets 401 (the dashboard shows its login).
  unwatch = c.get('watchRevocation')?.(close);

  void write(`retry: ${RETRY_MS}\n\n`);
  follower.ready.then(
    (state) => write(`event: ready\ndata: ${JSON.stringify(state)}\n\n`),
    (error) => {
      logger.warn({ err: error }, 'event stream replay failed; closing it so the client reconnects');
      close();
    },
  );
  keepalive = setInterval(() => void write(': keepalive\n\n'), KEEPALIVE_MS);
  keepalive.unref();

  return new Response(readable, {
    headers: {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      'X-Accel-Buffering': 'no',
    },
  });
}
