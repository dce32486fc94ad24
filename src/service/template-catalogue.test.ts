// Unit tests of the built-in template catalogue: finding the shipped files and refusing malformed ones.
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { builtinTemplatesDir, loadBuiltinTemplates, packageRoot } from './template-catalogue.js';

function folder(files: Record<string, unknown>): string {
  const dir = join(tmpdir(), `sortie-catalogue-${process.pid}-${Math.random().toString(36).slice(2)}`);
  mkdirSync(dir, { recursive: true });
  for (const [name, body] of Object.entries(files)) writeFileSync(join(dir, name), typeof body === 'string' ? body : JSON.stringify(body));
  return dir;
}

describe('the built-in catalogue', () => {
  it('is found from the package root and holds the five shipped templates', () => {
    expect(builtinTemplatesDir()).toBe(join(packageRoot(), 'templates'));
    const all = loadBuiltinTemplates();
    expect([...all.keys()]).toEqual(['doc-completion', 'generic', 'issue-resolution', 'new-feature', 'repo-fix']);
    for (const t of all.values()) {
      expect(t).toMatchObject({ builtin: true, version: 1, createdBy: 'sortie', deletedAt: null });
      expect(t.description).toBeTruthy();
      for (const step of t.steps) expect(step.description?.length ?? 0).toBeGreaterThan(60);
    }
  });

  it('refuses a file that is not JSON, has no version, is invalid, or is named differently from its template', () => {
    expect(() => loadBuiltinTemplates(folder({ 'x.json': '{ nope' }))).toThrow(/is not JSON/);
    expect(() => loadBuiltinTemplates(folder({ 'x.json': { name: 'x', steps: [{ title: 'a' }] } }))).toThrow(/"version" must be a positive integer/);
    expect(() => loadBuiltinTemplates(folder({ 'x.json': { name: 'x', version: 1, steps: [{ key: 'a', title: 'a', dependsOn: ['a'] }] } }))).toThrow(
      /is invalid: dependency cycle/,
    );
    expect(() => loadBuiltinTemplates(folder({ 'y.json': { name: 'x', version: 1, steps: [{ title: 'a' }] } }))).toThrow(/must be named x\.json/);
    expect([...loadBuiltinTemplates(folder({ 'x.json': { name: 'x', version: 3, steps: [{ title: 'a' }] }, 'notes.txt': 'ignored' })).keys()]).toEqual(['x']);
  });
});
