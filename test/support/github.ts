// GitHub webhook deliveries as GitHub sends them: the documented payload shapes (trimmed to the fields a receiver
// reads, plus a few it must ignore), signed with a repository's secret and posted over real HTTP.
import { randomUUID } from 'node:crypto';
import { signBody } from '../../src/service/github.js';

export interface Posted {
  status: number;
  body: Record<string, unknown>;
}

export interface DeliverOptions {
  /** X-GitHub-Delivery; default a new GUID. */
  id?: string;
  /** Replaces the signature header; null sends none. */
  signature?: string | null;
  /** Send it form-encoded (payload=…), as a webhook with content type application/x-www-form-urlencoded does. */
  form?: boolean;
}

/** Posts one delivery to a running `sortie serve`. */
export async function deliver(baseUrl: string, secret: string, event: string, payload: unknown, options: DeliverOptions = {}): Promise<Posted> {
  const json = JSON.stringify(payload);
  const body = options.form ? `payload=${encodeURIComponent(json)}` : json;
  const signature = options.signature === undefined ? signBody(secret, body) : options.signature;
  const res = await fetch(`${baseUrl}/hooks/github`, {
    method: 'POST',
    headers: {
      'content-type': options.form ? 'application/x-www-form-urlencoded' : 'application/json',
      'user-agent': 'GitHub-Hookshot/test',
      'x-github-event': event,
      'x-github-delivery': options.id ?? randomUUID(),
      'x-github-hook-id': '1',
      ...(signature === null ? {} : { 'x-hub-signature-256': signature }),
    },
    body,
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

function repository(fullName: string) {
  const [owner, name] = fullName.split('/');
  return { id: 1296269, name, full_name: fullName, private: false, owner: { login: owner, type: 'Organization' }, html_url: `https://github.com/${fullName}` };
}

const sender = (login: string) => ({ login, id: 1, type: 'User' });

export interface IssueFields {
  number: number;
  title?: string;
  body?: string | null;
  author?: string;
  labels?: string[];
  /** The label of a `labeled` action. */
  label?: string;
  by?: string;
}

export function issuePayload(action: string, repo: string, f: IssueFields) {
  return {
    action,
    issue: {
      url: `https://api.github.com/repos/${repo}/issues/${f.number}`,
      html_url: `https://github.com/${repo}/issues/${f.number}`,
      id: 1000 + f.number,
      number: f.number,
      title: f.title ?? `Issue ${f.number}`,
      user: sender(f.author ?? 'octocat'),
      labels: (f.labels ?? []).map((name, i) => ({ id: i + 1, name, color: 'f29513' })),
      state: action === 'closed' ? 'closed' : 'open',
      locked: false,
      comments: 0,
      created_at: '2026-12-01T10:00:00Z',
      updated_at: '2026-12-01T10:00:00Z',
      body: f.body === undefined ? 'It breaks.' : f.body,
    },
    ...(f.label ? { label: { id: 99, name: f.label, color: 'ededed' } } : {}),
    repository: repository(repo),
    sender: sender(f.by ?? f.author ?? 'octocat'),
  };
}

export interface PullFields {
  number: number;
  head: string;
  state?: 'open' | 'closed';
  merged?: boolean;
  updatedAt?: string;
}

export function pullPayload(action: string, repo: string, f: PullFields) {
  const merged = f.merged ?? false;
  return {
    action,
    number: f.number,
    pull_request: {
      url: `https://api.github.com/repos/${repo}/pulls/${f.number}`,
      html_url: `https://github.com/${repo}/pull/${f.number}`,
      id: 5000 + f.number,
      number: f.number,
      state: f.state ?? (merged ? 'closed' : 'open'),
      title: `PR ${f.number}`,
      user: sender('bob'),
      created_at: '2026-12-01T10:00:00Z',
      updated_at: f.updatedAt ?? new Date().toISOString(),
      closed_at: merged ? new Date().toISOString() : null,
      merged_at: merged ? new Date().toISOString() : null,
      merge_commit_sha: merged ? 'f'.repeat(40) : null,
      merged,
      head: { label: 'acme:fix', ref: 'fix', sha: f.head },
      base: { label: 'acme:main', ref: 'main', sha: 'a'.repeat(40) },
    },
    ...(action === 'synchronize' ? { before: 'b'.repeat(40), after: f.head } : {}),
    repository: repository(repo),
    sender: sender('bob'),
  };
}

export interface CheckRunFields {
  id: number;
  name: string;
  head: string;
  status: 'queued' | 'in_progress' | 'completed';
  conclusion?: string | null;
  pulls?: Array<{ number: number; head: string }>;
}

export function checkRunPayload(action: string, repo: string, f: CheckRunFields) {
  return {
    action,
    check_run: {
      id: f.id,
      name: f.name,
      head_sha: f.head,
      status: f.status,
      conclusion: f.status === 'completed' ? (f.conclusion ?? 'success') : null,
      html_url: `https://github.com/${repo}/runs/${f.id}`,
      started_at: '2026-12-01T10:00:00Z',
      completed_at: f.status === 'completed' ? '2026-12-01T10:05:00Z' : null,
      check_suite: { id: 7000 + f.id, head_sha: f.head },
      app: { slug: 'github-actions', name: 'GitHub Actions' },
      pull_requests: (f.pulls ?? []).map((p) => ({ number: p.number, head: { ref: 'fix', sha: p.head }, base: { ref: 'main', sha: 'a'.repeat(40) } })),
    },
    repository: repository(repo),
    sender: sender('github-actions[bot]'),
  };
}

export function statusPayload(repo: string, f: { id: number; sha: string; context: string; state: 'pending' | 'success' | 'failure' | 'error' }) {
  return {
    id: f.id,
    sha: f.sha,
    name: repo,
    context: f.context,
    state: f.state,
    target_url: `https://ci.example.com/builds/${f.id}`,
    description: f.state,
    created_at: '2026-12-01T10:00:00Z',
    updated_at: new Date().toISOString(),
    repository: repository(repo),
    sender: sender('ci-bot'),
  };
}

export function checkSuitePayload(action: string, repo: string, f: { id: number; head: string; status: string; conclusion?: string | null; runs?: number }) {
  return {
    action,
    check_suite: {
      id: f.id,
      head_branch: 'fix',
      head_sha: f.head,
      status: f.status,
      conclusion: f.conclusion ?? null,
      latest_check_runs_count: f.runs ?? 1,
      updated_at: new Date().toISOString(),
      app: { slug: 'ci-app', name: 'CI App' },
      pull_requests: [],
    },
    repository: repository(repo),
    sender: sender('ci-bot'),
  };
}

/** A 40-character SHA made of one repeated hex digit pair, for readable tests. */
export function sha(seed: string): string {
  return seed.repeat(40).slice(0, 40);
}
