// Where an evidence item can be looked at: commit, PR, issue and file items link into the project's repository.
import type { EvidenceKind } from './enums.js';
import { validationFailed } from './errors.js';

/**
 * The project's repository URL in canonical form (no trailing slash, no `.git`), or null when it is unset or not
 * an http(s) URL. Only http(s) is accepted because the result becomes a link in a browser: a `javascript:` URL
 * configured by mistake or malice must never reach an `href`.
 */
export function safeRepoUrl(url: string | null | undefined): string | null {
  if (!url) return null;
  let parsed: URL;
  try {
    parsed = new URL(url.trim());
  } catch {
    return null;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return null;
  parsed.search = '';
  parsed.hash = '';
  return parsed
    .toString()
    .replace(/\/+$/, '')
    .replace(/\.git$/, '');
}

/** Longest repository URL a project may be given. */
const MAX_REPO_URL = 2000;

/**
 * A project's repository URL as it will be stored (trimmed), or null to unset it; refuses with VALIDATION_FAILED
 * naming `url` anything but an http(s) URL — a `javascript:` or `data:` URL is never stored — and a URL carrying
 * credentials (`https://user:token@…`), which every dashboard viewer would be shown.
 */
export function assertRepoUrl(url: string | null | undefined): string | null {
  if (url === undefined || url === null || url.trim() === '') return null;
  const value = url.trim();
  const shown = value.length > 80 ? `${value.slice(0, 80)}…` : value;
  const hint = 'Give the repository web URL, e.g. --url https://github.com/org/repo.';
  if (value.length > MAX_REPO_URL) throw validationFailed('url', `is longer than ${MAX_REPO_URL} characters`, hint);
  if (safeRepoUrl(value) === null) throw validationFailed('url', `"${shown}" is not an http(s) URL`, hint);
  const parsed = new URL(value);
  if (parsed.username || parsed.password) throw validationFailed('url', 'must not carry credentials (user:password@)', hint);
  return value;
}

function httpUrl(value: string): string | null {
  try {
    const u = new URL(value);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.toString() : null;
  } catch {
    return null;
  }
}

const REF_RE = /^(?:([\w.-]+\/[\w.-]+))?#(\d+)$/;

/** `#12` in this repository, or `owner/name#12` on the same host. */
function refLink(repo: string | null, value: string, segment: 'pull' | 'issues'): string | null {
  const m = REF_RE.exec(value);
  if (!m || !repo) return null;
  const base = m[1] ? `${new URL(repo).origin}/${m[1]}` : repo;
  return `${base}/${segment}/${m[2]}`;
}

/**
 * A link for one evidence item, or null when there is nothing to link to. Links follow the GitHub layout
 * (`/commit/SHA`, `/pull/N`, `/issues/N`, `/blob/HEAD/PATH`), which GitLab and Gitea also redirect or serve;
 * items that are already URLs link to themselves. `repoUrl` must come from safeRepoUrl.
 */
export function evidenceLink(kind: EvidenceKind, value: string, repoUrl: string | null): string | null {
  switch (kind) {
    case 'url':
      return httpUrl(value);
    case 'pr':
      return httpUrl(value) ?? refLink(repoUrl, value, 'pull');
    case 'issue':
      return httpUrl(value) ?? refLink(repoUrl, value, 'issues');
    case 'commit':
      return repoUrl && /^[0-9a-f]{7,40}$/i.test(value) ? `${repoUrl}/commit/${value.toLowerCase()}` : null;
    case 'file':
      return repoUrl
        ? `${repoUrl}/blob/HEAD/${value
            .replace(/^\.?\//, '')
            .split('/')
            .map(encodeURIComponent)
            .join('/')}`
        : null;
    default:
      return null;
  }
}
