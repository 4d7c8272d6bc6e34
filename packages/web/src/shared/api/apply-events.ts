import type { Agent, Board, Execution, Page, Repository, StreamEvent } from '@agent-squad/contract'
import type { QueryClient } from '@tanstack/react-query'
import { applyTaskEvents } from './board-cache.ts'
import { storeExecution } from './executions.ts'
import { keys } from './keys.ts'
import { removeFromPage, upsertInPage } from './page-cache.ts'
import { storePull } from './pulls.ts'
import { storeReview } from './reviews.ts'
import { storeSquad } from './squads.ts'

/** Task id → its latest execution. */
export type SquadRuns = Record<string, Execution>

/**
 * Folds a batch of a squad stream's events into every cached query they change, so each page that
 * shows a squad, its board, agents, repositories, executions, pull requests or reviews stays live.
 */
export function applySquadEvents(client: QueryClient, squadId: string, events: readonly StreamEvent[]) {
  const taskEvents = events.filter((e) => e.type.startsWith('task.'))
  if (taskEvents.length)
    client.setQueryData<Board>(keys.board(squadId), (board) =>
      board ? applyTaskEvents(board, taskEvents) : board,
    )

  for (const event of events) {
    switch (event.type) {
      // Only tasks a page has loaded on their own: a replay of 500 creations adds no 500 cache entries.
      case 'task.created':
      case 'task.updated':
        if (client.getQueryState(keys.task(event.payload.id)))
          client.setQueryData(keys.task(event.payload.id), event.payload)
        break
      case 'task.moved':
        if (client.getQueryState(keys.task(event.payload.task.id)))
          client.setQueryData(keys.task(event.payload.task.id), event.payload.task)
        break
      case 'squad.updated':
        storeSquad(client, event.payload)
        break
      case 'agent.created':
      case 'agent.updated':
        client.setQueryData<Page<Agent>>(keys.agents(squadId), (p) => upsertInPage(p, event.payload))
        break
      case 'agent.deleted':
        client.setQueryData<Page<Agent>>(keys.agents(squadId), (p) => removeFromPage(p, event.payload.id))
        break
      case 'repository.created':
      case 'repository.updated':
        client.setQueryData<Page<Repository>>(keys.repositories(squadId), (p) =>
          upsertInPage(p, event.payload),
        )
        break
      case 'repository.deleted':
        client.setQueryData<Page<Repository>>(keys.repositories(squadId), (p) =>
          removeFromPage(p, event.payload.id),
        )
        break
      case 'execution.created':
      case 'execution.updated':
        storeExecution(client, event.payload)
        client.setQueryData<SquadRuns>(keys.squadRuns(squadId), (runs = {}) => {
          const known = runs[event.payload.task_id]
          if (known && (known.attempt > event.payload.attempt || known.updated_at > event.payload.updated_at))
            return runs
          return { ...runs, [event.payload.task_id]: event.payload }
        })
        break
      case 'pull_request.opened':
      case 'pull_request.updated':
      case 'pull_request.merged':
        storePull(client, event.payload)
        break
      case 'review.submitted':
        storeReview(client, event.payload)
        break
      default:
        break
    }
  }
}
