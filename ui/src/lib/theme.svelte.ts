// Light or dark: follows the system until the agent picks one, then remembers it.
export type Theme = 'light' | 'dark';
const STORAGE_KEY = 'desk.theme';

function readStored(): Theme | null {
  try {
    const v = localStorage.getItem(STORAGE_KEY);
    return v === 'light' || v === 'dark' ? v : null;
  } catch {
    return null;
  }
}

const media = typeof matchMedia === 'function' ? matchMedia('(prefers-color-scheme: dark)') : null;

let choice = $state<Theme | null>(readStored());
let system = $state<Theme>(media?.matches ? 'dark' : 'light');

function apply(): void {
  if (typeof document === 'undefined') return;
  const effective = choice ?? system;
  document.documentElement.dataset.theme = effective;
  document.documentElement.style.colorScheme = effective;
}

media?.addEventListener('change', (e) => {
  system = e.matches ? 'dark' : 'light';
  apply();
});
apply();

export const theme = {
  get current(): Theme {
    return choice ?? system;
  },
  toggle(): void {
    choice = (choice ?? system) === 'dark' ? 'light' : 'dark';
    try {
      localStorage.setItem(STORAGE_KEY, choice);
    } catch {
      // Not remembered, still applied.
    }
    apply();
  },
};
