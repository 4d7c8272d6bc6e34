import type { LogSink } from './features/work/log-sink.ts'
import type { TerminalProbe } from './features/work/TerminalPanel.tsx'

declare global {
  interface Window {
    /** Read-only handles for end-to-end tests and benchmarks (nothing in the app reads them). */
    __squad?: { logs: Map<string, LogSink>; terminal?: TerminalProbe }
  }
}
