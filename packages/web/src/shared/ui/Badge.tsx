import type { ReactNode } from 'react'

export type Tone = 'neutral' | 'info' | 'success' | 'warning' | 'danger' | 'accent'

export function Badge({
  tone = 'neutral',
  children,
  title,
}: {
  tone?: Tone
  children: ReactNode
  title?: string
}) {
  return (
    <span className={`badge badge-${tone}`} title={title}>
      {children}
    </span>
  )
}

const toneOfStatus: Record<string, Tone> = {
  queued: 'info',
  running: 'accent',
  succeeded: 'success',
  merged: 'accent',
  open: 'success',
  closed: 'neutral',
  failed: 'danger',
  cancelled: 'neutral',
  no_changes: 'warning',
  pending: 'neutral',
  skipped: 'neutral',
  CREATED: 'info',
  RUNNING: 'accent',
  TERMINATED: 'neutral',
  ERROR: 'danger',
}

/** A status word in the colour the whole app uses for it. */
export function StatusBadge({ status }: { status: string }) {
  return <Badge tone={toneOfStatus[status] ?? 'neutral'}>{status.replace(/_/g, ' ')}</Badge>
}
