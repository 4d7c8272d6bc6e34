import { z } from 'zod'
import { shellCommand } from '../../../../git/shell-quote.ts'
import { describe, Tool } from '../tool.ts'
import { runInSandbox } from './sandbox-command.ts'

export const gitDiffTool = Tool.define('git_diff', {
  description: describe(new URL('./git-diff.txt', import.meta.url)),
  parameters: z.object({
    path: z
      .string()
      .default('.')
      .describe('File or folder to diff, relative to the workspace (default: all)'),
  }),
  paths: ['path'],
  async execute({ path }, ctx) {
    // Intent-to-add makes new files show in the diff without staging their content.
    const command = `git add --intent-to-add --all -- ${shellCommand([path])} 2>/dev/null; ${shellCommand(['git', '-c', 'core.quotePath=false', 'diff', '--no-color', '--no-ext-diff', 'HEAD', '--', path])}`
    const result = await runInSandbox(ctx, command)
    if (result.exitCode !== 0)
      return { output: `Error: git diff failed: ${result.stderr.trim()}`, failed: true }
    return result.stdout.trim() ? result.stdout : 'No changes.'
  },
})
