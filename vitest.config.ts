import { defineConfig } from 'vitest/config';

export default defineConfig({
  // the web UI's smoke test renders TSX with React's automatic runtime
  esbuild: { jsx: 'automatic' },
  test: {
    include: ['src/**/*.test.ts', 'src/**/*.test.tsx', 'test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
