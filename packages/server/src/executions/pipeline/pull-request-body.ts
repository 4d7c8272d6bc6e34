import type { Commit } from '@agent-squad/contract'

export type PullRequestBodyInput = {
  task: { number: number; title: string; description: string }
  taskUrl: string
  summary: string
  commits: Commit[]
  agentName: string
  branch: string
  base: string
  rebased: boolean
}

const firstLine = (text: string) => text.split('\n')[0] ?? ''

/** The pull request's description: the task it links back to, what was done, the commits, a checklist. */
export function pullRequestBody(input: PullRequestBodyInput): string {
  const description = input.task.description.trim()
  const lines = [
    `Closes task #${input.task.number}: [${input.task.title}](${input.taskUrl})`,
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
