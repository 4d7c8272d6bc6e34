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

/** The type a task's first label names, or null. */
function labelType(labels: string[]): CommitType | null {
  for (const label of labels) {
    const type = typeByLabel[label.toLowerCase().replace(/^type:\s*/, '')]
    if (type) return type
  }
  return null
}

/** The commit type for a task: from its first label that names one, else from the kind of agent. */
export function commitTypeFor(task: { labels: string[] }, agentKind: 'script' | 'model'): CommitType {
  return labelType(task.labels) ?? (agentKind === 'script' ? 'chore' : 'feat')
}

/** The type a title's first word implies (`Fix typo…` is a fix, `Add…` a feature), or null. */
const typeByVerb: Record<string, CommitType> = Object.fromEntries(
  (
    [
      ['fix fixes fixed correct corrects resolve resolves repair patch hotfix', 'fix'],
      ['add adds added implement implements introduce support create allow enable', 'feat'],
      ['remove removes delete drop rename refactor simplify extract move clean cleanup tidy', 'refactor'],
      ['document documents docs', 'docs'],
      ['test tests', 'test'],
      ['bump upgrade', 'chore'],
      ['optimize optimise speed', 'perf'],
      ['format reformat lint', 'style'],
    ] as const
  ).flatMap(([verbs, type]) => verbs.split(' ').map((verb) => [verb, type])),
)

function verbType(title: string): CommitType | null {
  const word = /^\s*([A-Za-z]+)/.exec(title)?.[1]?.toLowerCase()
  return (word && typeByVerb[word]) || null
}

/** A scope as a header may carry it (lower case, no spaces or brackets), or null. */
function validScope(scope: unknown): string | null {
  const lower = typeof scope === 'string' ? scope.trim().toLowerCase() : ''
  return /^[a-z0-9][a-z0-9._/-]*$/.test(lower) ? lower : null
}

export type ConventionalPrefix = {
  type: CommitType
  scope: string | null
  breaking: boolean
  subject: string
}

/**
 * The Conventional prefix a title or subject already starts with (`docs: tagline in README`,
 * `Fix(API)!: drop v1`, `feature: dark mode`), split from the rest; null when its first word is not
 * a commit type (`Note: …` stays a subject).
 */
export function splitConventionalPrefix(text: string): ConventionalPrefix | null {
  const m = /^\s*([A-Za-z]+)(?:\(([^()\s]*)\))?(!)?:\s+(\S.*)$/s.exec(text)
  if (!m?.[1] || !m[4]) return null
  const word = m[1].toLowerCase()
  const type = commitTypes.includes(word as CommitType) ? (word as CommitType) : typeByLabel[word]
  if (!type) return null
  return {
    type,
    scope: validScope(m[2]),
    breaking: Boolean(m[3]),
    subject: m[4].trim(),
  }
}

/**
 * THE rule for the header of a run's commit. The subject is the agent's, else the task's title,
 * without any Conventional prefix it carries (never `chore: docs: …`). The type is, in order: the
 * prefix the title was written with; the type the agent chose; a prefix in the agent's subject;
 * the task's labels; the title's first word (fix, add, remove, …); and last the kind of agent. The
 * scope likewise: the title's, the agent's, the `scope:` label.
 */
export function commitHeaderFor(options: {
  title: string
  labels: string[]
  agentKind: 'script' | 'model'
  agent?: { type?: unknown; scope?: unknown; subject?: unknown }
}): { type: CommitType; scope: string | null; breaking: boolean; subject: string } {
  const text = (value: unknown) => (typeof value === 'string' && value.trim() ? value : null)
  const titled = splitConventionalPrefix(options.title)
  const agentSubject = text(options.agent?.subject)
  const agentPrefix = agentSubject ? splitConventionalPrefix(agentSubject) : null
  const agentType = commitTypes.includes(options.agent?.type as CommitType)
    ? (options.agent?.type as CommitType)
    : null
  const subject = agentPrefix?.subject ?? agentSubject ?? titled?.subject ?? options.title
  const type =
    titled?.type ??
    agentType ??
    agentPrefix?.type ??
    labelType(options.labels) ??
    verbType(subject) ??
    (options.agentKind === 'script' ? 'chore' : 'feat')
  return {
    type,
    scope: titled?.scope ?? validScope(options.agent?.scope) ?? agentPrefix?.scope ?? commitScopeFor(options),
    breaking: Boolean(titled?.breaking || agentPrefix?.breaking),
    subject,
  }
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
  /** A breaking change: `type(scope)!: subject`. */
  breaking?: boolean
  subject: string
  body?: string
  taskNumber: number
}): string {
  const prefix = `${options.type}${options.scope ? `(${options.scope})` : ''}${options.breaking ? '!' : ''}: `
  // A subject that carries a prefix of its own would double it.
  let subject = (splitConventionalPrefix(options.subject)?.subject ?? options.subject)
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
