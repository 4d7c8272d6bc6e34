import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runGit } from '../../../src/git/run-git.ts'

// Real git on the fake's bare repositories: what the REST API reports about contents, commits, diffs
// and merges is read from (and written to) the same repository the git server serves.

const IDENTITY = {
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_AUTHOR_NAME: 'Fake GitHub',
  GIT_AUTHOR_EMAIL: 'noreply@github.com',
  GIT_COMMITTER_NAME: 'GitHub',
  GIT_COMMITTER_EMAIL: 'noreply@github.com',
}

export type Author = { name: string; email: string }

async function git(dir: string, args: string[], opts: { input?: string; env?: Record<string, string> } = {}) {
  const result = await runGit(args, { cwd: dir, env: { ...IDENTITY, ...opts.env }, input: opts.input })
  return result.stdout.trim()
}

export async function initBareRepo(dir: string, defaultBranch: string) {
  await runGit(['init', '--bare', '--quiet', `--initial-branch=${defaultBranch}`, dir], { env: IDENTITY })
  // Receiving pushes over http-backend needs this on a bare repository.
  await git(dir, ['config', 'http.receivepack', 'true'])
}

/** The commit a branch, tag or sha names, or null. */
export async function resolveCommit(dir: string, ref: string): Promise<string | null> {
  const result = await runGit(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], {
    cwd: dir,
    okExitCodes: [0, 1, 128],
  })
  return result.exitCode === 0 ? result.stdout.trim() : null
}

/** Commits `files` on top of `branch` (creating it, from `from` or as a root commit). */
export async function commitFiles(
  dir: string,
  opts: { branch: string; files: Record<string, string>; message: string; from?: string; author?: Author },
): Promise<string> {
  const scratch = await mkdtemp(join(tmpdir(), 'fake-github-index-'))
  try {
    const env: Record<string, string> = { GIT_INDEX_FILE: join(scratch, 'index') }
    if (opts.author)
      Object.assign(env, { GIT_AUTHOR_NAME: opts.author.name, GIT_AUTHOR_EMAIL: opts.author.email })
    const parent =
      (await resolveCommit(dir, `refs/heads/${opts.branch}`)) ??
      (opts.from ? await resolveCommit(dir, opts.from) : null)
    if (parent) await git(dir, ['read-tree', parent], { env })
    for (const [path, content] of Object.entries(opts.files)) {
      const blob = await git(dir, ['hash-object', '-w', '--stdin'], { input: content })
      await git(dir, ['update-index', '--add', '--cacheinfo', `100644,${blob},${path}`], { env })
    }
    const tree = await git(dir, ['write-tree'], { env })
    const commit = await git(dir, ['commit-tree', tree, ...(parent ? ['-p', parent] : []), '-F', '-'], {
      env,
      input: opts.message,
    })
    await git(dir, ['update-ref', `refs/heads/${opts.branch}`, commit])
    return commit
  } finally {
    await rm(scratch, { recursive: true, force: true })
  }
}

export type TreeEntry = {
  type: 'file' | 'dir' | 'submodule' | 'symlink'
  path: string
  sha: string
  size: number
}

/** What `path` is at `commit`: a file with its bytes, a directory with its entries, or null. */
export async function readPath(
  dir: string,
  commit: string,
  path: string,
): Promise<{ kind: 'file'; sha: string; content: Buffer } | { kind: 'dir'; entries: TreeEntry[] } | null> {
  const clean = path.replace(/^\/+|\/+$/g, '')
  const spec = clean ? `${commit}:${clean}` : `${commit}^{tree}`
  const type = await runGit(['cat-file', '-t', spec], { cwd: dir, okExitCodes: [0, 128] })
  if (type.exitCode !== 0) return null
  if (type.stdout.trim() === 'blob') {
    const sha = await git(dir, ['rev-parse', spec])
    const blob = await runGit(['cat-file', 'blob', sha], { cwd: dir })
    return { kind: 'file', sha, content: Buffer.from(blob.stdout, 'utf8') }
  }
  const listing = await git(dir, ['ls-tree', '-l', '-z', spec])
  const entries: TreeEntry[] = []
  for (const line of listing.split('\0').filter(Boolean)) {
    const match = /^(\d+) (\w+) ([0-9a-f]+)\s+(-|\d+)\t(.*)$/s.exec(line)
    if (!match) continue
    const [, mode, kind, sha = '', size, name = ''] = match
    const type: TreeEntry['type'] =
      kind === 'tree' ? 'dir' : kind === 'commit' ? 'submodule' : mode === '120000' ? 'symlink' : 'file'
    entries.push({
      type,
      sha,
      path: clean ? `${clean}/${name}` : name,
      size: size === '-' ? 0 : Number(size),
    })
  }
  return { kind: 'dir', entries }
}

