import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const backend = process.env.DRIFTWATCH_API_URL ?? 'http://127.0.0.1:3000';

export default defineConfig({
  plugins: [react()],
  server: {
    port: 5173,
    proxy: { '/api': backend, '/health': backend, '/metrics': backend },
  },
  build: { outDir: 'dist', sourcemap: true },
});
