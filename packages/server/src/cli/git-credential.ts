import type { Command } from 'commander'
import { type CliOptions, configFrom } from './config-options.ts'

const help = `
A git credential helper (see gitcredentials(7)): git runs it with "get" and the request on stdin,
and it answers with a username and password only for this server's URLs. A push to the local forge
always needs a token, even with auth off (loopback); this is the easy way to send one.

Where the token comes from:
  --token / SQUAD_TOKEN   for the server at --url / SQUAD_URL (default http://127.0.0.1:8000);
                          use this on a server that requires tokens
  the data folder         otherwise: with auth off, \`squad serve\` keeps the local user's token in
                          <data-dir>/local-token.json (mode 0600), with the URLs it serves

Set it up once per repository (or with --global), from the folder the server runs in:
  git config credential.helper "!$PWD/bin/squad git-credential --data-dir $PWD/.squad/data"
(squad serve prints this line with absolute paths for its own data folder).

Other actions (store, erase) are accepted and ignored: the token is the server's to keep.`

/** One credential request: the key=value lines git writes, up to a blank line or the end. */
export function parseCredentialRequest(text: string): Record<string, string> {
  const request: Record<string, string> = {}
  for (const line of text.split('\n')) {
    if (line === '') break
    const eq = line.indexOf('=')
    if (eq > 0) request[line.slice(0, eq)] = line.slice(eq + 1)
  }
  return request
}

/**
 * The answer to a `get`: the token when the request is for one of `urls` (same scheme, host and
 * port), else nothing, so git asks its next helper. Never sent elsewhere: a helper configured
 * globally must not hand this server's token to GitHub.
 */
export function credentialAnswer(request: Record<string, string>, source: { token: string; urls: string[] }) {
  const matches = source.urls.some((raw) => {
    try {
      const url = new URL(raw)
      return `${url.protocol}` === `${request.protocol}:` && url.host === request.host
    } catch {
      return false
    }
  })
  return matches ? `username=squad\npassword=${source.token}\n` : ''
}

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) return ''
  const chunks: Buffer[] = []
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}

async function gitCredential(action: string | undefined, options: CliOptions) {
  const request = parseCredentialRequest(await readStdin())
  if (action !== 'get') return
  const explicit = typeof options.token === 'string' ? options.token : process.env.SQUAD_TOKEN
  let source: { token: string; urls: string[] } | null = null
  if (explicit) {
    const url = typeof options.url === 'string' ? options.url : process.env.SQUAD_URL
    source = { token: explicit, urls: [url || 'http://127.0.0.1:8000'] }
  } else {
    const { readLocalToken } = await import('../auth/local-token.ts')
    source = await readLocalToken((await configFrom(options)).dataDir)
  }
  if (source) process.stdout.write(credentialAnswer(request, source))
}

/** `squad git-credential`: hands this server's token to git for pushes (and fetches) over HTTP. */
export function registerGitCredential(program: Command) {
  program
    .command('git-credential [action]')
    .description("Git credential helper: answers git's 'get' with a token for this server's git URLs")
    .option(
      '--data-dir <path>',
      'the data folder of a server with auth off (SQUAD_DATA_DIR, default ./.squad/data)',
    )
    .option('--url <url>', 'the server --token is for (SQUAD_URL, default http://127.0.0.1:8000)')
    .option('--token <token>', 'answer with this token instead of the data folder’s (SQUAD_TOKEN)')
    .addHelpText('after', help)
    .action(async (action: string | undefined, options: CliOptions) => {
      await gitCredential(action, options)
    })
}
