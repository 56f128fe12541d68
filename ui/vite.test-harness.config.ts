import { defineConfig } from 'vite';
import { fileURLToPath } from 'node:url';

// The fake shell as one classic script, injected before the app by the browser tests.
export default defineConfig({
  publicDir: false,
  build: {
    outDir: 'dist-test',
    emptyOutDir: true,
    target: 'es2022',
    minify: false,
    lib: {
      entry: fileURLToPath(new URL('./test/harness/mock-ipc.ts', import.meta.url)),
      formats: ['iife'],
      name: 'DeskMockHarness',
      fileName: () => 'mock-ipc.js',
    },
  },
});
