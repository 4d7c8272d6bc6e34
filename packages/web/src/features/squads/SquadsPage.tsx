import { useState } from 'react'
import { Link, useNavigate } from 'react-router'
import { useSquads } from '../../shared/api/squads.ts'
import { Badge } from '../../shared/ui/Badge.tsx'
import { Button } from '../../shared/ui/Button.tsx'
import { timeAgo } from '../../shared/ui/format.ts'
import { Empty, ErrorState, Loading } from '../../shared/ui/States.tsx'
import { SquadFormDialog } from './SquadFormDialog.tsx'

export function SquadsPage() {
  const squads = useSquads()
  const navigate = useNavigate()
  const [creating, setCreating] = useState(false)
  const [showArchived, setShowArchived] = useState(false)

  const all = squads.data?.items ?? []
  const archived = all.filter((s) => s.status === 'archived').length
  const visible = all.filter((s) => showArchived || s.status !== 'archived')

  return (
    <section className="page">
      <header className="page-header">
        <div>
          <h1>Squads</h1>
          <p className="muted">Each squad is a team of agents working on its repositories from one board.</p>
        </div>
        <div className="page-actions">
          {archived ? (
            <label className="check">
              <input
                type="checkbox"
                checked={showArchived}
                onChange={(e) => setShowArchived(e.target.checked)}
              />
              Show archived ({archived})
            </label>
          ) : null}
          <Button variant="primary" onClick={() => setCreating(true)}>
            New squad
          </Button>
        </div>
      </header>
      {squads.isPending ? (
        <Loading label="Loading squads…" />
      ) : squads.isError ? (
        <ErrorState
          error={squads.error}
          onRetry={() => squads.refetch()}
          title="Could not load your squads"
        />
      ) : visible.length === 0 ? (
        <Empty
          title="No squads yet"
          action={
            <Button variant="primary" onClick={() => setCreating(true)}>
              Create your first squad
            </Button>
          }
        >
          A squad holds agents, repositories and a Kanban board of tasks that the agents turn into pull
          requests.
        </Empty>
      ) : (
        <ul className="card-grid">
          {visible.map((squad) => (
            <li key={squad.id} className="card squad-card">
              <Link to={`/squads/${squad.id}`} className="card-link">
                <h2>{squad.name}</h2>
                <p className="muted clamp-2">{squad.description || 'No description'}</p>
                <div className="card-meta">
                  {squad.status === 'archived' ? <Badge>archived</Badge> : null}
                  <span className="muted">updated {timeAgo(squad.updated_at)}</span>
                </div>
              </Link>
            </li>
          ))}
        </ul>
      )}
      {creating ? (
        <SquadFormDialog
          onClose={() => setCreating(false)}
          onSaved={(squad) => navigate(`/squads/${squad.id}/settings`)}
        />
      ) : null}
    </section>
  )
}
