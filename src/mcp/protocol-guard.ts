// What Sortie answers to malformed JSON-RPC before the SDK sees it, on every transport: each message is either passed
// on or answered here, so every request with an id gets exactly one short reply. (SDK 1.32 drops stdio messages that
// fail its envelope schema without a reply, and answers bad params with -32603 and a schema-library dump.)
import {
  CallToolRequestSchema,
  GetPromptRequestSchema,
  InitializeRequestSchema,
  type JSONRPCMessage,
  JSONRPCMessageSchema,
  ListPromptsRequestSchema,
  ListResourcesRequestSchema,
  ListResourceTemplatesRequestSchema,
  ListToolsRequestSchema,
  PingRequestSchema,
  ReadResourceRequestSchema,
  type RequestId,
  SubscribeRequestSchema,
  UnsubscribeRequestSchema,
} from '@modelcontextprotocol/sdk/types.js';
import type { ZodType } from 'zod';
import { DomainError } from '../core/errors.js';
import { renderError } from './tool.js';

/**
 * The largest message Sortie reads, on stdio and HTTP alike: the SDK's HTTP body limit (4 MiB). A tool call is a few
 * KiB; a bigger message is refused with a reply, and the connection goes on.
 */
export const MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

export const PARSE_ERROR = -32700;
export const INVALID_REQUEST = -32600;
export const INVALID_PARAMS = -32602;

/** A reply the guard sends itself. `id` is null when the message's id could not be read (JSON-RPC 2.0 §5). */
export type GuardReply =
  | { jsonrpc: '2.0'; id: RequestId | null; error: { code: number; message: string } }
  | { jsonrpc: '2.0'; id: RequestId; result: Record<string, unknown> };

/** A message is passed on to the SDK, answered (`reply`), or dropped (a malformed response: responses get no reply). */
export type Screened = { pass: JSONRPCMessage } | { reply: GuardReply | undefined };

/** Screens one parsed JSON-RPC message for one connection (which knows its tools). */
export type Screen = (raw: unknown) => Screened;

/** The request methods Sortie's server serves, with the SDK's schema for each; other methods go to the SDK (-32601). */
const SERVED_METHODS: ReadonlyMap<string, ZodType> = new Map<string, ZodType>([
  ['initialize', InitializeRequestSchema],
  ['ping', PingRequestSchema],
  ['tools/list', ListToolsRequestSchema],
  ['tools/call', CallToolRequestSchema],
  ['resources/list', ListResourcesRequestSchema],
  ['resources/templates/list', ListResourceTemplatesRequestSchema],
  ['resources/read', ReadResourceRequestSchema],
  ['resources/subscribe', SubscribeRequestSchema],
  ['resources/unsubscribe', UnsubscribeRequestSchema],
  ['prompts/list', ListPromptsRequestSchema],
  ['prompts/get', GetPromptRequestSchema],
]);

interface ZodIssueLike {
  path: PropertyKey[];
  message: string;
}

/** At most a short prefix of anything the caller sent, so a reply never grows with the input. */
export function excerpt(value: string, max = 64): string {
  return value.length <= max ? value : `${value.slice(0, max)}… (${value.length} chars)`;
}

export function rpcError(id: RequestId | null, code: number, message: string): GuardReply {
  return { jsonrpc: '2.0', id, error: { code, message } };
}

export function parseErrorReply(): GuardReply {
  return rpcError(null, PARSE_ERROR, 'Parse error: the message is not valid JSON; send one JSON-RPC object per message');
}

export function tooLargeReply(id: RequestId | null, bytes?: number): GuardReply {
  const size = bytes === undefined ? '' : ` of ${bytes} bytes`;
  return rpcError(
    id,
    INVALID_REQUEST,
    `Invalid Request: message${size} refused, over the limit of ${MAX_MESSAGE_BYTES} bytes (4 MiB); nothing was done. Send large content in smaller calls.`,
  );
}

/** An id the reply may carry: a string or an integer, as MCP requires. Anything else is answered with id null. */
function usableId(id: unknown): RequestId | undefined {
  return typeof id === 'string' || (typeof id === 'number' && Number.isSafeInteger(id)) ? id : undefined;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'number' && !Number.isInteger(value)) return 'a non-integer number';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

const REQUEST_MEMBERS = new Set(['jsonrpc', 'id', 'method', 'params']);

function firstIssue(issues: ZodIssueLike[] | undefined): string {
  const issue = issues?.[0];
  if (!issue) return 'invalid';
  const path = issue.path.map(String).join('.');
  return excerpt(`${path ? `${path}: ` : ''}${issue.message}`, 160);
}

