import type { StreamEvent } from '@agent-squad/contract'
import { describe, expect, it } from 'vitest'
import { decodeAnnouncement, encodeAnnouncement } from '../../src/events/announcement.ts'

const event = (id: number, text: string): StreamEvent => ({
  id,
  type: 'log',
  scope: 'execution',
  squad_id: '01900000-0000-7000-8000-0000000000a1',
  task_id: '01900000-0000-7000-8000-0000000000b1',
  execution_id: '01900000-0000-7000-8000-0000000000c1',
  created_at: '2025-01-01T00:00:00.000Z',
  payload: { stream: 'stdout', step: null, text },
})

describe('event announcements (the NOTIFY payload)', () => {
  it('carries small batches whole', () => {
    const batch = [event(7, 'a'), event(8, 'b')]
    expect(decodeAnnouncement(encodeAnnouncement(batch))).toEqual({ lastId: 8, events: batch })
  })

  it('falls back to the last id below the 8000-byte NOTIFY limit, counting bytes, not characters', () => {
    for (const text of ['x'.repeat(8000), 'é'.repeat(3900), '😀'.repeat(1900)]) {
      const payload = encodeAnnouncement([event(41, 'a'), event(42, text)])
      expect(payload).toBe('42')
      expect(decodeAnnouncement(payload)).toEqual({ lastId: 42, events: null })
    }
    const fits = encodeAnnouncement([event(9, 'é'.repeat(3000))])
    expect(Buffer.byteLength(fits)).toBeLessThan(8000)
    expect(decodeAnnouncement(fits).events).toHaveLength(1)
  })

  it('reads an id-only payload, and treats an empty one as nothing announced', () => {
    expect(decodeAnnouncement('123')).toEqual({ lastId: 123, events: null })
    expect(decodeAnnouncement('')).toEqual({ lastId: 0, events: null })
    expect(() => decodeAnnouncement('[oops')).toThrow(SyntaxError)
  })
})
