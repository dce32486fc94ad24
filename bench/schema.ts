// What Sortie's schema costs the database itself: the raw claim-and-complete loop (two transactions with their events,
// prepared statements, no server) on Sortie's own tables, with the indexes and checkpointing of before and after
// issue 14, interleaved like bench/claims.ts. `node dist/bench/schema.js [--rounds 3] [--seconds 4]` after a build.
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { rawOnSortieSchema, type Variant } from './raw-schema.js';
import { printTable, round } from './stats.js';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '3' }, seconds: { type: 'string', default: '4' } } });

const VARIANTS: Variant[] = [
  { name: 'indexes of 0001–0007, autocheckpoint on (before)', indexesBefore: true, autocheckpoint: true },
  { name: 'indexes of 0001–0007, checkpoints off the commit path', indexesBefore: true, autocheckpoint: false },
  { name: 'indexes of 0008, checkpoints off the commit path (after)', indexesBefore: false, autocheckpoint: false },
];

const dir = mkdtempSync(join(tmpdir(), 'sortie-schema-'));
const load = loadavg();
const cases = await Promise.all(VARIANTS.map((v, i) => rawOnSortieSchema(join(dir, `schema-${i}.db`), v)));
const totals = VARIANTS.map(() => ({ claims: 0, seconds: 0, rounds: [] as number[] }));
for (let r = 0; r < Number(values.rounds); r++) {
  const order = VARIANTS.map((_, i) => i);
  for (const i of r % 2 === 0 ? order : order.reverse()) {
    const run = cases[i].run(Number(values.seconds));
    totals[i].claims += run.claims;
    totals[i].seconds += run.seconds;
    totals[i].rounds.push(round(run.claims / run.seconds));
  }
}
for (const c of cases) c.close();
rmSync(dir, { recursive: true, force: true });
process.stdout.write(
  `\nload average ${load.map((l) => l.toFixed(2)).join(' ')} at the start, ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')} at the end\n`,
);
printTable(
  "Raw claim + complete on Sortie's schema (100,000 tasks), claims per second",
  ['variant', 'per round', 'claims/s'],
  VARIANTS.map((v, i) => [v.name, totals[i].rounds.join(' / '), round(totals[i].claims / totals[i].seconds)]),
);
