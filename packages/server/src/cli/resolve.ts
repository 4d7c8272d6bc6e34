import type { Board, Page, Squad, Task } from '@agent-squad/contract'
import type { ApiClient } from './client/api-client.ts'

export const uuidLike = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** A task's board number as people write it: `12` or `#12`. */
export const taskNumberOf = (ref: string): number | null => {
  const match = /^#?(\d+)$/.exec(ref.trim())
  return match ? Number(match[1]) : null
}

const listSquads = async (client: ApiClient) =>
  (await client.get<Page<Squad>>('/api/v1/squads?limit=500')).items

const names = (squads: Squad[]) => squads.map((s) => `"${s.name}"`).join(', ')

/**
 * The squad a command means: `ref` is an id or a name; without one, the only squad there is
 * (archived ones aside). Anything else is an error that lists the squads to choose from.
 */
export async function resolveSquad(client: ApiClient, ref?: string): Promise<Squad> {
  if (ref !== undefined && uuidLike.test(ref))
    return client.get<Squad>(`/api/v1/squads/${encodeURIComponent(ref)}`)
  const squads = await listSquads(client)
  if (ref === undefined) {
    const active = squads.filter((s) => s.status !== 'archived')
    if (active.length === 1) return active[0] as Squad
    if (active.length === 0)
      throw new Error('There is no squad yet: create one in the web app or with POST /api/v1/squads')
    throw new Error(`Which squad? There are ${active.length}: ${names(active)}. Add --squad <name or id>`)
  }
  const found =
    squads.find((s) => s.name === ref) ?? squads.find((s) => s.name.toLowerCase() === ref.toLowerCase())
  if (!found) throw new Error(`No squad named "${ref}" (there are: ${names(squads) || 'none'})`)
  return found
}

/** A squad's tasks in board order (column by column, by position), each with its number. */
export async function boardTasks(client: ApiClient, squadId: string): Promise<Task[]> {
  const board = await client.get<Board>(`/api/v1/squads/${encodeURIComponent(squadId)}/board`)
  return board.columns.flatMap((column) => column.tasks)
}

/**
 * The task id a command means: an id as is, or a board number (`12`, `#12`) within the squad of
 * `--squad` (or the only squad).
 */
export async function resolveTaskId(client: ApiClient, ref: string, squadRef?: string): Promise<string> {
  if (uuidLike.test(ref)) return ref
  const number = taskNumberOf(ref)
  if (number === null)
    throw new Error(`"${ref}" is neither a task id nor a task number (like 12 or #12, as the board shows)`)
  const squad = await resolveSquad(client, squadRef)
  const task = (await boardTasks(client, squad.id)).find((t) => t.number === number)
  if (!task) throw new Error(`Squad "${squad.name}" has no task #${number} (squad task list shows its tasks)`)
  return task.id
}
