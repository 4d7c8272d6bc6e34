import { z } from 'zod'
import { describe, Tool } from '../tool.ts'

const MAX_ENTRIES = 1000

export const listTool = Tool.define('list', {
  description: describe(new URL('./list.txt', import.meta.url)),
  parameters: z.object({
    path: z.string().default('.').describe('Folder to list, relative to the workspace (default: its root)'),
  }),
  paths: ['path'],
  async execute({ path }, ctx) {
    const entries = (await ctx.sandbox.files.list(path)).filter((e) => !(path === '.' && e.name === '.git'))
    entries.sort(
      (a, b) => Number(b.type === 'dir') - Number(a.type === 'dir') || a.name.localeCompare(b.name),
    )
    const lines = entries
      .slice(0, MAX_ENTRIES)
      .map((e) =>
        e.type === 'dir' ? `${e.name}/` : e.type === 'symlink' ? `${e.name}@` : `${e.name} (${e.size} bytes)`,
      )
    if (entries.length > MAX_ENTRIES) lines.push(`[${entries.length - MAX_ENTRIES} more entries not shown]`)
    return lines.length ? lines.join('\n') : `${path} is empty`
  },
})
