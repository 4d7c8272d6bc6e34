import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { assignmentText } from '../../src/agents/runtime/assignment-text.ts'
import { taskPrompt } from '../../src/agents/runtime/cli/task-prompt.ts'
import { chatToolResults, createWorkspace, hasBwrap, runBuiltinAgent } from './agent-harness.ts'
import { startFakeOpenAI } from './fakes/openai-chat-server.ts'
import type { FakeModelServer } from './fakes/scripted-model.ts'

const agent = (url: string) => ({ llmProvider: 'openai-compatible', role: 'lead', config: { base_url: url } })
const toolNames = (body: Record<string, unknown>) =>
  ((body.tools ?? []) as { function: { name: string } }[]).map((t) => t.function.name).sort()

describe.skipIf(!hasBwrap)('built-in agent: planning and reviewing runs (real sandbox, fake model)', () => {
  let openai: FakeModelServer
  beforeAll(async () => {
    openai = await startFakeOpenAI()
  })
  afterAll(async () => {
    await openai?.close()
  })

  it('a plan offers no editing tools, refuses a role the squad lacks, and returns the subtasks', async () => {
    const ws = await createWorkspace({ 'api.txt': 'v1\n' })
    try {
      const subtask = { title: 'Do the API', description: 'api.txt to v2', role: 'designer' }
      openai.setScript([
        { toolCalls: [{ id: 'p1', name: 'split_task', args: { summary: 'Split.', subtasks: [subtask] } }] },
        { toolCalls: [{ id: 'p2', name: 'write', args: { path: 'x.txt', content: 'no' } }] },
        {
          toolCalls: [
            {
              id: 'p3',
              name: 'split_task',
              args: { summary: 'One backend task.', subtasks: [{ ...subtask, role: 'BACKEND' }] },
            },
          ],
        },
      ])
      const run = await runBuiltinAgent({
        sandbox: ws.sandbox,
        agent: agent(openai.url),
        assignment: { mode: 'plan', roles: [{ role: 'backend', agents: ['Bo'] }], maxSubtasks: 3 },
      })
      expect(run.error).toBeNull()
      expect(run.result?.plan).toEqual({
        summary: 'One backend task.',
        subtasks: [{ title: 'Do the API', description: 'api.txt to v2', role: 'backend', after: [] }],
      })
      const first = openai.requests[0]?.body as Record<string, unknown>
      expect(toolNames(first)).toEqual(
        ['git_diff', 'git_status', 'glob', 'grep', 'list', 'read', 'run', 'split_task'].sort(),
      )
      const messages = first.messages as { content: string }[]
      expect(messages[0]?.content).toContain('This run is a planning run')
      expect(messages[1]?.content).toContain('- backend: Bo')
      const results = chatToolResults(openai.requests[2]?.body as Record<string, unknown>)
      expect(results.get('p1')).toContain('the squad has no "designer" role')
      expect(results.get('p2')).toContain('no tool named "write"')
      expect(await ws.sandbox.files.read('x.txt').catch(() => null)).toBeNull()
    } finally {
      await ws.close()
    }
  })

  it('a plan orders subtasks only after earlier ones, and keeps that order', async () => {
    const ws = await createWorkspace({ 'api.txt': 'v1\n' })
    try {
      const api = { title: 'Do the API', description: 'api', role: 'backend' }
      const ui = { title: 'Do the UI', description: 'ui', role: 'frontend' }
      openai.setScript([
        {
          toolCalls: [
            { id: 'o1', name: 'split_task', args: { summary: 'S', subtasks: [{ ...api, after: [2] }, ui] } },
          ],
        },
        {
          toolCalls: [
            {
              id: 'o2',
              name: 'split_task',
              args: { summary: 'S', subtasks: [api, { ...ui, after: [1, 1] }] },
            },
          ],
        },
      ])
      const run = await runBuiltinAgent({
        sandbox: ws.sandbox,
        agent: agent(openai.url),
        assignment: {
          mode: 'plan',
          roles: [
            { role: 'backend', agents: ['Bo'] },
            { role: 'frontend', agents: ['Fay'] },
          ],
          maxSubtasks: 5,
        },
      })
      expect(run.error).toBeNull()
      expect(chatToolResults(openai.requests[1]?.body as Record<string, unknown>).get('o1')).toContain(
        'a subtask can only wait for earlier ones (1 after 2)',
      )
      expect(run.result?.plan?.subtasks.map((s) => s.after)).toEqual([[], [1]])
    } finally {
      await ws.close()
    }
  })

  it('a review reads the diff in its first message and ends with a verdict', async () => {
    const ws = await createWorkspace({ 'api.txt': 'v1\n' })
    try {
      openai.setScript([
        {
          toolCalls: [
            {
              id: 'r1',
              name: 'submit_review',
              args: {
                verdict: 'changes_requested',
                body: 'Needs a test.',
                comments: [{ path: 'api.txt', line: 1, body: 'Cover v2.' }],
              },
            },
          ],
        },
      ])
      const run = await runBuiltinAgent({
        sandbox: ws.sandbox,
        agent: { ...agent(openai.url), role: 'reviewer' },
        assignment: { mode: 'review', base: 'abc123', diff: '-v1\n+v2\n', files: ['api.txt'], round: 2 },
      })
      expect(run.error).toBeNull()
      expect(run.result?.review).toEqual({
        verdict: 'changes_requested',
        body: 'Needs a test.',
        comments: [{ path: 'api.txt', line: 1, body: 'Cover v2.' }],
      })
      const messages = openai.requests[0]?.body.messages as { content: string }[]
      expect(messages[0]?.content).toContain('This run is a review')
      expect(messages[1]?.content).toContain('review round 2')
      expect(messages[1]?.content).toContain('-v1\n+v2')
      expect(toolNames(openai.requests[0]?.body as Record<string, unknown>)).toContain('submit_review')
      expect(toolNames(openai.requests[0]?.body as Record<string, unknown>)).not.toContain('finish')
    } finally {
      await ws.close()
    }
  })

  it('a review that never submits a verdict fails the run, saying so', async () => {
    const ws = await createWorkspace({ 'api.txt': 'v1\n' })
    try {
      openai.setScript([{ text: 'Looks fine to me.' }, { text: 'Really.' }])
      const run = await runBuiltinAgent({
        sandbox: ws.sandbox,
        agent: { ...agent(openai.url), role: 'reviewer' },
        assignment: { mode: 'review', base: 'abc', diff: '', files: [], round: 1 },
      })
      expect(run.error?.message).toMatch(/stopped without calling submit_review/)
      // The nudge names the tool that ends a review.
      const sent = (openai.requests[1]?.body.messages ?? []) as { role: string; content: string }[]
      const nudge = sent.at(-1)
      expect(nudge?.content).toContain('call submit_review')
    } finally {
      await ws.close()
    }
  })
})

