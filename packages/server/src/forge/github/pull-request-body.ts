/**
 * Where a repository's pull request template may be, in the order looked at: the first one found
 * is used. (GitHub's several-templates folder, `.github/PULL_REQUEST_TEMPLATE/`, needs a query
 * parameter a person picks, so it is not used.)
 */
export const TEMPLATE_PATHS = [
  '.github/pull_request_template.md',
  '.github/PULL_REQUEST_TEMPLATE.md',
  'docs/pull_request_template.md',
  'docs/PULL_REQUEST_TEMPLATE.md',
  'pull_request_template.md',
  'PULL_REQUEST_TEMPLATE.md',
] as const

/** The first of `candidates` that exists, by the order of `candidates` (not of `existing`). */
export const firstExisting = (candidates: readonly string[], existing: Iterable<string>): string | null => {
  const present = new Set(existing)
  return candidates.find((path) => present.has(path)) ?? null
}

/** Marks where the repository's template starts in a body this adapter wrote. */
export const TEMPLATE_MARKER = "<!-- agent-squad: the repository's pull request template follows -->"

/** The task's live Work page. */
export const workPageUrl = (publicUrl: string, squadId: string, taskId: string) =>
  `${publicUrl.replace(/\/+$/, '')}/squads/${squadId}/tasks/${taskId}`

/**
 * The pull request's description on GitHub.
 *
 * 1. Links the pipeline wrote relative to this server (`](/squads/…)`) become absolute, so they
 *    work on GitHub.
 * 2. The task's Work page is linked: when the body does not already link it, a line saying so is
 *    added at the top.
 * 3. With a repository template, the rule is: the agent's description first (what the change
 *    does is what a reviewer reads first), then a marker comment and the template's text verbatim,
 *    so its checklist and headings are there for the reviewer to fill. Composed from the draft
 *    every time, so an update after a later run rewrites it the same way, never twice.
 */
export function composeBody(input: {
  body: string
  publicUrl: string
  squadId: string
  taskId: string | null
  template: { path: string; text: string } | null
}): string {
  const base = input.publicUrl.replace(/\/+$/, '')
  let body = input.body.replace(/\]\(\/(?!\/)/g, `](${base}/`).trim()
  if (input.taskId) {
    const url = workPageUrl(base, input.squadId, input.taskId)
    if (!body.includes(url)) body = `Agent Squad task: [its Work page](${url})\n\n${body}`
  }
  const template = input.template?.text.trim()
  if (!template) return body
  return `${body}\n\n---\n\n${TEMPLATE_MARKER}\n\n${template}\n`
}
