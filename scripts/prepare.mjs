#!/usr/bin/env node
// `prepare` (run by `npm install` in a clone and by `npm pack`): builds dist/ unless the last build it made is newer
// than every file the build reads. npm 11's `npx sortie` in a checkout installs the checkout into npm's npx cache,
// which runs `prepare` once more: with dist/ current that is a no-op instead of a second 20–30 s build.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const stamp = join(root, 'dist', '.prepared');
const inputs = ['src', 'bench', 'tsconfig.json', 'tsconfig.build.json', 'package.json', 'package-lock.json'];

/** The newest modification time of a file, or of any file below a folder. */
function newest(path) {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((entry) => newest(join(path, entry))));
}

const sources = Math.max(...inputs.map((p) => join(root, p)).filter(existsSync).map(newest));
if (existsSync(stamp) && statSync(stamp).mtimeMs >= sources) {
  process.stderr.write('sortie: dist/ is up to date with the sources, not rebuilding (npm run build forces a build)\n');
} else {
  execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
  // Written only after a build that succeeded: a failed build is retried by the next prepare.
  writeFileSync(stamp, `${new Date().toISOString()}\n`);
}
