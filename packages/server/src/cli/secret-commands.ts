import type { Secret, SecretList } from '@agent-squad/contract'
import type { Command } from 'commander'
import { readSecretValue } from './read-secret-value.ts'
import { resolveSquad } from './resolve.ts'
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
      .command('set <squad> <name>')
      .description('Store a secret, or replace its value; the value is read from stdin'),
  )
    .addHelpText(
      'after',
      `
The value comes from stdin, never from the command line (it would stay in shell history):
  squad secret set Core OPENAI_API_KEY            type or paste it (hidden), then Enter
  squad secret set Core OPENAI_API_KEY < key.txt  or pipe it in (one trailing newline dropped)

<squad> is the squad's name or id (squad squad list shows them).

Names look like environment variables (OPENAI_API_KEY, ANTHROPIC_API_KEY, TEAM_KEY). The squad's
agents read them like environment variables that win over the server's; an agent's
config.api_key_env may name one.`,
    )
    .action(async (squadRef: string, name: string, flags: ClientFlags) => {
      const value = await readSecretValue()
      if (!value) throw new Error('No value on stdin: nothing was stored')
      const client = clientOf(flags)
      const squad = await resolveSquad(client, squadRef)
      const stored = await client.put<Secret>(path(squad.id, name), { value })
      process.stderr.write(`Stored ${stored.name} (updated ${stored.updated_at})\n`)
    })
  withClientOptions(
    secret.command('list <squad>').description("List a squad's secrets: names and dates, never values"),
  ).action(async (squadRef: string, flags: ClientFlags) => {
    const client = clientOf(flags)
    const list = await client.get<SecretList>(path((await resolveSquad(client, squadRef)).id))
    for (const item of list.items) process.stdout.write(`${item.name}\t${item.updated_at}\n`)
  })
  withClientOptions(
    secret.command('rm <squad> <name>').description('Delete a secret (exit code 1 if there is none)'),
  ).action(async (squadRef: string, name: string, flags: ClientFlags) => {
    const client = clientOf(flags)
    await client.delete(path((await resolveSquad(client, squadRef)).id, name))
    process.stderr.write(`Deleted ${name}\n`)
  })
}
