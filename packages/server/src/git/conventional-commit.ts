/**
 * Conventional Commits (https://www.conventionalcommits.org): the one place commit messages are
 * formatted, and the parser that checks every message before it is committed.
 */

export const commitTypes = [
  'feat',
  'fix',
  'docs',
  'refactor',
  'test',
  'chore',
  'perf',
  'build',
  'ci',
  'style',
] as const
export type CommitType = (typeof commitTypes)[number]

export const MAX_HEADER_LENGTH = 72
const BODY_WIDTH = 72

export type ParsedCommit = {
  type: CommitType
  scope: string | null
  breaking: boolean
  subject: string
  body: string
  footers: Record<string, string>
}

const HEADER = /^(?<type>[a-z]+)(?:\((?<scope>[a-z0-9][a-z0-9._/-]*)\))?(?<bang>!)?: (?<subject>\S.*)$/

/** Parses a message; returns the reason it is not a valid Conventional Commit instead of throwing. */
export function parseConventionalCommit(message: string): ParsedCommit | { error: string } {
  const [header = '', ...rest] = message.replace(/\r\n/g, '\n').split('\n')
  if (header.length > MAX_HEADER_LENGTH)
    return { error: `header is longer than ${MAX_HEADER_LENGTH} characters` }
  const match = HEADER.exec(header)
  if (!match?.groups) return { error: 'header must look like "type(scope): subject"' }
  const { type, scope, bang, subject } = match.groups
  if (!commitTypes.includes(type as CommitType)) return { error: `unknown type "${type}"` }
  if (rest.length > 0 && rest[0] !== '')
    return { error: 'a blank line must separate the header from the body' }
  const lines = rest.slice(1)
  const footers: Record<string, string> = {}
  // Footers are the trailing block of "Token: value" lines.
  let end = lines.length
  while (end > 0 && lines[end - 1] === '') end--
  let start = end
  while (start > 0 && /^[A-Za-z-]+: .+|^BREAKING CHANGE: .+/.test(lines[start - 1] ?? '')) start--
  if (start === 0 || lines[start - 1] === '') {
    for (const line of lines.slice(start, end)) {
      const i = line.indexOf(': ')
      footers[line.slice(0, i)] = line.slice(i + 2)
    }
  } else start = end
  const body = lines.slice(0, start).join('\n').trim()
  return {
    type: type as CommitType,
    scope: scope ?? null,
    breaking: Boolean(bang) || 'BREAKING CHANGE' in footers,
    subject: subject ?? '',
    body,
    footers,
  }
}

const typeByLabel: Record<string, CommitType> = {
  bug: 'fix',
  bugfix: 'fix',
  fix: 'fix',
  hotfix: 'fix',
  feature: 'feat',
  feat: 'feat',
  enhancement: 'feat',
  docs: 'docs',
  documentation: 'docs',
  refactor: 'refactor',
  cleanup: 'refactor',
  test: 'test',
  tests: 'test',
  testing: 'test',
  chore: 'chore',
  deps: 'chore',
  dependencies: 'chore',
  maintenance: 'chore',
  perf: 'perf',
  performance: 'perf',
  ci: 'ci',
  build: 'build',
  style: 'style',
  format: 'style',
}

/** The commit type for a task: from its first label that names one, else from the kind of agent. */
export function commitTypeFor(task: { labels: string[] }, agentKind: 'script' | 'model'): CommitType {
  for (const label of task.labels) {
    const type = typeByLabel[label.toLowerCase().replace(/^type:\s*/, '')]
    if (type) return type
  }
  return agentKind === 'script' ? 'chore' : 'feat'
}

/** A `scope:xyz` label becomes the commit scope. */
export function commitScopeFor(task: { labels: string[] }): string | null {
  for (const label of task.labels) {
    const m = /^scope:\s*([a-z0-9][a-z0-9._/-]*)$/i.exec(label)
    if (m?.[1]) return m[1].toLowerCase()
  }
  return null
}

function wrap(text: string, width: number): string {
  return text
    .split('\n')
    .map((paragraph) => {
      const words = paragraph.split(/\s+/).filter(Boolean)
      const lines: string[] = []
      let line = ''
      for (const word of words) {
        if (line && line.length + 1 + word.length > width) {
          lines.push(line)
          line = word
        } else line = line ? `${line} ${word}` : word
      }
      if (line) lines.push(line)
      return lines.join('\n')
    })
    .join('\n')
}

/** Builds `type(scope): subject`, a wrapped body and the `Refs: task-{n}` footer. */
export function formatCommitMessage(options: {
  type: CommitType
  scope?: string | null
  subject: string
  body?: string
  taskNumber: number
}): string {
  const prefix = `${options.type}${options.scope ? `(${options.scope})` : ''}: `
  let subject = options.subject
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/[.\s]+$/, '')
  if (!subject) subject = `task ${options.taskNumber}`
  // Lower-case the first letter unless the first word is an acronym or identifier (README, API, CI).
  if (/^[A-Z][a-z]/.test(subject)) subject = subject[0]?.toLowerCase() + subject.slice(1)
  const room = MAX_HEADER_LENGTH - prefix.length
  if (subject.length > room) subject = `${subject.slice(0, room - 1).trimEnd()}…`
  const parts = [`${prefix}${subject}`]
  const body = options.body?.trim()
  if (body) parts.push(wrap(body, BODY_WIDTH))
  parts.push(`Refs: task-${options.taskNumber}`)
  const message = parts.join('\n\n')
  const parsed = parseConventionalCommit(message)
  if ('error' in parsed) throw new Error(`formatted an invalid commit message (${parsed.error}): ${message}`)
  return message
}