export type CommitInfo = {
  sha: string
  tree: string
  parents: string[]
  author: { name: string; email: string; date: string }
  committer: { name: string; email: string; date: string }
  message: string
}

/** Commits reachable from `head` and not from `base`, oldest first (what a pull request lists). */
export function commitsBetween(dir: string, base: string, head: string): Promise<CommitInfo[]> {
  return logCommits(dir, ['--reverse', `${base}..${head}`])
}

/** One commit's details. */
export async function commitInfo(dir: string, sha: string): Promise<CommitInfo | null> {
  return (await logCommits(dir, ['-1', sha]))[0] ?? null
}

async function logCommits(dir: string, args: string[]): Promise<CommitInfo[]> {
  const format = ['%H', '%T', '%P', '%an', '%ae', '%aI', '%cn', '%ce', '%cI', '%B'].join('%x1f')
  const out = await git(dir, ['log', `--format=${format}%x1e`, ...args])
  return out
    .split('\x1e')
    .map((record) => record.replace(/^\n/, ''))
    .filter(Boolean)
    .map((record) => {
      const [
        sha = '',
        tree = '',
        parents = '',
        an = '',
        ae = '',
        ad = '',
        cn = '',
        ce = '',
        cd = '',
        ...rest
      ] = record.split('\x1f')
      const iso = (date: string) => new Date(date).toISOString().replace(/\.\d{3}Z$/, 'Z')
      return {
        sha,
        tree,
        parents: parents.split(' ').filter(Boolean),
        author: { name: an, email: ae, date: iso(ad) },
        committer: { name: cn, email: ce, date: iso(cd) },
        message: rest.join('\x1f').trim(),
      }
    })
}

export type FileChange = {
  filename: string
  previousFilename?: string
  status: 'added' | 'removed' | 'modified' | 'renamed'
  additions: number
  deletions: number
  sha: string
  patch: string
}

/** The files a pull request changes: `base...head` (from the merge base), like GitHub's diff. */
export async function changedFiles(dir: string, base: string, head: string): Promise<FileChange[]> {
  const mergeBase = await git(dir, ['merge-base', base, head])
  const numstat = await git(dir, ['diff', '--numstat', '-z', '-M', mergeBase, head])
  const raw = await git(dir, ['diff', '--raw', '-z', '-M', '--abbrev=40', mergeBase, head])
  const counts = numstat.split('\0').filter(Boolean)
  const fields = raw.split('\0').filter(Boolean)
  const changes: FileChange[] = []
  for (let i = 0, n = 0; i < fields.length; n++) {
    const meta = fields[i++] ?? ''
    const [, , , newSha = '', letter = ''] = meta.slice(1).split(' ')
    const renamed = letter.startsWith('R')
    const first = fields[i++] ?? ''
    const filename = renamed ? (fields[i++] ?? '') : first
    const status = renamed ? 'renamed' : letter === 'A' ? 'added' : letter === 'D' ? 'removed' : 'modified'
    // -z numstat prints "add\tdel\tpath" (or "add\tdel\t" then old and new path for a rename).
    const [add = '0', del = '0'] = (counts[n] ?? '').split('\t')
    if (renamed) counts.splice(n + 1, 2)
    const patch = await git(dir, [
      'diff',
      '-M',
      mergeBase,
      head,
      '--',
      ...(renamed ? [first, filename] : [filename]),
    ])
    changes.push({
      filename,
      ...(renamed ? { previousFilename: first } : {}),
      status,
      additions: Number(add) || 0,
      deletions: Number(del) || 0,
      sha: newSha,
      patch: patch.slice(patch.indexOf('@@') >= 0 ? patch.indexOf('@@') : patch.length),
    })
  }
  return changes
}

/** The tree `base` and `head` merge to, or null when they conflict. */
export async function mergeTree(dir: string, base: string, head: string): Promise<string | null> {
  const result = await runGit(['merge-tree', '--write-tree', base, head], { cwd: dir, okExitCodes: [0, 1] })
  return result.exitCode === 0 ? (result.stdout.trim().split('\n')[0] ?? null) : null
}

/** Writes a commit of `tree` with `parents` and moves `branch` to it if it still points at `expected`. */
export async function commitTree(
  dir: string,
  opts: { tree: string; parents: string[]; message: string; branch: string; expected: string },
): Promise<string> {
  const args = ['commit-tree', opts.tree, ...opts.parents.flatMap((p) => ['-p', p]), '-F', '-']
  const commit = await git(dir, args, { input: opts.message })
  await git(dir, ['update-ref', `refs/heads/${opts.branch}`, commit, opts.expected])
  return commit
}

export async function deleteBranch(dir: string, branch: string) {
  await git(dir, ['update-ref', '-d', `refs/heads/${branch}`])
}
