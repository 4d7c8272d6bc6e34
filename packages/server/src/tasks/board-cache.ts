import { sql } from 'drizzle-orm'
import type { AuthUser } from '../auth/auth-user.ts'
import type { Executor } from '../db/database.ts'
import { notFound } from '../domain/errors.ts'
import { getBoard } from './get-board.ts'

export type BoardCache = ReturnType<typeof createBoardCache>

/**
 * The board, serialised once per version. Every change a board shows writes a board-visible event
 * (scope squad or task), so the id of the squad's newest such event is the board's version: one
 * index probe tells whether the cached JSON is still right. The version doubles as the ETag, so a
 * client that revalidates gets a 304 without a body.
 */
export function createBoardCache(options: { maxSquads?: number } = {}) {
  const max = options.maxSquads ?? 200
  const entries = new Map<string, { version: number; json: string }>()

  /** The squad's board version, or 404 when `user` does not own the squad. */
  const versionOf = async (db: Executor, user: AuthUser, squadId: string): Promise<number> => {
    const result = await db.execute(sql`
      select s.user_id,
             (select max(e.id) from events e where e.squad_id = s.id and e.scope <> 'execution') as version
        from squads s where s.id = ${squadId}`)
    const row = (result as unknown as { rows: { user_id: string; version: string | number | null }[] })
      .rows[0]
    if (!row || row.user_id !== user.id) throw notFound('Squad', squadId)
    return Number(row.version ?? 0)
  }

  return {
    async read(
      db: Executor,
      user: AuthUser,
      squadId: string,
    ): Promise<{ etag: string; json: () => Promise<string> }> {
      const version = await versionOf(db, user, squadId)
      return {
        etag: `"board-${version}"`,
        json: async () => {
          const hit = entries.get(squadId)
          if (hit && hit.version === version) return hit.json
          const json = JSON.stringify(await getBoard({ db, user, squadId }))
          entries.delete(squadId)
          entries.set(squadId, { version, json })
          // Oldest first in a Map: drop the least recently filled squad.
          if (entries.size > max) entries.delete(entries.keys().next().value as string)
          return json
        },
      }
    },
  }
}
