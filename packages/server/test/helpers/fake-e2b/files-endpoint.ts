import type { IncomingMessage, ServerResponse } from 'node:http'
import { posix } from 'node:path'
import { Readable } from 'node:stream'
import { AppError } from '../../../src/domain/errors.ts'
import { resolve } from './filesystem-service.ts'
import { json } from './http-json.ts'
import type { FakeSandbox } from './sandboxes.ts'

// envd's /files (spec/envd/envd.yaml): GET downloads one file's bytes; POST uploads one or more files,
// as multipart/form-data (a `file` part per file, its filename the path) or as one
// application/octet-stream body at `?path=`, making parent folders, and answers their EntryInfo.
// Both go through the local sandbox's files API, which works inside the sandbox as its user and is
// confined to the home folder and /tmp (E2B lets the user write wherever the VM allows).

export async function handleFiles(sandbox: FakeSandbox, req: IncomingMessage, res: ServerResponse, url: URL) {
  const query = url.searchParams.get('path') ?? ''
  const files = sandbox.local.files
  try {
    if (req.method === 'GET') {
      if (!query) return json(res, 400, { code: 400, message: 'path is required' })
      const bytes = await files.readBytes(resolve(query))
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': bytes.byteLength })
      return void res.end(bytes)
    }
    if (req.method !== 'POST') return json(res, 405, { code: 405, message: `${req.method} /files` })
    const uploads = await readUploads(req, url, query)
    if (uploads.length === 0) return json(res, 400, { code: 400, message: 'no file in the request' })
    const written = []
    for (const upload of uploads) {
      const path = resolve(upload.path)
      await files.write(path, upload.data)
      written.push({ name: posix.basename(path), type: 'file', path })
    }
    return json(res, 200, written)
  } catch (error) {
    const [status, message] = statusOf(error)
    return json(res, status, { code: status, message })
  }
}

async function readUploads(req: IncomingMessage, url: URL, query: string) {
  const type = req.headers['content-type'] ?? ''
  const request = new Request(url, {
    method: 'POST',
    headers: { 'content-type': type },
    body: Readable.toWeb(req) as ReadableStream,
    duplex: 'half',
  } as RequestInit)
  if (type.startsWith('application/octet-stream')) {
    if (!query) throw new AppError('bad_request', 'path is required with application/octet-stream')
    return [{ path: query, data: new Uint8Array(await request.arrayBuffer()) }]
  }
  const form = await request.formData()
  const parts = form.getAll('file').filter((part): part is File => typeof part !== 'string')
  return Promise.all(
    parts.map(async (part) => ({
      // One file: the query's path (envd's rule); several: each part's filename is its path.
      path: parts.length === 1 && query ? query : part.name,
      data: new Uint8Array(await part.arrayBuffer()),
    })),
  )
}

function statusOf(error: unknown): [number, string] {
  if (error instanceof AppError) {
    if (error.code === 'not_found') return [404, error.message]
    if (error.code === 'bad_request' || error.code === 'forbidden') return [400, error.message]
  }
  return [500, error instanceof Error ? error.message : String(error)]
}
