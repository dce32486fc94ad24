// Where Sortie keeps its embedded database when nobody says otherwise: the XDG data directory.
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { validationFailed } from '../core/errors.js';
import { sqliteFile } from '../db/database.js';
import { maskCredentials } from '../db/mask-credentials.js';

export function defaultDatabasePath(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_DATA_HOME || join(homedir(), '.local', 'share');
  return join(base, 'sortie', 'sortie.db');
}

/** --db, then SORTIE_DB, then the XDG default. */
export function databaseUrl(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return flag || env.SORTIE_DB || defaultDatabasePath(env);
}

/**
 * The database to open: databaseUrl, checked. The default location's folder is created on first use; an explicit
 * one (--db, or SORTIE_DB: set on purpose too) must name an existing folder, so a typo does not silently create
 * an empty database somewhere else.
 */
export function checkedDatabaseUrl(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const url = databaseUrl(flag, env);
  const source = flag ? '--db' : env.SORTIE_DB ? 'SORTIE_DB' : null;
  const file = source ? sqliteFile(url) : null;
  if (file && file !== ':memory:' && !existsSync(dirname(file))) {
    const folder = maskCredentials(dirname(file));
    throw validationFailed(
      source as string,
      `the folder ${folder} of the database ${maskCredentials(file)} does not exist`,
      `Correct ${source}, or create the folder first (mkdir -p ${folder}); with neither --db nor SORTIE_DB the database is ${defaultDatabasePath(env)}.`,
    );
  }
  return url;
}
