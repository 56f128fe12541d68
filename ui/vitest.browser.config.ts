import { defineConfig } from 'vitest/config';
import { reporters, reportFile } from './vitest.shared.ts';

// End to end in headless Chromium: the built app against the fake shell. Node runs the
// tests; the browser runs the app. One browser, files in sequence (2-core machines).
export default defineConfig({
  test: {
    name: 'browser',
    environment: 'node',
    include: ['test/browser/**/*.test.ts'],
    globalSetup: ['test/browser/global-setup.ts'],
    fileParallelism: false,
    testTimeout: 30_000,
    hookTimeout: 120_000,
    reporters: reporters(),
    outputFile: reportFile('ui-browser.json'),
  },
});
