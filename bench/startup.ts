// `npm run bench:startup`: how long the `sortie` command takes to start, per command, against `node -e 0` (the
// raw limit: Node.js starting and exiting) measured in the same run. Runs are interleaved — every round runs each
// case once, the order reversed every other round — so a change in the machine's load hits every case alike; the
// load average is printed before and after. `--compare <path/to/bin/sortie.js>` adds another build's commands
// (e.g. a checkout of main) as cases of their own; `--npx` adds `npx sortie` run in this checkout.

import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { percentile, printTable } from './stats.js';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '15' },
    compare: { type: 'string' },
    npx: { type: 'boolean', default: false },
  },
});

const root = resolve(import.meta.dirname, '..', '..');
const rounds = Number(values.rounds);
const work = mkdtempSync(join(tmpdir(), 'sortie-startup-'));
const db = join(work, 'bench.db');

interface Case {
  name: string;
  command: string;
  args: string[];
  cwd?: string;
}

const commands: Array<[string, string[]]> = [
  ['--version', ['--version']],
  ['--help', ['--help']],
  ['mission list', ['--db', db, 'mission', 'list']],
];
const bins: Array<[string, string]> = [['this build', join(root, 'bin', 'sortie.js')]];
if (values.compare) bins.push(['compared', resolve(values.compare)]);

const cases: Case[] = [{ name: 'node -e 0', command: process.execPath, args: ['-e', '0'] }];
for (const [label, bin] of bins)
  for (const [name, args] of commands) cases.push({ name: `${label}: sortie ${name}`, command: process.execPath, args: [bin, ...args] });
if (values.npx)
  for (const [name, args] of commands) cases.push({ name: `npx sortie ${name} (in the checkout)`, command: 'npx', args: ['sortie', ...args], cwd: root });

// The database exists and is migrated before any timed run, so `mission list` measures a read, not a migration.
for (const [, bin] of bins) execFileSync(process.execPath, [bin, '--db', db, 'mission', 'list'], { stdio: 'ignore' });

const times = new Map<string, number[]>(cases.map((c) => [c.name, []]));
const load = (label: string) =>
  `${label} ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`;
process.stdout.write(`load average (1, 5, 15 min): ${load('before')}\n`);
for (let round = 0; round < rounds; round++) {
  const order = round % 2 === 0 ? cases : [...cases].reverse();
  for (const c of order) {
    const started = process.hrtime.bigint();
    const result = spawnSync(c.command, c.args, { cwd: c.cwd ?? work, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, SORTIE_AGENT: 'bench' } });
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    if (result.status !== 0) throw new Error(`${c.name} exited with ${result.status}: ${result.stderr}`);
    times.get(c.name)?.push(ms);
  }
}
process.stdout.write(`load average (1, 5, 15 min): ${load('after')}\n`);
rmSync(work, { recursive: true, force: true });

const baseline = percentile(
  [...(times.get('node -e 0') ?? [])].sort((a, b) => a - b),
  50,
);
printTable(
  `Start-up, ${rounds} interleaved runs per case (ms, wall clock of the whole process)`,
  ['case', 'min', 'p50', 'p90', 'p50 over node -e 0'],
  cases.map((c) => {
    const sorted = [...(times.get(c.name) ?? [])].sort((a, b) => a - b);
    const p50 = percentile(sorted, 50);
    return [
      c.name,
      Math.round(sorted[0]),
      Math.round(p50),
      Math.round(percentile(sorted, 90)),
      c.name === 'node -e 0' ? '—' : `+${Math.round(p50 - baseline)}`,
    ];
  }),
);
