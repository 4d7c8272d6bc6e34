import type { PullRequestCommit } from '@agent-squad/contract'
import { runGit } from '../../git/run-git.ts'
import type { PullRange } from './pull-range.ts'

/** At most this many commits are listed (the newest ones), like GitHub's pull request view. */
export const MAX_COMMITS = 250

// Fields are separated by US (0x1f) and commits by NUL (-z); the message comes last, so whatever it
// holds cannot shift the other fields.
const FORMAT = ['%H', '%P', '%an', '%ae', '%aI', '%cn', '%cI', '%B'].join('%x1f')

function parseCommit(record: string): PullRequestCommit {
  const [
    sha = '',
    parents = '',
    authorName = '',
    authorEmail = '',
    authoredAt = '',
    committer = '',
    committedAt = '',
    ...rest
  ] = record.split('\x1f')
  const message = rest.join('\x1f').replace(/\n+$/, '')
  return {
    sha,
    parents: parents.split(' ').filter(Boolean),
    subject: message.split('\n', 1)[0] ?? '',
    message,
    author_name: authorName,
    author_email: authorEmail,
    authored_at: authoredAt,
    committer_name: committer,
    committed_at: committedAt,
  }
}

/** The commits on the head that the base does not have (`git log base..head`), oldest first. */
export async function readCommits(
  gitDir: string,
  range: PullRange,
  max = MAX_COMMITS,
): Promise<{ items: PullRequestCommit[]; truncated: boolean }> {
  const revisions = range.baseTip ? [range.headSha, `^${range.baseTip}`] : [range.headSha]
  const result = await runGit(
    ['log', '-z', `--format=${FORMAT}`, `--max-count=${max + 1}`, ...revisions, '--'],
    {
      cwd: gitDir,
    },
  )
  const records = result.stdout.split('\0').filter((r) => r.length > 0)
  const items = records.slice(0, max).map(parseCommit).reverse()
  return { items, truncated: records.length > max }
}
