// Talking to /api: JSON in and out, the bearer token from sessionStorage, and 401 as its own error type.

const TOKEN_KEY = 'sortie.token';

/** The server wants a token (none stored, or the stored one was refused). */
export class Unauthorized extends Error {
  constructor(message = 'sign in required') {
    super(message);
    this.name = 'Unauthorized';
  }
}

/** A refusal from the API: `code`, `message`, `hint` as the server sent them. */
export class ApiError extends Error {
  constructor(status, error) {
    super(error?.message ?? `request failed (${status})`);
    this.name = 'ApiError';
    this.status = status;
    this.code = error?.code ?? 'ERROR';
    this.hint = error?.hint ?? '';
  }
}

export function storedToken() {
  try {
    return sessionStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

export function storeToken(token) {
  sessionStorage.setItem(TOKEN_KEY, token);
}

export function forgetToken() {
  sessionStorage.removeItem(TOKEN_KEY);
}

/** Request headers with the stored bearer token, if any. */
export function authHeaders(extra = {}) {
  const headers = { Accept: 'application/json', ...extra };
  const token = storedToken();
  if (token) headers.Authorization = `Bearer ${token}`;
  return headers;
}

async function handle(res) {
  if (res.status === 401) throw new Unauthorized();
  const body = await res.json().catch(() => null);
  if (!res.ok) throw new ApiError(res.status, body?.error);
  return body;
}

export async function getJson(path, { signal } = {}) {
  return handle(await fetch(path, { headers: authHeaders(), signal, cache: 'no-store' }));
}

export async function postJson(path, body) {
  return handle(await fetch(path, { method: 'POST', headers: authHeaders({ 'Content-Type': 'application/json' }), body: JSON.stringify(body) }));
}

/** Builds a query string from an object, skipping empty values. */
export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '' && v !== false) q.set(k, v === true ? '1' : String(v));
  const text = q.toString();
  return text ? `?${text}` : '';
}
