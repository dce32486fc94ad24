// The benchmark smoke run in CI: seconds long, asserting correctness figures only — never timings.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, test } from 'vitest';
import { REPO } from './support/clients.js';
import { tempDir } from './support/sortie.js';

const run = promisify(execFile);

describe('benchmark smoke', () => {
  test('claim throughput with 1 and 8 agents: every task completed once, no double claims, lock errors or lost writes; the interleaved claims run reports every case with its share of its baseline', async () => {
    const out = tempDir('sortie-bench-smoke-');
    const pg = process.env.SORTIE_TEST_PG_URL ?? '';
    await run(process.execPath, [join(REPO, 'dist', 'bench', 'run.js'), '--smoke', '--only', 'throughput,tokens,claims', '--out', out, '--pg', pg], {
      env: { ...process.env, SORTIE_BENCH_PG_URL: pg },
      maxBuffer: 10 * 1024 * 1024,
    });
    const results = JSON.parse(readFileSync(join(out, 'smoke-latest.json'), 'utf8'));
    const rows = results.throughput as Array<Record<string, number | string>>;
    expect(rows.map((r) => `${r.mode}:${r.agents}`)).toEqual(pg ? ['stdio:1', 'stdio:8', 'http:1', 'http:8'] : ['stdio:1', 'stdio:8']);
    for (const r of rows) {
      expect(r.completions, `${r.mode} ${r.agents} agents`).toBe(results.options.pool);
      expect(r.claims).toBe(r.completions);
      expect({ double: r.doubleClaims, lock: r.lockErrors, lost: r.lostWrites, other: r.otherErrors }).toEqual({ double: 0, lock: 0, lost: 0, other: 0 });
    }
    const cases = results.claims.cases as Array<{
      name: string;
      claims: number;
      shareOfBaseline: number | null;
      doubleClaims: number | null;
      lockErrors: number;
      otherErrors: number;
      cpu: { bench: number; server: number | null; database: number | null };
    }>;
    expect(cases.map((c) => c.name.split(':')[0])).toEqual([
      'raw SQLite',
      'floor',
      'Sortie service in process',
      'floor',
      'Sortie over MCP stdio',
      'Sortie over MCP stdio',
      ...(pg ? ['raw PostgreSQL', 'Sortie over MCP HTTP on PostgreSQL'] : []),
    ]);
    for (const c of cases) {
      expect(c.claims, c.name).toBeGreaterThan(0);
      // The protocol floor has no tasks to claim twice: it reports none rather than a zero it could not fail.
      const tasks = !c.name.startsWith('floor: MCP');
      expect({ double: c.doubleClaims, lock: c.lockErrors, other: c.otherErrors }, c.name).toEqual({ double: tasks ? 0 : null, lock: 0, other: 0 });
      expect(c.shareOfBaseline === null, c.name).toBe(c.name.startsWith('raw'));
    }
    // Where the cores went: every case's own process, and on Linux the server processes and PostgreSQL's backends.
    for (const c of cases) {
      expect(c.cpu.bench, c.name).toBeGreaterThan(0);
      if (!existsSync('/proc')) continue;
      expect(c.cpu.server === null, c.name).toBe(!/MCP/.test(c.name));
      if (c.cpu.server !== null) expect(c.cpu.server, c.name).toBeGreaterThan(0);
      expect(c.cpu.database === null, c.name).toBe(!c.name.includes('PostgreSQL'));
      if (c.cpu.database !== null) expect(c.cpu.database, c.name).toBeGreaterThan(0);
    }
    expect(results.loadAverageStart).toHaveLength(3);
    for (const t of results.tokens as Array<{ profile: string; modelCharacters: number; budget: number }>) {
      expect(t.modelCharacters, t.profile).toBeGreaterThan(0);
      expect(t.modelCharacters, t.profile).toBeLessThanOrEqual(t.budget);
    }
  }, 180_000);
});
