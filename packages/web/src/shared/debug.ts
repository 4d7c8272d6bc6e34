/**
 * Read-only handles on `window.__squad` for end-to-end tests and benchmarks (nothing in the app
 * reads them): the log of each open execution and the open terminal.
 */
export const debugHandles = () => {
  window.__squad ??= { logs: new Map() }
  return window.__squad
}
