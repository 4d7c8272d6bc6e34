import { CommandExitError, type CommandResult } from '../../../../sandbox/sandbox-provider.ts'
import type { ToolContext } from '../tool.ts'

export type SandboxCommandOpts = {
  timeoutMs?: number
  maxOutputBytes?: number
  /** Streams the output to the execution's terminal log (the agent's own commands do; searches do not). */
  echo?: boolean
}

/**
 * Runs `command` in the workspace and resolves with its result whatever the exit code; a cancel of
 * the run kills it (and everything it started) at once.
 */
export async function runInSandbox(
  ctx: ToolContext,
  command: string,
  opts: SandboxCommandOpts = {},
): Promise<CommandResult> {
  const handle = await ctx.sandbox.commands.run(command, {
    background: true,
    cwd: ctx.workdir,
    timeoutMs: ctx.commandTimeoutMs(opts.timeoutMs),
    maxOutputBytes: opts.maxOutputBytes ?? ctx.maxCommandOutputBytes,
    ...(opts.echo ? { onStdout: ctx.log.stdout, onStderr: ctx.log.stderr } : {}),
  })
  const stop = () => void handle.kill().catch(() => {})
  ctx.signal.addEventListener('abort', stop, { once: true })
  if (ctx.signal.aborted) stop()
  try {
    return await handle.wait()
  } catch (error) {
    if (error instanceof CommandExitError) return error.result
    throw error
  } finally {
    ctx.signal.removeEventListener('abort', stop)
  }
}
