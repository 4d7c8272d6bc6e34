import { type Execution, PullRequest, type StreamEvent } from '@agent-squad/contract'
import { describe, expect, it } from 'vitest'
import { openSse } from '../helpers/sse-client.ts'
import { createTask, logOf, startTask } from '../pipeline/pipeline-fixture.ts'
import type { RecordedRequest } from './fakes/scripted-model.ts'
import {
  conversationOf,
  createAgent,
  executionsOf,
  json,
  reviewsOf,
  settle,
  setupTeam,
  skip,
  tasksOf,
  useTeamServer,
} from './team-fixture.ts'

describe.skipIf(skip)(
  'a squad that works as a team (lead, specialists, reviewer; fake model over HTTP)',
  () => {
    const team = useTeamServer()

    it('the lead splits, two specialists work in parallel, the reviewer asks once, the revision lands on the same PR, overlaps are flagged', async () => {
      const server = team.server()
      const model = team.model()
      const { squad, repo, agent } = await setupTeam(
        server,
        model,
        { max_concurrency: 4, workflow: { mode: 'team', max_review_rounds: 2 } },
        { Lena: 'lead', Bo: 'backend', Fay: 'frontend', Rex: 'reviewer' },
      )
      const lead = agent('Lena')
      const backend = agent('Bo')
      const frontend = agent('Fay')
      const reviewer = agent('Rex')
      const squadStream = await openSse(`${server.url}/api/v1/sse/squads/${squad.id}`)
      try {
        const parent = await createTask(server, squad.id, {
          title: 'Ship version 2',
          description: 'API and UI both go to v2.',
          repository_id: repo.id,
          assignee_id: lead.id,
        })
        const plan = await startTask(server, parent.id)
        expect(plan.run_reason).toBe('plan')

        const subtasksOf = async () =>
          (await tasksOf(server, squad.id)).filter((t) => t.parent_task_id === parent.id)
        await settle(server, squad.id, async () => {
          const subtasks = await subtasksOf()
          if (subtasks.length !== 2) return false
          const reviews = await Promise.all(subtasks.map((t) => reviewsOf(server, t.id)))
          return reviews.every((r) => r.at(-1)?.verdict === 'approved')
        })

        // The plan: two subtasks on the board, by role, each started at once on its own branch.
        const planRun = (await executionsOf(server, parent.id))[0]
        expect(planRun?.status, planRun && (await logOf(server, planRun.id))).toBe('succeeded')
        expect(planRun?.pull_request_url).toBeNull()
        const subtasks = (await subtasksOf()).sort((a, b) => a.number - b.number)
        const [api, ui] = subtasks
        if (!api || !ui) throw new Error('no subtasks')
        expect(api).toMatchObject({ title: 'Bump the API', assignee_id: backend.id, repository_id: repo.id })
        expect(ui).toMatchObject({ title: 'Bump the UI', assignee_id: frontend.id })
        expect(api.description).toContain(`Part of #${parent.number}`)

        const apiRuns = await executionsOf(server, api.id)
        const uiRuns = await executionsOf(server, ui.id)
        expect(apiRuns.map((e) => `${e.run_reason}:${e.status}`)).toEqual([
          'start:succeeded',
          'review:succeeded',
          'revision:succeeded',
          'review:succeeded',
        ])
        expect(uiRuns.map((e) => `${e.run_reason}:${e.status}`)).toEqual([
          'start:succeeded',
          'review:succeeded',
        ])
        const [apiStart, apiReview, apiRevision] = apiRuns
        const [uiStart] = uiRuns
        if (!apiStart || !apiReview || !apiRevision || !uiStart) throw new Error('runs missing')
        // Separate branches, in parallel: each run started before the other finished.
        expect(apiStart.git_branch).toBe(`task-${api.number}`)
        expect(uiStart.git_branch).toBe(`task-${ui.number}`)
        const span = (e: Execution) =>
          [Date.parse(e.started_at ?? ''), Date.parse(e.finished_at ?? '')] as const
        const [a0, a1] = span(apiStart)
        const [u0, u1] = span(uiStart)
        expect(a0 < u1 && u0 < a1, `api ${a0}–${a1}, ui ${u0}–${u1}`).toBe(true)

        // The review: the reviewer agent, round 1 asks for changes, round 2 approves.
        const apiReviews = await reviewsOf(server, api.id)
        expect(apiReviews.map((r) => `${r.round}:${r.author_name}:${r.verdict}`)).toEqual([
          '1:Rex:changes_requested',
          '2:Rex:approved',
        ])
        expect(apiReviews[0]).toMatchObject({
          author_kind: 'agent',
          author_id: reviewer.id,
          execution_id: apiReview.id,
          follow_up_execution_id: apiRevision.id,
        })
        expect(apiReview.agent_id).toBe(reviewer.id)
        // The reviewer read the diff; the implementer got the review as instructions.
        const reviewRequest = model.requests.find((r) => {
          const c = conversationOf(r)
          return c.mode === 'review' && c.task.includes('Bump the API')
        })
        expect(conversationOf(reviewRequest as RecordedRequest).task).toContain('-api v1\n+api v2')
        const revisionRequest = model.requests.find((r) =>
          conversationOf(r).task.includes('# Review feedback'),
        )
        expect(conversationOf(revisionRequest as RecordedRequest).task).toContain(
          'api.txt:1: Add CHANGELOG.md saying "API v2".',
        )

        // The follow-up lands on the same branch and the same pull request: one PR, two commits.
        expect(apiRevision.agent_id).toBe(backend.id)
        expect(apiRevision.git_branch).toBe(apiStart.git_branch)
        expect(apiRevision.pull_request_url).toBe(apiStart.pull_request_url)
        const pulls = await json(server, 'GET', `/api/v1/repositories/${repo.id}/pulls`, (v) =>
          (v as { items: unknown[] }).items.map((p) => PullRequest.parse(p)),
        )
        const apiPulls = pulls.filter((p) => p.head === `task-${api.number}`)
        expect(apiPulls).toHaveLength(1)
        const commits = await json(
          server,
          'GET',
          `/api/v1/repositories/${repo.id}/pulls/${apiPulls[0]?.number}/commits`,
          (v) => (v as { items: { message: string }[] }).items,
        )
        expect(commits).toHaveLength(2)
        const diff = await json(
          server,
          'GET',
          `/api/v1/repositories/${repo.id}/pulls/${apiPulls[0]?.number}/diff`,
          (v) => (v as { files: { path: string }[] }).files.map((f) => f.path).sort(),
        )
        expect(diff).toEqual(['CHANGELOG.md', 'VERSION', 'api.txt'])

        // Both branches changed VERSION: each task got a warning naming the other, before any merge.
        await squadStream.waitFor(() => squadStream.events.some((e) => e.type === 'execution.overlap'), {
          timeoutMs: 10_000,
        })
        const overlaps = (squadStream.events as StreamEvent[]).flatMap((e) =>
          e.type === 'execution.overlap' ? [e.payload] : [],
        )
        expect(overlaps.length).toBeGreaterThanOrEqual(2)
        const onApi = overlaps.find((o) => o.task_id === api.id && o.other_task_id === ui.id)
        const onUi = overlaps.find((o) => o.task_id === ui.id && o.other_task_id === api.id)
        expect(onApi?.files).toEqual(['VERSION'])
        expect(onUi?.files).toEqual(['VERSION'])
        expect(onUi?.other_task_number).toBe(api.number)

        // Everything ends in review, the parent with its subtasks.
        const board = await tasksOf(server, squad.id)
        expect(board.find((t) => t.id === parent.id)?.status).toBe('in_review')
        expect(board.find((t) => t.id === api.id)?.status).toBe('in_review')
        expect(await server.sandboxes.list()).toHaveLength(0)

        // A person's review does the same: the revision lands on the UI's pull request, then the reviewer looks again.
        const human = await server.request('POST', `/api/v1/tasks/${ui.id}/reviews`, {
          body: { verdict: 'changes_requested', body: 'Mention UI v2 in the README, please.' },
        })
        expect(human.status).toBe(201)
        const followUp = (human.json as { follow_up_execution_id: string }).follow_up_execution_id
        expect(followUp).toBeTruthy()
        await settle(server, squad.id, async () => (await reviewsOf(server, ui.id)).length === 3)
        const uiAfter = await executionsOf(server, ui.id)
        expect(uiAfter.map((e) => `${e.run_reason}:${e.status}`)).toEqual([
          'start:succeeded',
          'review:succeeded',
          'revision:succeeded',
          'review:succeeded',
        ])
        expect(uiAfter[2]?.id).toBe(followUp)
        expect(uiAfter[2]?.pull_request_url).toBe(uiStart.pull_request_url)
        const uiReviews = await reviewsOf(server, ui.id)
        expect(uiReviews.map((r) => `${r.author_kind}:${r.verdict}`)).toEqual([
          'agent:approved',
          'user:changes_requested',
          'agent:approved',
        ])
        const humanRevision = model.requests.find((r) =>
          conversationOf(r).task.includes('Mention UI v2 in the README'),
        )
        expect(humanRevision).toBeTruthy()
      } finally {
        squadStream.abort()
      }
    }, 180_000)

    it('review rounds are bounded: with none left, changes requested wait for a person', async () => {
      const server = team.server()
      const model = team.model()
      const { squad, repo, agent } = await setupTeam(
        server,
        model,
        { workflow: { mode: 'team', max_review_rounds: 0 } },
        { Bo: 'backend', Rex: 'reviewer' },
      )
      const backend = agent('Bo')
      // Assigned straight to a specialist: no plan, implemented, then reviewed.
      const task = await createTask(server, squad.id, {
        title: 'Bump the API',
        description: 'api.txt to v2.',
        repository_id: repo.id,
        assignee_id: backend.id,
      })
      expect((await startTask(server, task.id)).run_reason).toBe('start')
      await settle(server, squad.id, async () => (await reviewsOf(server, task.id)).length === 1)
      const runs = await executionsOf(server, task.id)
      expect(runs.map((e) => `${e.run_reason}:${e.status}`)).toEqual(['start:succeeded', 'review:succeeded'])
      const [review] = await reviewsOf(server, task.id)
      expect(review).toMatchObject({ verdict: 'changes_requested', follow_up_execution_id: null })
      const [after] = (await tasksOf(server, squad.id)).filter((t) => t.id === task.id)
      expect(after?.status).toBe('in_review')

      // A review that fails (the reviewer's model refuses) leaves the work and its PR in review.
      const touched = await createTask(server, squad.id, {
        title: 'Touch the README',
        repository_id: repo.id,
        assignee_id: backend.id,
      })
      await startTask(server, touched.id)
      await settle(server, squad.id, async () => (await executionsOf(server, touched.id)).length === 2)
      const touchedRuns = await executionsOf(server, touched.id)
      expect(touchedRuns.map((e) => `${e.run_reason}:${e.status}`)).toEqual([
        'start:succeeded',
        'review:failed',
      ])
      expect(touchedRuns[1]?.error).toContain('401')
      expect((await tasksOf(server, squad.id)).find((t) => t.id === touched.id)?.status).toBe('in_review')
      expect(await reviewsOf(server, touched.id)).toEqual([])
    }, 150_000)

    it('a review that quotes a secret is stored, streamed and handed on redacted', async () => {
      const server = team.server()
      const model = team.model()
      const key = 'sk-team-review-key-0123456789abcdef'
      process.env.SQUAD_TEST_TEAM_REVIEW_KEY = key
      const { squad, repo, agent } = await setupTeam(
        server,
        model,
        { workflow: { mode: 'team', max_review_rounds: 0 } },
        { Bo: 'backend' },
      )
      await createAgent(server, squad.id, model, 'Rex', 'reviewer', {
        api_key_env: 'SQUAD_TEST_TEAM_REVIEW_KEY',
      })
      const task = await createTask(server, squad.id, {
        title: 'Quote the key',
        repository_id: repo.id,
        assignee_id: agent('Bo').id,
      })
      await startTask(server, task.id)
      await settle(server, squad.id, async () => (await reviewsOf(server, task.id)).length === 1)
      const [review] = await reviewsOf(server, task.id)
      expect(review?.body).toBe('Saw Bearer *** in my request.')
      expect(JSON.stringify(review)).not.toContain(key)
      const [, reviewRun] = await executionsOf(server, task.id)
      const step = await json(server, 'GET', `/api/v1/executions/${reviewRun?.id}`, (v) => JSON.stringify(v))
      expect(step).not.toContain(key)
      expect(await logOf(server, reviewRun?.id ?? '')).not.toContain(key)
    }, 120_000)
  },
)
