import type { Account } from './model.ts'
import { nodeId, type Urls } from './urls.ts'

// Users and bots as GitHub's `simple-user` and `private-user` schemas describe them.

export type Json = Record<string, unknown>

/** An empty `reaction-rollup` (the fake has no reactions; GitHub always sends the counts). */
export function reactions(url: string): Json {
  const counts = { '+1': 0, '-1': 0, laugh: 0, hooray: 0, confused: 0, heart: 0, rocket: 0, eyes: 0 }
  return { url: `${url}/reactions`, total_count: 0, ...counts }
}

export function simpleUser(urls: Urls, account: Account): Json {
  const api = urls.userApi(account.login)
  return {
    login: account.login,
    id: account.id,
    node_id: nodeId(account.type === 'Bot' ? 'Bot' : account.type, account.id),
    avatar_url: `${urls.web}/avatars/u/${account.id}`,
    gravatar_id: '',
    url: api,
    html_url:
      account.type === 'Bot'
        ? `${urls.web}/apps/${account.login.replace(/\[bot\]$/, '')}`
        : urls.userWeb(account.login),
    followers_url: `${api}/followers`,
    following_url: `${api}/following{/other_user}`,
    gists_url: `${api}/gists{/gist_id}`,
    starred_url: `${api}/starred{/owner}{/repo}`,
    subscriptions_url: `${api}/subscriptions`,
    organizations_url: `${api}/orgs`,
    repos_url: `${api}/repos`,
    events_url: `${api}/events{/privacy}`,
    received_events_url: `${api}/received_events`,
    type: account.type,
    user_view_type: 'public',
    site_admin: false,
  }
}

/** GET /user for the token's own user. */
export function privateUser(urls: Urls, account: Account, counts: { ownedPrivateRepos: number }): Json {
  return {
    ...simpleUser(urls, account),
    name: account.name,
    company: null,
    blog: '',
    location: null,
    email: account.email,
    hireable: null,
    bio: null,
    twitter_username: null,
    notification_email: account.email,
    public_repos: 0,
    public_gists: 0,
    followers: 0,
    following: 0,
    created_at: account.createdAt,
    updated_at: account.createdAt,
    private_gists: 0,
    total_private_repos: counts.ownedPrivateRepos,
    owned_private_repos: counts.ownedPrivateRepos,
    disk_usage: 0,
    collaborators: 0,
    two_factor_authentication: false,
  }
}
