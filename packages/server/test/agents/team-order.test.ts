import { PullRequest } from '@agent-squad/contract'
import { describe, expect, it } from 'vitest'
import { createTask, startTask } from '../pipeline/pipeline-fixture.ts'
import {
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
  'a team that orders its subtasks: after a merge, or as a chain on one branch (fake model over HTTP)',
  () => {
    const team = useTeamServer()

    it('a plan can order subtasks: the one that builds on another starts when that one is merged', async () => {
      const server = team.server()
      const model = team.model()
      const { squad, repo, agent } = await setupTeam(
        server,
        model,
        { max_concurrency: 4, workflow: { mode: 'team' } },
        { Lena: 'lead', Bo: 'backend', Fay: 'frontend', Rex: 'reviewer' },
      )
      const lead = agent('Lena')
      const parent = await createTask(server, squad.id, {
        title: 'Ship in order',
        repository_id: repo.id,
        assignee_id: lead.id,
      })
      await startTask(server, parent.id)
      const subtasks = async () =>
        (await tasksOf(server, squad.id))
          .filter((t) => t.parent_task_id === parent.id)
          .sort((a, b) => a.number - b.number)
      await settle(server, squad.id, async () => {
        const [first] = await subtasks()
        return first !== undefined && (await reviewsOf(server, first.id)).at(-1)?.verdict === 'approved'
      })
      const [api, ui] = await subtasks()
      if (!api || !ui) throw new Error('no subtasks')
      // The UI waits: blocked by the API subtask, never started while its pull request is open.
      expect(ui).toMatchObject({ status: 'todo', blocked_by: [api.id] })
      expect(api.blocked_by).toEqual([])
      expect(await executionsOf(server, ui.id)).toEqual([])

      const [apiRun] = await executionsOf(server, api.id)
      const number = Number(apiRun?.pull_request_url?.split('/').at(-1))
      const merged = await server.request('POST', `/api/v1/repositories/${repo.id}/pulls/${number}/merge`, {
        body: {},
      })
      expect(merged.status, JSON.stringify(merged.json)).toBe(200)
      // The merge starts it, on a branch from the default branch that now holds the API change.
      await settle(
        server,
        squad.id,
        async () => (await reviewsOf(server, ui.id)).at(-1)?.verdict === 'approved',
      )
      const uiRuns = await executionsOf(server, ui.id)
      expect(uiRuns.map((e) => `${e.run_reason}:${e.status}`)).toEqual([
        'start:succeeded',
        'review:succeeded',
      ])
      const uiPull = Number(uiRuns[0]?.pull_request_url?.split('/').at(-1))
      const diff = await json(server, 'GET', `/api/v1/repositories/${repo.id}/pulls/${uiPull}/diff`, (v) =>
        (v as { files: { path: string }[] }).files.map((f) => f.path),
      )
      expect(diff).toEqual(['ui.txt'])
      expect(uiRuns[0]?.base_commit).toBe((merged.json as { merge_commit: string }).merge_commit)
      const board = await tasksOf(server, squad.id)
      expect(board.find((t) => t.id === api.id)?.status).toBe('done')
      expect(board.find((t) => t.id === parent.id)?.status).toBe('in_review')
    }, 150_000)

    it('a chain hands the work on along the parent branch and ends in one pull request, reviewed as a whole', async () => {
      const server = team.server()
      const model = team.model()
      const { squad, repo, agent } = await setupTeam(
        server,
        model,
        { max_concurrency: 4, workflow: { mode: 'team', subtasks: 'chain' } },
        { Lena: 'lead', Bo: 'backend', Fay: 'frontend', Rex: 'reviewer' },
      )
      const lead = agent('Lena')
      const frontend = agent('Fay')
      const reviewer = agent('Rex')
      const parent = await createTask(server, squad.id, {
        title: 'Hand it on',
        repository_id: repo.id,
        assignee_id: lead.id,
      })
      await startTask(server, parent.id)
      await settle(
        server,
        squad.id,
        async () => (await reviewsOf(server, parent.id)).at(-1)?.verdict === 'approved',
      )

      const subtasks = (await tasksOf(server, squad.id))
        .filter((t) => t.parent_task_id === parent.id)
        .sort((a, b) => a.number - b.number)
      const [first, second] = subtasks
      if (!first || !second) throw new Error('no subtasks')
      expect(second.blocked_by).toEqual([first.id])
      const branch = `task-${parent.number}`
      const [firstRun] = await executionsOf(server, first.id)
      const [secondRun] = await executionsOf(server, second.id)
      // One after the other, both on the parent's branch.
      expect(firstRun).toMatchObject({ run_reason: 'start', status: 'succeeded', git_branch: branch })
      expect(secondRun).toMatchObject({ run_reason: 'start', status: 'succeeded', git_branch: branch })
      expect(Date.parse(secondRun?.started_at ?? '')).toBeGreaterThanOrEqual(
        Date.parse(firstRun?.finished_at ?? ''),
      )
      expect((await executionsOf(server, first.id)).length).toBe(1)

      // The parent is reviewed as a whole; the changes go to the last implementer, on the same branch.
      const parentRuns = await executionsOf(server, parent.id)
      expect(parentRuns.map((e) => `${e.run_reason}:${e.status}`)).toEqual([
        'plan:succeeded',
        'review:succeeded',
        'revision:succeeded',
        'review:succeeded',
      ])
      expect(parentRuns[1]?.agent_id).toBe(reviewer.id)
      expect(parentRuns[2]).toMatchObject({ agent_id: frontend.id, git_branch: branch })
      const reviews = await reviewsOf(server, parent.id)
      expect(reviews.map((r) => r.verdict)).toEqual(['changes_requested', 'approved'])
      expect(reviews[0]?.pull_request_url).toBe(firstRun?.pull_request_url)

      // One pull request, the parent's: every link's commit and the revision's.
      const pulls = await json(server, 'GET', `/api/v1/repositories/${repo.id}/pulls`, (v) =>
        (v as { items: unknown[] }).items.map((p) => PullRequest.parse(p)),
      )
      expect(pulls.map((p) => `${p.head}:${p.task_id}`)).toEqual([`${branch}:${parent.id}`])
      expect(pulls[0]?.title).toBe('Hand it on')
      const commits = await json(
        server,
        'GET',
        `/api/v1/repositories/${repo.id}/pulls/${pulls[0]?.number}/commits`,
        (v) => (v as { items: { message: string }[] }).items,
      )
      expect(commits).toHaveLength(3)
      // Its description tells every link's part and the revision, not only the last run's.
      expect(pulls[0]?.body).toContain(`### #${first.number} Write the handler\n\nBo: Handler.`)
      expect(pulls[0]?.body).toContain(`### #${second.number} Wire the page\n\nFay: Page.`)
      expect(pulls[0]?.body).toContain('### Revision after review\n\nFay: Notes.')
      const diff = await json(
        server,
        'GET',
        `/api/v1/repositories/${repo.id}/pulls/${pulls[0]?.number}/diff`,
        (v) => (v as { files: { path: string; additions: number }[] }).files.map((f) => f.path).sort(),
      )
      expect(diff).toEqual(['NOTES.md', 'handler.txt', 'page.txt'])
      const board = await tasksOf(server, squad.id)
      expect(board.find((t) => t.id === first.id)?.status).toBe('done')
      expect(board.find((t) => t.id === second.id)?.status).toBe('done')
      expect(board.find((t) => t.id === parent.id)?.status).toBe('in_review')
    }, 150_000)
  },
)
