import type { Repository } from '@agent-squad/contract'
import { useState } from 'react'
import { Link } from 'react-router'
import { useDeleteRepository, useRepositories } from '../../shared/api/repositories.ts'
import { Badge } from '../../shared/ui/Badge.tsx'
import { Button } from '../../shared/ui/Button.tsx'
import { Empty, ErrorState, InlineError, Loading } from '../../shared/ui/States.tsx'
import { useToast } from '../../shared/ui/Toast.tsx'
import { RepositoryFormDialog } from './RepositoryFormDialog.tsx'

export function RepositoriesSection({ squadId }: { squadId: string }) {
  const repos = useRepositories(squadId)
  const remove = useDeleteRepository(squadId)
  const [adding, setAdding] = useState(false)
  const toast = useToast()

  const copy = (text: string) =>
    navigator.clipboard?.writeText(text).then(
      () => toast('Clone URL copied', 'success'),
      () => toast('Could not copy; select the URL instead', 'error'),
    )
  const destroy = (repo: Repository) => {
    if (window.confirm(`Forget ${repo.name}? Its tasks stay, without a repository.`)) remove.mutate(repo.id)
  }

  return (
    <section className="panel panel-wide">
      <header className="panel-header">
        <h2>Repositories</h2>
        <Button size="sm" variant="primary" onClick={() => setAdding(true)}>
          Add repository
        </Button>
      </header>
      {repos.isPending ? (
        <Loading label="Loading repositories…" />
      ) : repos.isError ? (
        <ErrorState error={repos.error} onRetry={() => repos.refetch()} />
      ) : repos.data.items.length === 0 ? (
        <Empty title="No repositories yet">
          Create one on the built-in local forge (push your code to it) or connect a remote repository by URL.
        </Empty>
      ) : (
        <ul className="repo-list">
          {repos.data.items.map((repo) => {
            const url = repo.kind === 'local' ? repo.clone_url : repo.url
            return (
              <li key={repo.id} className="repo">
                <div className="repo-main">
                  <strong>{repo.name}</strong>
                  <Badge tone={repo.kind === 'local' ? 'accent' : 'info'}>
                    {repo.kind === 'local' ? 'local forge' : 'remote'}
                  </Badge>
                  <span className="muted small">default branch {repo.default_branch}</span>
                </div>
                {url ? (
                  <div className="repo-url">
                    <code title={url}>{url}</code>
                    <Button size="sm" variant="ghost" onClick={() => copy(url)}>
                      Copy
                    </Button>
                  </div>
                ) : null}
                <div className="actions">
                  {repo.kind === 'local' ? (
                    <Link to={`/squads/${squadId}/pulls?repository=${repo.id}`}>Pull requests</Link>
                  ) : null}
                  <Button size="sm" variant="ghost" onClick={() => destroy(repo)}>
                    Forget
                  </Button>
                </div>
              </li>
            )
          })}
        </ul>
      )}
      <InlineError error={remove.error} />
      {adding ? <RepositoryFormDialog squadId={squadId} onClose={() => setAdding(false)} /> : null}
    </section>
  )
}
