import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AgentAssignment, AgentRunInput } from '../../../src/agents/runtime/agent-runtime.ts'
import { claudeCode } from '../../../src/agents/runtime/cli/claude-code/claude-code.ts'
import { runCliAgent } from '../../../src/agents/runtime/cli/run-cli-agent.ts'
import { readConclusion } from '../../../src/agents/runtime/conclusion.ts'
import { ProcessSandboxProvider } from '../../../src/sandbox/process/process-sandbox-provider.ts'

const planning: Extract<AgentAssignment, { mode: 'plan' }> = {
  mode: 'plan',
  roles: [
    { role: 'backend', agents: ['Bo'] },
    { role: 'frontend', agents: ['Fay'] },
  ],
  maxSubtasks: 4,
}
const reviewing: Extract<AgentAssignment, { mode: 'review' }> = {
  mode: 'review',
  base: 'a'.repeat(40),
  diff: '-api v1\n+api v2\n',
  files: ['api.txt'],
  round: 1,
}

describe('a plan or a review from an agent CLI (a JSON block at the end of its final message)', () => {
  it('reads the last fenced block, checks it like the built-in tools do, and says what is wrong', () => {
    const plan = {
      summary: 'Two parts.',
      subtasks: [
        { title: 'Add the API', description: 'api.txt', role: 'Backend' },
        { title: 'Use it in the UI', description: 'ui.txt', role: 'frontend', after: [1] },
      ],
    }
    const text = `I looked around.\n\n\`\`\`json\n{"draft": true}\n\`\`\`\n\nFinal:\n\`\`\`json\n${JSON.stringify(plan)}\n\`\`\`\n`
    expect(readConclusion(text, planning)).toEqual({
      plan: {
        summary: 'Two parts.',
        subtasks: [
          { title: 'Add the API', description: 'api.txt', role: 'backend', after: [] },
          { title: 'Use it in the UI', description: 'ui.txt', role: 'frontend', after: [1] },
        ],
      },
    })
    expect(readConclusion('All good, ship it.', reviewing)).toEqual({
      error: 'its final message has no ```json block',
    })
    const designer = { ...plan, subtasks: [{ ...plan.subtasks[0], role: 'designer' }] }
    expect(readConclusion(JSON.stringify(designer), planning)).toMatchObject({
      error: expect.stringContaining('no "designer" role'),
    })
    const bad = readConclusion('```json\n{"verdict": "maybe", "body": ""}\n```', reviewing)
    expect('error' in bad && bad.error).toMatch(/verdict/)
    expect(
      readConclusion(
        '```json\n{"verdict": "changes_requested", "body": "Add a test.", "comments": [{"path": "api.txt", "line": 1, "body": "here"}]}\n```',
        reviewing,
      ),
    ).toEqual({
      review: {
        verdict: 'changes_requested',
        body: 'Add a test.',
        comments: [{ path: 'api.txt', line: 1, body: 'here' }],
      },
    })
  })

  describe('through the runner (Claude Code stand-in on the process sandbox)', () => {
    let scratch: string
    let provider: ProcessSandboxProvider
    beforeAll(() => {
      scratch = mkdtempSync(join(tmpdir(), 'squad-cli-conclusion-'))
      provider = new ProcessSandboxProvider({ root: join(scratch, 'sandboxes'), logger: { warn: () => {} } })
    })
    afterAll(async () => {
      await provider?.close()
      rmSync(scratch, { recursive: true, force: true })
    })

    /** Runs a stand-in that saves its prompt and prints one stream-json result carrying `answer`. */
    async function run(assignment: AgentAssignment, answer: string) {
      const sandbox = await provider.create({})
      try {
        const result = JSON.stringify({ type: 'result', subtype: 'success', is_error: false, result: answer })
        await sandbox.files.write(
          'answer.sh',
          `#!/bin/sh\nfor last; do :; done\nprintf '%s' "$last" > prompt.txt\ncat <<'EOF'\n${result}\nEOF\n`,
        )
        await sandbox.commands.run('chmod +x answer.sh', { cwd: sandbox.workdir })
        const input: AgentRunInput = {
          sandbox,
          workdir: sandbox.workdir,
          assignment,
          task: {
            id: 't',
            number: 3,
            title: 'Ship v2',
            description: 'API and UI.',
            labels: [],
            script: null,
          },
          agent: {
            id: 'a',
            name: 'Lena',
            role: assignment.mode === 'plan' ? 'lead' : 'reviewer',
            llmProvider: 'claude-code',
            llmModel: '',
            systemPrompt: '',
            config: { command: './answer.sh' },
          },
          log: { stdout: () => {}, stderr: () => {}, system: () => {} },
          emit: () => {},
          addSecret: () => {},
          signal: new AbortController().signal,
          timeoutMs: 20_000,
        }
        const outcome = await runCliAgent(claudeCode, { env: {} }, input).catch((error: Error) => error)
        return { outcome, prompt: await sandbox.files.read('prompt.txt') }
      } finally {
        await sandbox.kill()
      }
    }

    it('a CLI lead plans: its prompt lists the roles and asks for the block; the plan comes back', async () => {
      const plan = {
        summary: 'One part.',
        subtasks: [{ title: 'Do it all', description: 'x', role: 'backend' }],
      }
      const { outcome, prompt } = await run(
        planning,
        `Here is the plan.\n\`\`\`json\n${JSON.stringify(plan)}\n\`\`\``,
      )
      expect(outcome).toMatchObject({
        plan: { subtasks: [{ title: 'Do it all', role: 'backend', after: [] }] },
      })
      expect(prompt).toContain('- backend: Bo')
      expect(prompt).toContain('Do not change any files: this run only plans')
      expect(prompt).toContain('```json block')
      expect(prompt).not.toContain('becomes the commit message body')
    })

    it('a CLI reviewer reads the diff in its prompt; an answer without a verdict fails the run, saying why', async () => {
      const { outcome, prompt } = await run(reviewing, 'Looks fine to me.')
      expect(prompt).toContain('+api v2')
      expect(outcome).toBeInstanceOf(Error)
      expect((outcome as Error).message).toBe(
        'Claude Code ended without a usable review: its final message has no ```json block',
      )
      const approved = await run(reviewing, '```json\n{"verdict": "approved", "body": "Right."}\n```')
      expect(approved.outcome).toMatchObject({
        review: { verdict: 'approved', body: 'Right.', comments: [] },
      })
    })
  })
})
