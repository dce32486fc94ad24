// The README as a newcomer reads it: its tables render as tables on GitHub (no blank line inside one), and every
// `sortie …` command of the walkthrough is one the CLI accepts — command, subcommand, options and arguments — checked
// by parsing it with the real program (src/cli/main.ts) whose actions are replaced by no-ops.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { describe, expect, it, vi } from 'vitest';
import { buildProgram } from '../src/cli/main.js';
import { REPO } from './support/clients.js';
import { tempDir } from './support/sortie.js';

const README = readFileSync(join(REPO, 'README.md'), 'utf8');

/** The body of one `## ` section. */
function section(title: string): string {
  const start = README.indexOf(`\n## ${title}\n`);
  expect(start, `README section "${title}"`).toBeGreaterThan(-1);
  const end = README.indexOf('\n## ', start + 1);
  return README.slice(start, end === -1 ? undefined : end);
}

/** The lines of the ```sh blocks of `text` (indented blocks in list items too) that run sortie. */
function sortieLines(text: string): string[] {
  const lines: string[] = [];
  let inSh = false;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('```')) {
      inSh = !inSh && line === '```sh';
      continue;
    }
    if (inSh && /^(npx )?sortie /.test(line)) lines.push(line);
  }
  return lines;
}

/** Splits a command line into words as sh would (quotes, no expansion); `#` starts a comment only at a word's start. */
function words(line: string): string[] {
  const out: string[] = [];
  const re = /\s*(?:"([^"]*)"|'([^']*)'|(#.*$)|(\S+))/gy;
  for (let m = re.exec(line); m?.[0].trim(); m = re.exec(line)) {
    if (m[3] !== undefined) break;
    out.push(m[1] ?? m[2] ?? m[4]);
  }
  return out;
}

/** The program with every action a no-op and every error thrown, not printed. */
function inertProgram(): Command {
  const program = buildProgram();
  const visit = (cmd: Command) => {
    cmd.exitOverride().configureOutput({ writeErr: () => {}, writeOut: () => {}, outputError: () => {} });
    if (cmd.commands.length === 0) cmd.action(() => {});
    for (const sub of cmd.commands) visit(sub);
  };
  visit(program);
  return program;
}

describe('README', () => {
  it('has no blank line inside a table: a row after a blank line is always a header', () => {
    const lines = README.split('\n');
    const split = lines.flatMap((line, i) =>
      line.startsWith('|') && lines[i - 1]?.trim() === '' && !/^\|[-| :]+\|$/.test(lines[i + 1] ?? '') ? [`line ${i + 1}: ${line.slice(0, 60)}`] : [],
    );
    expect(split).toEqual([]);
  });

  it('the check above can fail: it finds a table split by a blank line', () => {
    const broken = '| a | b |\n|---|---|\n| 1 | 2 |\n\n| 3 | 4 |\n'.split('\n');
    const split = broken.filter((line, i) => line.startsWith('|') && broken[i - 1]?.trim() === '' && !/^\|[-| :]+\|$/.test(broken[i + 1] ?? ''));
    expect(split).toEqual(['| 3 | 4 |']);
  });

  it('gives a runnable command for each step of the walkthrough', () => {
    const walkthrough = section('A mission from start to finish');
    const steps = walkthrough.split(/\n(?=\d\. )/).slice(1);
    expect(steps.map((s) => s[0])).toEqual(['1', '2', '3', '4', '5']);
    for (const step of steps) expect(sortieLines(step).length, step.slice(0, 60)).toBeGreaterThan(0);
    for (const command of ['task claim --next', 'task complete', '--note', 'mission evidence', '--deliverable docs --evidence pr:#42']) {
      expect(walkthrough).toContain(command);
    }
  });

  it('every sortie command of the walkthrough and the quick start parses with the real CLI', async () => {
    const lines = [...sortieLines(section('A mission from start to finish')), ...sortieLines(section('Quick start').replace(/npm install && /g, ''))];
    expect(lines.length).toBeGreaterThanOrEqual(18);
    const refused: string[] = [];
    for (const line of lines) {
      const argv = words(line.replace(/^npx /, ''));
      expect(argv[0]).toBe('sortie');
      try {
        await inertProgram().parseAsync(argv.slice(1), { from: 'user' });
      } catch (error) {
        refused.push(`${line}: ${(error as Error).message}`);
      }
    }
    expect(refused).toEqual([]);
  });

  it('the parse check can fail: an unknown option, subcommand or missing argument is refused', async () => {
    for (const bad of ['task claim --nxt', 'mission evidnce doc-completion', 'task complete --note x', 'mission status doc-completion']) {
      await expect(inertProgram().parseAsync(words(bad), { from: 'user' }), bad).rejects.toThrow();
    }
  });

  it('runs as written on a fresh database: one refusal, where step 5 says, and mission show prints the sample', async () => {
    const walkthrough = section('A mission from start to finish');
    const db = join(tempDir('sortie-readme-'), 'demo.db');
    const out: string[] = [];
    const write = vi.spyOn(process.stdout, 'write').mockImplementation(((chunk: string | Uint8Array) => {
      out.push(String(chunk));
      return true;
    }) as typeof process.stdout.write);
    const run = async (line: string): Promise<string | undefined> => {
      try {
        await buildProgram().parseAsync(['--db', db, ...words(line.replace(/^npx /, '')).slice(1)], { from: 'user' });
        return undefined;
      } catch (error) {
        return (error as { code?: string }).code ?? String(error);
      }
    };
    const refused: Array<[string, string]> = [];
    try {
      for (const line of sortieLines(walkthrough)) {
        const code = await run(line);
        if (code) refused.push([line, code]);
      }
      out.length = 0;
      refused.push(['show', (await run('sortie mission show doc-completion')) ?? 'ok']);
    } finally {
      write.mockRestore();
    }
    expect(refused).toEqual([
      ['npx sortie --agent alice mission status doc-completion complete', 'EVIDENCE_REQUIRED'],
      ['show', 'ok'],
    ]);
    const sample = walkthrough.split('`npx sortie mission show doc-completion` draws it:\n\n```\n')[1]?.split('\n```')[0];
    const ulids = (text: string) => text.replace(/\b[0-9A-HJKMNP-TV-Z]{26}\b/g, '<id>').trim();
    expect(ulids(out.join(''))).toBe(ulids(sample ?? ''));
  });

  it('keeps the quick start at two command lines and names --port', () => {
    const quick = section('Quick start');
    const commands = quick
      .split('\n```sh\n')
      .slice(1)
      .flatMap((block) =>
        block
          .split('\n```')[0]
          .split('\n')
          .filter((l) => l.trim()),
      );
    expect(commands).toHaveLength(2);
    expect(quick).toContain('--port');
  });

  it('lists project list in the CLI table', () => {
    expect(section('The CLI')).toMatch(/^\| `sortie project list`/m);
  });
});
