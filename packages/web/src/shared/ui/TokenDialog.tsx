import { useState } from 'react'
import { Button } from './Button.tsx'
import { Dialog } from './Dialog.tsx'
import { Field } from './Field.tsx'

const COOKIE = 'squad_token'

export const hasTokenCookie = () => document.cookie.split('; ').some((c) => c.startsWith(`${COOKIE}=`))

/**
 * For a server in token mode: the token goes into the `squad_token` cookie, which the API, the
 * event streams and log downloads all accept, so nothing else in the app handles it.
 */
export function TokenDialog({ onClose }: { onClose: () => void }) {
  const [token, setToken] = useState('')
  const save = () => {
    const secure = location.protocol === 'https:' ? '; Secure' : ''
    // biome-ignore lint/suspicious/noDocumentCookie: the Cookie Store API is not in every browser yet.
    document.cookie = `${COOKIE}=${encodeURIComponent(token.trim())}; Path=/; SameSite=Strict; Max-Age=31536000${secure}`
    location.reload()
  }
  const clear = () => {
    // biome-ignore lint/suspicious/noDocumentCookie: as above.
    document.cookie = `${COOKIE}=; Path=/; Max-Age=0`
    location.reload()
  }
  return (
    <Dialog
      title="Access token"
      onClose={onClose}
      footer={
        <>
          {hasTokenCookie() ? (
            <Button variant="ghost" onClick={clear}>
              Forget token
            </Button>
          ) : null}
          <Button variant="primary" disabled={!token.trim()} onClick={save}>
            Save
          </Button>
        </>
      }
    >
      <p className="muted">
        Servers reachable beyond this machine ask for a token. The first start of `squad serve` prints an
        admin token; `squad token create` makes more. It is kept in a cookie for this site only.
      </p>
      <Field label="Token">
        <input type="password" value={token} autoComplete="off" onChange={(e) => setToken(e.target.value)} />
      </Field>
    </Dialog>
  )
}
