import { useState } from 'react'
import { Button } from '../../shared/ui/Button.tsx'
import { Empty } from '../../shared/ui/States.tsx'
import type {
  ConversationItem,
  ConversationState,
  TextItem,
  ToolItem,
  UsageTotals,
} from './conversation-model.ts'

/** How many items the panel renders at first, and how many more each "Show earlier" adds. */
export const pageSize = 500

const toolIcons: Record<ToolItem['status'], string> = { started: '◐', succeeded: '✓', failed: '✕' }

function formatJson(value: unknown): string {
  if (value === undefined || value === null) return ''
  if (typeof value === 'string') return value
  try {
    return JSON.stringify(value, null, 2)
  } catch {
    return String(value)
  }
}

/** One line of the input for the row's summary: a command, a path, or the JSON cut short. */
function inputPreview(input: unknown): string {
  const text =
    input && typeof input === 'object' && !Array.isArray(input)
      ? String(
          Object.values(input as Record<string, unknown>).find((v) => typeof v === 'string') ??
            JSON.stringify(input),
        )
      : formatJson(input)
  const line = text.split('\n')[0] ?? ''
  return line.length > 120 ? `${line.slice(0, 119)}…` : line
}

function ToolRow({ item }: { item: ToolItem }) {
  const input = formatJson(item.input)
  return (
    <details className={`convo-tool tool-${item.status}`} data-call-id={item.callId ?? undefined}>
      <summary>
        <span className="tool-icon" aria-hidden>
          {toolIcons[item.status]}
        </span>
        <span className="tool-name mono">{item.tool}</span>
        <span className="sr-only">{item.status}</span>
        <span className="tool-preview mono muted">{inputPreview(item.input)}</span>
      </summary>
      {input ? (
        <>
          <h4 className="small muted">Input</h4>
          <pre className="tool-input">{input}</pre>
        </>
      ) : null}
      {item.output !== null ? (
        <>
          <h4 className="small muted">{item.status === 'failed' ? 'Error' : 'Output'}</h4>
          <pre className="tool-output">{item.output}</pre>
        </>
      ) : item.status === 'started' ? (
        <p className="small muted">Running…</p>
      ) : null}
    </details>
  )
}

function TextBubble({ item, thought }: { item: TextItem; thought: boolean }) {
  return <div className={thought ? 'convo-thought' : 'convo-message'}>{item.text}</div>
}

function UsageFooter({ usage }: { usage: UsageTotals }) {
  if (!usage.reports) return null
  const n = (v: number) => v.toLocaleString('en-US')
  return (
    <section className="convo-usage small muted" aria-label="Usage">
      {usage.model ? <span className="mono">{usage.model}</span> : null}
      <span>{n(usage.inputTokens)} input tokens</span>
      {usage.cachedInputTokens ? <span>{n(usage.cachedInputTokens)} cached</span> : null}
      <span>{n(usage.outputTokens)} output tokens</span>
      {usage.costUsd !== null ? <span>${usage.costUsd.toFixed(4)}</span> : null}
    </section>
  )
}

/** The last `shown` items, with a button that reveals earlier ones, so long conversations stay fast. */
function ItemList({ items, thought }: { items: readonly ConversationItem[]; thought: boolean }) {
  const [shown, setShown] = useState(pageSize)
  const hidden = Math.max(0, items.length - shown)
  const visible = hidden ? items.slice(hidden) : items
  return (
    <div className="convo-list">
      {hidden ? (
        <Button size="sm" variant="ghost" onClick={() => setShown((s) => s + pageSize)}>
          Show earlier ({hidden} more)
        </Button>
      ) : null}
      {visible.map((item) =>
        item.kind === 'text' ? (
          <TextBubble key={item.key} item={item} thought={thought} />
        ) : item.kind === 'boundary' ? (
          <p key={item.key} className="convo-boundary">
            {item.text}
          </p>
        ) : (
          <ToolRow key={item.key} item={item} />
        ),
      )}
    </div>
  )
}

/** The agent's messages and tool calls (`conversation`) or its reasoning (`thoughts`), live and on replay. */
export function ConversationPanel({
  kind,
  provider,
  conversation,
}: {
  kind: 'conversation' | 'thoughts'
  provider: string | undefined
  conversation: ConversationState
}) {
  const items = kind === 'conversation' ? conversation.messages : conversation.thoughts
  if (!items.length) {
    if (provider === 'script')
      return (
        <Empty title={kind === 'conversation' ? 'No conversation' : 'No thoughts'}>
          A script agent runs commands and does not talk; its output is in the Terminal.
        </Empty>
      )
    return kind === 'conversation' ? (
      <Empty title="This agent has not said anything yet">
        The agent’s messages and tool calls appear here as it works.
      </Empty>
    ) : (
      <Empty title="No reasoning: the model did not share any">
        Where the model shares its reasoning, it appears here.
      </Empty>
    )
  }
  return (
    <section className="convo" aria-label={kind === 'conversation' ? 'Conversation' : 'Thoughts'}>
      <ItemList key={kind} items={items} thought={kind === 'thoughts'} />
      {kind === 'conversation' ? <UsageFooter usage={conversation.usage} /> : null}
    </section>
  )
}
