// The model proxy's overhead per streamed model response: the time from a request until its whole
// streamed answer has arrived, through the proxy (dummy key checked, real key added, usage read from
// the stream as it passes) beside the same request straight to the same fake model server, in the
// same run, alternating one and the other.
//
//   node bench/model-proxy.ts                 300 requests per protocol and path (the first 30 warm up)
//   options: --requests 300 --protocol anthropic-messages|openai-responses|openai-chat|gemini|all
//
// The client reaches the proxy over a TCP port of this machine, handed to the proxy's host service
// the way the sandbox's relay hands it each connection (the relay itself, socat inside bubblewrap,
// is measured by bench/sandbox-network.ts). Benchmarks print, they never assert. Target: p50 < 5 ms.

import type { ModelProtocol } from '../packages/server/src/agents/model-proxy/model-protocols.ts'
import { openModelProxy } from '../packages/server/src/agents/model-proxy/model-proxy.ts'
import { startFakeAnthropic } from '../packages/server/test/agents/fakes/anthropic-messages-server.ts'
import { startFakeOpenAI } from '../packages/server/test/agents/fakes/openai-chat-server.ts'
import { startFakeOpenAIResponses } from '../packages/server/test/agents/fakes/openai-responses-server.ts'
import type { FakeModelServer, FakeTurn } from '../packages/server/test/agents/fakes/scripted-model.ts'
import {
  serveProxy,
  startFakeGeminiStream,
} from '../packages/server/test/agents/model-proxy/proxy-fixture.ts'
import { parseArgs, printTable } from './lib/args.ts'

const args = parseArgs()
const requests = args.number('requests', 300)
const warmup = Math.min(30, Math.floor(requests / 10))
const only = args.string('protocol', 'all')

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN
}

// A typical short streamed answer: a sentence in about twenty pieces, plus usage.
const turn: FakeTurn = {
  text: 'I will read the file the task names, change the greeting and run the tests to check it still passes.',
  usage: { input: 1500, output: 40 },
}

type Setup = {
  protocol: ModelProtocol
  start(): Promise<FakeModelServer>
  upstream(fake: FakeModelServer): string
  path: string
  body: unknown
  auth(key: string): Record<string, string>
}
const setups: Setup[] = [
  {
    protocol: 'anthropic-messages',
    start: () => startFakeAnthropic(() => turn),
    upstream: (fake) => fake.origin,
    path: '/v1/messages',
    body: {
      model: 'claude-sonnet-4-5',
      max_tokens: 256,
      stream: true,
      messages: [{ role: 'user', content: 'hi' }],
    },
    auth: (key) => ({ 'x-api-key': key }),
  },
  {
    protocol: 'openai-responses',
    start: () => startFakeOpenAIResponses(() => turn),
    upstream: (fake) => fake.url,
    path: '/responses',
    body: { model: 'gpt-5', stream: true, input: 'hi' },
    auth: (key) => ({ authorization: `Bearer ${key}` }),
  },
  {
    protocol: 'openai-chat',
    start: () => startFakeOpenAI(() => turn),
    upstream: (fake) => fake.url,
    path: '/chat/completions',
    // No stream_options: the proxy asks for usage and strips it, its most expensive path.
    body: { model: 'gpt-4o', stream: true, messages: [{ role: 'user', content: 'hi' }] },
    auth: (key) => ({ authorization: `Bearer ${key}` }),
  },
  {
    protocol: 'gemini',
    start: () => startFakeGeminiStream(() => turn),
    upstream: (fake) => fake.origin,
    path: '/v1beta/models/gemini-2.5-pro:streamGenerateContent?alt=sse',
    body: { contents: [{ role: 'user', parts: [{ text: 'hi' }] }] },
    auth: (key) => ({ 'x-goog-api-key': key }),
  },
]

async function timed(url: string, headers: Record<string, string>, body: unknown): Promise<number> {
  const started = performance.now()
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  })
  await res.arrayBuffer()
  if (res.status !== 200) throw new Error(`${url}: ${res.status}`)
  return performance.now() - started
}

const rows: Array<Array<string | number>> = []
for (const setup of setups.filter((s) => only === 'all' || s.protocol === only)) {
  const fake = await setup.start()
  let counted = 0
  const proxy = await openModelProxy({
    protocol: setup.protocol,
    upstreamBaseUrl: setup.upstream(fake),
    apiKey: 'sk-bench-real-key',
    limits: { maxRequests: Number.MAX_SAFE_INTEGER, maxTokens: Number.MAX_SAFE_INTEGER },
    onUsage: () => counted++,
  })
  const served = await serveProxy(proxy)
  const direct: number[] = []
  const proxied: number[] = []
  for (let i = 0; i < requests + warmup; i++) {
    const d = await timed(`${setup.upstream(fake)}${setup.path}`, setup.auth('sk-bench-real-key'), setup.body)
    const p = await timed(`${served.baseUrl}${setup.path}`, setup.auth(proxy.apiKey), setup.body)
    if (i < warmup) continue
    direct.push(d)
    proxied.push(p)
  }
  if (counted !== requests + warmup) throw new Error(`${setup.protocol}: usage counted ${counted} times`)
  const overhead = proxied.map((p, i) => p - (direct[i] as number))
  const ms = (v: number) => v.toFixed(2)
  rows.push([
    setup.protocol,
    ms(percentile(direct, 50)),
    ms(percentile(proxied, 50)),
    ms(percentile(overhead, 50)),
    ms(percentile(overhead, 90)),
  ])
  await proxy.close()
  await served.close()
  await fake.close()
}

console.log(`${requests} streamed responses per protocol (after ${warmup} to warm up), times in ms\n`)
printTable(['protocol', 'direct p50', 'via proxy p50', 'overhead p50', 'overhead p90'], rows)
