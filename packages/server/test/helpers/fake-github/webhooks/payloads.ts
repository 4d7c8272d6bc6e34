import type { Core } from '../core.ts'
import { addIssueComment, addLabels, submitReview } from '../issue-mutations.ts'
import type { Account, Repo, ReviewState } from '../model.ts'
import { findIssue, findPull, pullFacts } from '../pull-facts.ts'
import { mergePull, updatePull } from '../pull-mutations.ts'
import { simpleUser } from '../serialize-account.ts'
import { installation } from '../serialize-app.ts'
import { issue, issueComment, label } from '../serialize-issue.ts'
import { pullRequest, review, reviewComment } from '../serialize-pull.ts'
import { repository } from '../serialize-repo.ts'
import { nodeId } from '../urls.ts'
import type { WebhookSchemas } from './schemas.ts'

// Webhook payloads built from the fake's state, the way GitHub builds them: the action happens (a
// merge, a review, a comment, a label) and the payload describes the records as they now are. Each is
// checked against GitHub's webhooks description before it is returned.

const REVIEW_STATES: Record<'approved' | 'changes_requested' | 'commented', ReviewState> = {
  approved: 'APPROVED',
  changes_requested: 'CHANGES_REQUESTED',
  commented: 'COMMENTED',
}

export function createPayloadBuilders(core: Core, schemas: WebhookSchemas) {
  const { state, urls } = core
  const repoOf = (name: string): Repo => {
    const found = state.repo(name)
    if (!found) throw new Error(`no repository ${name}`)
    return found
  }
  const userOf = (login: string | undefined, fallback: Account): Account => {
    if (login === undefined) return fallback
    const found = state.user(login)
    if (!found) throw new Error(`no user ${login}`)
    return found
  }
  /** What every repository event carries: the repository, the sender, and the app's installation. */
  const envelope = (repo: Repo, sender: Account) => {
    const covering = [...state.installations.values()].find((i) => state.installationCovers(i, repo))
    return {
      repository: { ...repository(urls, repo), allow_forking: true, web_commit_signoff_required: false },
      sender: simpleUser(urls, sender),
      ...(covering
        ? { installation: { id: covering.id, node_id: nodeId('Installation', covering.id) } }
        : {}),
    }
  }
  const pullJson = async (repo: Repo, number: number) => {
    const pull = findPull(repo, number)
    return { pull, json: pullRequest(urls, repo, pull, await pullFacts(repo, pull)) }
  }

  return {
    ping: (opts: { hookId?: number } = {}) => {
      const hookId = opts.hookId ?? state.nextId()
      const hook = {
        type: 'App',
        id: hookId,
        name: 'web',
        active: true,
        events: state.app.events,
        config: { content_type: 'json', insecure_ssl: '0', url: `${urls.web}/hook` },
        updated_at: state.app.createdAt,
        created_at: state.app.createdAt,
        app_id: state.app.id,
        deliveries_url: `${urls.api}/app/hook/deliveries`,
      }
      return schemas.validated<'ping'>(
        'ping',
        { zen: 'Design for failure.', hook_id: hookId, hook, sender: simpleUser(urls, state.app.owner) },
        core.violations,
      )
    },
    installationCreated: (opts: { installationId: number }) => {
      const found = state.installations.get(opts.installationId)
      if (!found) throw new Error(`no installation ${opts.installationId}`)
      const repos = [...state.repos.values()].filter((r) => state.installationCovers(found, r))
      return schemas.validated<'installation.created'>(
        'installation-created',
        {
          action: 'created',
          installation: installation(urls, state.app, found),
          repositories: repos.map((r) => ({
            id: r.id,
            node_id: nodeId('Repository', r.id),
            name: r.name,
            full_name: r.fullName,
            private: r.private,
          })),
          requester: null,
          sender: simpleUser(urls, found.account),
        },
        core.violations,
      )
    },
    pullRequestOpened: async (opts: { repo: string; number: number }) => {
      const repo = repoOf(opts.repo)
      const { pull, json } = await pullJson(repo, opts.number)
      return schemas.validated<'pull_request.opened'>(
        'pull-request-opened',
        { action: 'opened', number: pull.number, pull_request: json, ...envelope(repo, pull.user) },
        core.violations,
      )
    },
    pullRequestSynchronize: async (opts: {
      repo: string
      number: number
      before: string
      sender?: string
    }) => {
      const repo = repoOf(opts.repo)
      const { pull, json } = await pullJson(repo, opts.number)
      const sender = userOf(opts.sender, pull.user)
      return schemas.validated<'pull_request.synchronize'>(
        'pull-request-synchronize',
        {
          action: 'synchronize',
          number: pull.number,
          before: opts.before,
          after: pull.pull.headSha,
          pull_request: json,
          ...envelope(repo, sender),
        },
        core.violations,
      )
    },
    /** Closes (merged: false) or merges (merged: true, real git) an open pull request, then describes it. */
    pullRequestClosed: async (opts: { repo: string; number: number; merged: boolean; sender?: string }) => {
      const repo = repoOf(opts.repo)
      const sender = userOf(opts.sender, repo.owner)
      const current = findPull(repo, opts.number)
      if (current.state === 'open') {
        if (opts.merged) await mergePull(repo, opts.number, sender, {})
        else await updatePull(repo, opts.number, { state: 'closed' })
      } else if (current.pull.merged !== opts.merged) {
        throw new Error(`pull request #${opts.number} is already closed with merged=${current.pull.merged}`)
      }
      const { pull, json } = await pullJson(repo, opts.number)
      return schemas.validated<'pull_request.closed'>(
        'pull-request-closed',
        { action: 'closed', number: pull.number, pull_request: json, ...envelope(repo, sender) },
        core.violations,
      )
    },
    reviewSubmitted: async (opts: {
      repo: string
      number: number
      author: string
      state: keyof typeof REVIEW_STATES
      body?: string
      comments?: { path: string; line: number; body: string }[]
    }) => {
      const repo = repoOf(opts.repo)
      const author = userOf(opts.author, repo.owner)
      const pull = findPull(repo, opts.number)
      const submitted = await submitReview(core, repo, pull, author, {
        state: REVIEW_STATES[opts.state],
        body: opts.body ?? '',
        comments: opts.comments ?? [],
      })
      const { json } = await pullJson(repo, opts.number)
      const reviewJson = { ...review(urls, repo, pull, submitted.review), state: opts.state }
      return schemas.validated<'pull_request_review.submitted'>(
        'pull-request-review-submitted',
        {
          action: 'submitted',
          review: reviewJson,
          pull_request: json,
          ...envelope(repo, author),
        },
        core.violations,
      )
    },
    /** A line comment (in a one-comment review, as GitHub makes a single comment). */
    reviewComment: async (opts: {
      repo: string
      number: number
      author: string
      path: string
      line: number
      body: string
    }) => {
      const repo = repoOf(opts.repo)
      const author = userOf(opts.author, repo.owner)
      const pull = findPull(repo, opts.number)
      const { comments } = await submitReview(core, repo, pull, author, {
        state: 'COMMENTED',
        body: '',
        comments: [opts],
      })
      const [comment] = comments
      if (!comment) throw new Error('no review comment was created')
      const { json } = await pullJson(repo, opts.number)
      return schemas.validated<'pull_request_review_comment.created'>(
        'pull-request-review-comment-created',
        {
          action: 'created',
          comment: reviewComment(urls, repo, pull, comment),
          pull_request: json,
          ...envelope(repo, author),
        },
        core.violations,
      )
    },
    issueComment: (opts: { repo: string; number: number; author: string; body: string }) => {
      const repo = repoOf(opts.repo)
      const author = userOf(opts.author, repo.owner)
      const owner = findIssue(repo, opts.number)
      const comment = addIssueComment(core, owner, author, opts.body)
      return schemas.validated<'issue_comment.created'>(
        'issue-comment-created',
        {
          action: 'created',
          issue: issue(urls, repo, owner),
          comment: issueComment(urls, repo, owner, comment),
          ...envelope(repo, author),
        },
        core.violations,
      )
    },
    issueLabeled: (opts: { repo: string; number: number; label: string; sender?: string }) => {
      const repo = repoOf(opts.repo)
      const sender = userOf(opts.sender, repo.owner)
      const owner = findIssue(repo, opts.number)
      addLabels(core, repo, owner, sender, [opts.label])
      const added = repo.labels.find((l) => l.name.toLowerCase() === opts.label.toLowerCase())
      if (!added) throw new Error(`label ${opts.label} was not created`)
      return schemas.validated<'issues.labeled'>(
        'issues-labeled',
        {
          action: 'labeled',
          issue: issue(urls, repo, owner),
          label: label(urls, repo, added),
          ...envelope(repo, sender),
        },
        core.violations,
      )
    },
  }
}

export type PayloadBuilders = ReturnType<typeof createPayloadBuilders>
