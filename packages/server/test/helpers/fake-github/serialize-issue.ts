import type { Account, Comment, Issue, IssueEvent, Label, Repo } from './model.ts'
import { type Json, reactions, simpleUser } from './serialize-account.ts'
import { nodeId, type Urls } from './urls.ts'

// Issues, labels, comments and issue events as GitHub's schemas of those names describe them.

/** GitHub's `author_association` of `account` on `repo`. */
export function association(repo: Repo, account: Account): string {
  if (account.id === repo.owner.id) return 'OWNER'
  return repo.collaborators.has(account.login.toLowerCase()) ? 'COLLABORATOR' : 'NONE'
}

export function label(urls: Urls, repo: Repo, value: Label): Json {
  return {
    id: value.id,
    node_id: nodeId('Label', value.id),
    url: `${urls.repoApi(repo.fullName)}/labels/${encodeURIComponent(value.name)}`,
    name: value.name,
    color: value.color,
    default: value.default,
    description: value.description,
  }
}

export function issueLabels(urls: Urls, repo: Repo, issue: Issue): Json[] {
  return issue.labels.flatMap((name) => {
    const found = repo.labels.find((l) => l.name === name)
    return found ? [label(urls, repo, found)] : []
  })
}

export function issue(urls: Urls, repo: Repo, value: Issue): Json {
  const api = `${urls.repoApi(repo.fullName)}/issues/${value.number}`
  const web = `${urls.repoWeb(repo.fullName)}/${value.pull ? 'pull' : 'issues'}/${value.number}`
  return {
    id: value.id,
    node_id: nodeId(value.pull ? 'PullRequest' : 'Issue', value.id),
    url: api,
    repository_url: urls.repoApi(repo.fullName),
    labels_url: `${api}/labels{/name}`,
    comments_url: `${api}/comments`,
    events_url: `${api}/events`,
    html_url: web,
    number: value.number,
    state: value.state,
    state_reason: value.state === 'closed' ? 'completed' : null,
    title: value.title,
    body: value.body,
    user: simpleUser(urls, value.user),
    labels: issueLabels(urls, repo, value),
    assignee: null,
    assignees: [],
    milestone: null,
    locked: false,
    active_lock_reason: null,
    comments: value.comments.length,
    ...(value.pull
      ? {
          pull_request: {
            url: `${urls.repoApi(repo.fullName)}/pulls/${value.number}`,
            html_url: web,
            diff_url: `${web}.diff`,
            patch_url: `${web}.patch`,
            merged_at: value.pull.mergedAt,
          },
          draft: value.pull.draft,
        }
      : {}),
    closed_at: value.closedAt,
    created_at: value.createdAt,
    updated_at: value.updatedAt,
    closed_by: null,
    author_association: association(repo, value.user),
    timeline_url: `${api}/timeline`,
    performed_via_github_app: null,
    reactions: reactions(api),
  }
}

export function issueComment(urls: Urls, repo: Repo, owner: Issue, value: Comment): Json {
  const web = `${urls.repoWeb(repo.fullName)}/${owner.pull ? 'pull' : 'issues'}/${owner.number}`
  return {
    id: value.id,
    node_id: nodeId('IssueComment', value.id),
    url: `${urls.repoApi(repo.fullName)}/issues/comments/${value.id}`,
    html_url: `${web}#issuecomment-${value.id}`,
    body: value.body,
    user: simpleUser(urls, value.user),
    created_at: value.createdAt,
    updated_at: value.updatedAt,
    issue_url: `${urls.repoApi(repo.fullName)}/issues/${owner.number}`,
    author_association: association(repo, value.user),
    performed_via_github_app: null,
    reactions: reactions(`${urls.repoApi(repo.fullName)}/issues/comments/${value.id}`),
  }
}

export function issueEvent(urls: Urls, repo: Repo, value: IssueEvent): Json {
  const base = {
    id: value.id,
    node_id: nodeId('IssueEvent', value.id),
    url: `${urls.repoApi(repo.fullName)}/issues/events/${value.id}`,
    actor: simpleUser(urls, value.actor),
    event: value.event,
    commit_id: null,
    commit_url: null,
    created_at: value.createdAt,
    performed_via_github_app: null,
  }
  if (value.label) return { ...base, label: value.label }
  if (value.rename) return { ...base, rename: value.rename }
  if (value.reviewer)
    return { ...base, review_requester: base.actor, requested_reviewer: simpleUser(urls, value.reviewer) }
  return base
}
