import { spawn } from 'node:child_process'

export type GitResult = {
  stdout: string
  stderr: string
  exitCode: number
  /** True when stdout was cut at `maxStdoutBytes` (git was then stopped). */
  truncated: boolean
}

/** A git command that ended with an exit code it was not expected to; carries the whole result. */
export class GitCommandError extends Error {
  readonly args: readonly string[]
  readonly result: GitResult

  constructor(args: readonly string[], result: GitResult) {
    const detail = result.stderr.trim().split('\n').slice(-3).join(' | ')
    super(`git ${args[0] ?? ''} exited with ${result.exitCode}${detail ? `: ${detail}` : ''}`)
    this.name = 'GitCommandError'
    this.args = args
    this.result = result
  }
}

export type RunGitOpts = {
  /** The (bare) repository or folder git runs in. */
  cwd?: string
  /** Added to a clean environment (inherited GIT_* variables are dropped). */
  env?: Record<string, string>
  /** Exit codes that are answers, not failures (e.g. 1 for `merge-base --is-ancestor`). Default [0]. */
  okExitCodes?: number[]
  /** Stop reading (and stop git) after this many bytes of stdout. */
  maxStdoutBytes?: number
  /** Written to git's stdin (e.g. a commit message for `commit-tree -F -`). */
  input?: string
  /** Receives stderr as it arrives (git's progress lines). */
  onStderr?: (text: string) => void
  /** Kill git after this long; default 10 minutes. */
  timeoutMs?: number
}

/** The only variables of the server's environment that git (and the hooks it runs) gets to see. */
const PASSED_THROUGH = ['PATH', 'HOME', 'TMPDIR', 'LANG', 'TZ'] as const

/**
 * Environment for git on the server's own repositories: no prompts, stable messages, and nothing
 * else from the server's environment. Hooks run with it, so secrets the server was started with
 * (database URLs, keys) must not be in it, and inherited GIT_DIR and friends would point git elsewhere.
 */
export function gitEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {}
  for (const key of PASSED_THROUGH) {
    const value = process.env[key]
    if (value !== undefined) env[key] = value
  }
  return { ...env, GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C', ...extra }
}

/**
 * The one way the server runs git on its own repositories (the forge's bare repos, the repository
 * cache): no shell, a clean environment, a timeout. Throws GitCommandError unless the exit code is in
 * `okExitCodes`.
 */
export function runGit(args: string[], opts: RunGitOpts = {}): Promise<GitResult> {
  const okExitCodes = opts.okExitCodes ?? [0]
  const maxBytes = opts.maxStdoutBytes ?? Number.POSITIVE_INFINITY
  return new Promise((resolve, reject) => {
    const child = spawn('git', args, {
      cwd: opts.cwd,
      env: gitEnv(opts.env),
      stdio: 'pipe',
      timeout: opts.timeoutMs ?? 10 * 60_000,
      killSignal: 'SIGKILL',
    })
    child.stdin.on('error', () => {}) // git may exit without reading its input; the exit code tells why
    child.stdin.end(opts.input ?? '')
    const out: Buffer[] = []
    const err: Buffer[] = []
    let outBytes = 0
    let truncated = false
    child.stdout.on('data', (chunk: Buffer) => {
      if (truncated) return
      const room = maxBytes - outBytes
      if (chunk.length > room) {
        out.push(chunk.subarray(0, room))
        outBytes += room
        truncated = true
        child.kill('SIGTERM')
        return
      }
      out.push(chunk)
      outBytes += chunk.length
    })
    child.stderr.on('data', (chunk: Buffer) => {
      err.push(chunk)
      opts.onStderr?.(chunk.toString('utf8'))
    })
    child.on('error', reject)
    child.on('close', (code, signal) => {
      const result: GitResult = {
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        exitCode: code ?? (signal ? 128 : 0),
        truncated,
      }
      // A command stopped on purpose at the byte limit succeeded as far as the caller is concerned.
      if (truncated || okExitCodes.includes(result.exitCode)) resolve(result)
      else reject(new GitCommandError(args, result))
    })
  })
}

/** Parses git's progress lines ("Receiving objects:  45% (450/1000)") into a percentage. */
export function parseGitProgress(text: string): { stage: string; percent: number } | null {
  const matches = [...text.matchAll(/([A-Za-z][A-Za-z ]+):\s+(\d{1,3})%/g)]
  const last = matches[matches.length - 1]
  if (!last?.[1] || !last[2]) return null
  return { stage: last[1].trim(), percent: Math.min(100, Number(last[2])) }
}
