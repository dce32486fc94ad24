// Evidence links: which items link where, and that nothing but http(s) ever becomes a link.
import { describe, expect, it } from 'vitest';
import { evidenceLink, safeRepoUrl } from './evidence-links.js';

const REPO = 'https://github.com/acme/web';

describe('safeRepoUrl', () => {
  it('canonicalizes http(s) repository URLs (no trailing slash, no .git, no query)', () => {
    expect(safeRepoUrl('https://github.com/acme/web.git')).toBe(REPO);
    expect(safeRepoUrl('https://github.com/acme/web/')).toBe(REPO);
    expect(safeRepoUrl(' https://github.com/acme/web?tab=readme#top ')).toBe(REPO);
    expect(safeRepoUrl('http://git.local:3000/team/app')).toBe('http://git.local:3000/team/app');
  });

  it('refuses anything that is not http(s), so it can never reach an href', () => {
    expect(safeRepoUrl('javascript:alert(1)')).toBeNull();
    expect(safeRepoUrl('data:text/html,<script>1</script>')).toBeNull();
    expect(safeRepoUrl('git@github.com:acme/web.git')).toBeNull();
    expect(safeRepoUrl('')).toBeNull();
    expect(safeRepoUrl(null)).toBeNull();
  });
});

describe('evidenceLink', () => {
  it('links commits, PRs, issues and files into the repository', () => {
    expect(evidenceLink('commit', '3F2C9E1', REPO)).toBe(`${REPO}/commit/3f2c9e1`);
    expect(evidenceLink('pr', '#42', REPO)).toBe(`${REPO}/pull/42`);
    expect(evidenceLink('pr', 'acme/api#7', REPO)).toBe('https://github.com/acme/api/pull/7');
    expect(evidenceLink('issue', '#12', REPO)).toBe(`${REPO}/issues/12`);
    expect(evidenceLink('file', './docs/a b.md', REPO)).toBe(`${REPO}/blob/HEAD/docs/a%20b.md`);
  });

  it('links URL items to themselves, repository or not', () => {
    expect(evidenceLink('url', 'https://ci.example.com/run/9', null)).toBe('https://ci.example.com/run/9');
    expect(evidenceLink('pr', 'https://github.com/acme/web/pull/3', null)).toBe('https://github.com/acme/web/pull/3');
  });

  it('gives no link without a repository, for counts and ratios, or for non-http values', () => {
    expect(evidenceLink('commit', '3f2c9e1', null)).toBeNull();
    expect(evidenceLink('pr', '#42', null)).toBeNull();
    expect(evidenceLink('file', 'src/a.ts', null)).toBeNull();
    expect(evidenceLink('test_ratio', '18/18', REPO)).toBeNull();
    expect(evidenceLink('count', '7 files', REPO)).toBeNull();
    expect(evidenceLink('url', 'javascript:alert(1)', REPO)).toBeNull();
    expect(evidenceLink('commit', 'not-a-sha', REPO)).toBeNull();
  });
});