/** A tool refusal in the documented shape (README "Errors"), as the result of the tools/call request `id`. */
function toolRefusal(id: RequestId, error: DomainError): GuardReply {
  return { jsonrpc: '2.0', id, result: { ...renderError(error) } };
}

/**
 * The guard of one connection: `tools` are the tool names that connection offers (its profile's); `unknownToolHint`
 * words the refusal of any other name (which profile carries it, and how to pick that profile on this transport).
 */
export function protocolGuard(
  tools: ReadonlySet<string>,
  unknownToolHint: (name: string) => string = () => 'tools/list shows the tools this connection offers (its profile).',
): Screen {
  return (raw) => {
    if (!isPlainObject(raw)) return { reply: rpcError(null, INVALID_REQUEST, `Invalid Request: a message must be a JSON-RPC object, got ${kindOf(raw)}`) };
    if (!('method' in raw)) {
      // A response to a server request: a malformed one is dropped, since a response is never answered.
      if ('result' in raw || 'error' in raw) {
        const parsed = JSONRPCMessageSchema.safeParse(raw);
        return parsed.success ? { pass: parsed.data } : { reply: undefined };
      }
      return { reply: rpcError(usableId(raw.id) ?? null, INVALID_REQUEST, 'Invalid Request: a message needs a "method" (or "result"/"error" for a response)') };
    }
    const hasId = 'id' in raw;
    const id = usableId(raw.id);
    if (hasId && id === undefined)
      return { reply: rpcError(null, INVALID_REQUEST, `Invalid Request: "id" must be a string or an integer, got ${kindOf(raw.id)}`) };
    const replyId = id ?? null;
    if (raw.jsonrpc !== '2.0') return { reply: rpcError(replyId, INVALID_REQUEST, 'Invalid Request: "jsonrpc" must be "2.0"') };
    if (typeof raw.method !== 'string')
      return { reply: rpcError(replyId, INVALID_REQUEST, `Invalid Request: "method" must be a string, got ${kindOf(raw.method)}`) };
    const extra = Object.keys(raw).find((key) => !REQUEST_MEMBERS.has(key));
    if (extra !== undefined) return { reply: rpcError(replyId, INVALID_REQUEST, `Invalid Request: unexpected member "${excerpt(extra)}"`) };
    if ('params' in raw && !isPlainObject(raw.params)) {
      return {
        reply: rpcError(replyId, id === undefined ? INVALID_REQUEST : INVALID_PARAMS, `Invalid params: "params" must be an object, got ${kindOf(raw.params)}`),
      };
    }
    const schema = id === undefined ? undefined : SERVED_METHODS.get(raw.method);
    if (id !== undefined && schema) {
      const params = raw.params as Record<string, unknown> | undefined;
      if (raw.method === 'tools/call') {
        if (typeof params?.name !== 'string') {
          return { reply: rpcError(id, INVALID_PARAMS, `Invalid params: tools/call needs "params.name", a tool name (string), got ${kindOf(params?.name)}`) };
        }
        if (!tools.has(params.name)) {
          return {
            reply: toolRefusal(
              id,
              new DomainError('NOT_FOUND', `tool "${excerpt(params.name)}" not found on this connection`, unknownToolHint(excerpt(params.name)), {
                kind: 'tool',
              }),
            ),
          };
        }
        if ('arguments' in params && params.arguments !== undefined && !isPlainObject(params.arguments)) {
          return {
            reply: toolRefusal(
              id,
              new DomainError(
                'VALIDATION_FAILED',
                `arguments: must be an object of named arguments, got ${kindOf(params.arguments)}`,
                `Send "arguments" as a JSON object, e.g. {} or {"taskId": "…"}; tools/list shows ${excerpt(params.name)}'s input schema.`,
                { field: 'arguments' },
              ),
            ),
          };
        }
      }
      const parsed = schema.safeParse(params === undefined ? { method: raw.method } : { method: raw.method, params });
      if (!parsed.success) return { reply: rpcError(id, INVALID_PARAMS, `Invalid params: ${firstIssue(parsed.error?.issues)}`) };
    }
    const message = JSONRPCMessageSchema.safeParse(raw);
    if (!message.success) return { reply: rpcError(replyId, INVALID_REQUEST, 'Invalid Request: not a JSON-RPC 2.0 request or notification') };
    return { pass: message.data };
  };
}

/**
 * A batch (JSON array) is all or nothing: if any entry is refused (or `refuseAll` says why none may run), nothing runs
 * and every entry with an id gets one reply — its own refusal, or "not run".
 */
