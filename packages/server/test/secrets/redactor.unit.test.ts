import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { Redactor, StreamRedactor } from '../../src/secrets/redactor.ts'

const token = 'sqd_Zx81KfPq0LmN3vB7cX9yR2wT5uE6iO4aS1dF'

describe('Redactor', () => {
  it('replaces the secret, its URL-encoded and base64 forms', () => {
    const secret = 'p@ss/word+with=odd&chars'
    const r = new Redactor([secret])
    const basic = Buffer.from(`x-access-token:${secret}`).toString('base64')
    const text = `a ${secret} b ${encodeURIComponent(secret)} c Authorization: Basic ${basic} d ${Buffer.from(secret).toString('base64url')}`
    const out = r.redact(text)
    expect(out).not.toContain(secret)
    expect(out).not.toContain(encodeURIComponent(secret))
    expect(out).not.toContain(Buffer.from(secret).toString('base64url').slice(2, -2))
    expect(out).toContain('***')
    // The base64 of the whole Basic credential no longer decodes to the secret.
    expect(Buffer.from(out.split('Basic ')[1]?.split(' ')[0] ?? '', 'base64').toString()).not.toContain(
      secret,
    )
  })

  it('finds the secret inside base64 at any byte alignment', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 10 }), fc.string({ maxLength: 10 }), (before, after) => {
        const r = new Redactor([token])
        const blob = Buffer.from(before + token + after).toString('base64')
        const out = r.redact(blob)
        expect(out).toContain('***')
      }),
    )
  })

  it('ignores secrets too short to redact safely and keeps other text intact', () => {
    const r = new Redactor(['abc', token])
    expect(r.redact('abc and more')).toBe('abc and more')
    expect(r.redact(`x${token}y`)).toBe('x***y')
  })

  it('redacts error messages along the cause chain', () => {
    const r = new Redactor([token])
    const error = new Error(`push failed`, { cause: new Error(`auth header Bearer ${token} rejected`) })
    expect(r.redactError(error)).toBe('push failed: auth header Bearer *** rejected')
  })

  it('child redactors add secrets without changing the parent', () => {
    const parent = new Redactor([token])
    const child = parent.child(['execution-secret-123'])
    expect(child.redact(`${token} execution-secret-123`)).toBe('*** ***')
    expect(parent.redact('execution-secret-123')).toBe('execution-secret-123')
  })
})

describe('StreamRedactor', () => {
  it('catches secrets split across chunks at every split point', () => {
    const r = new Redactor([token])
    const text = `start ${token} middle ${token} end`
    for (let i = 0; i <= text.length; i++) {
      for (const j of [i, Math.min(text.length, i + 7)]) {
        const s = new StreamRedactor(r)
        const out = s.push(text.slice(0, i)) + s.push(text.slice(i, j)) + s.push(text.slice(j)) + s.end()
        expect(out).toBe('start *** middle *** end')
      }
    }
  })

  it('holds back only a tail that could begin a secret, so whole lines come out whole', () => {
    const s = new StreamRedactor(new Redactor([token, 'hunter22']))
    // Before, the last `longest - 1` characters of every chunk waited for the next one.
    expect(s.push('line 1\n')).toBe('line 1\n')
    expect(s.push('line 2\n')).toBe('line 2\n')
    expect(s.push('token: sqd_Zx8')).toBe('token: ')
    expect(s.push(`${token.slice(7)} and hun`)).toBe('*** and ')
    expect(s.push('ter22\n')).toBe('***\n')
    expect(s.push('sq')).toBe('')
    expect(s.end()).toBe('sq')
  })

  it('waits for the longer of two secrets that begin alike', () => {
    const r = new Redactor(['abcdef12', 'abcdef1234'])
    const s = new StreamRedactor(r)
    expect(s.push('x abcdef12')).toBe('x ')
    expect(s.push('34 y')).toBe('*** y')
    expect(s.end()).toBe('')
    expect(r.redact('x abcdef1234 y')).toBe('x *** y')
  })

  it('loses and adds nothing when chunks cut through secrets anywhere', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom('line\n', token, 'hunter22', 'hunt', token.slice(0, 9), 'x'), {
          maxLength: 12,
        }),
        fc.array(fc.nat(), { maxLength: 8 }),
        (parts, cuts) => {
          const r = new Redactor([token, 'hunter22'])
          const text = parts.join('')
          const points = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b)
          const s = new StreamRedactor(r)
          let out = ''
          let from = 0
          for (const point of [...points, text.length]) {
            out += s.push(text.slice(from, point))
            from = point
          }
          expect(out + s.end()).toBe(r.redact(text))
        },
      ),
    )
  })

  it('loses and adds nothing for arbitrary chunkings', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ maxLength: 30 }), { maxLength: 20 }),
        fc.boolean(),
        (chunks, withSecret) => {
          const r = new Redactor([token])
          const pieces = withSecret ? [...chunks, token, ...chunks] : chunks
          const s = new StreamRedactor(r)
          const out = pieces.map((p) => s.push(p)).join('') + s.end()
          expect(out).toBe(r.redact(pieces.join('')))
        },
      ),
    )
  })
})
