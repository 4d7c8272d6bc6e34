import type { CommitInfo, FileChange } from './git-store.ts'
import type { Account, Issue, Repo, Review, ReviewComment } from './model.ts'
import { type Json, reactions, simpleUser } from './serialize-account.ts'
import { association, issueLabels } from './serialize-issue.ts'
import { repository } from './serialize-repo.ts'
import { nodeId, type Urls } from './urls.ts'

// Pull requests, their reviews, review comments, commits and files, as GitHub's schemas describe them.

/** What git says about a pull request right now (see pull-facts.ts). */
export type PullFacts = {
  headSha: string
  baseSha: string
  mergeable: boolean | null
  commits: number
  additions: number
  deletions: number
  changedFiles: number
}

type Pull = Issue & { pull: NonNullable<Issue['pull']> }

function links(urls: Urls, repo: Repo, value: Pull, headSha: string) {
  const api = `${urls.repoApi(repo.fullName)}/pulls/${value.number}`
  const issueApi = `${urls.repoApi(repo.fullName)}/issues/${value.number}`
  return {
    self: { href: api },
    html: { href: `${urls.repoWeb(repo.fullName)}/pull/${value.number}` },
    issue: { href: issueApi },
    comments: { href: `${issueApi}/comments` },
    review_comments: { href: `${api}/comments` },
    review_comment: { href: `${urls.repoApi(repo.fullName)}/pulls/comments{/number}` },
    commits: { href: `${api}/commits` },
    statuses: { href: `${urls.repoApi(repo.fullName)}/statuses/${headSha}` },
  }
}

/** `pull-request-simple` (list entries): everything but the counts and the mergeability. */
export function pullSimple(urls: Urls, repo: Repo, value: Pull, facts: PullFacts): Json {
  const l = links(urls, repo, value, facts.headSha)
  const branch = (ref: string, sha: string) => ({
    label: `${repo.owner.login}:${ref}`,
    ref,
    sha,
    user: simpleUser(urls, repo.owner),
    repo: repository(urls, repo),
  })
  return {
    url: l.self.href,
    id: value.pull.id,
    node_id: nodeId('PullRequest', value.pull.id),
    html_url: l.html.href,
    diff_url: `${l.html.href}.diff`,
    patch_url: `${l.html.href}.patch`,
    issue_url: l.issue.href,
    commits_url: l.commits.href,
    review_comments_url: l.review_comments.href,
    review_comment_url: l.review_comment.href,
    comments_url: l.comments.href,
    statuses_url: l.statuses.href,
    number: value.number,
    state: value.state,
    locked: false,
    title: value.title,
    user: simpleUser(urls, value.user),
    body: value.body,
    // The description says a pull request's labels have a string description (not null, as on
    // issues); Octokit's types follow it, so the fake does too.
    labels: issueLabels(urls, repo, value).map((l) => ({ ...l, description: l.description ?? '' })),
    milestone: null,
    active_lock_reason: null,
    created_at: value.createdAt,
    updated_at: value.updatedAt,
    closed_at: value.closedAt,
    merged_at: value.pull.mergedAt,
    merge_commit_sha: value.pull.mergeCommitSha,
    assignee: null,
    assignees: [],
    requested_reviewers: value.pull.requestedReviewers.map((user) => simpleUser(urls, user)),
    requested_teams: [],
    head: branch(value.pull.head, facts.headSha),
    base: branch(value.pull.base, facts.baseSha),
    _links: l,
    author_association: association(repo, value.user),
    auto_merge: null,
    draft: value.pull.draft,
  }
}

/** `pull-request` (GET, POST, PATCH): with merge state and counts. */
export function pullRequest(urls: Urls, repo: Repo, value: Pull, facts: PullFacts): Json {
  const mergeableState =
    value.state === 'closed' ? 'unknown' : value.pull.draft ? 'draft' : facts.mergeable ? 'clean' : 'dirty'
  return {
    ...pullSimple(urls, repo, value, facts),
    merged: value.pull.merged,
    mergeable: value.state === 'open' ? facts.mergeable : null,
    rebaseable: false,
    mergeable_state: mergeableState,
    merged_by: value.pull.mergedBy ? simpleUser(urls, value.pull.mergedBy) : null,
    comments: value.comments.length,
    review_comments: value.pull.reviewComments.length,
    maintainer_can_modify: value.pull.maintainerCanModify,
    commits: facts.commits,
    additions: facts.additions,
    deletions: facts.deletions,
    changed_files: facts.changedFiles,
  }
}

