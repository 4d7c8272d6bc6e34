import { defineConfig } from 'drizzle-kit'

// `npm run db:generate` turns changes in src/db/schema.ts into a new SQL file under migrations/.
export default defineConfig({
  dialect: 'postgresql',
  schema: './packages/server/src/db/schema.ts',
  out: './packages/server/migrations',
})
