import { describe, expect, it } from 'vitest'
import { classifyGitError, scopeOf } from '../../src/git/classify-git-error.ts'

describe('classifyGitError', () => {
  it('reads a remote command’s failure as the remote’s: token, permission, network, divergence', () => {
    expect(classifyGitError('fatal: Authentication failed for http://x/').reason).toBe(
      'authentication failed',
    )
    expect(classifyGitError('error: RPC failed; HTTP 403 ... returned error: 403').hint).toMatch(
      /token can read but not write/,
    )
    expect(classifyGitError('fatal: unable to access: Could not resolve host: x').kind).toBe('transient')
    expect(classifyGitError('! [rejected] main -> main (non-fast-forward)').kind).toBe('diverged')
  })

  it('never blames the token or the network for a command that worked only in the workspace', () => {
    // A signing program, a message file or an object folder the agent made unreadable.
    for (const output of [
      "fatal: could not open '.git/COMMIT_EDITMSG': Permission denied",
      'fatal: cannot run /home/sandbox/gpg.sh: Permission denied\nerror: gpg failed to sign the data',
      'error: insufficient permission for adding an object to repository database .git/objects',
    ]) {
      const failure = classifyGitError(output, 'local')
      expect(failure).toMatchObject({
        kind: 'permanent',
        reason: 'a file in the workspace could not be read or written',
      })
      expect(failure.hint).toMatch(/No remote or token was involved/)
    }
    // A "remote" word in a local command's output is still a local failure.
    expect(
      classifyGitError("fatal: '/home/x/t.git' does not appear to be a git repository", 'local'),
    ).toEqual({
      kind: 'permanent',
      reason: 'git stopped with an error in the workspace',
      hint: "No remote or token was involved; git's own message follows.",
    })
    // A lock left in the workspace is not retried, so the hint does not say it was.
    expect(
      classifyGitError("fatal: Unable to create '/w/.git/index.lock': File exists.", 'local'),
    ).toMatchObject({
      kind: 'permanent',
      reason: 'a git lock file is in the way',
    })
    expect(classifyGitError('error: unable to write file: No space left on device', 'local').reason).toBe(
      'the workspace is out of disk space',
    )
  })

  it('knows which subcommands reach a remote', () => {
    for (const sub of ['clone', 'fetch', 'pull', 'push', 'ls-remote']) expect(scopeOf(sub)).toBe('remote')
    for (const sub of ['commit', 'add', 'rebase', 'checkout', undefined]) expect(scopeOf(sub)).toBe('local')
  })
})
