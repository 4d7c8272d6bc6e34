import { randomBytes } from 'node:crypto'
import pg from 'pg'

export const benchPostgresUrl =
  process.env.SQUAD_BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'

/** A new, empty database on the bench Postgres; `drop()` removes it. */
export async function createBenchDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `squad_bench_${randomBytes(5).toString('hex')}`
  const admin = new pg.Client({ connectionString: benchPostgresUrl })
  await admin.connect()
  await admin.query(`create database ${name}`)
  await admin.end()
  const url = new URL(benchPostgresUrl)
  url.pathname = `/${name}`
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: benchPostgresUrl })
      await client.connect()
      await client.query(`drop database if exists ${name} with (force)`)
      await client.end()
    },
  }
}
