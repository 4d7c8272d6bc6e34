import type { Squad } from '@agent-squad/contract'
import { QueryClientProvider } from '@tanstack/react-query'
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createQueryClient } from '../src/app/query-client.ts'
import { SettingsForm } from '../src/features/squads/SettingsForm.tsx'
import { ToastProvider } from '../src/shared/ui/Toast.tsx'
import { fakeApi } from './helpers/fake-api.ts'
import { agent, later, squadId } from './helpers/fixtures.ts'

const squad: Squad = {
  id: squadId,
  user_id: squadId,
  org_id: null,
  name: 'Payments',
  description: '',
  status: 'active',
  config: { max_concurrency: 4 },
  created_at: later(0),
  updated_at: later(0),
}

function renderForm(
  agents = [
    agent(1, { role: 'lead', llm_provider: 'openai' }),
    agent(2, { role: 'reviewer', llm_provider: 'openai' }),
  ],
) {
  const calls = fakeApi([
    { method: 'PATCH', path: /\/squads\/[^/]+$/, handler: ({ body }) => ({ ...squad, ...(body as object) }) },
    { method: 'GET', path: /\/agents$/, handler: () => ({ items: agents, next_cursor: null }) },
  ])
  render(
    <QueryClientProvider client={createQueryClient()}>
      <ToastProvider>
        <SettingsForm squad={squad} />
      </ToastProvider>
    </QueryClientProvider>,
  )
  return calls
}

describe('squad settings: the workflow', () => {
  afterEach(() => {
    cleanup()
    vi.unstubAllGlobals()
  })

  it('switches the squad to the team workflow with its review rounds', async () => {
    const calls = renderForm()
    const workflow = screen.getByLabelText('Workflow') as HTMLSelectElement
    expect(workflow.value).toBe('solo')
    // Review rounds only mean something in team mode.
    expect(screen.queryByLabelText('Max review rounds')).toBeNull()
    fireEvent.change(workflow, { target: { value: 'team' } })
    fireEvent.change(screen.getByLabelText('Max review rounds'), { target: { value: '3' } })
    fireEvent.click(screen.getByRole('button', { name: 'Save settings' }))
    await waitFor(() => expect(calls.some((c) => c.method === 'PATCH')).toBe(true))
    expect(calls.find((c) => c.method === 'PATCH')?.body).toMatchObject({
      config: { max_concurrency: 4, workflow: { mode: 'team', max_review_rounds: 3 } },
    })
  })

  it('chains the subtasks into one pull request when asked', async () => {
    const calls = renderForm()
    fireEvent.change(screen.getByLabelText('Workflow'), { target: { value: 'team' } })
    const subtasks = screen.getByLabelText('Subtasks') as HTMLSelectElement
    expect(subtasks.value).toBe('parallel')
    fireEvent.change(subtasks, { target: { value: 'chain' } })
    expect(screen.getByText(/one pull request for the task, reviewed as a whole/)).toBeTruthy()
    fireEvent.click(screen.getByRole('button', { name: 'Save settings' }))
    await waitFor(() => expect(calls.some((c) => c.method === 'PATCH')).toBe(true))
    expect(calls.find((c) => c.method === 'PATCH')?.body).toMatchObject({
      config: { workflow: { mode: 'team', subtasks: 'chain' } },
    })
  })

  it('an emptied field goes back to the server default: it is sent as null', async () => {
    const calls = renderForm()
    fireEvent.change(screen.getByLabelText('Concurrency'), { target: { value: '' } })
    fireEvent.click(screen.getByRole('button', { name: 'Save settings' }))
    await waitFor(() => expect(calls.some((c) => c.method === 'PATCH')).toBe(true))
    const sent = calls.find((c) => c.method === 'PATCH')?.body as { config: Record<string, unknown> }
    expect(sent.config.max_concurrency).toBeNull()
    // Fields that were never set are left out, not nulled.
    expect('network' in sent.config).toBe(false)
  })

  it('sends the network mode and the allowlist, one entry per line, and marks a bad entry', async () => {
    const calls = renderForm()
    fireEvent.change(screen.getByLabelText('Network policy'), { target: { value: 'allowlist' } })
    const list = screen.getByLabelText('Network allowlist')
    fireEvent.change(list, { target: { value: 'http://not-a-host/\n*.github.com' } })
    fireEvent.click(screen.getByRole('button', { name: 'Save settings' }))
    expect(screen.getByRole('alert').textContent).toMatch(/host name/)
    expect(calls.filter((c) => c.method !== 'GET')).toHaveLength(0)
    fireEvent.change(list, { target: { value: 'registry.npmjs.org\n *.github.com:443 \n\n10.0.0.0/8' } })
    fireEvent.click(screen.getByRole('button', { name: 'Save settings' }))
    await waitFor(() => expect(calls.some((c) => c.method === 'PATCH')).toBe(true))
    expect(calls.find((c) => c.method === 'PATCH')?.body).toMatchObject({
      config: {
        network: 'allowlist',
        network_allowlist: ['registry.npmjs.org', '*.github.com:443', '10.0.0.0/8'],
      },
    })
  })

  it('refuses more review rounds than the server allows, next to the field', () => {
    const calls = renderForm()
    fireEvent.change(screen.getByLabelText('Workflow'), { target: { value: 'team' } })
    fireEvent.change(screen.getByLabelText('Max review rounds'), { target: { value: '9' } })
    fireEvent.click(screen.getByRole('button', { name: 'Save settings' }))
    expect(screen.getByRole('alert').textContent).toMatch(/5/)
    expect(calls.filter((c) => c.method !== 'GET')).toHaveLength(0)
  })
  it('warns when team mode lacks a lead or a reviewer, before saving', async () => {
    renderForm([
      agent(1, { role: 'backend', llm_provider: 'script' }),
      agent(2, { role: 'lead', llm_provider: 'script' }),
    ])
    fireEvent.change(screen.getByLabelText('Workflow'), { target: { value: 'team' } })
    const warning = await screen.findByTestId('team-warning')
    // A script agent can neither plan nor review: it does not count.
    expect(warning.textContent).toMatch(/no lead and no reviewer/)
    fireEvent.change(screen.getByLabelText('Workflow'), { target: { value: 'solo' } })
    expect(screen.queryByTestId('team-warning')).toBeNull()
  })

  it('says nothing when the squad has both', async () => {
    renderForm()
    fireEvent.change(screen.getByLabelText('Workflow'), { target: { value: 'team' } })
    await new Promise((r) => setTimeout(r, 50))
    expect(screen.queryByTestId('team-warning')).toBeNull()
  })
})
