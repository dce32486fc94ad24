// The built-in template catalogue: one JSON file per template in the package's templates/ folder, read once.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type MissionTemplate, normalizeTemplate, templatePlaceholders } from '../core/template.js';

/**
 * The package root: the nearest ancestor of this module with a package.json and a templates/ folder. Works from
 * src/ (tests), dist/src/ (the built CLI) and an installed package, where "files" ships templates/ beside dist/.
 */
export function packageRoot(from: string = dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'templates'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no package root with a templates/ folder above ${from}`);
  }
}

export function builtinTemplatesDir(): string {
  return join(packageRoot(), 'templates');
}

const cache = new Map<string, ReadonlyMap<string, MissionTemplate>>();

/**
 * Loads and validates every `*.json` in the folder. Each file is a template in its editable form plus a
 * "version"; the file name must be the template name. A broken file is a packaging bug and fails loudly.
 */
export function loadBuiltinTemplates(dir: string = builtinTemplatesDir()): ReadonlyMap<string, MissionTemplate> {
  const known = cache.get(dir);
  if (known) return known;
  const out = new Map<string, MissionTemplate>();
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()) {
    const path = join(dir, file);
    let raw: { version?: unknown } & Record<string, unknown>;
    try {
      raw = JSON.parse(readFileSync(path, 'utf8'));
    } catch (error) {
      throw new Error(`built-in template ${path} is not JSON: ${(error as Error).message}`);
    }
    const { version, ...body } = raw;
    if (typeof version !== 'number' || !Number.isInteger(version) || version < 1)
      throw new Error(`built-in template ${path}: "version" must be a positive integer`);
    let def: ReturnType<typeof normalizeTemplate>;
    try {
      def = normalizeTemplate(body);
    } catch (error) {
      throw new Error(`built-in template ${path} is invalid: ${(error as Error).message}`);
    }
    if (`${def.name}.json` !== file) throw new Error(`built-in template ${path} must be named ${def.name}.json`);
    out.set(def.name, {
      ...def,
      version,
      builtin: true,
      createdBy: 'sortie',
      createdAt: statSync(path).mtime.toISOString(),
      deletedAt: null,
      placeholders: templatePlaceholders(def),
    });
  }
  cache.set(dir, out);
  return out;
}
