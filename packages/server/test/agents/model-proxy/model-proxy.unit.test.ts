import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { ModelProtocol } from '../../../src/agents/model-proxy/model-protocols.ts'
import {
  type MeteredUsage,
  type ModelProxyLimits,
  openModelProxy,
} from '../../../src/agents/model-proxy/model-proxy.ts'
import { startFakeAnthropic } from '../fakes/anthropic-messages-server.ts'
import { startFakeOpenAI } from '../fakes/openai-chat-server.ts'
import { startFakeOpenAIResponses } from '../fakes/openai-responses-server.ts'
import type { FakeModelServer, FakeTurn } from '../fakes/scripted-model.ts'
import { serveProxy, startFakeGeminiStream } from './proxy-fixture.ts'

const REAL_KEY = 'sk-real-provider-key-0123456789abcdef'
const TURN: FakeTurn = {
  text: 'Hello from the model, streamed in pieces to the client as they come.',
  usage: { input: 1200, output: 80, cachedInput: 200 },
}

type Case = {
  protocol: ModelProtocol
  start(): Promise<FakeModelServer>
  /** The provider's base URL as its SDK takes it. */
  upstream(fake: FakeModelServer): string
  /** The path a client calls under the base URL it was given (inside and outside alike). */
  path: string
  body: Record<string, unknown>
  /** How this provider's clients send a key. */
  auth(key: string): Record<string, string>
  /** The key the upstream received. */
  received(headers: Record<string, unknown>): unknown
  model: string
}

const cases: Case[] = [
  {
    protocol: 'anthropic-messages',
    start: startFakeAnthropic,
    upstream: (fake) => fake.origin,
    path: '/v1/messages',
    body: {
      model: 'claude-sonnet-4-5',
      max_tokens: 512,
      stream: true,
      messages: [{ role: 'user', content: 'hi' }],
    },
    auth: (key) => ({ 'x-api-key': key, 'anthropic-version': '2023-06-01' }),
    received: (headers) => headers['x-api-key'],
    model: 'claude-sonnet-4-5',
  },
  {
    protocol: 'openai-responses',
    start: startFakeOpenAIResponses,
    upstream: (fake) => fake.url,
    path: '/responses',
    body: { model: 'gpt-5', stream: true, input: 'hi' },
    auth: (key) => ({ authorization: `Bearer ${key}` }),
    received: (headers) => headers.authorization,
    model: 'gpt-5',
  },
  {
    protocol: 'openai-chat',
    start: startFakeOpenAI,
    upstream: (fake) => fake.url,
    path: '/chat/completions',
    body: {
      model: 'gpt-4o',
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'hi' }],
    },
    auth: (key) => ({ authorization: `Bearer ${key}` }),
    received: (headers) => headers.authorization,
    model: 'gpt-4o',
  },
  {
    protocol: 'gemini',
    start: startFakeGeminiStream,
    upstream: (fake) => fake.origin,
    path: '/v1beta/models/gemini-2.5-pro:streamGenerateContent?alt=sse',
    body: { contents: [{ role: 'user', parts: [{ text: 'hi' }] }] },
    auth: (key) => ({ 'x-goog-api-key': key }),
    received: (headers) => headers['x-goog-api-key'],
    model: 'gemini-2.5-pro',
  },
]

const expectedKey = (protocol: ModelProtocol) =>
  protocol.startsWith('openai') ? `Bearer ${REAL_KEY}` : REAL_KEY
/** Ids the fakes make from the clock differ between two answers; nothing else may. */
const normalized = (text: string) => text.replace(/resp_\d+/g, 'resp_N')

async function post(url: string, headers: Record<string, string>, body: unknown) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  })
  return { status: res.status, text: await res.text(), type: res.headers.get('content-type') }
}