export function screenBatch(raws: readonly unknown[], screen: Screen, refuseAll?: string): { pass: JSONRPCMessage[] } | { replies: GuardReply[] } {
  if (raws.length === 0) return { replies: [rpcError(null, INVALID_REQUEST, 'Invalid Request: an empty batch')] };
  const screened = raws.map(screen);
  const bad = refuseAll ? 0 : screened.findIndex((s) => 'reply' in s);
  if (bad === -1) return { pass: screened.flatMap((s) => ('pass' in s ? [s.pass] : [])) };
  const why = refuseAll ?? `entry ${bad + 1} of this batch was refused`;
  const replies = screened.flatMap((s, i): GuardReply[] => {
    if ('reply' in s) return s.reply && !refuseAll ? [s.reply] : [];
    const entry = raws[i] as Record<string, unknown>;
    const id = usableId(entry.id);
    return id !== undefined && 'method' in entry ? [rpcError(id, INVALID_REQUEST, `Invalid Request: not run, because ${why}`)] : [];
  });
  return { replies: replies.length ? replies : [rpcError(null, INVALID_REQUEST, `Invalid Request: nothing in this batch was run, because ${why}`)] };
}

/**
 * Reads the top-level "id" of a JSON object streamed through it byte by byte, without keeping the message: how an
 * oversized stdio line (dropped, not buffered) still gets its refusal under the right id. SDK clients put the id
 * last, others first; nested "id" keys are skipped. Gives up (id null) on ids longer than 256 bytes.
 */
export class TopLevelIdScanner {
  private depth = 0;
  private topIsObject = false;
  private inString = false;
  private escaped = false;
  private expectKey = false;
  /** While a top-level key is read: its length, and whether its bytes so far spell a prefix of "id". */
  private key: { length: number; id: boolean } | undefined;
  private keyIsId = false;
  private awaitingIdValue = false;
  private value: number[] | undefined;
  private valueIsString = false;
  private found: RequestId | undefined;

  feed(bytes: Uint8Array): void {
    for (const b of bytes) this.step(b);
  }

  /** The top-level id seen so far (the last one, as JSON.parse would keep). */
  id(): RequestId | null {
    if (this.value && !this.valueIsString) this.finishValue();
    return this.found ?? null;
  }

  private step(b: number): void {
    if (this.value) {
      if (this.valueIsString) {
        this.value.push(b);
        if (this.escaped) this.escaped = false;
        else if (b === 0x5c) this.escaped = true;
        else if (b === 0x22) {
          this.inString = false;
          this.finishValue();
        }
        if (this.value && this.value.length > 256) this.value = undefined; // too long to echo; keep scanning the string
        return;
      }
      if ((b >= 0x30 && b <= 0x39) || b === 0x2d || b === 0x2b || b === 0x2e || b === 0x65 || b === 0x45) {
        this.value.push(b);
        if (this.value.length > 32) this.value = undefined;
        return;
      }
      this.finishValue();
    }
    if (this.inString) {
      if (this.escaped) this.escaped = false;
      else if (b === 0x5c) this.escaped = true;
      else if (b === 0x22) {
        this.inString = false;
        if (this.key) this.keyIsId = this.key.id && this.key.length === 2;
        this.key = undefined;
        return;
      }
      if (this.key) {
        this.key.id &&= this.key.length < 2 && b === (this.key.length === 0 ? 0x69 : 0x64);
        this.key.length += 1;
      }
      return;
    }
    if (b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d) return;
    if (this.awaitingIdValue) {
      this.awaitingIdValue = false;
      if (b === 0x22) {
        this.value = [b];
        this.valueIsString = true;
        this.inString = true;
        return;
      }
      if ((b >= 0x30 && b <= 0x39) || b === 0x2d) {
        this.value = [b];
        this.valueIsString = false;
        return;
      }
    }
    const top = this.depth === 1 && this.topIsObject;
    switch (b) {
      case 0x22: // "
        this.inString = true;
        if (top && this.expectKey) {
          this.key = { length: 0, id: true };
          this.expectKey = false;
        }
        return;
      case 0x7b: // {
        this.depth += 1;
        if (this.depth === 1) {
          this.topIsObject = true;
          this.expectKey = true;
        }
        return;
      case 0x5b: // [
        this.depth += 1;
        return;
      case 0x7d: // }
      case 0x5d: // ]
        this.depth -= 1;
        return;
      case 0x2c: // ,
        if (top) this.expectKey = true;
        return;
      case 0x3a: // :
        if (top && this.keyIsId) this.awaitingIdValue = true;
        this.keyIsId = false;
        return;
      default:
        return;
    }
  }

  private finishValue(): void {
    const text = Buffer.from(this.value ?? []).toString('utf8');
    this.value = undefined;
    try {
      this.found = usableId(JSON.parse(text));
    } catch {
      this.found = undefined;
    }
  }
}
