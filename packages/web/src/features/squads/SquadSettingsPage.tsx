import { useState } from 'react'
import { useNavigate } from 'react-router'
import { useDeleteSquad, useUpdateSquad } from '../../shared/api/squads.ts'
import { Button } from '../../shared/ui/Button.tsx'
import { InlineError } from '../../shared/ui/States.tsx'
import { useToast } from '../../shared/ui/Toast.tsx'
import { AgentsSection } from './AgentsSection.tsx'
import { RepositoriesSection } from './RepositoriesSection.tsx'
import { SettingsForm } from './SettingsForm.tsx'
import { SquadFormDialog } from './SquadFormDialog.tsx'
import { useCurrentSquad } from './use-squad.ts'

export function SquadSettingsPage() {
  const squad = useCurrentSquad()
  const [editing, setEditing] = useState(false)
  const update = useUpdateSquad(squad.id)
  const remove = useDeleteSquad(squad.id)
  const navigate = useNavigate()
  const toast = useToast()
  const archived = squad.status === 'archived'

  const toggleArchive = () =>
    update.mutate(
      { status: archived ? 'active' : 'archived' },
      { onSuccess: () => toast(archived ? 'Squad restored' : 'Squad archived', 'success') },
    )
  const destroy = () => {
    if (
      !window.confirm(
        `Delete "${squad.name}" with all its agents, repositories and tasks? This cannot be undone.`,
      )
    )
      return
    remove.mutate(undefined, { onSuccess: () => navigate('/') })
  }

  return (
    <div className="settings-grid">
      <section className="panel">
        <header className="panel-header">
          <h2>Squad</h2>
          <Button size="sm" onClick={() => setEditing(true)}>
            Edit
          </Button>
        </header>
        <p>{squad.description || <span className="muted">No description.</span>}</p>
        <div className="row">
          <Button onClick={toggleArchive} busy={update.isPending}>
            {archived ? 'Restore squad' : 'Archive squad'}
          </Button>
          <Button variant="danger" onClick={destroy} busy={remove.isPending}>
            Delete squad
          </Button>
        </div>
        <InlineError error={update.error ?? remove.error} />
      </section>
      <SettingsForm squad={squad} />
      <AgentsSection squadId={squad.id} />
      <RepositoriesSection squadId={squad.id} />
      {editing ? <SquadFormDialog squad={squad} onClose={() => setEditing(false)} /> : null}
    </div>
  )
}
