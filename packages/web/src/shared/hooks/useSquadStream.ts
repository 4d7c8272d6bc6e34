import type { StreamEvent } from '@agent-squad/contract'
import { useQueryClient } from '@tanstack/react-query'
import { useEffect, useMemo } from 'react'
import { applySquadEvents } from '../api/apply-events.ts'
import type { StreamStatus } from './event-stream.ts'
import { createFrameBatcher } from './frame-batcher.ts'
import { useEventStream } from './useEventStream.ts'

/**
 * The squad's stream, folded into the query cache once per frame (`squadId` null: not at all). It
 * carries every task, run, pull request and review event of the squad but no run's log output, so
 * pages outside the squad's layout (a run, a pull request) use it to keep their task's reviews live.
 */
export function useSquadStream(squadId: string | null | undefined): StreamStatus {
  const client = useQueryClient()
  const batcher = useMemo(
    () =>
      createFrameBatcher<StreamEvent>((events) => {
        if (squadId) applySquadEvents(client, squadId, events)
      }),
    [client, squadId],
  )
  useEffect(() => () => batcher.dispose(), [batcher])
  return useEventStream(squadId ? `/api/v1/sse/squads/${squadId}` : null, batcher.push)
}
