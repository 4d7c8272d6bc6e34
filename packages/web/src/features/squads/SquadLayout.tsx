import { Link, NavLink, Outlet, useMatch, useParams } from 'react-router'
import { useSquad } from '../../shared/api/squads.ts'
import { useSquadStream } from '../../shared/hooks/useSquadStream.ts'
import { Badge } from '../../shared/ui/Badge.tsx'
import { ConnectionIndicator } from '../../shared/ui/ConnectionIndicator.tsx'
import { ErrorState, Loading } from '../../shared/ui/States.tsx'

/** A squad's pages (board, pull requests, settings) under one header, kept live by the squad's stream. */
export function SquadLayout() {
  const { squadId = '' } = useParams()
  const squad = useSquad(squadId)
  const status = useSquadStream(squad.data ? squadId : null)
  // The board answers at /squads/:id, /squads/:id/board and, with a task open, /squads/:id/tasks/:taskId.
  const atBoard = useMatch('/squads/:squadId') !== null
  const atBoardAlias = useMatch('/squads/:squadId/board') !== null
  const atTask = useMatch('/squads/:squadId/tasks/:taskId') !== null
  const onBoard = atBoard || atBoardAlias || atTask

  if (squad.isPending) return <Loading label="Loading squad…" />
  if (squad.isError)
    return (
      <ErrorState error={squad.error} onRetry={() => squad.refetch()} title="Could not open this squad" />
    )
  const tab = ({ isActive }: { isActive: boolean }) => `subnav-link${isActive ? ' active' : ''}`
  return (
    <section className="squad">
      <header className="squad-header">
        <div className="squad-title">
          <Link to="/" className="muted crumb">
            Squads /
          </Link>
          <h1>{squad.data.name}</h1>
          {squad.data.status === 'archived' ? <Badge>archived</Badge> : null}
        </div>
        <nav className="subnav" aria-label="Squad">
          <NavLink end to={`/squads/${squadId}`} className={() => tab({ isActive: onBoard })}>
            Board
          </NavLink>
          <NavLink to={`/squads/${squadId}/pulls`} className={tab}>
            Pull requests
          </NavLink>
          <NavLink to={`/squads/${squadId}/settings`} className={tab}>
            Agents & settings
          </NavLink>
        </nav>
        <ConnectionIndicator status={status} />
      </header>
      <Outlet context={squad.data} />
    </section>
  )
}
