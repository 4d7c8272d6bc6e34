import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createNodeMiddleware, type EmitterWebhookEvent, Webhooks } from '@octokit/webhooks'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type FakeGitHub, startFakeGitHub } from '../helpers/fake-github/index.ts'

// The first use of each of GitHub's large schemas compiles it: seconds on a loaded machine.
const SLOW = { timeout: 90_000 }

// Webhook payloads built from the fake's state, checked against GitHub's webhooks description, and
// delivered with real signatures to a receiver that verifies them with @octokit/webhooks.

const SECRET = 'It is a secret to everybody'
let fake: FakeGitHub
let receiver: Server
let hookUrl: string
const received: EmitterWebhookEvent[] = []

beforeAll(async () => {
  fake = await startFakeGitHub()
  fake.createUser({ login: 'alice' })
  fake.createUser({ login: 'bob' })
  await fake.createRepo({ fullName: 'alice/widgets' })
  fake.addCollaborator('alice/widgets', 'bob', 'write')
  fake.installApp({ account: 'alice', repos: 'all' })
  const webhooks = new Webhooks({ secret: SECRET })
  webhooks.onAny((event) => void received.push(event))
  const quiet = { debug() {}, info() {}, warn() {}, error() {} }
  receiver = createServer(createNodeMiddleware(webhooks, { path: '/hook', log: quiet }))
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve))
  hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`
})

afterAll(async () => {
  receiver?.closeAllConnections()
  await new Promise((resolve) => receiver?.close(resolve))
  await fake?.close()
})

async function openPull(branch: string) {
  await fake.commit({
    repo: 'alice/widgets',
    branch,
    from: 'main',
    files: { [`${branch}.txt`]: 'hello\n' },
    message: `feat: ${branch}`,
  })
  const { Octokit } = await import('@octokit/rest')
  const api = new Octokit({ baseUrl: fake.apiUrl, auth: fake.createToken({ login: 'alice' }) })
  return (
    await api.pulls.create({ owner: 'alice', repo: 'widgets', title: branch, head: branch, base: 'main' })
  ).data
}

describe('fake GitHub: webhooks', () => {
  it('builds payloads from state and delivers them signed', SLOW, async () => {
    const pull = await openPull('feature')
    const repo = 'alice/widgets'
    const deliveries = [
      { event: 'ping', payload: fake.webhookPayload.ping() },
      {
        event: 'pull_request',
        payload: await fake.webhookPayload.pullRequestOpened({ repo, number: pull.number }),
      },
      {
        event: 'pull_request_review',
        payload: await fake.webhookPayload.reviewSubmitted({
          repo,
          number: pull.number,
          author: 'bob',
          state: 'changes_requested',
          body: 'Rename it',
        }),
      },
      {
        event: 'pull_request_review_comment',
        payload: await fake.webhookPayload.reviewComment({
          repo,
          number: pull.number,
          author: 'bob',
          path: 'feature.txt',
          line: 1,
          body: 'Typo',
        }),
      },
      {
        event: 'issue_comment',
        payload: fake.webhookPayload.issueComment({
          repo,
          number: pull.number,
          author: 'bob',
          body: '/squad retry',
        }),
      },
      {
        event: 'issues',
        payload: fake.webhookPayload.issueLabeled({ repo, number: pull.number, label: 'squad:retry' }),
      },
    ]
    const before = await fake.commit({
      repo,
      branch: 'feature',
      files: { 'more.txt': 'more\n' },
      message: 'fix: more',
    })
    deliveries.push({
      event: 'pull_request',
      payload: await fake.webhookPayload.pullRequestSynchronize({
        repo,
        number: pull.number,
        before: pull.head.sha,
      }),
    })
    const closed = await fake.webhookPayload.pullRequestClosed({ repo, number: pull.number, merged: true })
    deliveries.push({ event: 'pull_request', payload: closed })
    deliveries.push({
      event: 'installation',
      payload: fake.webhookPayload.installationCreated({ installationId: closed.installation?.id ?? 0 }),
    })

    for (const delivery of deliveries) {
      const answer = await fake.deliver({ url: hookUrl, secret: SECRET, ...delivery })
      expect(answer.status, answer.body).toBe(200)
    }
    expect(received.map((e) => `${e.name}${'action' in e.payload ? `.${e.payload.action}` : ''}`)).toEqual([
      'ping',
      'pull_request.opened',
      'pull_request_review.submitted',
      'pull_request_review_comment.created',
      'issue_comment.created',
      'issues.labeled',
      'pull_request.synchronize',
      'pull_request.closed',
      'installation.created',
    ])
    expect(closed.pull_request).toMatchObject({ merged: true, head: { sha: before } })
    expect(await fake.branchSha(repo, 'main')).toBe(closed.pull_request.merge_commit_sha)
    expect(fake.reviews(repo, pull.number).map((r) => r.state)).toEqual(['CHANGES_REQUESTED', 'COMMENTED'])
    expect(fake.labels(repo).map((l) => l.name)).toEqual(['squad:retry'])
    fake.expectNoViolations()
  })

  it('signs with the secret it is given: a receiver with another secret refuses the delivery', async () => {
    const answer = await fake.deliver({
      url: hookUrl,
      secret: 'wrong',
      event: 'ping',
      payload: fake.webhookPayload.ping(),
    })
    expect(answer.status).toBe(400)
    expect(answer.deliveryId).toMatch(/^[0-9a-f-]{36}$/)
  })
})
