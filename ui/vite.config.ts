import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

// Tauri embeds ui/dist. The app runs under a strict CSP (script-src 'self'), so the
// build must not rely on inline scripts or eval; relative base keeps it loadable from
// any origin the shell picks.
export default defineConfig(({ command }) => ({
  base: './',
  plugins: [
    svelte({
      // svelte-check does not compile `.svelte.ts` modules; the build does, so a
      // compiler warning there (or anywhere) fails the build instead of scrolling by.
      onwarn:
        command === 'build'
          ? (warning) => {
              const where = warning.filename ? ` (${warning.filename}:${warning.start?.line ?? '?'})` : '';
              throw new Error(`svelte warning ${warning.code}${where}: ${warning.message}`);
            }
          : undefined,
    }),
  ],
  clearScreen: false,
  server: { port: 1420, strictPort: true },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
  },
}));
