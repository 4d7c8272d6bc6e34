import { readFileSync } from 'node:fs'
import type { Sandbox } from '../../../sandbox/sandbox-provider.ts'
import type { AgentAssignment, AgentRunInput } from '../agent-runtime.ts'
import { assignmentText } from '../assignment-text.ts'

const template = (name: string) =>
  readFileSync(new URL(`./roles/${name}.txt`, import.meta.url), 'utf8').trim()
// How to work, by mode: implementing (the default), planning (the lead splits the task), reviewing.
const modeRules: Record<AgentAssignment['mode'], string> = {
  implement: template('base'),
  plan: template('plan'),
  review: template('review'),
}
const roles: Record<string, string> = {
  lead: template('lead'),
  backend: template('backend'),
  frontend: template('frontend'),
  qa: template('reviewer'),
  reviewer: template('reviewer'),
}
const fallback = template('default')

/** Files a repository keeps its instructions for coding agents in, most specific first. */
export const instructionFiles = [
  'AGENTS.md',
  'CLAUDE.md',
  'GEMINI.md',
  '.github/copilot-instructions.md',
  '.cursorrules',
] as const
const MAX_INSTRUCTIONS_CHARS = 20_000

/** The role's template: lead, backend, frontend, qa/reviewer, or the default one. */
export const roleTemplate = (role: string) => roles[role] ?? fallback

/** The first instruction file the workspace has, with its content (cut to a sane size), or null. */
export async function readRepositoryInstructions(
  sandbox: Sandbox,
): Promise<{ file: string; text: string } | null> {
  for (const file of instructionFiles) {
    const text = await sandbox.files.read(file).catch(() => null)
    if (text === null || !text.trim()) continue
    return {
      file,
      text:
        text.length > MAX_INSTRUCTIONS_CHARS
          ? `${text.slice(0, MAX_INSTRUCTIONS_CHARS)}\n[… the rest of ${file} is not shown: read it if you need it]`
          : text.trim(),
    }
  }
  return null
}

/**
 * The system prompt: the role's template, the working rules, the agent's own system prompt and the
 * repository's instructions file; and the first user message: the task.
 */
export function buildPrompt(options: {
  agent: AgentRunInput['agent']
  task: AgentRunInput['task']
  workdir: string
  instructions: { file: string; text: string } | null
  assignment?: AgentAssignment
}): { system: string; prompt: string } {
  const { agent, task, instructions } = options
  const assignment = options.assignment ?? { mode: 'implement', feedback: [] }
  const sections = [roleTemplate(agent.role), modeRules[assignment.mode]]
  sections.push(
    `Your name on the team is ${agent.name}${agent.role ? ` (role: ${agent.role})` : ''}. The workspace is ${options.workdir}, on branch ${task.branch ?? `task-${task.number}`}.`,
  )
  if (agent.systemPrompt.trim())
    sections.push(`Instructions for you from your squad:\n\n${agent.systemPrompt.trim()}`)
  if (instructions)
    sections.push(
      `The repository's ${instructions.file} (instructions for agents working on it; follow them):\n\n${instructions.text}`,
    )
  const prompt = [
    `Task #${task.number}: ${task.title}`,
    task.labels.length ? `Labels: ${task.labels.join(', ')}` : null,
    task.description.trim()
      ? `\n${task.description.trim()}`
      : '\n(The task has no description beyond its title.)',
  ]
    .filter((line) => line !== null)
    .join('\n')
  const more = assignmentText(assignment, task.branch ?? `task-${task.number}`)
  return { system: sections.join('\n\n'), prompt: more ? `${prompt}\n\n${more}` : prompt }
}
