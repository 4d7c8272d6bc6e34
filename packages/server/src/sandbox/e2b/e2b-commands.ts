import { posix } from 'node:path'
import type { CommandHandle as E2bHandle, Sandbox as E2bSandbox } from 'e2b'
import { CommandExitError as E2bExitError } from 'e2b'
import { AppError } from '../../domain/errors.ts'
import {
  CommandExitError,
  type CommandHandle,
  type CommandResult,
  type CommandRunOpts,
  type Commands,
} from '../sandbox-provider.ts'

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/

/** What the commands need from the sandbox they run in. */
export type CommandHost = {
  sdk: E2bSandbox
  workdir: string
  defaultTimeoutMs: number
  defaultMaxOutputBytes: number
  /** Translates an SDK failure (and tells a gone sandbox from an unreachable one). */
  fail(action: string, error: unknown): Promise<never>
  /** Throws `sandbox_gone` when this handle killed the sandbox. */
  assertAlive(): void
}

/** `'…'` for /bin/sh: the command travels as one argument, whatever it contains. */
export const shellQuote = (text: string) => `'${text.replaceAll("'", `'\\''`)}'`

/** Keeps at most `max` bytes of a stream, cut on a character boundary. */
class Capped {
  text = ''
  bytes = 0
  truncated = false
  readonly max: number
  constructor(max: number) {
    this.max = max
  }
  /** Appends what fits and returns it (what a listener may still see). */
  add(chunk: string): string {
    if (this.truncated) return ''
    const size = Buffer.byteLength(chunk)
    if (this.bytes + size <= this.max) {
      this.text += chunk
      this.bytes += size
      return chunk
    }
    this.truncated = true
    let kept = ''
    for (const char of chunk) {
      const charSize = Buffer.byteLength(char)
      if (this.bytes + charSize > this.max) break
      kept += char
      this.bytes += charSize
    }
    this.text += kept
    return kept
  }
}

/**
 * The port's `commands` on E2B's process service. Each command runs as `setsid /bin/sh -c CMD`, so
 * it leads a process group of its own: E2B's kill reaches only the process it started, and a
 * timeout, the output cap or kill() must end everything the command left running too, which a
 * second command does by killing the group. Deadlines and the output cap are kept here, so
 * `error` says `timeout`, `output_limit` or `killed` as on every other provider.
 */
export function e2bCommands(host: CommandHost): Commands {
  async function start(cmd: string, opts: CommandRunOpts) {
    host.assertAlive()
    if (opts.network)
      throw new AppError('bad_request', 'an E2B sandbox has one network policy for all its commands')
    for (const name of Object.keys(opts.envs ?? {}))
      if (!ENV_NAME.test(name))
        throw new AppError('bad_request', `invalid environment variable name: ${name}`)
    const cwd = opts.cwd ? posix.resolve(host.workdir, opts.cwd) : host.workdir
    const maxBytes = opts.maxOutputBytes ?? host.defaultMaxOutputBytes
    const timeoutMs = opts.timeoutMs ?? host.defaultTimeoutMs
    const stdout = new Capped(maxBytes)
    const stderr = new Capped(maxBytes)
    const started = Date.now()
    let stop: CommandResult['error']
    let handle: E2bHandle | undefined
    const end = (reason: NonNullable<CommandResult['error']>) => {
      if (stop) return
      stop = reason
      void killGroup(host, handle).catch(() => {})
    }
    const forward = (capped: Capped, listener?: (data: string) => void) => (chunk: string) => {
      const kept = capped.add(chunk)
      if (kept) listener?.(kept)
      if (capped.truncated) end('output_limit')
    }
    try {
      handle = await host.sdk.commands.run(`exec setsid -w /bin/sh -c ${shellQuote(cmd)}`, {
        background: true,
        cwd,
        envs: { ...opts.envs },
        stdin: opts.stdin !== undefined,
        // The deadline is ours (below); E2B's stream deadline stays off so it cannot race it.
        timeoutMs: 0,
        onStdout: forward(stdout, opts.onStdout),
        onStderr: forward(stderr, opts.onStderr),
      })
    } catch (error) {
      return host.fail(`commands.run ${cmd.slice(0, 60)}`, error)
    }
    const running = handle
    const timer = setTimeout(() => end('timeout'), timeoutMs)
    if (opts.stdin !== undefined)
      await running
        .sendStdin(opts.stdin)
        .then(() => running.closeStdin())
        .catch((error) => {
          clearTimeout(timer)
          end('killed')
          return host.fail('commands.sendStdin', error)
        })
    const done: Promise<CommandResult> = running
      .wait()
      .then(
        (result) => result.exitCode,
        (error) => {
          if (error instanceof E2bExitError) return error.exitCode
          if (stop) return -1
          throw error
        },
      )
      .then(
        (exitCode): CommandResult => ({
          exitCode: stop && exitCode === 0 ? -1 : exitCode,
          stdout: stdout.text,
          stderr: stderr.text,
          ...(stop ? { error: stop } : {}),
          truncated: stdout.truncated || stderr.truncated,
          durationMs: Date.now() - started,
        }),
        (error) => host.fail('commands.wait', error),
      )
      .finally(() => clearTimeout(timer))
    return { pid: running.pid, done, kill: () => end('killed') }
  }

  function run(cmd: string, opts?: CommandRunOpts & { background?: false }): Promise<CommandResult>
  function run(cmd: string, opts: CommandRunOpts & { background: true }): Promise<CommandHandle>
  async function run(
    cmd: string,
    opts: CommandRunOpts & { background?: boolean } = {},
  ): Promise<CommandResult | CommandHandle> {
    const running = await start(cmd, opts)
    const checked = () =>
      running.done.then((result) => {
        if (result.error || result.exitCode !== 0) throw new CommandExitError(cmd, result)
        return result
      })
    if (!opts.background) return checked()
    running.done.catch(() => {}) // a background command nobody waits for must not become an unhandled rejection
    return {
      pid: running.pid,
      wait: checked,
      kill: async () => {
        running.kill()
        await running.done.catch(() => {})
      },
    }
  }
  return { run }
}

/** Kills the command's process group (it is its leader: setsid), then the command itself. */
async function killGroup(host: CommandHost, handle: E2bHandle | undefined) {
  if (!handle) return
  await host.sdk.commands
    .run(`kill -KILL -- -${handle.pid} 2>/dev/null; true`, { timeoutMs: 10_000 })
    .catch(() => {})
  await handle.kill().catch(() => false)
}
