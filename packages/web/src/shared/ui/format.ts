import type { RunReason } from '@agent-squad/contract'

/** 950 ms, 12.3 s, 4 m 05 s, 1 h 02 m. */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || Number.isNaN(ms)) return '–'
  if (ms < 1000) return `${Math.max(0, Math.round(ms))} ms`
  const s = ms / 1000
  if (s < 60) return `${s.toFixed(1)} s`
  const m = Math.floor(s / 60)
  if (m < 60) return `${m} m ${String(Math.floor(s % 60)).padStart(2, '0')} s`
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} m`
}

/** "just now", "5 min ago", "3 h ago", else the date. */
export function timeAgo(iso: string, now = Date.now()): string {
  const seconds = (now - Date.parse(iso)) / 1000
  if (seconds < 45) return 'just now'
  if (seconds < 3600) return `${Math.round(seconds / 60)} min ago`
  if (seconds < 86_400) return `${Math.round(seconds / 3600)} h ago`
  return new Date(iso).toLocaleDateString()
}

export const titleCase = (word: string) => word.charAt(0).toUpperCase() + word.slice(1).replace(/_/g, ' ')

/** "a, b ,c" → ["a", "b", "c"] */
export const splitList = (text: string) =>
  text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)

const runReasonLabels: Record<RunReason, string> = {
  start: 'first run',
  retry: 'retry',
  plan: 'planning',
  review: 'review',
  revision: 'revision',
}

/** Why a run exists, in words: "planning" (the lead splits the task), "review", "revision", … */
export const describeRunReason = (reason: RunReason): string => runReasonLabels[reason] ?? reason
