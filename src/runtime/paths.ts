// Where Sortie keeps its embedded database when nobody says otherwise: the XDG data directory.
import { homedir } from 'node:os';
import { join } from 'node:path';

export function defaultDatabasePath(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_DATA_HOME || join(homedir(), '.local', 'share');
  return join(base, 'sortie', 'sortie.db');
}

/** --db, then SORTIE_DB, then the XDG default. */
export function databaseUrl(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return flag || env.SORTIE_DB || defaultDatabasePath(env);
}
