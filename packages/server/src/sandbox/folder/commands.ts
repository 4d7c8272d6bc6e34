import {
  CommandExitError,
  type CommandHandle,
  type CommandResult,
  type CommandRunOpts,
  type Commands,
} from '../sandbox-provider.ts'
import { decodeOutput, type RawResult, type RunningProcess } from './run-process.ts'

export function toCommandResult(raw: RawResult): CommandResult {
  return {
    exitCode: raw.exitCode,
    stdout: decodeOutput(raw.stdout, raw.truncated),
    stderr: decodeOutput(raw.stderr, raw.truncated),
    ...(raw.error ? { error: raw.error } : {}),
    truncated: raw.truncated,
    durationMs: raw.durationMs,
  }
}

/**
 * The port's `commands`, built on one function that starts `/bin/sh -c cmd` in the sandbox.
 * A non-zero exit, a timeout, the output cap or a kill rejects with CommandExitError carrying the result.
 */
export function makeCommands(
  start: (cmd: string, opts: CommandRunOpts) => Promise<RunningProcess>,
): Commands {
  function run(cmd: string, opts?: CommandRunOpts & { background?: false }): Promise<CommandResult>
  function run(cmd: string, opts: CommandRunOpts & { background: true }): Promise<CommandHandle>
  async function run(
    cmd: string,
    opts: CommandRunOpts & { background?: boolean } = {},
  ): Promise<CommandResult | CommandHandle> {
    const running = await start(cmd, opts)
    const finished = running.done.then(toCommandResult)
    const checked = () =>
      finished.then((result) => {
        if (result.error || result.exitCode !== 0) throw new CommandExitError(cmd, result)
        return result
      })
    if (!opts.background) return checked()
    finished.catch(() => {}) // a background command nobody waits for must not become an unhandled rejection
    return {
      pid: running.pid,
      wait: checked,
      kill: async () => {
        running.kill('killed')
        await finished.catch(() => {})
      },
    }
  }
  return { run }
}
