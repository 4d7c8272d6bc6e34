import type { Repository } from '@agent-squad/contract'
import { useState } from 'react'
import { Link } from 'react-router'
import { useCheckRepository, useDeleteRepository, useRepositories } from '../../shared/api/repositories.ts'
import { Badge } from '../../shared/ui/Badge.tsx'
import { Button } from '../../shared/ui/Button.tsx'
import { timeAgo } from '../../shared/ui/format.ts'
import { GitHubIcon } from '../../shared/ui/icons.tsx'
import { Empty, ErrorState, InlineError, Loading } from '../../shared/ui/States.tsx'
import { useToast } from '../../shared/ui/Toast.tsx'
import { RepositoryFormDialog } from './RepositoryFormDialog.tsx'

/** Where a repository lives: a link to its GitHub page, or a badge for the local forge and plain remotes. */
function KindBadge({ repo }: { repo: Repository }) {
  if (repo.kind === 'github' && repo.github)
    return (
      <a
        className="badge badge-neutral badge-github"
        href={repo.github.html_url}
        target="_blank"
        rel="noreferrer"
        title={`${repo.github.repo} on ${repo.github.base_url ?? 'GitHub'} (opens in a new tab)`}
      >
        <GitHubIcon size={12} /> {repo.github.repo}
      </a>
    )
  return (
    <Badge tone={repo.kind === 'local' ? 'accent' : 'info'}>
      {repo.kind === 'local' ? 'local forge' : repo.kind === 'github' ? 'github' : 'git remote'}
    </Badge>
  )
}

/** What the last check found: reachable with the credential, the default branch's head, the permissions. */
export function RepositoryCheckLine({ repo }: { repo: Repository }) {
  if (repo.kind === 'local') return null
  const check = repo.check
  if (!check) return <p className="repo-check muted small">Not checked yet.</p>
  return (
    <p className="repo-check small" data-testid="repo-check">
      {check.reachable ? <Badge tone="success">reachable</Badge> : <Badge tone="danger">unreachable</Badge>}
      <span>
        default branch <code>{check.default_branch}</code>
        {check.head ? (
          <>
            {' '}
            at <code title={check.head}>{check.head.slice(0, 8)}</code>
          </>
        ) : check.reachable ? (
          ' (empty repository)'
        ) : null}
      </span>
      {check.permissions.length ? (
        <span className="repo-permissions">
          <span className="muted">permissions</span>
          {check.permissions.map((p) => (
            <code key={p}>{p}</code>
          ))}
        </span>
      ) : null}
      <span className="muted" title={check.checked_at}>
        checked {timeAgo(check.checked_at)}
      </span>
    </p>
  )
}

export function RepositoriesSection({ squadId }: { squadId: string }) {
  const repos = useRepositories(squadId)
  const remove = useDeleteRepository(squadId)
  const check = useCheckRepository(squadId)
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
          Connect a GitHub repository, any git remote by URL, or create one on the built-in local forge (push
          your code to it).
        </Empty>
      ) : (
        <ul className="repo-list">
          {repos.data.items.map((repo) => {
            const url = repo.kind === 'local' ? repo.clone_url : (repo.url ?? repo.clone_url)
            const checking = check.isPending && check.variables === repo.id
            return (
              <li key={repo.id} className="repo" data-repository={repo.name}>
                <div className="repo-main">
                  <strong>{repo.name}</strong>
                  <KindBadge repo={repo} />
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
                  ) : repo.github ? (
                    <a href={`${repo.github.html_url}/pulls`} target="_blank" rel="noreferrer">
                      Pull requests ↗
                    </a>
                  ) : null}
                  {repo.kind !== 'local' ? (
                    <Button size="sm" onClick={() => check.mutate(repo.id)} busy={checking}>
                      Check again
                    </Button>
                  ) : null}
                  <Button size="sm" variant="ghost" onClick={() => destroy(repo)}>
                    Forget
                  </Button>
                </div>
                <RepositoryCheckLine repo={repo} />
                {check.variables === repo.id && check.isError ? (
                  <div className="repo-check">
                    <InlineError error={check.error} />
                  </div>
                ) : null}
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
