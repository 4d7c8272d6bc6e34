import type { Commit } from '@agent-squad/contract'

export type PullRequestBodyInput = {
  /** `linkedIssue`: the forge issue the task was made from (a task row carries it). */
  task: { number: number; title: string; description: string; linkedIssue?: { number: number } | null }
  taskUrl: string
  summary: string
  commits: Commit[]
  agentName: string
  branch: string
  base: string
  rebased: boolean
}

const firstLine = (text: string) => text.split('\n')[0] ?? ''

/**
 * The pull request's description: the task it links back to, what was done, the commits, a
 * checklist. A task made from an issue says `Closes #n` on a line of its own, which GitHub reads
 * to close the issue when the pull request merges.
 */
export function pullRequestBody(input: PullRequestBodyInput): string {
  const description = input.task.description.trim()
  const issue = input.task.linkedIssue
  const lines = [
    `Closes task #${input.task.number}: [${input.task.title}](${input.taskUrl})`,
    ...(issue ? ['', `Closes #${issue.number}`] : []),
    '',
    '## Summary',
    '',
    input.summary.trim() || '_The agent left no summary._',
    '',
  ]
  if (description) lines.push('## Task', '', ...description.split('\n').map((l) => `> ${l}`), '')
  lines.push(
    '## Commits',
    '',
    ...input.commits.map((c) => `- ${c.sha.slice(0, 8)} ${firstLine(c.message)}`),
    '',
    '## Checklist',
    '',
    '- [ ] The change does what the task asks',
    '- [ ] Tests cover the change and pass',
    '- [ ] No secrets, credentials or unrelated files in the diff',
    '',
    `<sub>Opened by ${input.agentName} (Agent Squad) from \`${input.branch}\` into \`${input.base}\`${input.rebased ? ', rebased onto the latest base' : ''}.</sub>`,
  )
  return lines.join('\n')
}
