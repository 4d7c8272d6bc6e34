/** Where GitHub looks for a CODEOWNERS file, in its order: the first one found is used. */
export const CODEOWNERS_PATHS = ['.github/CODEOWNERS', 'CODEOWNERS', 'docs/CODEOWNERS'] as const

export type CodeOwnersRule = { pattern: string; match: RegExp; owners: string[] }

const escapeRegExp = (text: string) => text.replace(/[.+^${}()|[\]\\]/g, '\\$&')

/**
 * A CODEOWNERS pattern (gitignore syntax without `!` and `[]`, as GitHub documents) as a regular
 * expression over repository paths. A pattern with a slash at its start or middle is anchored to
 * the root, otherwise it matches at any depth; a pattern naming a directory owns everything below
 * it; a trailing `/*` owns that directory's files but not deeper ones (GitHub's `docs/*` example).
 */
export function patternToRegExp(pattern: string): RegExp {
  const directoryOnly = pattern.endsWith('/')
  const body = pattern.replace(/^\/+/, '').replace(/\/+$/, '')
  const anchored = pattern.startsWith('/') || body.includes('/')
  let source = ''
  for (let i = 0; i < body.length; i++) {
    const char = body[i]
    if (char === '*' && body[i + 1] === '*') {
      const before = i === 0 || body[i - 1] === '/'
      const after = i + 2 === body.length || body[i + 2] === '/'
      if (before && after) {
        if (i + 2 === body.length) source += '.*'
        else {
          source += '(?:.*/)?'
          i++ // the slash after the ** is part of the group
        }
        i++
        continue
      }
    }
    if (char === '*') source += '[^/]*'
    else if (char === '?') source += '[^/]'
    else source += escapeRegExp(char ?? '')
  }
  const filesOnly = !directoryOnly && /(^|\/)\*$/.test(body) && !body.endsWith('**')
  const prefix = anchored ? '^' : '^(?:.*/)?'
  const suffix = directoryOnly ? '/.*$' : filesOnly ? '$' : '(?:/.*)?$'
  return new RegExp(`${prefix}${source}${suffix}`)
}

/** The rules of a CODEOWNERS file in order; comments, blank lines and unparseable patterns are skipped. */
export function parseCodeOwners(text: string): CodeOwnersRule[] {
  const rules: CodeOwnersRule[] = []
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/(^|\s)#.*$/, '').trim()
    if (!line) continue
    const [pattern = '', ...owners] = line.split(/\s+/)
    if (pattern.startsWith('!') || pattern.includes('[')) continue
    try {
      rules.push({ pattern, match: patternToRegExp(pattern), owners })
    } catch {}
  }
  return rules
}

/** The owners of one path: the last matching rule's (a rule without owners leaves the path unowned). */
export function ownersOf(rules: CodeOwnersRule[], path: string): string[] {
  for (let i = rules.length - 1; i >= 0; i--) {
    const rule = rules[i]
    if (rule?.match.test(path)) return rule.owners
  }
  return []
}

/**
 * Whom to ask for a review: the draft's reviewers, then the owners of every changed file, without
 * duplicates (case-insensitive, as GitHub logins are), without the pull request's author, and
 * split into people and teams (`@org/team` → `team`). E-mail owners cannot be requested and are left out.
 */
export function reviewersFor(input: {
  requested: string[]
  rules: CodeOwnersRule[]
  files: string[]
  author: string | null
}): { reviewers: string[]; teamReviewers: string[] } {
  const seen = new Set<string>()
  const reviewers: string[] = []
  const teamReviewers: string[] = []
  const author = input.author?.toLowerCase()
  const owners = input.files.flatMap((file) => ownersOf(input.rules, file))
  for (const raw of [...input.requested, ...owners]) {
    const name = raw.trim().replace(/^@/, '')
    if (!name || name.includes('@')) continue
    const key = name.toLowerCase()
    if (seen.has(key) || key === author) continue
    seen.add(key)
    if (name.includes('/')) teamReviewers.push(name.split('/')[1] ?? name)
    else reviewers.push(name)
  }
  return { reviewers, teamReviewers }
}
