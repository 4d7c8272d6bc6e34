import { useEffect, useId, useRef, useState } from 'react'
import { Button } from '../../shared/ui/Button.tsx'
import { Field } from '../../shared/ui/Field.tsx'
import { type CommentRow, maxComments, type RowErrors } from './comment-rows.ts'

type FileCommentsProps = {
  rows: readonly CommentRow[]
  errors: ReadonlyMap<number, RowErrors>
  /** The files the pull request changed, offered as the paths to pick from (any path may be typed). */
  files?: readonly string[] | undefined
  onAdd: () => void
  onChange: (row: CommentRow) => void
  onRemove: (key: number) => void
}

/** The review's remarks on single files (and lines): one row each, each row removable. */
export function FileComments({ rows, errors, files, onAdd, onChange, onRemove }: FileCommentsProps) {
  const listId = `${useId()}-files`
  const container = useRef<HTMLDivElement>(null)
  const [added, setAdded] = useState(false)
  const lastKey = rows.at(-1)?.key
  // A row added by the button gets the cursor in its file input; rows cleared or removed do not.
  useEffect(() => {
    if (!added || lastKey === undefined) return
    setAdded(false)
    container.current?.querySelector<HTMLInputElement>(`[data-row="${lastKey}"] input`)?.focus()
  }, [added, lastKey])

  const edit = (row: CommentRow, change: Partial<Omit<CommentRow, 'key'>>) => onChange({ ...row, ...change })
  return (
    <div className="file-comments" ref={container}>
      {files?.length ? (
        <datalist id={listId}>
          {files.map((f) => (
            <option key={f} value={f} />
          ))}
        </datalist>
      ) : null}
      {rows.map((row, i) => {
        const error = errors.get(row.key)
        return (
          <fieldset key={row.key} className="file-comment" data-row={row.key}>
            <legend className="sr-only">File comment {i + 1}</legend>
            <Field label="File" error={error?.path}>
              <input
                className="mono"
                value={row.path}
                list={files?.length ? listId : undefined}
                autoComplete="off"
                spellCheck={false}
                onChange={(e) => edit(row, { path: e.target.value })}
              />
            </Field>
            <Field label="Line" error={error?.line}>
              <input
                inputMode="numeric"
                placeholder="optional"
                value={row.line}
                onChange={(e) => edit(row, { line: e.target.value })}
              />
            </Field>
            <Field label="Comment" error={error?.body}>
              <textarea rows={2} value={row.body} onChange={(e) => edit(row, { body: e.target.value })} />
            </Field>
            <Button
              variant="ghost"
              size="sm"
              className="file-comment-remove"
              aria-label={`Remove file comment ${i + 1}`}
              onClick={() => onRemove(row.key)}
            >
              Remove
            </Button>
          </fieldset>
        )
      })}
      <div>
        <Button
          size="sm"
          disabled={rows.length >= maxComments}
          onClick={() => {
            onAdd()
            setAdded(true)
          }}
        >
          Add a file comment
        </Button>
      </div>
    </div>
  )
}
