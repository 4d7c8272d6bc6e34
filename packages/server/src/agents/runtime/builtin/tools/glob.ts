import { posix } from 'node:path'
import { z } from 'zod'
import { shellCommand } from '../../../../git/shell-quote.ts'
import { describe, Tool } from '../tool.ts'
import { runInSandbox } from './sandbox-command.ts'

const MAX_RESULTS = 500

export const globTool = Tool.define('glob', {
  description: describe(new URL('./glob.txt', import.meta.url)),
  parameters: z.object({
    pattern: z.string().min(1).describe('Glob pattern, e.g. "**/*.ts"'),
    path: z.string().default('.').describe('Folder to search, relative to the workspace (default: its root)'),
  }),
  paths: ['path'],
  async execute({ pattern: given, path }, ctx) {
    const pattern = given.replace(/^(\.\/)+/, '')
    const find = shellCommand([
      'find',
      path,
      '-name',
      '.git',
      '-prune',
      '-o',
      '(',
      '-type',
      'f',
      '-o',
      '-type',
      'l',
      ')',
      '-print',
    ])
    const result = await runInSandbox(ctx, find, { maxOutputBytes: 16 * 1024 * 1024 })
    if (result.exitCode !== 0 && !result.stdout)
      return { output: `Error: could not list ${path}: ${result.stderr.trim()}`, failed: true }
    const byName = !pattern.includes('/')
    const matches: string[] = []
    for (const line of result.stdout.split('\n')) {
      if (!line) continue
      const fromWorkspace = posix.normalize(line)
      const fromPath = path === '.' ? fromWorkspace : posix.relative(path, fromWorkspace)
      if (posix.matchesGlob(byName ? posix.basename(fromPath) : fromPath, pattern))
        matches.push(fromWorkspace)
    }
    matches.sort()
    if (matches.length === 0) return `No files match ${pattern}${path === '.' ? '' : ` under ${path}`}`
    const more =
      matches.length > MAX_RESULTS
        ? `\n[${matches.length - MAX_RESULTS} more not shown: narrow the pattern]`
        : ''
    return matches.slice(0, MAX_RESULTS).join('\n') + more
  },
})
