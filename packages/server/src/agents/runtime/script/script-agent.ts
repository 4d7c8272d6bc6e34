import { AppError } from '../../../domain/errors.ts'
import { CommandExitError } from '../../../sandbox/sandbox-provider.ts'
import type { AgentRunInput, AgentRunResult, AgentRuntime } from '../agent-runtime.ts'

/**
 * Runs the task's `script` (shell commands: a codemod, a dependency bump, a formatter) in the
 * sandbox's workspace. No model involved; the pipeline commits whatever the script changed.
 */
export function createScriptAgent(): AgentRuntime {
  return {
    kind: 'script',
    modes: ['implement'],
    async run(input: AgentRunInput): Promise<AgentRunResult> {
      const script = input.task.script?.trim()
      if (!script)
        throw new AppError(
          'validation_failed',
          'This task has no script: give it one, or assign an agent that uses a model',
        )
      input.log.system(`$ ${script.split('\n').join('\n$ ')}\n`)
      // In the background, so a cancel can stop it (and everything it started) right away.
      const handle = await input.sandbox.commands.run(script, {
        background: true,
        cwd: input.workdir,
        timeoutMs: input.timeoutMs,
        onStdout: input.log.stdout,
        onStderr: input.log.stderr,
      })
      const stop = () => void handle.kill().catch(() => {})
      input.signal.addEventListener('abort', stop, { once: true })
      if (input.signal.aborted) stop()
      try {
        const result = await handle.wait()
        input.log.system(`script finished in ${(result.durationMs / 1000).toFixed(1)} s\n`)
      } catch (error) {
        if (input.signal.aborted)
          throw new AppError('bad_request', `Script stopped: ${String(input.signal.reason)}`)
        if (error instanceof CommandExitError) {
          const why =
            error.result.error === 'timeout'
              ? `the script did not finish within ${Math.round(input.timeoutMs / 1000)} s`
              : error.result.error === 'output_limit'
                ? 'the script printed more output than allowed'
                : `the script exited with code ${error.exitCode}`
          throw new AppError('bad_request', `Script agent failed: ${why}`, { cause: error })
        }
        throw error
      } finally {
        input.signal.removeEventListener('abort', stop)
      }
      const firstLine = script.split('\n')[0] ?? script
      return { summary: `Ran the task's script:\n\n${script.length > 2000 ? `${firstLine} …` : script}` }
    },
  }
}
