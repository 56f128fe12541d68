// Builds the real app (ui/dist, exactly what Tauri embeds) and the fake shell
// (ui/dist-test/mock-ipc.js), then serves dist on a free loopback port.
import { build } from 'vite';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import { serveStatic, type StaticServer } from './static-server';

const uiRoot = fileURLToPath(new URL('../..', import.meta.url));

declare module 'vitest' {
  export interface ProvidedContext {
    baseUrl: string;
    harnessPath: string;
  }
}

let server: StaticServer | undefined;

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  if (!process.env.DESK_UI_SKIP_BUILD) {
    await build({ root: uiRoot, configFile: `${uiRoot}vite.config.ts`, logLevel: 'warn' });
  }
  await build({ root: uiRoot, configFile: `${uiRoot}vite.test-harness.config.ts`, logLevel: 'warn' });
  server = await serveStatic(`${uiRoot}dist`);
  project.provide('baseUrl', server.url);
  project.provide('harnessPath', `${uiRoot}dist-test/mock-ipc.js`);
  return async () => {
    await server?.close();
  };
}
