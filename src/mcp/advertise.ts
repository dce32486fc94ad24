// What a model sees of a tool: its name, description and input schema — the context every session pays for. The
// input schema a client receives is the validating schema with what the server enforces anyway taken out: size
// limits, JSON-Schema bookkeeping and the VantagePeers identity arguments (still accepted and checked, never
// advertised). Validation itself always runs on the full schema (registerTools in tool.ts).

/** Accepted on every call for VantagePeers compatibility and checked against the connection; not advertised. */
export const UNADVERTISED_ARGUMENTS: ReadonlySet<string> = new Set(['createdBy', 'callerOrchestrator', 'callerInstance']);

/**
 * Keywords the server enforces itself and a model need not be told: a violation is refused with VALIDATION_FAILED
 * naming the argument and the limit, so the model learns a bound on the one call that crosses it.
 */
const ENFORCED_KEYWORDS = new Set([
  '$schema',
  'maxLength',
  'minLength',
  'maxItems',
  'minItems',
  'minimum',
  'maximum',
  'pattern',
  'additionalProperties',
  'propertyNames',
]);

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** `string | string[]` (one id or a list) is advertised as the list: the server still takes a single value. */
function oneOrMany(node: { [key: string]: Json }): Json | undefined {
  const any = node.anyOf;
  if (!Array.isArray(any) || any.length !== 2) return undefined;
  const [one, many] = any as Array<{ [key: string]: Json }>;
  if (many?.type !== 'array' || JSON.stringify(many.items) !== JSON.stringify(one)) return undefined;
  const { anyOf: _, ...rest } = node;
  return { ...rest, ...many };
}

/**
 * A type that also allows null (or an epoch-ms number beside an ISO date) is advertised as its main type, unless
 * the description says what null means ("null clears"): the server accepts the rest all the same.
 */
function mainType(node: { [key: string]: Json }): Json | undefined {
  const type = node.type;
  if (!Array.isArray(type)) return undefined;
  const described = typeof node.description === 'string' && node.description.includes('null');
  const kept = type.filter((t) => (t !== 'null' || described) && !(t === 'number' && type.includes('string')));
  return kept.length === 1 ? kept[0] : kept;
}

function lean(node: Json, top: boolean, hidden: ReadonlySet<string>): Json {
  if (Array.isArray(node)) return node.map((n) => lean(n, false, hidden));
  if (node === null || typeof node !== 'object') return node;
  const folded = oneOrMany(node);
  if (folded !== undefined) return lean(folded, top, hidden);
  const out: { [key: string]: Json } = {};
  for (const [key, value] of Object.entries(node)) {
    if (ENFORCED_KEYWORDS.has(key)) continue;
    // A description that only spells the enum out again ("low | medium | high") repeats what the schema says.
    if (key === 'description' && typeof value === 'string' && Array.isArray(node.enum) && value === node.enum.join(' | ')) continue;
    if (key === 'type') {
      out[key] = mainType(node) ?? value;
      continue;
    }
    if (key === 'properties' && value && typeof value === 'object' && !Array.isArray(value)) {
      const props: { [key: string]: Json } = {};
      for (const [name, schema] of Object.entries(value)) {
        if ((top && UNADVERTISED_ARGUMENTS.has(name)) || hidden.has(name)) continue;
        // "steps.assignedTo" hides assignedTo inside each item of the steps argument.
        const inner = [...hidden].filter((h) => h.startsWith(`${name}.`)).map((h) => h.slice(name.length + 1));
        props[name] = lean(schema, false, new Set(inner));
      }
      out[key] = props;
      continue;
    }
    if (key === 'required' && Array.isArray(value)) {
      const required = value.filter((r) => typeof r !== 'string' || !((top && UNADVERTISED_ARGUMENTS.has(r)) || hidden.has(r)));
      if (required.length) out[key] = required;
      continue;
    }
    out[key] = lean(value, false, hidden);
  }
  return out;
}

/**
 * The input schema as advertised: the validating schema without enforced limits and unadvertised arguments — the
 * identity ones, and `hidden`: a tool's rarely needed arguments, still accepted (an agent that knows them uses them).
 */
export function advertisedInputSchema(schema: Record<string, unknown>, hidden: readonly string[] = []): Record<string, unknown> {
  // A dotted name ("steps.assignedTo") reaches into the items of an argument.
  return lean(schema as Json, true, new Set(hidden)) as Record<string, unknown>;
}

/** What a model is sent of one tool, as clients send it: name, description and input schema. */
export function modelView(tool: { name: string; description?: string; inputSchema: unknown }): { name: string; description: string; input_schema: unknown } {
  return { name: tool.name, description: tool.description ?? '', input_schema: tool.inputSchema };
}

/** The model-visible size of a tools/list, in JSON characters (tokens ≈ characters ÷ 4). */
export function modelVisibleCharacters(tools: ReadonlyArray<{ name: string; description?: string; inputSchema: unknown }>): number {
  return tools.reduce((sum, tool) => sum + JSON.stringify(modelView(tool)).length, 0);
}
