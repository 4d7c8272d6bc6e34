/** Every query key in one place, so events and mutations update exactly what pages read. */
export const keys = {
  me: () => ['me'] as const,
  squads: () => ['squads'] as const,
  squad: (id: string) => ['squad', id] as const,
  agents: (squadId: string) => ['agents', squadId] as const,
  repositories: (squadId: string) => ['repositories', squadId] as const,
  secrets: (squadId: string) => ['secrets', squadId] as const,
  board: (squadId: string) => ['board', squadId] as const,
  task: (id: string) => ['task', id] as const,
  taskExecutions: (taskId: string) => ['task-executions', taskId] as const,
  execution: (id: string) => ['execution', id] as const,
  taskReviews: (taskId: string) => ['task-reviews', taskId] as const,
  /** The latest execution of each task of a squad, as its stream reported them. */
  squadRuns: (squadId: string) => ['squad-runs', squadId] as const,
  pulls: (repositoryId: string) => ['pulls', repositoryId] as const,
  pull: (repositoryId: string, number: number) => ['pull', repositoryId, number] as const,
  pullCommits: (repositoryId: string, number: number) => ['pull-commits', repositoryId, number] as const,
  pullDiff: (repositoryId: string, number: number) => ['pull-diff', repositoryId, number] as const,
}
