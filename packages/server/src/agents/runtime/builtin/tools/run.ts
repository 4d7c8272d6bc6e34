import { z } from 'zod'
import { describe, Tool } from '../tool.ts'
import { runInSandbox } from './sandbox-command.ts'

export const runCommandTool = Tool.define('run', {
  description: describe(new URL('./run.txt', import.meta.url)),
  parameters: z.object({
    command: z.string().min(1).describe('The shell command'),
    timeout_ms: z
      .number()
      .int()
      .min(1000)
      .optional()
      .describe('Stop it after this many milliseconds (default 120000; capped by the time left)'),
  }),
  async execute({ command, timeout_ms }, ctx) {
    ctx.log.system(`$ ${command}\n`)
    const result = await runInSandbox(ctx, command, { timeoutMs: timeout_ms, echo: true })
    const why =
      result.error === 'timeout'
        ? `Stopped: it did not finish within ${Math.round(ctx.commandTimeoutMs(timeout_ms) / 1000)} s.`
        : result.error === 'output_limit'
          ? 'Stopped: it printed more output than allowed.'
          : result.error === 'killed'
            ? 'Stopped: it was killed.'
            : `Exit code: ${result.exitCode}`
    const parts = [why]
    if (result.stdout) parts.push(result.stdout.trimEnd())
    if (result.stderr) parts.push(`[stderr]\n${result.stderr.trimEnd()}`)
    if (!result.stdout && !result.stderr) parts.push('(no output)')
    return { output: parts.join('\n'), failed: result.exitCode !== 0 || result.error !== undefined }
  },
})
