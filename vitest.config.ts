import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (path: string) => fileURLToPath(new URL(`./packages/${path}`, import.meta.url));

export default defineConfig({
  resolve: {
    // Tests run against the workspace sources, not the built output.
    alias: [
      { find: /^@runway-rx\/core$/, replacement: src('core/src/index.ts') },
      { find: /^@runway-rx\/simulator$/, replacement: src('simulator/src/index.ts') },
      { find: /^@runway-rx\/adapter-express\/browser$/, replacement: src('adapter-express/src/browser.ts') },
      { find: /^@runway-rx\/adapter-express$/, replacement: src('adapter-express/src/index.ts') },
      { find: /^@runway-rx\/adapter-discord$/, replacement: src('adapter-discord/src/index.ts') },
    ],
  },
  test: {
    include: [
      'packages/*/src/**/*.test.ts',
      'packages/*/test/**/*.test.ts',
      'apps/*/src/**/*.test.ts',
      'apps/*/test/**/*.test.ts',
    ],
    typecheck: {
      enabled: true,
      include: ['packages/*/src/**/*.test-d.ts'],
      tsconfig: './tsconfig.json',
    },
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
  },
});
