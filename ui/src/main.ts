import './app.css';
import { mount } from 'svelte';
import App from './App.svelte';

async function start(): Promise<void> {
  // `vite dev` in a plain browser has no Tauri shell: borrow the test fixtures so the
  // console can be worked on without the desktop app. Never part of a production build.
  if (import.meta.env.DEV && !('__TAURI_INTERNALS__' in window)) {
    await import('../test/harness/mock-ipc');
    console.info('[desk] no Tauri shell: using the fake shell; sign in with any email and password "desk-demo-pass"');
  }
  const target = document.getElementById('app');
  if (!target) throw new Error('missing #app');
  mount(App, { target });
}

void start();
