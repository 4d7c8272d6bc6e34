import { ReviewAnswer, toReview } from '../../conclusion.ts'
import { describe, Tool } from '../tool.ts'

export const submitReviewTool = Tool.define('submit_review', {
  description: describe(new URL('./submit-review.txt', import.meta.url)),
  parameters: ReviewAnswer,
  async execute(args, ctx) {
    if (ctx.assignment.mode !== 'review')
      return { output: 'Error: submit_review is only available in a review run.', failed: true }
    ctx.finish({ summary: args.body, review: toReview(args) })
    return args.verdict === 'approved'
      ? 'Review submitted: approved.'
      : 'Review submitted: the implementer gets your comments as a follow-up task on the same pull request.'
  },
})
