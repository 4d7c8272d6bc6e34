import { describe, expect, it } from 'vitest'
import { createSseParser, type SseMessage } from '../helpers/sse-client.ts'

function parse(chunks: string[]) {
  const messages: SseMessage[] = []
  const comments: string[] = []
  const retries: number[] = []
  const parser = createSseParser({
    onMessage: (m) => messages.push(m),
    onComment: (c) => comments.push(c),
    onRetry: (ms) => retries.push(ms),
  })
  for (const chunk of chunks) parser.feed(chunk)
  return { messages, comments, retries }
}

describe('SSE test client parser', () => {
  const stream =
    '\uFEFF: hello\nretry: 2000\nevent: connected\ndata: {"a":1}\n\n' +
    'id: 7\nevent: squad.updated\ndata: line one\ndata:line two\n\n' +
    'event: heartbeat\ndata: {}\n\n' +
    'data\n\nid: 8\r\ndata: crlf\r\n\r\nid: 9\rdata: cr\r\r' +
    'id: 10\nevent: ignored-without-data\n\n'

  const expected = {
    messages: [
      { id: null, event: 'connected', data: '{"a":1}', lastEventId: '' },
      { id: '7', event: 'squad.updated', data: 'line one\nline two', lastEventId: '7' },
      { id: null, event: 'heartbeat', data: '{}', lastEventId: '7' },
      { id: null, event: 'message', data: '', lastEventId: '7' },
      { id: '8', event: 'message', data: 'crlf', lastEventId: '8' },
      { id: '9', event: 'message', data: 'cr', lastEventId: '9' },
    ],
    comments: ['hello'],
    retries: [2000],
  }

  it('follows the event-stream format: fields, comments, retry, BOM, every line ending', () => {
    expect(parse([stream])).toEqual(expected)
  })

  it('gives the same result however the bytes are split, including between CR and LF', () => {
    for (let size = 1; size <= 7; size++) {
      const chunks: string[] = []
      for (let i = 0; i < stream.length; i += size) chunks.push(stream.slice(i, i + size))
      expect(parse(chunks), `chunks of ${size}`).toEqual(expected)
    }
  })
})
