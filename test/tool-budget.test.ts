// The context an agent pays on every session: tools/list per profile, in tokens (JSON characters ÷ 4), must stay
// within the budgets of src/mcp/profiles.ts — the numbers the README states.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROFILES, TOKEN_BUDGETS } from '../src/mcp/profiles.js';
import { type Harness, REPO, startHarness } from './support/clients.js';
import { tempDir } from './support/sortie.js';

describe('tools/list size per profile', () => {
  let harness: Harness;
  const sizes = new Map<string, { tools: number; tokens: number }>();

  beforeAll(async () => {
    harness = await startHarness('memory', join(tempDir(), 'budget.db'));
    for (const profile of PROFILES) {
      const client = await harness.connect('budget', profile);
      const list = await client.client.listTools();
      sizes.set(profile, { tools: list.tools.length, tokens: Math.ceil(JSON.stringify(list).length / 4) });
    }
  });
  afterAll(async () => {
    await harness?.close();
  });

  for (const profile of PROFILES) {
    it(`${profile} stays within ${TOKEN_BUDGETS[profile]} tokens`, () => {
      const size = sizes.get(profile);
      expect(size?.tools).toBeGreaterThan(0);
      expect(size?.tokens, `${profile}: ${size?.tools} tools`).toBeLessThanOrEqual(TOKEN_BUDGETS[profile]);
    });
  }

  it('a narrower profile carries fewer tools and tokens', () => {
    const [worker, pilot, full] = (['worker', 'pilot', 'full'] as const).map((p) => sizes.get(p) as { tools: number; tokens: number });
    expect(worker.tools).toBeLessThan(pilot.tools);
    expect(worker.tokens).toBeLessThan(pilot.tokens);
    expect(pilot.tools).toBeLessThanOrEqual(full.tools);
    expect(pilot.tokens).toBeLessThanOrEqual(full.tokens);
  });

  it('the README states these budgets', () => {
    const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
    for (const profile of PROFILES) expect(readme).toContain(`${profile} ≤ ${TOKEN_BUDGETS[profile].toLocaleString('en-US')}`);
  });
});
