import { describe, expect, it } from 'vitest'
import { pullRequestBody } from '../../src/executions/pipeline/pull-request-body.ts'

const input = {
  task: { number: 4, title: 'Crash on empty input', description: 'Steps: run it.' },
  taskUrl: '/squads/s/tasks/t',
  summary: 'Fixed it.',
  commits: [],
  agentName: 'Dev',
  branch: 'task-4',
  base: 'main',
  rebased: false,
}

describe('pullRequestBody', () => {
  it("closes the task's issue with a line GitHub reads (Closes #n)", () => {
    const body = pullRequestBody({ ...input, task: { ...input.task, linkedIssue: { number: 12 } } })
    expect(body.split('\n')).toContain('Closes #12')
  })

  it('says nothing of an issue for a task made on the board', () => {
    expect(pullRequestBody({ ...input, task: { ...input.task, linkedIssue: null } })).not.toMatch(
      /Closes #\d/,
    )
    expect(pullRequestBody(input)).not.toMatch(/Closes #\d/)
  })
})
