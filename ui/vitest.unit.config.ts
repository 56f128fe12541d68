import { defineConfig } from 'vitest/config';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { reporters, reportFile } from './vitest.shared.ts';

// Pure logic: i18n, time, keyboard, virtual window, view models, the fake shell.
export default defineConfig({
  plugins: [svelte()],
  test: {
    name: 'unit',
    environment: 'node',
    include: ['src/**/*.test.ts', 'test/unit/**/*.test.ts'],
    reporters: reporters(),
    outputFile: reportFile('ui-unit.json'),
  },
});
