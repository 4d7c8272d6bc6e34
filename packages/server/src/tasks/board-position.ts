import type { TaskStatus } from '@agent-squad/contract'
import { and, count, eq, gt, gte, ne, sql } from 'drizzle-orm'
import type { Executor } from '../db/database.ts'
import { tasks } from '../db/schema.ts'

// Positions are dense within a column: 0..n-1, no gaps, no duplicates. Every function here runs
// inside a transaction that holds the squad's row lock, which is what keeps two writers from
// computing the same position at once (there is no unique index to fall back on).

type Column = { squadId: string; status: string }

/** Where a task sits on the board. */
export type Slot = { status: TaskStatus; position: number }

/** How many tasks sit in a column, not counting `exceptId` (the task being moved). */
export async function columnLength(db: Executor, column: Column, exceptId?: string): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(tasks)
    .where(
      and(
        eq(tasks.squadId, column.squadId),
        eq(tasks.status, column.status),
        exceptId ? ne(tasks.id, exceptId) : undefined,
      ),
    )
  return row?.n ?? 0
}

/** Shifts the tasks after `position` up by one, closing the hole a task leaves behind. */
export async function closeGap(db: Executor, column: Column, position: number, exceptId?: string) {
  await db
    .update(tasks)
    .set({ position: sql`${tasks.position} - 1` })
    .where(
      and(
        eq(tasks.squadId, column.squadId),
        eq(tasks.status, column.status),
        gt(tasks.position, position),
        exceptId ? ne(tasks.id, exceptId) : undefined,
      ),
    )
}

/** Shifts the tasks at and after `position` down by one, making room for a task there. */
export async function openGap(db: Executor, column: Column, position: number, exceptId: string) {
  await db
    .update(tasks)
    .set({ position: sql`${tasks.position} + 1` })
    .where(
      and(
        eq(tasks.squadId, column.squadId),
        eq(tasks.status, column.status),
        gte(tasks.position, position),
        ne(tasks.id, exceptId),
      ),
    )
}

/**
 * Where a PATCH puts a task, or null when it stays where it is. `targetLength` is the length of the
 * target column without the task itself. A `status` equal to the current one, without `position`,
 * is not a move: clients that resend the whole form must not reshuffle the board.
 */
export function planMove(
  from: Slot,
  input: { status?: TaskStatus | undefined; position?: number | undefined },
  targetLength: number,
): Slot | null {
  const status = input.status ?? from.status
  if (status === from.status && input.position === undefined) return null
  const position = Math.min(Math.max(input.position ?? targetLength, 0), targetLength)
  if (status === from.status && position === from.position) return null
  return { status, position }
}
