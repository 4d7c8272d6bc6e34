import { z } from 'zod'
import { describe, Tool } from '../tool.ts'

const MAX_LINE_CHARS = 2000

export const readTool = Tool.define('read', {
  description: describe(new URL('./read.txt', import.meta.url)),
  parameters: z.object({
    path: z.string().describe('File to read, relative to the workspace'),
    offset: z.number().int().min(1).optional().describe('First line to read, 1-based (default 1)'),
    limit: z.number().int().min(1).max(5000).optional().describe('Number of lines to read (default 2000)'),
  }),
  paths: ['path'],
  async execute({ path, offset = 1, limit = 2000 }, ctx) {
    const bytes = await ctx.sandbox.files.readBytes(path)
    if (bytes.subarray(0, 8192).includes(0))
      return { output: `${path} is a binary file (${bytes.length} bytes)`, failed: true }
    const text = Buffer.from(bytes).toString('utf8')
    if (text === '') return `${path} is empty`
    const lines = text.split('\n')
    if (lines[lines.length - 1] === '') lines.pop()
    if (offset > lines.length) return { output: `${path} has only ${lines.length} lines`, failed: true }
    const end = Math.min(lines.length, offset - 1 + limit)
    const width = String(end).length
    const shown = lines.slice(offset - 1, end).map((line, i) => {
      const cut = line.length > MAX_LINE_CHARS ? `${line.slice(0, MAX_LINE_CHARS)} [… line cut]` : line
      return `${String(offset + i).padStart(width)}| ${cut}`
    })
    const more =
      end < lines.length
        ? `\n(lines ${offset}-${end} of ${lines.length}; read on with offset=${end + 1})`
        : ''
    return shown.join('\n') + more
  },
})
