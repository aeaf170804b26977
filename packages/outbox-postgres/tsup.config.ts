import { defineConfig } from 'tsup';

export default defineConfig([
  {
    entry: ['src/index.ts'],
    format: ['esm', 'cjs'],
    dts: true,
    clean: true,
    sourcemap: true,
    target: 'node20',
  },
  // The relay command awaits at top level, which only ES modules can; a bin needs no CJS copy.
  {
    entry: ['src/relay-bin.ts'],
    format: ['esm'],
    sourcemap: true,
    target: 'node20',
  },
]);
