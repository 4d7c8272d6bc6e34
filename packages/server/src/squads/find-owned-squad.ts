import { and, eq } from 'drizzle-orm'
import type { AuthUser } from '../auth/auth-user.ts'
import type { Executor } from '../db/database.ts'
import { squads } from '../db/schema.ts'
import { notFound } from '../domain/errors.ts'
import type { SquadRow } from './squad-dto.ts'

/**
 * The squad if `user` owns it. Another user's squad answers exactly like a missing one (404), so ids
 * cannot be probed. `lock` takes the row lock that serialises board changes within one squad.
 */
export async function findOwnedSquad(
  db: Executor,
  user: AuthUser,
  squadId: string,
  options: { lock?: boolean } = {},
): Promise<SquadRow> {
  const query = db
    .select()
    .from(squads)
    .where(and(eq(squads.id, squadId), eq(squads.userId, user.id)))
  const [row] = options.lock ? await query.for('update') : await query
  if (!row) throw notFound('Squad', squadId)
  return row
}
