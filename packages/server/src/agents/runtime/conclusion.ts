import { z } from 'zod'
import type { AgentAssignment, AgentPlan, AgentReview } from './agent-runtime.ts'

/** One subtask of a plan as a model writes it (the built-in `split_task` tool and CLI answers alike). */
export const PlanSubtask = z.object({
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

export const PlanAnswer = z.object({
  summary: z.string().trim().min(1).max(4000).describe('The plan in a few sentences, for the parent task'),
  subtasks: z.array(PlanSubtask).min(1).max(10).describe('The subtasks, in the order they matter'),
})

export const ReviewAnswer = z.object({
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
})

/**
 * Checks a plan against the squad (its roles, the most subtasks, order only after earlier ones):
 * the plan with role names as the squad spells them, or what is wrong, for the model to fix.
 */
export function checkPlan(
  answer: z.infer<typeof PlanAnswer>,
  assignment: Extract<AgentAssignment, { mode: 'plan' }>,
): { plan: AgentPlan } | { error: string } {
  if (answer.subtasks.length > assignment.maxSubtasks)
    return { error: `at most ${assignment.maxSubtasks} subtasks; merge some of them` }
  const roles = new Map(assignment.roles.map((r) => [r.role.toLowerCase(), r.role]))
  const unknown = answer.subtasks.filter((s) => !roles.has(s.role.toLowerCase()))
  if (unknown.length)
    return {
      error: `the squad has no ${[...new Set(unknown.map((s) => JSON.stringify(s.role)))].join(', ')} role; use one of: ${[...roles.values()].join(', ')}`,
    }
  const backwards = answer.subtasks.flatMap((s, i) =>
    s.after.filter((n) => n > i).map((n) => `${i + 1} after ${n}`),
  )
  if (backwards.length)
    return { error: `a subtask can only wait for earlier ones (${backwards.join(', ')}): reorder the list` }
  return {
    plan: {
      summary: answer.summary,
      subtasks: answer.subtasks.map((s) => ({
        ...s,
        role: roles.get(s.role.toLowerCase()) ?? s.role,
        after: [...new Set(s.after)].sort((a, b) => a - b),
      })),
    },
  }
}

export const toReview = (answer: z.infer<typeof ReviewAnswer>): AgentReview => ({
  verdict: answer.verdict,
  body: answer.body,
  comments: answer.comments.map((c) => ({ path: c.path, line: c.line ?? null, body: c.body })),
})

/**
 * How an agent CLI, which ends with text rather than a tool call, hands over a plan or a review:
 * a fenced JSON block at the end of its final message, described here for its prompt.
 */
export function conclusionInstructions(mode: 'plan' | 'review'): string {
  const shape =
    mode === 'plan'
      ? '{"summary": "the plan in a few sentences", "subtasks": [{"title": "…", "description": "what to change, where, how to check it", "role": "one of the roles above", "after": []}]}'
      : '{"verdict": "approved" or "changes_requested", "body": "your review", "comments": [{"path": "src/a.ts", "line": 12, "body": "…"}]}'
  return [
    '# How to answer',
    mode === 'plan'
      ? 'Do not change any files: this run only plans. Explore the repository, then split the task into subtasks for the roles above. `after` lists the numbers (1-based) of earlier subtasks that must be merged before this one starts; leave it empty for work that can run at once.'
      : 'Do not change any files: this run only reviews. Read the diff and the code around it, run the tests if the repository has them, then approve, or request changes for real problems (bugs, the task not done, missing tests).',
    `End your final message with exactly one fenced \`\`\`json block holding: ${shape}`,
  ].join('\n\n')
}

/** The last fenced ```json block of a final message (or the message itself when it is bare JSON). */
function lastJsonBlock(text: string): unknown {
  const blocks = [...text.matchAll(/```(?:json)?\s*\n([\s\S]*?)```/g)].map((m) => m[1] ?? '')
  const candidate = blocks.at(-1) ?? text.trim()
  try {
    return JSON.parse(candidate)
  } catch {
    return undefined
  }
}

/** Reads a CLI's plan or review from its final message: the result, or why it is not one. */
export function readConclusion(
  text: string,
  assignment: Extract<AgentAssignment, { mode: 'plan' | 'review' }>,
): { plan: AgentPlan } | { review: AgentReview } | { error: string } {
  const json = lastJsonBlock(text)
  if (json === undefined) return { error: 'its final message has no ```json block' }
  if (assignment.mode === 'review') {
    const parsed = ReviewAnswer.safeParse(json)
    return parsed.success ? { review: toReview(parsed.data) } : { error: z.prettifyError(parsed.error) }
  }
  const parsed = PlanAnswer.safeParse(json)
  return parsed.success ? checkPlan(parsed.data, assignment) : { error: z.prettifyError(parsed.error) }
}
