import type { AgentRunInput } from '../agent-runtime.ts'
import { assignmentText } from '../assignment-text.ts'
import { conclusionInstructions } from '../conclusion.ts'

/** Largest prompt handed to a CLI, in bytes: one argument on Linux holds at most 128 KiB. */
export const MAX_PROMPT_BYTES = 120_000

/** The longest start of `text` that fits in `maxBytes` of UTF-8 (never cutting a character). */
function fitBytes(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text) <= maxBytes) return text
  const cut = Buffer.from(text).subarray(0, Math.max(0, maxBytes)).toString('utf8')
  return cut.endsWith('\uFFFD') ? cut.slice(0, -1) : cut
}

/**
 * The one prompt an agent CLI gets for a task: who it is (the agent's role and system prompt),
 * the task, where it works, and the ground rules (edit files only: the pipeline commits, pushes
 * and opens the pull request; end with a summary, which becomes the commit body and PR text).
 * A description too long for one argument is shortened, saying so.
 */
export function taskPrompt(
  input: Pick<AgentRunInput, 'task' | 'agent' | 'workdir'> & Partial<Pick<AgentRunInput, 'assignment'>>,
): string {
  const { task, agent } = input
  const head = [
    `You are ${agent.name}, the ${agent.role} agent of a software squad.`,
    fitBytes(agent.systemPrompt.trim(), MAX_PROMPT_BYTES / 2),
    `# Task #${task.number}: ${task.title}`,
    task.labels.length ? `Labels: ${task.labels.join(', ')}` : '',
  ]
  const mode = input.assignment?.mode ?? 'implement'
  const implementRules = [
    '# How to work',
    `You are in a git checkout of the repository at ${input.workdir}, on the branch ${task.branch ?? `task-${task.number}`}. ` +
      'Make the change the task asks for by editing files in this workspace, and run what you need to check it.',
    'Do not commit, push, switch branches or open a pull request: all of that happens automatically when you finish.',
    'End with a short summary of what you changed and why: it becomes the commit message body and the pull request description.',
  ]
  // A plan or a review changes nothing and ends with a JSON block the runner reads (conclusion.ts).
  const rules = mode === 'implement' ? implementRules : [conclusionInstructions(mode)]
  // What the mode adds after the task (review feedback, the squad's roles, the diff under review).
  const feedback = input.assignment
    ? fitBytes(
        assignmentText(input.assignment, task.branch ?? `task-${task.number}`),
        mode === 'review' ? MAX_PROMPT_BYTES / 2 : MAX_PROMPT_BYTES / 4,
      )
    : ''
  const join = (description: string) =>
    [...head, description, feedback, ...rules].filter(Boolean).join('\n\n')
  const description = task.description.trim()
  const full = join(description)
  if (Buffer.byteLength(full) <= MAX_PROMPT_BYTES) return full
  const room = MAX_PROMPT_BYTES - Buffer.byteLength(join('')) - 100
  return join(`${fitBytes(description, room)}\n[the description was shortened to fit]`)
}
