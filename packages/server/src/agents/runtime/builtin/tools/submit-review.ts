import { z } from 'zod'
import { describe, Tool } from '../tool.ts'

export const submitReviewTool = Tool.define('submit_review', {
  description: describe(new URL('./submit-review.txt', import.meta.url)),
  parameters: z.object({
    verdict: z.enum(['approved', 'changes_requested']).describe('Approve, or ask for changes'),
    body: z
      .string()
      .trim()
      .min(1)
      .max(8000)
      .describe('The review: what is good, and exactly what must change (for changes_requested)'),
    comments: z
      .array(
        z.object({
          path: z.string().trim().min(1).max(500).describe('File, relative to the workspace'),
          line: z.number().int().positive().nullish().describe('Line in the new version, if any'),
          body: z.string().trim().min(1).max(4000),
        }),
      )
      .max(50)
      .default([])
      .describe('Remarks on specific places of the change'),
  }),
  async execute(args, ctx) {
    if (ctx.assignment.mode !== 'review')
      return { output: 'Error: submit_review is only available in a review run.', failed: true }
    ctx.finish({
      summary: args.body,
      review: {
        verdict: args.verdict,
        body: args.body,
        comments: args.comments.map((c) => ({ path: c.path, line: c.line ?? null, body: c.body })),
      },
    })
    return args.verdict === 'approved'
      ? 'Review submitted: approved.'
      : 'Review submitted: the implementer gets your comments as a follow-up task on the same pull request.'
  },
})