export function review(urls: Urls, repo: Repo, pull: Pull, value: Review): Json {
  const web = `${urls.repoWeb(repo.fullName)}/pull/${pull.number}`
  return {
    id: value.id,
    node_id: nodeId('PullRequestReview', value.id),
    user: simpleUser(urls, value.user),
    body: value.body,
    state: value.state,
    html_url: `${web}#pullrequestreview-${value.id}`,
    pull_request_url: `${urls.repoApi(repo.fullName)}/pulls/${pull.number}`,
    _links: {
      html: { href: `${web}#pullrequestreview-${value.id}` },
      pull_request: { href: `${urls.repoApi(repo.fullName)}/pulls/${pull.number}` },
    },
    submitted_at: value.submittedAt,
    commit_id: value.commitId,
    author_association: association(repo, value.user),
  }
}

export function reviewComment(urls: Urls, repo: Repo, pull: Pull, value: ReviewComment): Json {
  const api = `${urls.repoApi(repo.fullName)}/pulls/comments/${value.id}`
  const web = `${urls.repoWeb(repo.fullName)}/pull/${pull.number}#discussion_r${value.id}`
  const pullApi = `${urls.repoApi(repo.fullName)}/pulls/${pull.number}`
  return {
    url: api,
    pull_request_review_id: value.reviewId,
    id: value.id,
    node_id: nodeId('PullRequestReviewComment', value.id),
    diff_hunk: `@@ -${value.line},1 +${value.line},1 @@`,
    // The line's place in the diff; the fake's one-line hunks make it the line itself.
    position: value.line,
    original_position: value.line,
    path: value.path,
    commit_id: value.commitId,
    original_commit_id: value.commitId,
    user: simpleUser(urls, value.user),
    body: value.body,
    created_at: value.createdAt,
    updated_at: value.createdAt,
    html_url: web,
    pull_request_url: pullApi,
    author_association: association(repo, value.user),
    _links: { self: { href: api }, html: { href: web }, pull_request: { href: pullApi } },
    start_line: null,
    original_start_line: null,
    start_side: null,
    line: value.line,
    original_line: value.line,
    side: value.side,
    subject_type: 'line',
    reactions: reactions(api),
  }
}

export function commit(
  urls: Urls,
  repo: Repo,
  value: CommitInfo,
  users: (email: string) => Account | null,
): Json {
  const api = urls.repoApi(repo.fullName)
  const person = (email: string) => {
    const user = users(email)
    return user ? simpleUser(urls, user) : null
  }
  return {
    url: `${api}/commits/${value.sha}`,
    sha: value.sha,
    node_id: nodeId('Commit', Number.parseInt(value.sha.slice(0, 8), 16)),
    html_url: `${urls.repoWeb(repo.fullName)}/commit/${value.sha}`,
    comments_url: `${api}/commits/${value.sha}/comments`,
    commit: {
      url: `${api}/git/commits/${value.sha}`,
      author: value.author,
      committer: value.committer,
      message: value.message,
      comment_count: 0,
      tree: { sha: value.tree, url: `${api}/git/trees/${value.tree}` },
    },
    author: person(value.author.email),
    committer: person(value.committer.email),
    parents: value.parents.map((sha) => ({
      sha,
      url: `${api}/commits/${sha}`,
      html_url: `${urls.repoWeb(repo.fullName)}/commit/${sha}`,
    })),
  }
}

export function diffEntry(urls: Urls, repo: Repo, headSha: string, value: FileChange): Json {
  const path = value.filename.split('/').map(encodeURIComponent).join('/')
  return {
    sha: value.sha,
    filename: value.filename,
    status: value.status,
    additions: value.additions,
    deletions: value.deletions,
    changes: value.additions + value.deletions,
    blob_url: `${urls.repoWeb(repo.fullName)}/blob/${headSha}/${path}`,
    raw_url: `${urls.repoWeb(repo.fullName)}/raw/${headSha}/${path}`,
    contents_url: `${urls.repoApi(repo.fullName)}/contents/${path}?ref=${headSha}`,
    patch: value.patch,
    ...(value.previousFilename ? { previous_filename: value.previousFilename } : {}),
  }
}
