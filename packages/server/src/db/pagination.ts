import type { Page } from '@agent-squad/contract'
import { AppError } from '../domain/errors.ts'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

/** Cursors are opaque to clients: the base64url of the last id of the previous page. */
export const encodeCursor = (id: string) => Buffer.from(id, 'utf8').toString('base64url')

export function decodeCursor(cursor: string | undefined): string | null {
  if (cursor === undefined) return null
  const id = Buffer.from(cursor, 'base64url').toString('utf8')
  if (!UUID.test(id))
    throw new AppError('validation_failed', 'Invalid query: cursor is not one this API handed out')
  return id
}

/** Call with `limit + 1` rows fetched in id order: trims the extra row and derives `next_cursor`. */
export function toPage<Row extends { id: string }, Item>(
  rows: Row[],
  limit: number,
  map: (row: Row) => Item,
): Page<Item> {
  const items = rows.slice(0, limit)
  const last = items[items.length - 1]
  // `(row) => map(row)`: a mapper with an optional second parameter must not get the array index.
  return {
    items: items.map((row) => map(row)),
    next_cursor: rows.length > limit && last ? encodeCursor(last.id) : null,
  }
}
