import { describe, expect, it } from 'vitest'
import { credentialAnswer, parseCredentialRequest } from '../../src/cli/git-credential.ts'

describe('squad git-credential', () => {
  const source = { token: 'sqd_local', urls: ['http://127.0.0.1:8000', 'https://squad.example.com'] }
  const ask = (text: string) => credentialAnswer(parseCredentialRequest(text), source)

  it("answers git's get for this server's URLs with the token as the password", () => {
    expect(ask('protocol=http\nhost=127.0.0.1:8000\npath=git/x/app.git\n\n')).toBe(
      'username=squad\npassword=sqd_local\n',
    )
    expect(ask('protocol=https\nhost=squad.example.com\n')).toBe('username=squad\npassword=sqd_local\n')
  })

  it('answers nothing for any other scheme, host or port, so the token never leaves for elsewhere', () => {
    for (const request of [
      'protocol=https\nhost=github.com\n',
      'protocol=http\nhost=127.0.0.1:8001\n',
      'protocol=https\nhost=127.0.0.1:8000\n',
      'protocol=http\nhost=localhost:8000\n',
      'protocol=http\nhost=squad.example.com\n',
      'host=127.0.0.1:8000\n',
      '',
    ])
      expect(ask(request), request).toBe('')
  })
})
