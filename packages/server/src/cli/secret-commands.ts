import type { Secret, SecretList } from '@agent-squad/contract'
import type { Command } from 'commander'
import { readSecretValue } from './read-secret-value.ts'
import { type ClientFlags, clientOf, withClientOptions } from './task-commands.ts'

const path = (squadId: string, name?: string) =>
  `/api/v1/squads/${encodeURIComponent(squadId)}/secrets${name === undefined ? '' : `/${encodeURIComponent(name)}`}`

/** `squad secret set|list|rm`: a squad's stored secrets (model keys, tokens) over the HTTP API. */
export function registerSecretCommands(program: Command) {
  const secret = program
    .command('secret')
    .description(
      "Store a squad's secrets (model keys, tokens) encrypted on the server; values are never shown",
    )
  withClientOptions(
    secret
      .command('set <squad-id> <name>')
      .description('Store a secret, or replace its value; the value is read from stdin'),
  )
    .addHelpText(
      'after',
      `
The value comes from stdin, never from the command line (it would stay in shell history):
  squad secret set <squad-id> OPENAI_API_KEY            type or paste it (hidden), then Enter
  squad secret set <squad-id> OPENAI_API_KEY < key.txt  or pipe it in (one trailing newline dropped)

Names look like environment variables (OPENAI_API_KEY, ANTHROPIC_API_KEY, TEAM_KEY). The squad's
agents read them like environment variables that win over the server's; an agent's
config.api_key_env may name one.`,
    )
    .action(async (squadId: string, name: string, flags: ClientFlags) => {
      const value = await readSecretValue()
      if (!value) throw new Error('No value on stdin: nothing was stored')
      const stored = await clientOf(flags).put<Secret>(path(squadId, name), { value })
      process.stderr.write(`Stored ${stored.name} (updated ${stored.updated_at})\n`)
    })
  withClientOptions(
    secret.command('list <squad-id>').description("List a squad's secrets: names and dates, never values"),
  ).action(async (squadId: string, flags: ClientFlags) => {
    const list = await clientOf(flags).get<SecretList>(path(squadId))
    for (const item of list.items) process.stdout.write(`${item.name}\t${item.updated_at}\n`)
  })
  withClientOptions(
    secret.command('rm <squad-id> <name>').description('Delete a secret (exit code 1 if there is none)'),
  ).action(async (squadId: string, name: string, flags: ClientFlags) => {
    await clientOf(flags).delete(path(squadId, name))
    process.stderr.write(`Deleted ${name}\n`)
  })
}
