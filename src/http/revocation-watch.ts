// Ends long-lived connections (dashboard event streams, MCP sessions) of a token soon after it is revoked,
// wherever the revocation happened: another replica, the CLI on another machine, or SQL by hand.
import type { Logger } from 'pino';
import type { Sortie } from '../service/sortie.js';

/** How often the open connections' tokens are re-read: revocation ends them within about this long. */
export const REVOCATION_CHECK_MS = 2_000;

export interface RevocationWatchOptions {
  sortie: Sortie;
  logger: Logger;
  intervalMs?: number;
}

/**
 * Re-checks, every `intervalMs`, the tokens of the connections open on this replica, in one statement for all of
 * them, and calls the `onRevoked` of every connection whose token is no longer valid.
 *
 * Why polling and not the change feed's `token.revoked` event: a revocation must end streams even when it was not
 * made through the service (a token row deleted or updated by hand, a restored backup), and even when this
 * replica missed the event (a PostgreSQL LISTEN connection that was down; SQLite has no push at all and the feed
 * polls anyway). The cost does not grow with the number of streams — one indexed read per replica every 2 s while
 * any connection is open, none otherwise — and 2 s meets "within a few seconds".
 *
 * A check that fails (the database unreachable) is retried on the next tick and ends nothing: everything a stream
 * sends is read from that same database, so an outage delivers nothing the token should not see.
 */
export class RevocationWatch {
  private readonly watchers = new Map<string, Set<() => void>>();
  private readonly intervalMs: number;
  private timer: NodeJS.Timeout | undefined;
  private checking = false;

  constructor(private readonly options: RevocationWatchOptions) {
    this.intervalMs = options.intervalMs ?? REVOCATION_CHECK_MS;
  }

  /** Calls onRevoked (once) when tokenId stops being valid; the returned function stops watching. */
  watch(tokenId: string, onRevoked: () => void): () => void {
    let set = this.watchers.get(tokenId);
    if (!set) {
      set = new Set();
      this.watchers.set(tokenId, set);
    }
    // A fresh closure per watch, so the same callback registered twice is two watchers.
    const entry = () => onRevoked();
    set.add(entry);
    this.start();
    return () => {
      const current = this.watchers.get(tokenId);
      if (!current?.delete(entry)) return;
      if (current.size === 0) this.watchers.delete(tokenId);
      if (this.watchers.size === 0) this.stop();
    };
  }

  /** How many connections are watched (for tests and diagnostics). */
  get size(): number {
    let n = 0;
    for (const set of this.watchers.values()) n += set.size;
    return n;
  }

  /** Re-reads every watched token now and ends the connections of the revoked ones. */
  async check(): Promise<void> {
    if (this.checking || this.watchers.size === 0) return;
    this.checking = true;
    try {
      const ids = [...this.watchers.keys()];
      let active: Set<string>;
      try {
        active = await this.options.sortie.activeTokens(ids);
      } catch (error) {
        this.options.logger.warn({ err: error }, 'revocation check failed; retrying on the next tick');
        return;
      }
      for (const id of ids) {
        if (active.has(id)) continue;
        const ended = this.watchers.get(id);
        this.watchers.delete(id);
        for (const onRevoked of ended ?? []) {
          try {
            onRevoked();
          } catch (error) {
            this.options.logger.warn({ err: error, tokenId: id }, 'ending a revoked connection failed');
          }
        }
        if (ended?.size) this.options.logger.info({ tokenId: id, connections: ended.size }, 'token revoked: its open connections ended');
      }
      if (this.watchers.size === 0) this.stop();
    } finally {
      this.checking = false;
    }
  }

  /** Stops checking; watched connections stay open (server shutdown closes them itself). */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.check(), this.intervalMs);
    // Never what keeps a process alive: the connections it watches do that.
    this.timer.unref();
  }
}
