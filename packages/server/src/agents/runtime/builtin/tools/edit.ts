import { z } from 'zod'
import { describe, Tool } from '../tool.ts'

/** Occurrences of `needle` in `text`, not overlapping. */
const count = (text: string, needle: string) => text.split(needle).length - 1

export const editTool = Tool.define('edit', {
  description: describe(new URL('./edit.txt', import.meta.url)),
  parameters: z.object({
    path: z.string().describe('File to edit, relative to the workspace'),
    old_string: z.string().min(1).describe('Exact text to find (must be unique unless replace_all)'),
    new_string: z.string().describe('Text to put in its place'),
    replace_all: z.boolean().default(false).describe('Replace every occurrence instead of exactly one'),
  }),
  paths: ['path'],
  async execute({ path, old_string, new_string, replace_all }, ctx) {
    if (old_string === new_string)
      return { output: 'Error: old_string and new_string are the same; nothing to change', failed: true }
    const text = await ctx.sandbox.files.read(path)
    const found = count(text, old_string)
    if (found === 0)
      return {
        output: `Error: old_string was not found in ${path}, so nothing changed. Check whitespace and indentation (leave out read's line numbers) or read the file again.`,
        failed: true,
      }
    if (found > 1 && !replace_all)
      return {
        output: `Error: old_string occurs ${found} times in ${path}, so nothing changed. Include more surrounding lines to make it unique, or set replace_all to true.`,
        failed: true,
      }
    const updated = replace_all
      ? text.split(old_string).join(new_string)
      : text.replace(old_string, () => new_string)
    await ctx.sandbox.files.write(path, updated)
    return `Edited ${path}: replaced ${found} occurrence${found === 1 ? '' : 's'}`
  },
})
