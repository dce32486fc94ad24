// Token cost: the size of tools/list per profile, measured through a real client, in tokens (characters ÷ 4).
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import pino from 'pino';
import { PROFILES, type Profile, TOKEN_BUDGETS } from '../src/mcp/profiles.js';
import { createMcpServer } from '../src/mcp/server.js';
import type { Sortie } from '../src/service/sortie.js';

export interface TokenResult {
  profile: Profile;
  tools: number;
  characters: number;
  tokens: number;
  budget: number;
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
    const characters = JSON.stringify(list).length;
    out.push({ profile, tools: list.tools.length, characters, tokens: Math.round(characters / 4), budget: TOKEN_BUDGETS[profile] });
    await client.close();
  }
  return out;
}