describe.each(cases)('the model proxy, $protocol', (c) => {
  let fake: FakeModelServer
  const opened: { close(): Promise<void> }[] = []
  beforeAll(async () => {
    fake = await c.start()
  })
  afterAll(() => fake.close())
  afterEach(async () => {
    for (const thing of opened.splice(0)) await thing.close()
  })

  async function open(limits: ModelProxyLimits = { maxRequests: 100, maxTokens: 1_000_000 }) {
    const usage: MeteredUsage[] = []
    const refusals: string[] = []
    const proxy = await openModelProxy({
      protocol: c.protocol,
      upstreamBaseUrl: c.upstream(fake),
      apiKey: REAL_KEY,
      limits,
      onUsage: (u) => usage.push(u),
      onLimit: (reason) => refusals.push(reason),
    })
    const served = await serveProxy(proxy)
    opened.push(proxy, served)
    return { proxy, url: `${served.baseUrl}${c.path}`, usage, refusals }
  }

  it('streams the answer unchanged, with the real key added upstream, and counts its usage', async () => {
    fake.setScript(() => TURN)
    const direct = await post(`${c.upstream(fake)}${c.path}`, c.auth(REAL_KEY), c.body)
    expect(direct.status).toBe(200)
    const { proxy, url, usage } = await open()
    expect(proxy.apiKey).not.toContain(REAL_KEY)
    expect(proxy.baseUrl).not.toContain(fake.origin)
    const proxied = await post(url, c.auth(proxy.apiKey), c.body)
    expect(proxied.status).toBe(200)
    expect(proxied.type).toBe(direct.type)
    expect(normalized(proxied.text)).toBe(normalized(direct.text))
    // The provider got the real key where it wants it, the same path and body, and no dummy key.
    const [first, second] = fake.requests
    expect(c.received(second?.headers ?? {})).toBe(expectedKey(c.protocol))
    expect(second?.path).toBe(first?.path)
    expect(second?.body).toEqual(first?.body)
    expect(JSON.stringify(second)).not.toContain(proxy.apiKey)
    expect(usage).toEqual([{ model: c.model, inputTokens: 1200, outputTokens: 80, cachedInputTokens: 200 }])
    expect(proxy.totals()).toEqual({
      requests: 1,
      inputTokens: 1200,
      outputTokens: 80,
      cachedInputTokens: 200,
    })
  })

  it('refuses a wrong or missing key, and any path outside the model API, without calling upstream', async () => {
    fake.setScript(() => TURN)
    const { proxy, url } = await open()
    const wrong = await post(url, c.auth(`${proxy.apiKey.slice(0, -1)}x`), c.body)
    expect(wrong.status).toBe(401)
    expect(wrong.text).toContain("this is the execution's model proxy, and that is not its key")
    expect((await post(url, c.auth(REAL_KEY), c.body)).status).toBe(401)
    expect((await post(url, {}, c.body)).status).toBe(401)
    const base = new URL(url).origin
    for (const path of [
      '/',
      '/v1/files',
      '/v1/../admin',
      '/api/v1/squads',
      '/v1beta/models/x:delete',
      '/v1/models/x',
    ])
      expect((await post(`${base}${path}`, c.auth(proxy.apiKey), c.body)).status).toBe(404)
    const outside = await post(`${base}/v1/files`, c.auth(proxy.apiKey), {})
    expect(outside.text).toContain(
      `the model proxy forwards only the ${c.protocol} model API, not POST /v1/files`,
    )
    expect(fake.requests).toEqual([])
    expect(proxy.totals().requests).toBe(0)
  })

  it('refuses calls past the request limit and the token limit, in the provider’s error format', async () => {
    fake.setScript(() => TURN)
    const requests = await open({ maxRequests: 2, maxTokens: 1_000_000 })
    for (const _ of [1, 2])
      expect((await post(requests.url, c.auth(requests.proxy.apiKey), c.body)).status).toBe(200)
    for (const _ of [3, 4]) {
      const refused = await post(requests.url, c.auth(requests.proxy.apiKey), c.body)
      expect(refused.status).toBe(400)
      expect(JSON.parse(refused.text)).toMatchObject(
        c.protocol === 'anthropic-messages'
          ? { type: 'error', error: { type: 'invalid_request_error' } }
          : c.protocol === 'gemini'
            ? { error: { code: 400, status: 'INVALID_ARGUMENT' } }
            : { error: { type: 'invalid_request_error' } },
      )
      expect(refused.text).toContain("the squad's limit of 2 model requests for this execution is reached")
    }
    expect(fake.requests).toHaveLength(2)
    expect(requests.refusals).toHaveLength(1)
    expect(requests.proxy.limitReached()).toContain('2 model requests')

    fake.setScript(() => TURN)
    // 1280 tokens a call: the second call starts under 2000 and ends over it; the third is refused.
    const tokens = await open({ maxRequests: 100, maxTokens: 2000 })
    for (const _ of [1, 2])
      expect((await post(tokens.url, c.auth(tokens.proxy.apiKey), c.body)).status).toBe(200)
    const refused = await post(tokens.url, c.auth(tokens.proxy.apiKey), c.body)
    expect(refused.status).toBe(400)
    expect(refused.text).toContain(
      "the squad's limit of 2000 tokens for this execution is reached (2560 used)",
    )
    expect(fake.requests).toHaveLength(2)
  })

  it('passes an upstream error on with the real key replaced, should the provider echo it', async () => {
    fake.setScript([
      { error: { status: 401, body: { error: { message: `Incorrect API key provided: ${REAL_KEY}` } } } },
    ])
    const { proxy, url, usage } = await open()
    const answer = await post(url, c.auth(proxy.apiKey), c.body)
    expect(answer.status).toBe(401)
    expect(answer.text).not.toContain(REAL_KEY)
    expect(answer.text).toContain(`Incorrect API key provided: ${proxy.apiKey}`)
    expect(usage).toEqual([])
  })
})

