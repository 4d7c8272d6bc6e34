import { z } from 'zod'
import { describe, Tool } from '../tool.ts'

const Subtask = z.object({
  title: z.string().trim().min(3).max(200).describe('What to do, as a short imperative sentence'),
  description: z
    .string()
    .trim()
    .min(1)
    .max(8000)
    .describe('What to change, where, and how to check it: the specialist sees only this'),
  role: z
    .string()
    .trim()
    .min(1)
    .max(50)
    .describe('Which kind of squad member takes it: one of the roles listed in the task message'),
  after: z
    .array(z.number().int().min(1).max(10))
    .max(9)
    .default([])
    .describe(
      'Numbers (1-based) of EARLIER subtasks in this list that must be merged before this one starts, when it builds on their changes; empty to start at once',
    ),
})

export const splitTaskTool = Tool.define('split_task', {
  description: describe(new URL('./split-task.txt', import.meta.url)),
  parameters: z.object({
    summary: z.string().trim().min(1).max(4000).describe('The plan in a few sentences, for the parent task'),
    subtasks: z.array(Subtask).min(1).max(10).describe('The subtasks, in the order they matter'),
  }),
  async execute(args, ctx) {
    const assignment = ctx.assignment
    if (assignment.mode !== 'plan')
      return { output: 'Error: split_task is only available in a planning run.', failed: true }
    if (args.subtasks.length > assignment.maxSubtasks)
      return {
        output: `Error: at most ${assignment.maxSubtasks} subtasks; merge some of them and call split_task again.`,
        failed: true,
      }
    const roles = new Map(assignment.roles.map((r) => [r.role.toLowerCase(), r.role]))
    const unknown = args.subtasks.filter((s) => !roles.has(s.role.toLowerCase()))
    if (unknown.length)
      return {
        output: `Error: the squad has no ${[...new Set(unknown.map((s) => JSON.stringify(s.role)))].join(', ')} role. Use one of: ${[...roles.values()].join(', ')}. Call split_task again.`,
        failed: true,
      }
    const backwards = args.subtasks.flatMap((s, i) =>
      s.after.filter((n) => n > i).map((n) => `${i + 1} after ${n}`),
    )
    if (backwards.length)
      return {
        output: `Error: a subtask can only wait for earlier ones (${backwards.join(', ')}): reorder the list and call split_task again.`,
        failed: true,
      }
    ctx.finish({
      summary: args.summary,
      plan: {
        summary: args.summary,
        subtasks: args.subtasks.map((s) => ({
          ...s,
          role: roles.get(s.role.toLowerCase()) ?? s.role,
          after: [...new Set(s.after)].sort((a, b) => a - b),
        })),
      },
    })
    return `Planned ${args.subtasks.length} subtask${args.subtasks.length === 1 ? '' : 's'}: they go on the board and start now.`
  },
})
