import { Command } from 'commander'
import { version } from '../version.ts'
import { registerAdminCommands } from './admin-commands.ts'
import { registerAgentCommands } from './agent-commands.ts'
import { registerBackupCommands } from './backup-commands.ts'
import { registerExecutionCommands } from './execution-commands.ts'
import { registerGitCredential } from './git-credential.ts'
import { registerRepoCommands } from './repo-commands.ts'
import { registerReviewCommands } from './review-commands.ts'
import { registerSecretCommands } from './secret-commands.ts'
import { registerServe } from './serve.ts'
import { registerSquadCommands } from './squad-commands.ts'
import { registerTaskCommands } from './task-commands.ts'

/** The `squad` command tree; main.ts runs it, tests walk it to check every command's --help. */
export function buildProgram(): Command {
  const program = new Command()
    .name('squad')
    .description('Agent Squad: a squad of AI coding agents that turns Kanban tasks into pull requests.')
    .version(version, '-V, --version', 'print the version')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
  program.addHelpText(
    'after',
    `
Start here:
  squad serve                 run the server on the embedded defaults (PGlite, http://127.0.0.1:8000)
  squad serve --help          every flag, and how flags, environment and .env combine
  squad repo add --help       connect a GitHub repository (or any git remote) to a squad
  squad task list             the squad's tasks with the numbers the board shows
  squad task run 1            start task #1 and follow its steps and live log
  squad execution list        recent runs: task, status, duration, branch, pull request
  squad git-credential --help push to the built-in forge with your token (git credential helper)
  squad agents install all    install the agent CLIs (Claude Code, Codex, OpenCode, Gemini CLI)

Docs: README.md, docs/configuration.md (every setting), docs/api.md (REST and SSE).`,
  )
  registerServe(program)
  registerAdminCommands(program)
  registerBackupCommands(program)
  registerSquadCommands(program)
  registerReviewCommands(registerTaskCommands(program))
  registerExecutionCommands(program)
  registerSecretCommands(program)
  registerRepoCommands(program)
  registerGitCredential(program)
  registerAgentCommands(program)
  return program
}

/** Every command path below the root, e.g. [['serve'], ['token', 'create']]. */
export function commandPaths(command: Command, prefix: string[] = []): string[][] {
  return command.commands.flatMap((sub) => {
    const path = [...prefix, sub.name()]
    return [path, ...commandPaths(sub, path)]
  })
}
