// Prints the closing line CI reads, "N passed, N failed, N skipped", from vitest's JSON report.
import { existsSync, readFileSync } from 'node:fs'

const file = process.argv[2] ?? 'artifacts/test-results.json'
if (!existsSync(file)) {
  console.log('0 passed, 1 failed (the test runner wrote no report)')
  process.exit(1)
}
const report = JSON.parse(readFileSync(file, 'utf8')) as {
  numPassedTests: number
  numFailedTests: number
  numPendingTests: number
  numTodoTests: number
  numFailedTestSuites: number
}
// A file that fails to load counts as a failure even though none of its tests ran.
const failed = report.numFailedTests + (report.numFailedTests === 0 ? report.numFailedTestSuites : 0)
const skipped = report.numPendingTests + report.numTodoTests
console.log(`${report.numPassedTests} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`)
process.exit(failed > 0 || report.numPassedTests === 0 ? 1 : 0)
