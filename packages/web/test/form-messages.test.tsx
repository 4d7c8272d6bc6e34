import type { Squad } from '@agent-squad/contract'
import { QueryClientProvider } from '@tanstack/react-query'
import { cleanup, fireEvent, render, screen } from '@testing-library/react'
import type { ReactNode } from 'react'
import { MemoryRouter } from 'react-router'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createQueryClient } from '../src/app/query-client.ts'
import { TaskDialog } from '../src/features/board/TaskDialog.tsx'
import { AgentFormDialog } from '../src/features/squads/AgentFormDialog.tsx'
import { SettingsForm } from '../src/features/squads/SettingsForm.tsx'
import { SquadFormDialog } from '../src/features/squads/SquadFormDialog.tsx'
import { ApiError, describeError } from '../src/shared/api/client.ts'
import { ToastProvider } from '../src/shared/ui/Toast.tsx'
import { fakeApi } from './helpers/fake-api.ts'
import { later, squadId } from './helpers/fixtures.ts'

// The messages a person reads under a form's fields, from the contract's own checks (issue 13).

const squad: Squad = {
  id: squadId,
  user_id: squadId,
  org_id: null,
  name: 'Payments',
  description: '',
  status: 'active',
  config: {},
  created_at: later(0),
  updated_at: later(0),
}

const shell = (children: ReactNode) =>
  render(
    <QueryClientProvider client={createQueryClient()}>
      <ToastProvider>
        <MemoryRouter>{children}</MemoryRouter>
      </ToastProvider>
    </QueryClientProvider>,
  )

describe('form messages', () => {
  afterEach(() => {
    cleanup()
    vi.unstubAllGlobals()
  })

  it.each([
    ['a squad', () => <SquadFormDialog onClose={() => {}} />, 'Create squad', 'Name is required'],
    [
      'an agent',
      () => <AgentFormDialog squadId={squadId} onClose={() => {}} />,
      'Add agent',
      'Name is required',
    ],
    [
      'a task',
      () => <TaskDialog squadId={squadId} agents={[]} repositories={[]} onClose={() => {}} />,
      'Create task',
      'Title is required',
    ],
  ])('says that %s needs a name, in words', async (_what, ui, button, message) => {
    const calls = fakeApi([])
    shell(ui())
    fireEvent.click(screen.getByRole('button', { name: button }))
    expect((await screen.findByRole('alert')).textContent).toBe(message)
    expect(calls).toEqual([])
  })

  it('gives the allowed range of a number', async () => {
    fakeApi([])
    shell(<SettingsForm squad={squad} />)
    fireEvent.change(screen.getByLabelText('Concurrency'), { target: { value: '0' } })
    fireEvent.click(screen.getByRole('button', { name: 'Save settings' }))
    expect((await screen.findByRole('alert')).textContent).toBe('must be a whole number from 1 to 64')
  })

  it('does not ask for a reload when a name is taken, as a reload would not help', () => {
    const taken = new ApiError(409, 'conflict', 'This squad already has a repository named "hello"', {
      name: 'hello',
    })
    expect(describeError(taken)).toBe(
      'This squad already has a repository named "hello". Choose another name.',
    )
    const stale = new ApiError(409, 'conflict', 'Pull request #1 is already merged')
    expect(describeError(stale)).toMatch(/Reload/)
  })
})
