import type { Task } from '@agent-squad/contract'
import { QueryClientProvider } from '@tanstack/react-query'
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react'
import { MemoryRouter } from 'react-router'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createQueryClient } from '../src/app/query-client.ts'
import { TaskDialog } from '../src/features/board/TaskDialog.tsx'
import { fakeApi } from './helpers/fake-api.ts'
import { agent, localRepository, squadId, task } from './helpers/fixtures.ts'

const hello = localRepository(1, 'hello')
const ada = agent(1, { name: 'Ada' })

function renderDialog(stored: Task | undefined) {
  const calls = fakeApi([
    { method: 'GET', path: /\/tasks\/[^/]+\/executions$/, handler: () => ({ items: [], next_cursor: null }) },
    { method: 'PATCH', path: /\/tasks\//, handler: ({ body }) => ({ ...stored, ...(body as object) }) },
    {
      method: 'POST',
      path: /\/tasks$/,
      handler: ({ body }) => ({ ...task(9, 'backlog', 0), ...(body as object) }),
    },
  ])
  const onClose = vi.fn()
  render(
    <QueryClientProvider client={createQueryClient()}>
      <MemoryRouter>
        <TaskDialog squadId={squadId} task={stored} agents={[ada]} repositories={[hello]} onClose={onClose} />
      </MemoryRouter>
    </QueryClientProvider>,
  )
  return { calls, onClose }
}

const selected = (label: string) => (screen.getByLabelText(label) as HTMLSelectElement).value

describe('the task dialog', () => {
  afterEach(() => {
    cleanup()
    vi.unstubAllGlobals()
  })

  it('shows a task stored without a repository or assignee as such, and saving it keeps them empty', async () => {
    const { calls, onClose } = renderDialog(task(1, 'backlog', 0))
    expect(selected('Repository')).toBe('')
    expect(selected('Assignee')).toBe('')
    fireEvent.click(screen.getByRole('button', { name: 'Save task' }))
    await waitFor(() => expect(onClose).toHaveBeenCalled())
    const patch = calls.find((c) => c.method === 'PATCH')?.body as Record<string, unknown>
    expect(patch.repository_id).toBeNull()
    expect(patch.assignee_id).toBeNull()
  })

  it('offers the first repository and active agent for a new task', () => {
    renderDialog(undefined)
    expect(selected('Repository')).toBe(hello.id)
    expect(selected('Assignee')).toBe(ada.id)
  })

  it('disables Start on a task without a repository, and says why before the click', async () => {
    renderDialog(task(1, 'todo', 0, { assignee_id: ada.id }))
    const runs = within(await screen.findByRole('region', { name: 'Runs' }))
    expect((runs.getByRole('button', { name: 'Start' }) as HTMLButtonElement).disabled).toBe(true)
    expect(runs.getByText('Choose a repository and save the task to start it.')).toBeTruthy()
  })

  it('enables Start on a task with a repository and an assignee', async () => {
    renderDialog(task(1, 'todo', 0, { assignee_id: ada.id, repository_id: hello.id }))
    const runs = within(await screen.findByRole('region', { name: 'Runs' }))
    expect((runs.getByRole('button', { name: 'Start' }) as HTMLButtonElement).disabled).toBe(false)
  })
})
