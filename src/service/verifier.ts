// Evidence verification against a project's local git repository: commits must exist, files must exist.
import { execFile } from 'node:child_process';
import { access, realpath } from 'node:fs/promises';
import { isAbsolute, join, normalize, relative } from 'node:path';
import { promisify } from 'node:util';
import type { EvidenceKind, Verification } from '../core/enums.js';
import { isInsideGitDir } from '../core/evidence.js';

const run = promisify(execFile);

export interface VerificationResult {
  verification: Verification;
  detail: string | null;
}

export interface EvidenceVerifier {
  /** Checks one item against the repository at repoPath; `atCommit` lets a file be found at a cited commit. */
  verify(repoPath: string | null, item: { kind: EvidenceKind; value: string }, atCommits: readonly string[]): Promise<VerificationResult>;
}

const UNVERIFIED: VerificationResult = { verification: 'unverified', detail: null };
const INSIDE_GIT: VerificationResult = { verification: 'failed', detail: "file path is inside .git/: git's own data, not a deliverable" };

async function git(repoPath: string, args: string[]): Promise<boolean> {
  try {
    await run('git', ['-C', repoPath, ...args], { timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
}

/** Verifies commit and file evidence with the git CLI; other kinds, or no repository, stay unverified. */
export const gitVerifier: EvidenceVerifier = {
  async verify(repoPath, item, atCommits) {
    if (!repoPath) return UNVERIFIED;
    if (item.kind === 'commit') {
      return (await git(repoPath, ['cat-file', '-e', `${item.value}^{commit}`]))
        ? { verification: 'verified', detail: `commit exists in ${repoPath}` }
        : { verification: 'failed', detail: `commit ${item.value} not found in ${repoPath}` };
    }
    if (item.kind === 'file') {
      const rel = normalize(item.value).replace(/^(\.\/)+/, '');
      if (isAbsolute(rel) || rel.startsWith('..')) {
        return { verification: 'failed', detail: 'file path leaves the repository' };
      }
      if (isInsideGitDir(rel)) return INSIDE_GIT;
      try {
        await access(join(repoPath, rel));
        // A symbolic link in the tree may point into .git or out of the repository: judge where it really leads.
        const real = relative(await realpath(repoPath), await realpath(join(repoPath, rel)));
        if (isAbsolute(real) || /^\.\.(?:[\\/]|$)/.test(real)) return { verification: 'failed', detail: 'file path leaves the repository' };
        if (isInsideGitDir(real)) return INSIDE_GIT;
        return { verification: 'verified', detail: 'file exists in the working tree' };
      } catch {
        for (const sha of atCommits) {
          if (await git(repoPath, ['cat-file', '-e', `${sha}:${rel}`])) {
            return { verification: 'verified', detail: `file exists at commit ${sha}` };
          }
        }
        return { verification: 'failed', detail: `file ${rel} not found in the working tree or at the cited commits` };
      }
    }
    return UNVERIFIED;
  },
};
