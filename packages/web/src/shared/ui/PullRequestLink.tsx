import type { PointerEventHandler, ReactNode } from 'react'
import { Link } from 'react-router'
import { parsePullUrl } from '../api/pulls.ts'

/**
 * A link to a pull request from the URL the API gives: the local forge's own page inside the app, or
 * (GitHub, or any other forge) the forge's page in a new tab.
 */
export function PullRequestLink({
  url,
  className,
  children,
  testId,
  onPointerDown,
}: {
  url: string
  className?: string
  children: ReactNode
  testId?: string
  /** A card stops its drag here, so that pressing the link opens it. */
  onPointerDown?: PointerEventHandler<HTMLAnchorElement>
}) {
  const local = parsePullUrl(url)
  if (local)
    return (
      <Link
        className={className}
        to={`/repositories/${local.repositoryId}/pulls/${local.number}`}
        data-testid={testId}
        onPointerDown={onPointerDown}
      >
        {children}
      </Link>
    )
  return (
    <a
      className={className}
      href={url}
      target="_blank"
      rel="noreferrer"
      data-testid={testId}
      onPointerDown={onPointerDown}
    >
      {children}
      <span aria-hidden> ↗</span>
      <span className="sr-only"> (opens in a new tab)</span>
    </a>
  )
}

/** The number at the end of a forge's pull request URL (`…/pull/12`, `…/pulls/12`), if any. */
export function pullNumberOf(url: string): number | null {
  const match = /\/pulls?\/(\d+)\/?(?:[?#].*)?$/.exec(url)
  return match?.[1] ? Number(match[1]) : null
}

/** True for a pull request page outside this app (GitHub's), which opens in a new tab. */
export const isExternalPullUrl = (url: string | null | undefined): url is string =>
  Boolean(url) && parsePullUrl(url) === null
