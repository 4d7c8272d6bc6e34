/**
 * Where a local-forge repository is cloned from. `baseUrl` is the local forge's
 * (SQUAD_PUBLIC_URL, else the address the server actually listens on). Names are
 * validated by the contract (RepositoryName), so they are safe in a URL path as they are.
 */
export const localCloneUrl = (baseUrl: string, squadId: string, name: string) =>
  `${baseUrl}/git/${squadId}/${name}.git`
