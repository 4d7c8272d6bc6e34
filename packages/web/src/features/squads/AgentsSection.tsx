import type { Agent } from '@agent-squad/contract'
import { useState } from 'react'
import { useAgents, useDeleteAgent, useUpdateAgent } from '../../shared/api/agents.ts'
import { Badge } from '../../shared/ui/Badge.tsx'
import { Button } from '../../shared/ui/Button.tsx'
import { ConfirmDialog } from '../../shared/ui/ConfirmDialog.tsx'
import { Empty, ErrorState, InlineError, Loading } from '../../shared/ui/States.tsx'
import { AgentFormDialog } from './AgentFormDialog.tsx'

export function AgentsSection({ squadId }: { squadId: string }) {
  const agents = useAgents(squadId)
  const update = useUpdateAgent(squadId)
  const remove = useDeleteAgent(squadId)
  const [editing, setEditing] = useState<Agent | 'new' | null>(null)
  const [removing, setRemoving] = useState<Agent | null>(null)
  const closeRemove = () => {
    setRemoving(null)
    remove.reset()
  }

  return (
    <section className="panel panel-wide">
      <header className="panel-header">
        <h2>Agents</h2>
        <Button size="sm" variant="primary" onClick={() => setEditing('new')}>
          Add agent
        </Button>
      </header>
      {agents.isPending ? (
        <Loading label="Loading agents…" />
      ) : agents.isError ? (
        <ErrorState error={agents.error} onRetry={() => agents.refetch()} />
      ) : agents.data.items.length === 0 ? (
        <Empty title="No agents yet">
          Add a squad member: a model-backed agent (OpenAI, Anthropic, a local model), an agent CLI, or a
          script runner that needs no model.
        </Empty>
      ) : (
        <table className="table">
          <thead>
            <tr>
              <th>Name</th>
              <th>Role</th>
              <th>Provider / model</th>
              <th>Active</th>
              <th>
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {agents.data.items.map((agent) => (
              <tr key={agent.id}>
                <td>
                  <strong>{agent.name}</strong>
                  {agent.specialization ? <div className="muted small">{agent.specialization}</div> : null}
                </td>
                <td>
                  <Badge tone="accent">{agent.role}</Badge>
                </td>
                <td>
                  {agent.llm_provider}
                  {agent.llm_model ? <span className="muted"> · {agent.llm_model}</span> : null}
                </td>
                <td>
                  <label className="switch">
                    <input
                      type="checkbox"
                      checked={agent.is_active}
                      aria-label={`${agent.name} active`}
                      onChange={(e) => update.mutate({ id: agent.id, body: { is_active: e.target.checked } })}
                    />
                    <span aria-hidden />
                  </label>
                </td>
                <td className="actions">
                  <Button size="sm" variant="ghost" onClick={() => setEditing(agent)}>
                    Edit
                  </Button>
                  <Button size="sm" variant="ghost" onClick={() => setRemoving(agent)}>
                    Remove
                  </Button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <InlineError error={update.error} />
      {removing ? (
        <ConfirmDialog
          title={`Remove ${removing.name}?`}
          confirmLabel={`Remove ${removing.name}`}
          danger
          busy={remove.isPending}
          error={remove.error}
          onCancel={closeRemove}
          onConfirm={() => remove.mutate(removing.id, { onSuccess: closeRemove })}
        >
          <p>
            {removing.name} leaves the squad. Their tasks stay on the board, unassigned; finished runs keep
            their history.
          </p>
        </ConfirmDialog>
      ) : null}
      {editing ? (
        <AgentFormDialog
          squadId={squadId}
          agent={editing === 'new' ? undefined : editing}
          onClose={() => setEditing(null)}
        />
      ) : null}
    </section>
  )
}