describe('the model proxy, streaming and Chat Completions usage', () => {
  let fake: FakeModelServer
  beforeAll(async () => {
    fake = await startFakeOpenAI()
  })
  afterAll(() => fake.close())

  it('asks for usage when the client did not, and takes the usage chunk out of what the client gets', async () => {
    fake.setScript(() => TURN)
    const body = { model: 'gpt-4o', stream: true, messages: [{ role: 'user', content: 'hi' }] }
    // What a provider sends a client that did not ask for usage.
    const direct = await post(
      `${fake.url}/chat/completions`,
      { authorization: `Bearer ${REAL_KEY}` },
      {
        ...body,
        stream_options: { include_usage: false },
      },
    )
    const usage: MeteredUsage[] = []
    const proxy = await openModelProxy({
      protocol: 'openai-chat',
      upstreamBaseUrl: fake.url,
      apiKey: REAL_KEY,
      limits: { maxRequests: 10, maxTokens: 100_000 },
      onUsage: (u) => usage.push(u),
    })
    const served = await serveProxy(proxy)
    const proxied = await post(
      `${served.baseUrl}/chat/completions`,
      { authorization: `Bearer ${proxy.apiKey}` },
      body,
    )
    expect(fake.requests[1]?.body.stream_options).toEqual({ include_usage: true })
    expect(proxied.text).toBe(direct.text)
    expect(proxied.text).not.toContain('"usage"')
    expect(usage).toEqual([{ model: 'gpt-4o', inputTokens: 1200, outputTokens: 80, cachedInputTokens: 200 }])
    await proxy.close()
    await served.close()
  })

  it('counts what an answer reported before the client hung up', async () => {
    const anthropic = await startFakeAnthropic(() => ({ ...TURN, chunkDelayMs: 50 }))
    const usage: MeteredUsage[] = []
    const proxy = await openModelProxy({
      protocol: 'anthropic-messages',
      upstreamBaseUrl: anthropic.origin,
      apiKey: REAL_KEY,
      limits: { maxRequests: 10, maxTokens: 100_000 },
      onUsage: (u) => usage.push(u),
    })
    const served = await serveProxy(proxy)
    const controller = new AbortController()
    const res = await fetch(`${served.baseUrl}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': proxy.apiKey, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'claude-sonnet-4-5', stream: true, messages: [] }),
      signal: controller.signal,
    })
    const reader = (res.body as ReadableStream<Uint8Array>).getReader()
    let text = ''
    while (!text.includes('message_start')) text += new TextDecoder().decode((await reader.read()).value)
    controller.abort()
    await expect
      .poll(() => usage)
      .toEqual([{ model: 'claude-sonnet-4-5', inputTokens: 1200, outputTokens: 1, cachedInputTokens: 200 }])
    await proxy.close()
    await served.close()
    await anthropic.close()
  })

  it('hands each chunk on as it arrives, not once the answer is complete', async () => {
    fake.setScript(() => ({ ...TURN, chunkDelayMs: 60 }))
    const proxy = await openModelProxy({
      protocol: 'openai-chat',
      upstreamBaseUrl: fake.url,
      apiKey: REAL_KEY,
      limits: { maxRequests: 10, maxTokens: 100_000 },
    })
    const served = await serveProxy(proxy)
    const started = Date.now()
    const res = await fetch(`${served.baseUrl}/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${proxy.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o', stream: true, messages: [] }),
    })
    const reader = (res.body as ReadableStream<Uint8Array>).getReader()
    const arrivals: number[] = []
    for (let read = await reader.read(); !read.done; read = await reader.read())
      arrivals.push(Date.now() - started)
    // Eight pieces of text 60 ms apart: the first arrives long before the last.
    expect(arrivals.length).toBeGreaterThan(5)
    expect((arrivals.at(-1) as number) - (arrivals[0] as number)).toBeGreaterThan(300)
    await proxy.close()
    await served.close()
  })
})
