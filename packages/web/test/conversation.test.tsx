import type { StreamEvent } from '@agent-squad/contract'
import { cleanup, fireEvent, render, screen } from '@testing-library/react'
import { afterEach, describe, expect, it } from 'vitest'
import { ConversationPanel } from '../src/features/work/ConversationPanel.tsx'
import { emptyConversation, reduceConversation } from '../src/features/work/conversation-model.ts'

const id = '00000000-0000-7000-8000-0000000000e1'
let n = 1
const event = <T extends StreamEvent['type']>(
  type: T,
  payload: Extract<StreamEvent, { type: T }>['payload'],
) =>
  ({
    id: n++,
    type,
    scope: 'execution',
    squad_id: id,
    task_id: id,
    execution_id: id,
    created_at: '2026-01-01T00:00:00Z',
    payload,
  }) as StreamEvent
const runtime = 'claude-code'

afterEach(cleanup)

describe('ConversationPanel', () => {
  it('renders a scripted conversation: joined messages, tool calls updated in place, usage and thoughts', () => {
    const script = [
      event('agent.reasoning', { runtime, text: 'The tests live in ' }),
      event('agent.reasoning', { runtime, text: 'test/.' }),
      event('agent.message', { runtime, text: 'I will run ' }),
      event('agent.message', { runtime, text: 'the tests.' }),
      event('agent.tool_call', {
        runtime,
        call_id: 'c1',
        tool: 'Bash',
        input: { command: 'npm test' },
        status: 'started',
        output: null,
      }),
      event('agent.tool_call', {
        runtime,
        call_id: 'c2',
        tool: 'Edit',
        input: { path: 'a.ts' },
        status: 'started',
        output: null,
      }),
      event('agent.tool_call', {
        runtime,
        call_id: 'c1',
        tool: 'Bash',
        input: { command: 'npm test' },
        status: 'succeeded',
        output: '3 passed',
      }),
      event('agent.tool_call', {
        runtime,
        call_id: 'c2',
        tool: 'Edit',
        input: null,
        status: 'failed',
        output: 'no such file',
      }),
      event('agent.message', { runtime, text: 'All green.' }),
      event('agent.usage', {
        runtime,
        model: 'claude-sonnet-4',
        input_tokens: 1200,
        output_tokens: 300,
        cached_input_tokens: null,
        cost_usd: 0.0125,
      }),
      event('agent.usage', {
        runtime,
        model: null,
        input_tokens: 800,
        output_tokens: 200,
        cached_input_tokens: 500,
        cost_usd: 0.0075,
      }),
    ]
    // Live in two batches, then the whole stream replayed again: nothing doubles.
    let state = reduceConversation(emptyConversation, script.slice(0, 5))
    state = reduceConversation(state, script.slice(5))
    state = reduceConversation(state, script)

    const { container, rerender } = render(
      <ConversationPanel kind="conversation" provider="claude-code" conversation={state} />,
    )
    const messages = [...container.querySelectorAll('.convo-message')].map((m) => m.textContent)
    expect(messages).toEqual(['I will run the tests.', 'All green.'])
    const tools = [...container.querySelectorAll('details.convo-tool')]
    expect(tools).toHaveLength(2)
    expect(tools[0]?.className).toContain('tool-succeeded')
    expect(tools[0]?.textContent).toContain('Bash')
    expect(tools[0]?.textContent).toContain('"command": "npm test"')
    expect(tools[0]?.textContent).toContain('3 passed')
    expect(tools[1]?.className).toContain('tool-failed')
    expect(tools[1]?.textContent).toContain('"path": "a.ts"')
    expect(tools[1]?.textContent).toContain('no such file')
    const footer = screen.getByLabelText('Usage')
    expect(footer.textContent).toContain('claude-sonnet-4')
    expect(footer.textContent).toContain('2,000 input tokens')
    expect(footer.textContent).toContain('500 cached')
    expect(footer.textContent).toContain('500 output tokens')
    expect(footer.textContent).toContain('$0.0200')

    rerender(<ConversationPanel kind="thoughts" provider="claude-code" conversation={state} />)
    expect([...container.querySelectorAll('.convo-thought')].map((t) => t.textContent)).toEqual([
      'The tests live in test/.',
    ])
    expect(screen.queryByLabelText('Usage')).toBeNull()
  })

  it('shows where a restarted server ran the agent again as a divider between the attempts', () => {
    const conversation = reduceConversation(emptyConversation, [
      event('agent.message', { runtime, text: 'First try.' }),
      event('log', {
        stream: 'system',
        step: 'agent',
        attempt: 2,
        boundary: 'restart',
        text: '— the server restarted; the agent step runs again from the start (attempt 2) —\n',
      }),
      event('agent.message', { runtime, text: 'Second try.' }),
    ])
    render(<ConversationPanel kind="conversation" provider="claude-code" conversation={conversation} />)
    const divider = screen.getByText(
      '— the server restarted; the agent step runs again from the start (attempt 2) —',
    )
    expect(divider.className).toBe('convo-boundary')
    const texts = [...(divider.parentElement?.children ?? [])].map((el) => el.textContent)
    expect(texts).toEqual(['First try.', divider.textContent, 'Second try.'])
  })

  it('shows the empty states when the agent said and thought nothing', () => {
    const { rerender } = render(
      <ConversationPanel kind="conversation" provider="claude-code" conversation={emptyConversation} />,
    )
    screen.getByText('This agent has not said anything yet')
    rerender(<ConversationPanel kind="thoughts" provider="claude-code" conversation={emptyConversation} />)
    screen.getByText('No reasoning: the model did not share any')
  })

  it('renders only the last 500 items of a long conversation, and earlier ones on request', () => {
    const events: StreamEvent[] = []
    for (let i = 0; i < 700; i++)
      events.push(
        event('agent.tool_call', {
          runtime,
          call_id: `k${i}`,
          tool: `T${i}`,
          input: {},
          status: 'succeeded',
          output: null,
        }),
      )
    const state = reduceConversation(emptyConversation, events)
    const { container } = render(
      <ConversationPanel kind="conversation" provider="claude-code" conversation={state} />,
    )
    expect(container.querySelectorAll('.convo-tool')).toHaveLength(500)
    expect(container.querySelector('.convo-tool')?.textContent).toContain('T200')
    fireEvent.click(screen.getByRole('button', { name: 'Show earlier (200 more)' }))
    expect(container.querySelectorAll('.convo-tool')).toHaveLength(700)
    expect(container.querySelector('.convo-tool')?.textContent).toContain('T0')
    expect(screen.queryByRole('button', { name: /Show earlier/ })).toBeNull()
  })
})
