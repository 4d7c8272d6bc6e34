import type { RunReason } from '@agent-squad/contract'
import type { ReactNode } from 'react'
import { describeRunReason } from './format.ts'

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

const reasonBadges: Partial<Record<RunReason, { tone: Tone; title: string }>> = {
  plan: { tone: 'info', title: 'The lead splits the task into subtasks' },
  review: { tone: 'accent', title: "The reviewer reads the task's pull request" },
  revision: {
    tone: 'warning',
    title: 'The agent addresses review feedback on the same branch and pull request',
  },
}

/** Why a run exists: the team workflow's kinds stand out, a plain start or retry stays quiet. */
export function RunReasonBadge({ reason }: { reason: RunReason }) {
  const badge = reasonBadges[reason]
  if (!badge) return <span className="muted small">{describeRunReason(reason)}</span>
  return (
    <Badge tone={badge.tone} title={badge.title}>
      {describeRunReason(reason)}
    </Badge>
  )
}
