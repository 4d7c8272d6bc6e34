import type { ReviewComment } from '@agent-squad/contract'

/** One file comment as typed in the review form: everything is text until the review is sent. */
export type CommentRow = { key: number; path: string; line: string; body: string }
export type RowErrors = Partial<Record<'path' | 'line' | 'body', string>>

// The limits of `CreateReviewBody` (contract/reviews.ts), said before the server refuses. The form
// offers no more rows than a review may hold.
export const maxComments = 100
const maxPath = 500
const maxBody = 4000

export const isBlankRow = (row: CommentRow) => !row.path.trim() && !row.line.trim() && !row.body.trim()

function checkRow(row: CommentRow): { comment: ReviewComment; errors: RowErrors } {
  const path = row.path.trim()
  const line = row.line.trim()
  const body = row.body.trim()
  const errors: RowErrors = {}
  if (!path) errors.path = 'Name the file'
  else if (path.length > maxPath) errors.path = `At most ${maxPath} characters`
  const number = Number(line)
  if (line && (!/^\d+$/.test(line) || !Number.isSafeInteger(number) || number < 1))
    errors.line = 'A line number (1 or more), or leave it empty'
  if (!body) errors.body = 'Write the comment'
  else if (body.length > maxBody) errors.body = `At most ${maxBody} characters`
  return { comment: { path, line: line ? number : null, body }, errors }
}

export type CheckedRows =
  | { ok: true; comments: ReviewComment[] }
  | { ok: false; errors: Map<number, RowErrors> }

/** The comments to send (blank rows left out), or each faulty row's messages keyed by the row. */
export function checkRows(rows: readonly CommentRow[]): CheckedRows {
  const comments: ReviewComment[] = []
  const errors = new Map<number, RowErrors>()
  for (const row of rows) {
    if (isBlankRow(row)) continue
    const checked = checkRow(row)
    if (Object.keys(checked.errors).length) errors.set(row.key, checked.errors)
    else comments.push(checked.comment)
  }
  return errors.size ? { ok: false, errors } : { ok: true, comments }
}