describe('what a run mode adds to the task message', () => {
  it('a revision carries the reviews to address, for the built-in agent and CLIs alike', () => {
    const assignment = {
      mode: 'implement' as const,
      feedback: [
        {
          author: 'Rex',
          body: 'Add a changelog.',
          comments: [{ path: 'api.txt', line: 3, body: 'Say v2.' }],
        },
      ],
    }
    const text = assignmentText(assignment, 'task-4')
    expect(text).toContain('# Review feedback to address')
    expect(text).toContain('already on task-4')
    expect(text).toContain('Review by Rex:\nAdd a changelog.\n- api.txt:3: Say v2.')
    expect(assignmentText({ mode: 'implement', feedback: [] }, 'task-4')).toBe('')
    const prompt = taskPrompt({
      task: { id: 't', number: 4, title: 'Bump', description: 'Do it', labels: [], script: null },
      agent: {
        id: null,
        name: 'Bo',
        role: 'backend',
        llmProvider: 'claude-code',
        llmModel: '',
        systemPrompt: '',
        config: {},
      },
      workdir: '/workspace',
      assignment,
    })
    expect(prompt).toContain('Review by Rex')
    expect(prompt.indexOf('Do it')).toBeLessThan(prompt.indexOf('Review by Rex'))
  })

  it('a review diff too long for one message is cut, saying where the rest is', () => {
    const text = assignmentText(
      { mode: 'review', base: 'a'.repeat(40), diff: 'x'.repeat(70_000), files: ['f'], round: 1 },
      'task-1',
    )
    expect(text.length).toBeLessThan(61_000)
    expect(text).toContain('use git_diff or read for the rest')
  })
})
