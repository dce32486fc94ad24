// Token cost: per profile, what a model is sent of the tools (name, description, input schema as advertised) beside
// the whole tools/list a client receives (output schemas, annotations and titles included), through a real client.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import pino from 'pino';
import { modelVisibleCharacters } from '../src/mcp/advertise.js';
import { MODEL_BUDGETS, PROFILES, type Profile } from '../src/mcp/profiles.js';
import { createMcpServer } from '../src/mcp/server.js';
import type { Sortie } from '../src/service/sortie.js';

export interface TokenResult {
  profile: Profile;
  tools: number;
  /** Name + description + input schema per tool, JSON characters: what the model reads. */
  modelCharacters: number;
  modelTokens: number;
  budget: number;
  /** The whole tools/list result, JSON characters. */
  listCharacters: number;
}

export async function measureTokens(sortie: Sortie): Promise<TokenResult[]> {
  const out: TokenResult[] = [];
  for (const profile of PROFILES) {
    const { server } = createMcpServer({ sortie, logger: pino({ level: 'silent' }), identity: { agent: 'bench' }, profile });
    const [a, b] = InMemoryTransport.createLinkedPair();
    await server.connect(b);
    const client = new Client({ name: 'bench', version: '1' });
    await client.connect(a);
    const list = await client.listTools();
    const modelCharacters = modelVisibleCharacters(list.tools);
    out.push({
      profile,
      tools: list.tools.length,
      modelCharacters,
      modelTokens: Math.round(modelCharacters / 4),
      budget: MODEL_BUDGETS[profile],
      listCharacters: JSON.stringify(list).length,
    });
    await client.close();
  }
  return out;
}
