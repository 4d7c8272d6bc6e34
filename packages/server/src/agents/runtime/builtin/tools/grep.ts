import { z } from 'zod'
import { shellCommand } from '../../../../git/shell-quote.ts'
import { describe, Tool } from '../tool.ts'
import { runInSandbox } from './sandbox-command.ts'

const MAX_MATCHES = 200
const MAX_LINE_CHARS = 300

export const grepTool = Tool.define('grep', {
  description: describe(new URL('./grep.txt', import.meta.url)),
  parameters: z.object({
    pattern: z.string().min(1).describe('Regular expression (grep -E syntax)'),
    path: z
      .string()
      .default('.')
      .describe('Folder or file to search, relative to the workspace (default: its root)'),
    include: z.string().optional().describe('Only files whose name matches this glob, e.g. "*.ts"'),
    ignore_case: z.boolean().default(false),
  }),
  paths: ['path'],
  async execute({ pattern, path, include, ignore_case }, ctx) {
    const argv = ['grep', '-rnIE', '--color=never', '--exclude-dir=.git']
    if (ignore_case) argv.push('-i')
    if (include) argv.push(`--include=${include}`)
    argv.push('-e', pattern, '--', path)
    const result = await runInSandbox(ctx, shellCommand(argv), { maxOutputBytes: 4 * 1024 * 1024 })
    if (result.exitCode === 1 && !result.stdout) return 'No matches.'
    if (result.exitCode > 1 && !result.stdout)
      return {
        output: `Error: grep failed: ${result.stderr.trim() || `exit code ${result.exitCode}`}`,
        failed: true,
      }
    const lines = result.stdout.split('\n').filter(Boolean)
    const shown = lines
      .slice(0, MAX_MATCHES)
      .map((line) => (line.length > MAX_LINE_CHARS ? `${line.slice(0, MAX_LINE_CHARS)} [… cut]` : line))
    const more =
      lines.length > MAX_MATCHES || result.truncated
        ? `\n[more matches not shown: narrow the pattern, path or include]`
        : ''
    return shown.join('\n') + more
  },
})
