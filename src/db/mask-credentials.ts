// The one place a database location is made safe to show: every secret a connection string can carry becomes ***.

/** What replaces a secret. */
export const MASK = '***';

/**
 * Parameter names whose value is a secret. node-postgres (pg-connection-string) copies every query parameter of a
 * URL into its configuration, `password=` overriding the userinfo password; libpq adds `sslpassword` (the key's
 * passphrase). Anything named like a password, passphrase, secret or token is masked too: over-masking a display
 * costs nothing, under-masking leaks. `sslkey`, `sslcert`, `sslrootcert` and `passfile` name files: the paths are
 * not secrets and stay visible (the files' contents are never shown).
 */
const SECRET_KEY = /pass(word|phrase)|secret|token|credential/i;

/**
 * A database location (URL, libpq `key=value` string or SQLite path) with every credential masked:
 * - the userinfo password of `postgres://user:password@host` (any scheme, percent-encoded or not);
 * - secret query parameters (`?password=…`, `&sslpassword=…`), with percent-encoded names decoded first, as
 *   node-postgres decodes them (`?pass%77ord=` is `password=`);
 * - secret `key=value` pairs of a libpq string (`host=h password=secret`, `password='a b'`).
 * A password holding an unencoded `/`, `?` or `#` makes the URL unparseable for node-postgres; it is still masked,
 * conservatively, up to the last `@`. Everything else is shown as given. A message that quotes locations (an error
 * from the driver or the file system) gets the same treatment for every URL in it.
 */
export function maskCredentials(location: string): string {
  const scheme = SCHEME.exec(location);
  const masked = scheme
    ? maskUrl(scheme[0], location.slice(scheme[0].length))
    : // Not a location but a message quoting one ("EACCES: mkdir 'postgress://u:pw@h'"): mask each URL in it.
      location.replace(/[a-z][a-z0-9+.-]*:\/\/[^\s'"`]+/gi, (url) => maskCredentials(url));
  return maskKeyValues(masked);
}

const SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;

function maskUrl(scheme: string, rest: string): string {
  const queryAt = rest.search(/[?#]/);
  const beforeQuery = queryAt < 0 ? rest : rest.slice(0, queryAt);
  let head = beforeQuery;
  let tail = queryAt < 0 ? '' : rest.slice(queryAt);
  // A bracketed IPv6 host holds colons of its own; only what follows it can be a port.
  const authority = rest.slice(0, rest.search(/[/?#]|$/)).replace(/^\[[^\]]*\]/, '');
  if (beforeQuery.includes('@')) {
    // The userinfo runs to the last '@' before the query: a raw '/' in the password cannot hide it.
    head = maskUserinfo(beforeQuery, beforeQuery.lastIndexOf('@'));
  } else if (/:(?!\d*$)/.test(authority) && rest.includes('@')) {
    // "user:pa?ss@host": the authority is no host[:port], so a password with a raw '?' or '#' cut it short.
    const at = rest.lastIndexOf('@');
    const end = rest.slice(at).search(/[?#]/);
    const split = end < 0 ? rest.length : at + end;
    head = maskUserinfo(rest.slice(0, split), at);
    tail = rest.slice(split);
  }
  return scheme + head + maskQuery(tail);
}

/** `user:password@host` → `user:***@host`; userinfo without a ':' is a user name only. */
function maskUserinfo(text: string, at: number): string {
  const userinfo = text.slice(0, at);
  const colon = userinfo.indexOf(':');
  if (colon < 0) return text;
  return `${userinfo.slice(0, colon + 1)}${MASK}${text.slice(at)}`;
}

/** Masks secret parameters of `?a=1&password=x#…`; the fragment is treated like the query, to be safe. */
function maskQuery(tail: string): string {
  return tail.replace(/([?&#])([^=&#]*)=([^&#]*)/g, (whole, sep: string, key: string) => (SECRET_KEY.test(decodeName(key)) ? `${sep}${key}=${MASK}` : whole));
}

/** A URL parameter name as node-postgres reads it: '+' is a space, percent escapes decoded. */
function decodeName(key: string): string {
  const spaced = key.replace(/\+/g, ' ');
  try {
    return decodeURIComponent(spaced);
  } catch {
    return spaced;
  }
}

/** libpq `key = value` pairs, values bare or single-quoted with backslash escapes. */
function maskKeyValues(text: string): string {
  return text.replace(/(^|[\s;])([a-z_]+)(\s*=\s*)('(?:[^'\\]|\\.)*(?:'|$)|[^\s'][^\s]*)/gi, (whole, lead: string, key: string, eq: string) =>
    SECRET_KEY.test(key) ? `${lead}${key}${eq}${MASK}` : whole,
  );
}
