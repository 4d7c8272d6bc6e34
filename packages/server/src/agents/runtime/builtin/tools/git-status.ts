import { z } from 'zod'
import { describe, Tool } from '../tool.ts'
import { runInSandbox } from './sandbox-command.ts'

export const gitStatusTool = Tool.define('git_status', {
  description: describe(new URL('./git-status.txt', import.meta.url)),
  parameters: z.object({}),
  async execute(_args, ctx) {
    const result = await runInSandbox(ctx, 'git status --short --branch --untracked-files=all')
    if (result.exitCode !== 0)
      return { output: `Error: git status failed: ${result.stderr.trim()}`, failed: true }
    const lines = result.stdout.trimEnd().split('\n')
    return lines.length <= 1 ? `${lines[0] ?? ''}\nNo changes.` : lines.join('\n')
  },
})
