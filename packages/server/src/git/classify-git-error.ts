/**
 * What a failed git command means for the pipeline. Transient failures are retried with backoff;
 * permanent ones fail at once with a hint that says what to fix; `diverged` means the remote has
 * commits we do not, which is never resolved by force-pushing.
 */
export type GitFailure = {
  kind: 'transient' | 'permanent' | 'diverged'
  reason: string
  hint: string
}

type Rule = { test: RegExp } & GitFailure

/** Where the failed command worked: against a remote (fetch, push…), or only in a local repository. */
export type GitFailureScope = 'remote' | 'local'

/** Subcommands that talk to a remote; any other fails in a local repository. */
const REMOTE_COMMANDS = new Set(['clone', 'fetch', 'pull', 'push', 'ls-remote'])

/** The scope of `git <subcommand>` when the caller does not know better. */
export const scopeOf = (subcommand: string | undefined): GitFailureScope =>
  REMOTE_COMMANDS.has(subcommand ?? '') ? 'remote' : 'local'

// Order matters: the first matching rule wins, so specific permanent cases come before generic ones.
const remoteRules: Rule[] = [
  {
    test: /protected branch|GH006|pre-receive hook declined.*protected|You're not authorized to push to this branch/i,
    kind: 'permanent',
    reason: 'the branch is protected',
    hint: 'Allow pushes to task-* branches in the repository settings, or choose another base branch.',
  },
  {
    test: /Authentication failed|returned error: 401|could not read (Username|Password)|invalid credentials|HTTP Basic: Access denied|terminal prompts disabled/i,
    kind: 'permanent',
    reason: 'authentication failed',
    hint: 'Check the repository token: it may be missing, expired or revoked.',
  },
  {
    test: /returned error: 403|Permission (to .* )?denied|permission denied|not allowed to push|write access .* not granted/i,
    kind: 'permanent',
    reason: 'permission denied',
    hint: 'The token can read but not write: grant it write (contents) access to the repository.',
  },
  {
    test: /repository .* not found|returned error: 404|does not appear to be a git repository|Repository not found/i,
    kind: 'permanent',
    reason: 'the repository was not found',
    hint: 'Check the repository URL and that the token can see the repository.',
  },
  {
    test: /non-fast-forward|fetch first|\[rejected\].*\(stale info\)|Updates were rejected because the (tip|remote)/i,
    kind: 'diverged',
    reason: 'the remote branch has commits this one does not',
    hint: 'Someone else pushed to this branch; the pipeline will not overwrite their work.',
  },
  {
    test: /Could not resolve host|Connection refused|Connection timed out|Operation timed out|Failed to connect|Connection reset|Empty reply from server|SSL_ERROR|gnutls_handshake|RPC failed|early EOF|unexpected disconnect|the remote end hung up|returned error: (5\d\d|429)|Couldn't connect to server|Network is unreachable/i,
    kind: 'transient',
    reason: 'the remote could not be reached',
    hint: 'The network or the git host had a problem; it was retried.',
  },
  {
    test: /index\.lock|cannot lock ref|Unable to create .*\.lock|unable to update local ref/i,
    kind: 'transient',
    reason: 'a git lock was held',
    hint: 'Another git process held a lock; it was retried.',
  },
  {
    test: /pre-receive hook declined|hook declined/i,
    kind: 'transient',
    reason: 'a server-side hook rejected the push',
    hint: "Read the hook's message above; it was retried in case the rejection was temporary.",
  },
]

/**
 * A command that worked only in a local repository (add, commit, rebase, a fetch from a folder)
 * reached no remote and used no token, so none of the remote classes can be its cause: its
 * "Permission denied" is a file's, not the token's, and a lock is not retried.
 */
const localRules: Rule[] = [
  {
    test: /index\.lock|cannot lock ref|Unable to create .*\.lock|unable to update local ref/i,
    kind: 'permanent',
    reason: 'a git lock file is in the way',
    hint: 'Another git process holds it, or one stopped midway left it behind; nothing was retried.',
  },
  {
    test: /No space left on device|Disk quota exceeded|out of its .* disk quota/i,
    kind: 'permanent',
    reason: 'the workspace is out of disk space',
    hint: 'Nothing reached the remote. Free space in the workspace or raise the quota, then start the task again.',
  },
  {
    test: /Permission denied|insufficient permission|Operation not permitted|Read-only file system/i,
    kind: 'permanent',
    reason: 'a file in the workspace could not be read or written',
    hint: "No remote or token was involved: a file or folder (often under .git) lacks the permission git needs. git's own message follows.",
  },
]

export function classifyGitError(output: string, scope: GitFailureScope = 'remote'): GitFailure {
  for (const rule of scope === 'remote' ? remoteRules : localRules)
    if (rule.test.test(output)) return { kind: rule.kind, reason: rule.reason, hint: rule.hint }
  return scope === 'remote'
    ? { kind: 'permanent', reason: 'git failed', hint: "Read git's message above." }
    : {
        kind: 'permanent',
        reason: 'git stopped with an error in the workspace',
        hint: "No remote or token was involved; git's own message follows.",
      }
}
