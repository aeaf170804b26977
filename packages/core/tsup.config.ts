import { defineConfig } from 'tsup';

export default defineConfig({
  // The application API and the transport-author API (`@omnibus/core/transport`). Shared code goes
  // into common chunks in both formats, so the two entry points never hold two copies of a module.
  entry: { index: 'src/index.ts', transport: 'src/transport/index.ts' },
  splitting: true,
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'node20',
});
