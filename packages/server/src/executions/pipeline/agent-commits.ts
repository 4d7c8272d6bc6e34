import type { ChangedFile } from '../../git/change-size.ts'
import {
  type CommitType,
  formatCommitMessage,
  parseConventionalCommit,
} from '../../git/conventional-commit.ts'
import type { ExecutionContext } from './execution-context.ts'
import { gitOutput, sandboxGit } from './sandbox-git.ts'

type AgentCommit = {
  sha: string
  tree: string
  parent: string
  author: { name: string; email: string; date: string }
  message: string
}

/** The commits of `range` along first parents, oldest first, with what rewriting one needs. */
async function firstParentCommits(ctx: ExecutionContext, range: string): Promise<AgentCommit[]> {
  const out = await gitOutput(ctx, [
    'log',
    '--reverse',
    '--first-parent',
    '--format=%H%x1f%T%x1f%P%x1f%an%x1f%ae%x1f%aD%x1f%B%x1e',
    range,
  ])
  return out
    .split('\x1e')
    .map((entry) => entry.replace(/^\n/, ''))
    .filter((entry) => entry.trim())
    .map((entry) => {
      const [sha = '', tree = '', parents = '', name = '', email = '', date = '', message = ''] =
        entry.split('\x1f')
      return {
        sha,
        tree,
        parent: parents.split(' ')[0] ?? '',
        author: { name, email, date },
        message: message.trim(),
      }
    })
}

const isConventional = (message: string) => !('error' in parseConventionalCommit(message))

/**
 * The squad's `agent_commits: keep`: the commits the agent made on the branch since `start` stay,
 * each with its author, tree and order, but one whose message is not a Conventional Commit is
 * reworded: its first line becomes the subject under the run's type and scope, the rest its body,
 * with the `Refs: task-{n}` footer. The rewritten commits replace the branch's (HEAD moves, the
 * index and the files stay). Running it again changes nothing: every message is Conventional then.
 */
export async function rewordAgentCommits(
  ctx: ExecutionContext,
  start: string,
  header: { type: CommitType; scope: string | null },
  committer: Record<string, string>,
): Promise<number> {
  const commits = await firstParentCommits(ctx, `${start}..HEAD`)
  if (commits.every((c) => isConventional(c.message))) return 0
  let parent = start
  let rewritten = false
  let reworded = 0
  for (const c of commits) {
    const conventional = isConventional(c.message)
    if (conventional && !rewritten && c.parent === parent) {
      parent = c.sha
      continue
    }
    const [subject = '', ...rest] = c.message.split('\n')
    const message = conventional
      ? c.message
      : formatCommitMessage({ ...header, subject, body: rest.join('\n'), taskNumber: ctx.task.number })
    if (!conventional) reworded++
    const made = await sandboxGit(ctx, ['commit-tree', c.tree, '-p', parent, '-F', '-'], {
      stdin: message,
      quiet: true,
      env: {
        ...committer,
        GIT_AUTHOR_NAME: c.author.name,
        GIT_AUTHOR_EMAIL: c.author.email,
        GIT_AUTHOR_DATE: c.author.date,
      },
    })
    parent = made.stdout.trim()
    rewritten = true
  }
  await sandboxGit(ctx, ['reset', '--quiet', '--soft', parent], { quiet: true })
  ctx.log.write(
    'system',
    `Reworded ${reworded} of the agent's commits as Conventional Commits (agent_commits: keep)\n`,
  )
  return reworded
}

/**
 * Every file the run adds or rewrites, with the size of its new content: what each commit since
 * `start` brought (along first parents) and what the index holds beyond HEAD. Deleted files and
 * submodules (gitlinks) count nothing; one content at two paths counts once.
 */
export async function changedFiles(ctx: ExecutionContext, start: string): Promise<ChangedFile[]> {
  const index = await gitOutput(ctx, ['write-tree'])
  const commits = await firstParentCommits(ctx, `${start}..HEAD`)
  const pairs: [string, string][] = commits.map((c) => [c.parent, c.tree])
  pairs.push([commits.length > 0 ? 'HEAD' : start, index])
  const blobs = new Map<string, string>()
  for (const [from, to] of pairs) {
    const raw = (
      await sandboxGit(ctx, ['diff-tree', '-r', '-z', '--no-renames', '--diff-filter=d', from, to], {
        quiet: true,
      })
    ).stdout
    const fields = raw.split('\0')
    for (let i = 0; i + 1 < fields.length; i += 2) {
      const [, mode = '', , sha = ''] = (fields[i] ?? '').split(' ')
      if (mode !== '160000' && sha && !blobs.has(sha)) blobs.set(sha, fields[i + 1] ?? '')
    }
  }
  if (blobs.size === 0) return []
  const sizes = await sandboxGit(ctx, ['cat-file', '--batch-check=%(objectname) %(objectsize)'], {
    stdin: `${[...blobs.keys()].join('\n')}\n`,
    quiet: true,
  })
  return sizes.stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [sha = '', bytes = '0'] = line.split(' ')
      return { path: blobs.get(sha) ?? sha, bytes: Number(bytes) || 0 }
    })
}
