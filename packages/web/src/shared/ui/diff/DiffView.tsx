import type { PullRequestDiff } from '@agent-squad/contract'
import { memo, useMemo, useState } from 'react'
import { type FilePatch, parseUnifiedDiff } from './parse-diff.ts'
import './diff.css'

const BIG = 400
const statusWord = {
  A: 'added',
  M: 'modified',
  D: 'deleted',
  R: 'renamed',
  C: 'copied',
  T: 'type changed',
} as const

const FileDiff = memo(function FileDiff({ file }: { file: FilePatch }) {
  const [open, setOpen] = useState(file.lines.length <= BIG)
  return (
    <section className="diff-file" aria-label={file.path}>
      <header className="diff-file-header">
        <button type="button" className="link-btn" aria-expanded={open} onClick={() => setOpen(!open)}>
          {open ? '▾' : '▸'} {file.path}
        </button>
      </header>
      {open ? (
        <table className="diff-table">
          <tbody>
            {file.lines.map((line, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: a diff's lines never reorder.
              <tr key={i} className={`diff-${line.kind}`}>
                <td className="diff-num">{line.old ?? ''}</td>
                <td className="diff-num">{line.new ?? ''}</td>
                <td className="diff-code">
                  <span className="diff-sign" aria-hidden>
                    {line.kind === 'add' ? '+' : line.kind === 'del' ? '-' : ' '}
                  </span>
                  {line.text}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p className="muted small diff-collapsed">
          {file.lines.length} lines hidden: large change. Select the name to show it.
        </p>
      )}
    </section>
  )
})

/** The files a change touches and its unified diff, file by file. */
export function DiffView({ diff }: { diff: PullRequestDiff }) {
  const files = useMemo(() => parseUnifiedDiff(diff.patch), [diff.patch])
  if (!diff.files.length)
    return (
      <p className="muted">
        No changes between {diff.base} and {diff.head}.
      </p>
    )
  return (
    <div className="diff">
      <p className="diff-summary">
        {diff.files.length} file{diff.files.length === 1 ? '' : 's'} changed,{' '}
        <span className="add">+{diff.additions}</span> <span className="del">−{diff.deletions}</span>{' '}
        <span className="muted small">
          ({diff.head} into {diff.base})
        </span>
      </p>
      <ul className="diff-files">
        {diff.files.map((f) => (
          <li key={f.path}>
            <span className={`file-status file-${f.status}`} title={statusWord[f.status]}>
              {f.status}
            </span>
            <span className="mono">{f.previous_path ? `${f.previous_path} → ${f.path}` : f.path}</span>
            <span className="add small">{f.binary ? 'binary' : `+${f.additions}`}</span>
            {f.binary ? null : <span className="del small">−{f.deletions}</span>}
          </li>
        ))}
      </ul>
      {files.map((file) => (
        <FileDiff key={file.path} file={file} />
      ))}
      {diff.truncated ? (
        <p className="notice">
          The diff is longer than {Math.round(diff.max_bytes / 1024)} KB and was cut; the file list above is
          complete.
        </p>
      ) : null}
    </div>
  )
}
