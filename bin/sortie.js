#!/usr/bin/env node
// The `sortie` command: runs the compiled CLI (built by `npm install` through the `prepare` script).
import('../dist/src/cli/main.js').then((m) => m.main(process.argv));
