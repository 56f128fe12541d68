// The one way a customer link leaves the console: the agent clicks it, sees where it
// really goes (the host in its ASCII form, the whole address, and a warning when the
// link's text names another site), and only a confirmation asks the shell to open it in
// the system browser. The window itself never navigates to it.
import { api } from './api';
import type { ApiError } from './bindings';
import { deceptiveText, linkTarget, renderCustomerHtml, type LinkTarget } from './richtext';

export interface PendingLink {
  target: LinkTarget;
  /** The host the link's text pretends to be, when that is not where it goes. */
  shownAs: string | null;
}

class LinkConfirmation {
  pending = $state<PendingLink | null>(null);
  error = $state<ApiError | null>(null);
  busy = $state(false);

  /** A click on a customer link: ask first. A link that would not be opened is ignored. */
  request(href: string, text: string): void {
    const target = linkTarget(href);
    if (target === null) return;
    this.error = null;
    this.pending = { target, shownAs: deceptiveText(text, target) };
  }

  async confirm(): Promise<void> {
    const pending = this.pending;
    if (pending === null || this.busy) return;
    this.busy = true;
    try {
      await api.openLink(pending.target.href);
      this.pending = null;
    } catch (error) {
      this.error = error as ApiError;
    } finally {
      this.busy = false;
    }
  }

  cancel(): void {
    this.pending = null;
    this.error = null;
  }
}

export const links = new LinkConfirmation();

/**
 * Svelte action for a message body: renders the customer HTML from the allowlist and
 * routes every click on one of its links through the confirmation.
 */
export function customerHtml(node: HTMLElement, html: string) {
  const render = (value: string) => node.replaceChildren(renderCustomerHtml(value, node.ownerDocument));
  function onclick(event: MouseEvent): void {
    const link = (event.target as Element | null)?.closest?.('a[data-href]');
    if (!(link instanceof HTMLAnchorElement) || !node.contains(link)) return;
    event.preventDefault();
    if (event.type === 'click') links.request(link.dataset.href ?? '', link.textContent ?? '');
  }
  render(html);
  node.addEventListener('click', onclick);
  // A middle click would open the link in a new window without asking.
  node.addEventListener('auxclick', onclick);
  return {
    update: render,
    destroy() {
      node.removeEventListener('click', onclick);
      node.removeEventListener('auxclick', onclick);
    },
  };
}
