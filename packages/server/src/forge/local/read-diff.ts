import type { FileChangeStatus, PullRequestDiff, PullRequestFile } from '@agent-squad/contract'
import { runGit } from '../../git/run-git.ts'
import { emptyTree, mergeBase } from './git-refs.ts'
import type { PullRange } from './pull-range.ts'

/** The unified diff is cut at this many bytes by default (the per-file summary never is). */
export const MAX_PATCH_BYTES = 1024 * 1024

const DIFF_OPTIONS = ['--no-color', '--no-ext-diff', '--find-renames']

type NumStat = { additions: number; deletions: number; binary: boolean }

/** `--numstat -z`: "A\tD\tpath\0", or for a rename/copy "A\tD\t\0old\0new\0"; "-\t-" for binary files. */
function parseNumstat(output: string): Map<string, NumStat> {
  const fields = output.split('\0')
  const stats = new Map<string, NumStat>()
  for (let i = 0; i < fields.length; i++) {
    const field = fields[i] ?? ''
    if (!field) continue
    const [added = '-', deleted = '-', path = ''] = field.split('\t')
    let key = path
    if (path === '') {
      i += 2
      key = fields[i] ?? ''
    }
    const binary = added === '-' && deleted === '-'
    stats.set(key, {
      additions: binary ? 0 : Number(added),
      deletions: binary ? 0 : Number(deleted),
      binary,
    })
  }
  return stats
}

/** `--name-status -z`: "M\0path\0", or "R100\0old\0new\0" for renames and copies. */
function parseNameStatus(
  output: string,
): Array<{ status: FileChangeStatus; path: string; previous: string | null }> {
  const fields = output.split('\0')
  const files: Array<{ status: FileChangeStatus; path: string; previous: string | null }> = []
  for (let i = 0; i < fields.length; i++) {
    const code = fields[i] ?? ''
    if (!code) continue
    const letter = code[0] as FileChangeStatus
    if (letter === 'R' || letter === 'C') {
      files.push({ status: letter, previous: fields[i + 1] ?? '', path: fields[i + 2] ?? '' })
      i += 2
    } else {
      // Anything else git may report (U: unmerged, X: unknown) cannot occur between two commits.
      files.push({ status: letter, previous: null, path: fields[i + 1] ?? '' })
      i += 1
    }
  }
  return files
}

/** Cuts a patch that went over the byte limit after its last complete line within the limit. */
function cutAtLine(patch: string, maxBytes: number): string {
  const bytes = Buffer.from(patch, 'utf8').subarray(0, maxBytes)
  return bytes.subarray(0, bytes.lastIndexOf(0x0a) + 1).toString('utf8')
}

/**
 * `git diff base...head`: what the head changed since it left the base, as a per-file summary and a
 * unified patch capped at `maxBytes`. Without a base (a first push), everything on the head is new.
 */
export async function readDiff(
  gitDir: string,
  range: PullRange & { base: string; head: string },
  maxBytes = MAX_PATCH_BYTES,
): Promise<PullRequestDiff> {
  const base = range.baseTip ? await mergeBase(gitDir, range.baseTip, range.headSha) : null
  const from = base ?? (await emptyTree(gitDir))
  const git = (args: string[], max?: number) =>
    // Names as written (`CCTV监控.txt`), not octal-escaped: the patch's headers are shown as file names.
    runGit(['-c', 'core.quotePath=false', 'diff', ...DIFF_OPTIONS, ...args, from, range.headSha, '--'], {
      cwd: gitDir,
      ...(max === undefined ? {} : { maxStdoutBytes: max + 1 }),
    })
  const [numstat, nameStatus, patch] = await Promise.all([
    git(['-z', '--numstat']),
    git(['-z', '--name-status']),
    git(['--patch'], maxBytes),
  ])
  const stats = parseNumstat(numstat.stdout)
  const files: PullRequestFile[] = parseNameStatus(nameStatus.stdout).map((file) => {
    const stat = stats.get(file.path) ?? { additions: 0, deletions: 0, binary: false }
    return { path: file.path, previous_path: file.previous, status: file.status, ...stat }
  })
  const truncated = patch.truncated || Buffer.byteLength(patch.stdout) > maxBytes
  return {
    base: range.base,
    head: range.head,
    base_sha: base,
    head_sha: range.headSha,
    files,
    additions: files.reduce((sum, f) => sum + f.additions, 0),
    deletions: files.reduce((sum, f) => sum + f.deletions, 0),
    patch: truncated ? cutAtLine(patch.stdout, maxBytes) : patch.stdout,
    truncated,
    max_bytes: maxBytes,
  }
}
