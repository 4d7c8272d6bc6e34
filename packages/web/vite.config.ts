import react from '@vitejs/plugin-react'
import { defineConfig } from 'vite'

// `npm run dev:web` serves the app with hot reload and forwards the API to a running `squad serve`
// (SQUAD_API_URL, http://127.0.0.1:8000 by default). `npm run build:web` writes dist/, which
// `squad serve` serves at `/`.
const api = process.env.SQUAD_API_URL ?? 'http://127.0.0.1:8000'

export default defineConfig({
  plugins: [react()],
  server: {
    proxy: { '/api': { target: api, changeOrigin: false }, '/git': { target: api } },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    chunkSizeWarningLimit: 700,
  },
})
