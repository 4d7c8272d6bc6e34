import type { StreamEvent } from '@agent-squad/contract'
import { useQueryClient } from '@tanstack/react-query'
import { useEffect, useMemo, useState } from 'react'
import { storeExecution } from '../../shared/api/executions.ts'
import { storePull } from '../../shared/api/pulls.ts'
import { debugHandles } from '../../shared/debug.ts'
import type { StreamStatus } from '../../shared/hooks/event-stream.ts'
import { createFrameBatcher } from '../../shared/hooks/frame-batcher.ts'
import { useEventStream } from '../../shared/hooks/useEventStream.ts'
import { LogSink } from './log-sink.ts'
import { emptyWork, reduceWork, type WorkState } from './work-model.ts'

/**
 * The execution's stream, replayed from its first event on every page load: log chunks go to the
 * LogSink (and on to the terminal) as they arrive, everything else is folded into WorkState once
 * per frame and into the query cache, so the header and the board agree.
 */
export function useExecutionStream(executionId: string): {
  status: StreamStatus
  work: WorkState
  log: LogSink
} {
  const client = useQueryClient()
  const [work, setWork] = useState<WorkState>(emptyWork)
  const [log] = useState(() => new LogSink())
  // The page is keyed by execution, so this state never outlives the execution it describes.
  const batcher = useMemo(
    () =>
      createFrameBatcher<StreamEvent>((events) => {
        setWork((state) => reduceWork(state, events))
        for (const event of events) {
          if (event.type === 'execution.created' || event.type === 'execution.updated')
            storeExecution(client, event.payload)
          else if (
            event.type === 'pull_request.opened' ||
            event.type === 'pull_request.updated' ||
            event.type === 'pull_request.merged'
          )
            storePull(client, event.payload)
        }
      }),
    [client],
  )
  useEffect(() => () => batcher.dispose(), [batcher])

  const status = useEventStream(executionId ? `/api/v1/sse/executions/${executionId}` : null, (event) => {
    if (event.type === 'log') {
      log.push(event.payload)
      // A restart boundary also divides the conversation's attempts.
      if (event.payload.boundary) batcher.push(event)
    } else batcher.push(event)
  })

  useEffect(() => {
    const debug = debugHandles()
    debug.logs.set(executionId, log)
    return () => {
      debug.logs.delete(executionId)
    }
  }, [executionId, log])

  return { status, work, log }
}
