import { Empty } from '../../shared/ui/States.tsx'

/**
 * The agent's messages and tool calls (`conversation`) or its reasoning (`thoughts`). The stream
 * has no such events yet: they arrive with the model-backed agents; until then this says so.
 */
export function ConversationPanel({
  kind,
  provider,
}: {
  kind: 'conversation' | 'thoughts'
  provider: string | undefined
}) {
  if (provider === 'script')
    return (
      <Empty title={kind === 'conversation' ? 'No conversation' : 'No thoughts'}>
        A script agent runs commands and does not talk; its output is in the Terminal.
      </Empty>
    )
  return kind === 'conversation' ? (
    <Empty title="No messages yet">The agent’s messages and tool calls appear here as it works.</Empty>
  ) : (
    <Empty title="No thoughts yet">Where the model shares its reasoning, it appears here.</Empty>
  )
}
