#!/usr/bin/env node
// Runs before `npm test`: makes sure the system pieces the suites need are here. The dashboard's end-to-end tests
// drive Debian's Chromium; on a Debian machine where we are root it is installed with apt-get (never a browser
// download), elsewhere the missing piece is named with the command that installs it.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const chromium = process.env.SORTIE_TEST_CHROMIUM || '/usr/bin/chromium';
if (!existsSync(chromium)) {
  const canApt = process.getuid?.() === 0 && existsSync('/usr/bin/apt-get');
  if (!canApt) {
    process.stderr.write(`test prerequisites: Chromium is missing at ${chromium}.\n  Install it: sudo apt-get install -y chromium (or set SORTIE_TEST_CHROMIUM to a Chromium binary).\n`);
    process.exit(1);
  }
  process.stderr.write('test prerequisites: installing Debian chromium for the dashboard end-to-end tests (apt-get)…\n');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update', '-qq'], { stdio: ['ignore', 'ignore', 'inherit'], env });
  execFileSync('apt-get', ['install', '-y', '-qq', 'chromium'], { stdio: ['ignore', 'ignore', 'inherit'], env });
  if (!existsSync(chromium)) {
    process.stderr.write(`test prerequisites: apt-get finished but ${chromium} is still missing.\n`);
    process.exit(1);
  }
}
