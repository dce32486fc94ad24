// The layer rules of STYLE.md ("The shape of Sortie"), checked from the source so they stay true: which src/
// folder may import which, which packages each may use, no import cycle, and nothing imports the CLI.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const SRC = join(import.meta.dirname, '..', 'src');

const LAYERS = ['core', 'db', 'service', 'runtime', 'mcp', 'http', 'cli'] as const;
type Layer = (typeof LAYERS)[number];

/**
 * The arrows allowed between the folders of src/, besides a folder importing itself. They point down only:
 * core is pure; db persists it; service holds the use cases; runtime assembles a running Sortie (database,
 * services, background work); mcp and http are the adapters (http serves MCP over HTTP, so it may use mcp);
 * cli is the composition root, and its `db migrate` / `db copy` commands work on the database itself.
 * Interfaces other than those maintenance commands never reach db: they go through service.
 */
const MAY_IMPORT: Readonly<Record<Layer, readonly Layer[]>> = {
  core: [],
  db: ['core'],
  service: ['core', 'db'],
  runtime: ['core', 'db', 'service'],
  mcp: ['core', 'service', 'runtime'],
  http: ['core', 'service', 'runtime', 'mcp'],
  cli: ['core', 'db', 'service', 'runtime', 'mcp', 'http'],
};

/** Packages only one folder may import: the query builder and drivers, the MCP SDK, the HTTP server, the CLI parser. */
const OWNED_PACKAGES: Readonly<Record<string, Layer>> = {
  kysely: 'db',
  'better-sqlite3': 'db',
  pg: 'db',
  '@electric-sql/pglite': 'db',
  'kysely-pglite-dialect': 'db',
  '@modelcontextprotocol/sdk': 'mcp',
  hono: 'http',
  '@hono/node-server': 'http',
  commander: 'cli',
};

/** The only packages the core may import: no MCP, HTTP, SQL, file system or any other Node built-in. */
const CORE_PACKAGES: readonly string[] = ['zod', 'croner', 'ulid'];

/** Module → the modules and packages it imports (static, `import type`, `export … from` and dynamic `import()`). */
type Graph = Map<string, { modules: string[]; packages: string[] }>;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

/** Package name of a bare specifier: `@scope/name/sub` → `@scope/name`, `pino/file` → `pino`. */
function packageOf(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/** Reads the import graph of src/ (product code; unit tests beside it are not part of the layers). */
function readGraph(): Graph {
  const graph: Graph = new Map();
  for (const file of sourceFiles(SRC)) {
    const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    const modules: string[] = [];
    const packages: string[] = [];
    for (const { fileName: specifier } of importedFiles) {
      if (specifier.startsWith('.')) modules.push(relative(SRC, resolve(dirname(file), specifier.replace(/\.js$/, '.ts'))));
      else packages.push(specifier.startsWith('node:') ? specifier : packageOf(specifier));
    }
    graph.set(relative(SRC, file), { modules: [...new Set(modules)], packages: [...new Set(packages)] });
  }
  return graph;
}

const layerOf = (module: string): string => module.split('/')[0];

/** Every rule broken, one line each: upward or sideways arrows, packages outside their folder, imports of the CLI. */
function layerViolations(graph: Graph): string[] {
  const out: string[] = [];
  for (const [module, { modules, packages }] of graph) {
    const from = layerOf(module) as Layer;
    if (!LAYERS.includes(from)) {
      out.push(`${module}: src/${from} is not a layer of STYLE.md; add it to MAY_IMPORT`);
      continue;
    }
    for (const target of modules) {
      const to = layerOf(target);
      if (target.startsWith('..')) out.push(`${module} imports ${target}, outside src/`);
      else if (to === 'cli' && from !== 'cli') out.push(`${module} imports ${target}: nothing outside src/cli imports the CLI`);
      else if (to !== from && !MAY_IMPORT[from].includes(to as Layer)) out.push(`${module} imports ${target}: ${from} may not import ${to}`);
    }
    for (const pkg of packages) {
      const owner = OWNED_PACKAGES[pkg];
      if (owner && owner !== from) out.push(`${module} imports ${pkg}: only src/${owner} may`);
      if (from === 'core' && !CORE_PACKAGES.includes(pkg)) out.push(`${module} imports ${pkg}: the core imports only ${CORE_PACKAGES.join(', ')}`);
    }
  }
  return out;
}

/** Import cycles as paths `a → b → a`, at least one through every tangle; type-only and dynamic imports count, as both still tie two modules together. */
function importCycles(graph: Graph): string[] {
  const cycles: string[] = [];
  const done = new Set<string>();
  const path: string[] = [];
  const visit = (module: string) => {
    const at = path.indexOf(module);
    if (at >= 0) {
      cycles.push([...path.slice(at), module].join(' → '));
      return;
    }
    if (done.has(module) || !graph.has(module)) return;
    path.push(module);
    for (const next of graph.get(module)?.modules ?? []) visit(next);
    path.pop();
    done.add(module);
  };
  for (const module of [...graph.keys()].sort()) visit(module);
  return cycles;
}

describe('the layers of src/', () => {
  const graph = readGraph();

  it('reads the real import graph', () => {
    expect(graph.size).toBeGreaterThan(50);
    expect(graph.get('runtime/runtime.ts')?.modules).toContain('db/database.ts');
    // Dynamic imports count: the factory loads each dialect on demand.
    expect(graph.get('db/database.ts')?.modules).toContain('db/sqlite.ts');
    expect(graph.get('db/sqlite.ts')?.packages).toContain('kysely');
  });

  it('has no import cycle', () => {
    expect(importCycles(graph)).toEqual([]);
  });

  it('has arrows pointing down the layers only, packages inside the folder that owns them, and nothing importing the CLI', () => {
    expect(layerViolations(graph)).toEqual([]);
  });

  it('catches a cycle, an upward arrow, an import of the CLI and a package outside its folder', () => {
    const fake: Graph = new Map([
      ['core/a.ts', { modules: ['core/b.ts'], packages: ['node:fs'] }],
      ['core/b.ts', { modules: ['core/a.ts', 'service/c.ts'], packages: ['zod'] }],
      ['service/c.ts', { modules: ['cli/main.ts'], packages: ['kysely'] }],
      ['http/d.ts', { modules: ['db/e.ts'], packages: ['@modelcontextprotocol/sdk'] }],
      ['cli/main.ts', { modules: ['service/c.ts'], packages: ['commander'] }],
    ]);
    expect(importCycles(fake)).toEqual(['cli/main.ts → service/c.ts → cli/main.ts', 'core/a.ts → core/b.ts → core/a.ts']);
    expect(layerViolations(fake)).toEqual([
      'core/a.ts imports node:fs: the core imports only zod, croner, ulid',
      'core/b.ts imports service/c.ts: core may not import service',
      'service/c.ts imports cli/main.ts: nothing outside src/cli imports the CLI',
      'service/c.ts imports kysely: only src/db may',
      'http/d.ts imports db/e.ts: http may not import db',
      'http/d.ts imports @modelcontextprotocol/sdk: only src/mcp may',
    ]);
  });
});
