import type { AgentAssignment } from './agent-runtime.ts'

/** Longest diff put in a reviewer's first message; the rest is left to git_diff and read. */
const MAX_DIFF_CHARS = 60_000

const comments = (list: { path: string; line: number | null; body: string }[]) =>
  list.map((c) => `- ${c.path}${c.line ? `:${c.line}` : ''}: ${c.body}`).join('\n')

/**
 * What a run's mode adds to the task message, for every runtime alike (built-in agent and CLIs):
 * the review feedback a revision addresses, the roles a plan may use, the diff a review reads.
 */
export function assignmentText(assignment: AgentAssignment, branch: string): string {
  switch (assignment.mode) {
    case 'implement': {
      if (!assignment.feedback.length) return ''
      const reviews = assignment.feedback.map((review) =>
        [`Review by ${review.author}:`, review.body.trim(), comments(review.comments)]
          .filter(Boolean)
          .join('\n'),
      )
      return [
        `# Review feedback to address`,
        `Your earlier work on this task is already on ${branch} and in an open pull request. A review asked for changes: make them on top of that work (the pull request updates itself), then finish with a summary of what you changed in response.`,
        ...reviews,
      ].join('\n\n')
    }
    case 'plan':
      return [
        '# Your squad',
        'Subtasks may name these roles (each role lists who holds it):',
        assignment.roles.map((r) => `- ${r.role}: ${r.agents.join(', ')}`).join('\n'),
        `Plan at most ${assignment.maxSubtasks} subtasks.`,
      ].join('\n')
    case 'review': {
      const diff =
        assignment.diff.length > MAX_DIFF_CHARS
          ? `${assignment.diff.slice(0, MAX_DIFF_CHARS)}\n[… the diff goes on: use git_diff or read for the rest]`
          : assignment.diff
      return [
        `# The change to review (review round ${assignment.round})`,
        `Branch ${branch}, against ${assignment.base.slice(0, 12)} where it started. Files changed: ${assignment.files.join(', ') || 'none'}.`,
        `\`\`\`diff\n${diff.trim() || '(no changes)'}\n\`\`\``,
      ].join('\n\n')
    }
  }
}
