import { z } from 'zod'
import { describe, Tool } from '../tool.ts'

export const writeTool = Tool.define('write', {
  description: describe(new URL('./write.txt', import.meta.url)),
  parameters: z.object({
    path: z.string().describe('File to write, relative to the workspace'),
    content: z.string().describe('The complete new content of the file'),
  }),
  paths: ['path'],
  async execute({ path, content }, ctx) {
    if (path === '.') return { output: 'Error: give a file path, not the workspace itself', failed: true }
    await ctx.sandbox.files.write(path, content)
    return `Wrote ${Buffer.byteLength(content)} bytes to ${path}`
  },
})
