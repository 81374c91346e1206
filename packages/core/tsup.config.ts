import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'node20',
  // p-limit is ESM-only: bundle it so the CommonJS build can be required.
  noExternal: ['p-limit', 'yocto-queue'],
});
