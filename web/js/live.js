// The live connection: Server-Sent Events read with fetch (so the bearer token travels in a header, which
// EventSource cannot do), reconnecting with Last-Event-ID so no event is missed or seen twice.
import { authHeaders } from './api.js';

const MAX_BACKOFF_MS = 15_000;

export class LiveFeed {
  /**
   * @param {object} handlers
   * @param {(events: object[]) => void} handlers.onEvents  each batch of new events, in sequence order
   * @param {(state: 'connecting'|'live'|'reconnecting') => void} handlers.onState
   * @param {(info: {from:number,lastSeq:number,reset:boolean}) => void} handlers.onReady  replay finished
   * @param {() => void} handlers.onUnauthorized  the server answered 401
   */
  constructor(handlers) {
    this.handlers = handlers;
    /** The last event id seen: sent as Last-Event-ID on every reconnect. */
    this.lastEventId = null;
    this.controller = null;
    this.stopped = true;
    this.failures = 0;
  }

  /** Starts following after `after` (the sequence the first snapshot reflects), unless already running. */
  start(after) {
    if (!this.stopped) return;
    this.stopped = false;
    if (this.lastEventId === null && Number.isInteger(after)) this.lastEventId = after;
    void this.loop();
  }

  stop() {
    this.stopped = true;
    this.controller?.abort();
  }

  async loop() {
    while (!this.stopped) {
      this.handlers.onState(this.failures === 0 ? 'connecting' : 'reconnecting');
      this.controller = new AbortController();
      try {
        const headers = authHeaders({ Accept: 'text/event-stream' });
        if (this.lastEventId !== null) headers['Last-Event-ID'] = String(this.lastEventId);
        const res = await fetch('/api/stream', { headers, signal: this.controller.signal, cache: 'no-store' });
        if (res.status === 401) {
          this.stopped = true;
          this.handlers.onUnauthorized();
          return;
        }
        if (!res.ok || !res.body) throw new Error(`stream answered ${res.status}`);
        await this.read(res.body);
      } catch {
        // network error, abort or server restart: fall through to the backoff and reconnect
      }
      if (this.stopped) return;
      this.failures += 1;
      this.handlers.onState('reconnecting');
      const wait = Math.min(MAX_BACKOFF_MS, 500 * 2 ** Math.min(this.failures - 1, 5)) * (0.75 + Math.random() / 2);
      await new Promise((r) => setTimeout(r, wait));
    }
  }

  async read(body) {
    const reader = body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value.replace(/\r\n?/g, '\n');
      const batch = [];
      let cut = buffer.indexOf('\n\n');
      while (cut >= 0) {
        const block = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        this.dispatch(block, batch);
        cut = buffer.indexOf('\n\n');
      }
      if (batch.length) this.handlers.onEvents(batch);
    }
  }

  /** Parses one SSE message block; `change` events are collected into `batch`. */
  dispatch(block, batch) {
    let event = 'message';
    let id = null;
    const data = [];
    for (const line of block.split('\n')) {
      if (line === '' || line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'event') event = value;
      else if (field === 'data') data.push(value);
      else if (field === 'id') id = value;
    }
    if (event === 'change' && data.length) {
      const change = JSON.parse(data.join('\n'));
      if (this.lastEventId !== null && change.seq <= this.lastEventId) return;
      this.lastEventId = change.seq;
      batch.push(change);
    } else if (event === 'ready' && data.length) {
      const info = JSON.parse(data.join('\n'));
      this.failures = 0;
      // After a reset the old position belongs to another history: take the server's word for where we are.
      this.lastEventId = info.reset ? info.lastSeq : Math.max(this.lastEventId ?? 0, info.lastSeq);
      this.handlers.onState('live');
      this.handlers.onReady(info);
    }
    if (id !== null && /^\d+$/.test(id)) this.lastEventId = Math.max(this.lastEventId ?? 0, Number(id));
  }
}
