import { z } from 'zod'
import { commitTypes } from '../../../../git/conventional-commit.ts'
import { describe, Tool } from '../tool.ts'

export const finishTool = Tool.define('finish', {
  description: describe(new URL('./finish.txt', import.meta.url)),
  parameters: z.object({
    summary: z
      .string()
      .trim()
      .min(1)
      .max(4000)
      .describe('What you changed and why, for the commit body and the pull request'),
    commit_type: z.enum(commitTypes).describe('Conventional Commit type'),
    commit_scope: z
      .string()
      .regex(
        /^[a-z0-9][a-z0-9._/-]{0,29}$/,
        'a short lowercase word such as "api" (a-z, 0-9, ".", "_", "/", "-")',
      )
      .nullish()
      .describe('Optional scope, e.g. "api"'),
    commit_subject: z
      .string()
      .trim()
      .min(3)
      .max(60)
      .regex(/^[^\n]+$/, 'one line')
      .nullish()
      .describe('Optional imperative subject, e.g. "handle empty input"'),
  }),
  async execute(args, ctx) {
    ctx.finish({
      summary: args.summary,
      commitType: args.commit_type,
      commitScope: args.commit_scope ?? null,
      commitSubject: args.commit_subject ?? null,
    })
    return 'Finished. The pipeline commits your changes and opens the pull request.'
  },
})
