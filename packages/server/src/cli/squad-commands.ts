import type { Page, Squad } from '@agent-squad/contract'
import type { Command } from 'commander'
import { type ClientFlags, clientOf, withClientOptions } from './task-commands.ts'

/** `squad squad list`: the squads you can see, so that other commands can name one. */
export function registerSquadCommands(program: Command) {
  const squad = program
    .command('squad')
    .description('List squads (create and edit them in the web app or the API)')
  withClientOptions(
    squad
      .command('list')
      .description('List your squads: id, name, status')
      .option('--all', 'archived squads too')
      .option('--json', 'print the squads as JSON'),
  )
    .addHelpText(
      'after',
      `
Other commands take a squad by name or id with --squad, and need none when there is only one:
  squad squad list
  squad task list --squad Core`,
    )
    .action(async (flags: ClientFlags & { all?: boolean; json?: boolean }) => {
      const page = await clientOf(flags).get<Page<Squad>>('/api/v1/squads?limit=500')
      const squads = page.items.filter((s) => flags.all || s.status !== 'archived')
      if (flags.json) return void process.stdout.write(`${JSON.stringify(squads, null, 2)}\n`)
      for (const s of squads) process.stdout.write(`${s.id}\t${s.name}\t${s.status}\n`)
    })
}
