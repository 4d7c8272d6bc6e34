import { spawn } from 'node:child_process'

export type GitResult = { exitCode: number; stdout: string; stderr: string }

export class GitCommandError extends Error {
  readonly result: GitResult
  readonly args: string[]
  constructor(args: string[], result: GitResult) {
    super(
      `git ${args[0] ?? ''} failed (exit ${result.exitCode}): ${result.stderr.trim().split('\n').slice(-3).join(' | ')}`,
    )
    this.name = 'GitCommandError'
    this.result = result
    this.args = args
  }
}

/**
 * Runs git on the host (the repository cache lives there), with an argument vector (no shell), a
 * minimal environment plus `env`, and a timeout. `onStderr` receives progress output as it arrives.
 */
export function runGit(
  args: string[],
  options: {
    cwd?: string
    env?: Record<string, string>
    timeoutMs?: number
    onStderr?: (text: string) => void
  } = {},
): Promise<GitResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', args, {
      cwd: options.cwd,
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: process.env.HOME ?? '/tmp',
        LANG: 'C.UTF-8',
        GIT_TERMINAL_PROMPT: '0',
        ...options.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: options.timeoutMs ?? 10 * 60_000,
      killSignal: 'SIGKILL',
    })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d
    })
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d
      options.onStderr?.(d)
    })
    child.on('error', reject)
    child.on('close', (code, signal) => {
      const result = { exitCode: code ?? (signal ? 128 : 1), stdout, stderr }
      if (result.exitCode === 0) resolve(result)
      else
        reject(
          new GitCommandError(
            args,
            signal ? { ...result, stderr: `${stderr}\n(killed by ${signal}: timed out)` } : result,
          ),
        )
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
