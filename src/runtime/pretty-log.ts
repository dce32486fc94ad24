// The log as a person reads it in a terminal: one line per event — time, level, message and a few fields — instead
// of pino's JSON, which stays the format whenever stderr is not a terminal (a file, a pipe, a log collector).

const LEVELS: Readonly<Record<number, string>> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
/** Fields every line has, or that the line already shows: not repeated as key=value. */
const SHOWN = new Set(['level', 'time', 'msg', 'app', 'pid', 'hostname', 'err']);
/** Characters of a field value before it is cut: a line stays a line. */
const MAX_VALUE = 120;

function value(v: unknown): string {
  const text = typeof v === 'string' ? (/[\s"=]/.test(v) ? JSON.stringify(v) : v) : JSON.stringify(v);
  return text.length > MAX_VALUE ? `${text.slice(0, MAX_VALUE - 1)}…` : text;
}

/** One pino JSON line as one human line: `12:04:05 INFO  sortie serve listening url=http://… db=…`. */
export function prettyLine(json: string): string {
  let event: Record<string, unknown>;
  try {
    event = JSON.parse(json);
  } catch {
    return json.endsWith('\n') ? json : `${json}\n`;
  }
  const time = typeof event.time === 'number' ? new Date(event.time).toISOString().slice(11, 19) : '';
  const level = (LEVELS[event.level as number] ?? String(event.level)).padEnd(5);
  const fields = Object.entries(event)
    .filter(([k, v]) => !SHOWN.has(k) && v !== undefined)
    .map(([k, v]) => `${k}=${value(v)}`);
  const err = event.err as { type?: string; message?: string; code?: string } | undefined;
  if (err) fields.push(`err=${value(`${err.type ?? 'Error'}${err.code ? ` ${err.code}` : ''}: ${err.message ?? ''}`)}`);
  return `${[time, level, String(event.msg ?? ''), ...fields].filter(Boolean).join(' ')}\n`;
}

/** Whether the log is written for a person: SORTIE_LOG_FORMAT=pretty|json decides, else whether stderr is a TTY. */
export function prettyLogWanted(env: NodeJS.ProcessEnv = process.env, isTTY = process.stderr.isTTY === true): boolean {
  if (env.SORTIE_LOG_FORMAT === 'pretty') return true;
  if (env.SORTIE_LOG_FORMAT === 'json') return false;
  return isTTY;
}

/** A pino destination writing each event as prettyLine to stderr (synchronously: a terminal is not a hot path). */
export function prettyDestination(): { write(line: string): void } {
  return { write: (line) => void process.stderr.write(prettyLine(line)) };
}
