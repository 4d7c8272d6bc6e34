import { QueryClientProvider } from '@tanstack/react-query'
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createQueryClient } from '../src/app/query-client.ts'
import { AgentsSection } from '../src/features/squads/AgentsSection.tsx'
import { fakeApi } from './helpers/fake-api.ts'
import { agent, squadId } from './helpers/fixtures.ts'

describe('removing an agent', () => {
  afterEach(() => {
    cleanup()
    vi.unstubAllGlobals()
  })

  it("asks in the app's own dialog, not the browser's, and removes only on confirmation", async () => {
    const temp = agent(1, { name: 'Temp' })
    const calls = fakeApi([
      { method: 'GET', path: /\/agents$/, handler: () => ({ items: [temp], next_cursor: null }) },
      { method: 'DELETE', path: /\/agents\//, handler: () => undefined },
    ])
    const confirm = vi.fn(() => true)
    vi.stubGlobal('confirm', confirm)
    render(
      <QueryClientProvider client={createQueryClient()}>
        <AgentsSection squadId={squadId} />
      </QueryClientProvider>,
    )
    fireEvent.click(await screen.findByRole('button', { name: 'Remove' }))
    const dialog = screen.getByRole('dialog', { name: 'Remove Temp?' })
    expect(confirm).not.toHaveBeenCalled()
    fireEvent.click(within(dialog).getByRole('button', { name: 'Cancel' }))
    expect(screen.queryByRole('dialog')).toBeNull()
    expect(calls.some((c) => c.method === 'DELETE')).toBe(false)

    fireEvent.click(screen.getByRole('button', { name: 'Remove' }))
    fireEvent.click(within(screen.getByRole('dialog')).getByRole('button', { name: 'Remove Temp' }))
    await waitFor(() => expect(calls.some((c) => c.method === 'DELETE')).toBe(true))
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull())
  })
})
