import type { App, CheckRun, Installation, Repo } from './model.ts'
import { type Json, simpleUser } from './serialize-account.ts'
import { nodeId, type Urls } from './urls.ts'

// The GitHub App, its installations and its check runs, as GitHub's `integration`, `installation`
// and `check-run` schemas describe them.

export function integration(urls: Urls, app: App): Json {
  return {
    id: app.id,
    slug: app.slug,
    node_id: nodeId('Integration', app.id),
    client_id: app.clientId,
    owner: simpleUser(urls, app.owner),
    name: app.name,
    description: null,
    external_url: `${urls.web}/apps/${app.slug}`,
    html_url: `${urls.web}/apps/${app.slug}`,
    created_at: app.createdAt,
    updated_at: app.createdAt,
    permissions: app.permissions,
    events: app.events,
    installations_count: 0,
  }
}

export function installation(urls: Urls, app: App, value: Installation): Json {
  return {
    id: value.id,
    client_id: app.clientId,
    account: simpleUser(urls, value.account),
    repository_selection: value.repos === 'all' ? 'all' : 'selected',
    access_tokens_url: `${urls.api}/app/installations/${value.id}/access_tokens`,
    repositories_url: `${urls.api}/installation/repositories`,
    html_url: `${urls.web}/settings/installations/${value.id}`,
    app_id: app.id,
    app_slug: app.slug,
    target_id: value.account.id,
    target_type: value.account.type === 'Organization' ? 'Organization' : 'User',
    permissions: value.permissions,
    events: value.events,
    created_at: value.createdAt,
    updated_at: value.createdAt,
    single_file_name: null,
    has_multiple_single_files: false,
    single_file_paths: [],
    suspended_by: null,
    suspended_at: null,
  }
}

export function checkRun(urls: Urls, repo: Repo, app: App, value: CheckRun, pulls: Json[]): Json {
  return {
    id: value.id,
    head_sha: value.headSha,
    node_id: nodeId('CheckRun', value.id),
    external_id: value.externalId,
    url: `${urls.repoApi(repo.fullName)}/check-runs/${value.id}`,
    html_url: `${urls.repoWeb(repo.fullName)}/runs/${value.id}`,
    details_url: value.detailsUrl ?? `${urls.web}/apps/${app.slug}`,
    status: value.status,
    conclusion: value.conclusion,
    started_at: value.startedAt,
    completed_at: value.completedAt,
    output: {
      title: value.output.title,
      summary: value.output.summary,
      text: value.output.text,
      annotations_count: 0,
      annotations_url: `${urls.repoApi(repo.fullName)}/check-runs/${value.id}/annotations`,
    },
    name: value.name,
    check_suite: { id: value.suiteId },
    app: integration(urls, app),
    pull_requests: pulls,
  }
}
