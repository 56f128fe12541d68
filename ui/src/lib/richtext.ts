// Customer HTML, shown as formatting and never as markup (DESIGN.md §7: customer content is
// hostile). The server keeps only its sanitizer's output and the shell sanitizes it again
// before the UI gets it; this is the third wall, and the one that decides what reaches the
// DOM. The HTML is parsed into an inert document, then copied node by node into new
// elements from the same allowlist as `desk_core::sanitize`: unknown elements give up
// their tags but keep their text, and every attribute is dropped but a checked `href` and
// numeric `colspan`/`rowspan`/`start`. No parsed node ever enters the page itself.

const TAGS = new Set([
  'a', 'abbr', 'b', 'blockquote', 'br', 'caption', 'code', 'dd', 'del', 'div', 'dl', 'dt', 'em',
  'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'hr', 'i', 'ins', 'kbd', 'li', 'ol', 'p', 'pre', 'q', 's',
  'small', 'span', 'strike', 'strong', 'sub', 'sup', 'table', 'tbody', 'td', 'tfoot', 'th',
  'thead', 'tr', 'u', 'ul',
]);

/** Elements whose content goes with them: code, styles, embedded documents, form fields. */
const DROPPED_WITH_CONTENT = new Set([
  'script', 'style', 'iframe', 'frame', 'frameset', 'object', 'embed', 'svg', 'math', 'template',
  'noscript', 'textarea', 'select', 'title', 'head', 'link', 'meta', 'base', 'img', 'picture',
  'video', 'audio', 'source', 'canvas', 'input',
]);

const NUMERIC_ATTRS: Record<string, readonly string[]> = {
  td: ['colspan', 'rowspan'],
  th: ['colspan', 'rowspan'],
  ol: ['start'],
};

/** Nesting kept; deeper content is flattened to text, so a hostile tree cannot exhaust the stack. */
const MAX_DEPTH = 40;
/** Longest link opened, as in `desk_core::links::MAX_LINK_CHARS`. */
const MAX_LINK_CHARS = 2048;

/** Where a customer link really goes, as the agent is shown it before it opens. */
export interface LinkTarget {
  /** The WHATWG serialization: what is shown in full and what the shell opens. */
  href: string;
  /** `https:`, `http:` or `mailto:`. */
  protocol: string;
  /** The host in its ASCII form, so a look-alike (`xn--wllet-4ve.example`) shows as one. */
  host: string;
}

/**
 * A link worth offering to open, by the rules of `desk_core::links::external_target` (the
 * shell checks again): web and mail links only, with a host, and no user name hiding it.
 */
export function linkTarget(href: string): LinkTarget | null {
  const trimmed = href.trim();
  if (trimmed.length === 0 || trimmed.length > MAX_LINK_CHARS) return null;
  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    return null;
  }
  if (url.protocol === 'http:' || url.protocol === 'https:') {
    if (url.username !== '' || url.password !== '' || url.hostname === '') return null;
    return { href: url.href, protocol: url.protocol, host: url.host };
  }
  if (url.protocol === 'mailto:' && url.pathname !== '') {
    const address = decodeURIComponent(url.pathname.split(',')[0] ?? '');
    return { href: url.href, protocol: url.protocol, host: address.split('@')[1] ?? address };
  }
  return null;
}

const DOMAIN_IN_TEXT = /^\s*(?:https?:\/\/)?((?:[\p{L}\p{N}-]+\.)+[\p{L}]{2,})(?:[:/?#]\S*)?\s*$/iu;

/**
 * When a link's text reads as an address other than its target — the phishing mail's
 * `wallet.example` that opens `wallet-example.help` — the host the text pretends to be.
 */
export function deceptiveText(text: string, target: LinkTarget): string | null {
  if (target.protocol === 'mailto:') return null;
  const match = DOMAIN_IN_TEXT.exec(text);
  if (!match?.[1]) return null;
  let shown: string;
  try {
    shown = new URL(`https://${match[1]}`).hostname;
  } catch {
    return null;
  }
  const real = new URL(target.href).hostname;
  const bare = (host: string) => host.replace(/^www\./, '');
  return bare(shown) === bare(real) ? null : shown;
}

/** The allowlisted copy of `html`, ready to append; links carry `data-href` for the click handler. */
export function renderCustomerHtml(html: string, doc: Document = document): DocumentFragment {
  // A document of its own with no window: parsing into it runs no script and loads
  // nothing. Unlike the page's own template elements, it does not inherit the page's CSP,
  // so the handlers about to be thrown away are not reported as violations either.
  const inert = doc.implementation.createHTMLDocument('');
  inert.body.innerHTML = html;
  const out = doc.createDocumentFragment();
  copyChildren(inert.body, out, doc, 0);
  return out;
}

function copyChildren(from: Node, to: Node, doc: Document, depth: number): void {
  for (const child of Array.from(from.childNodes)) {
    if (child.nodeType === Node.TEXT_NODE) {
      to.appendChild(doc.createTextNode(child.textContent ?? ''));
    } else if (child.nodeType === Node.ELEMENT_NODE) {
      copyElement(child as Element, to, doc, depth);
    }
    // Comments, processing instructions and the rest are left behind.
  }
}

function copyElement(el: Element, to: Node, doc: Document, depth: number): void {
  const tag = el.localName;
  if (DROPPED_WITH_CONTENT.has(tag) || el.namespaceURI !== 'http://www.w3.org/1999/xhtml') return;
  if (!TAGS.has(tag) || depth >= MAX_DEPTH) {
    // Unknown or too deep: the text stays, the element does not.
    if (depth >= MAX_DEPTH) to.appendChild(doc.createTextNode(el.textContent ?? ''));
    else copyChildren(el, to, doc, depth);
    return;
  }
  if (tag === 'a') {
    const target = linkTarget(el.getAttribute('href') ?? '');
    if (target === null) {
      // A link that will not be opened is just its text.
      copyChildren(el, to, doc, depth + 1);
      return;
    }
    const a = doc.createElement('a');
    a.href = target.href;
    a.rel = 'noopener noreferrer nofollow';
    a.dataset.testid = 'customer-link';
    a.dataset.href = target.href;
    copyChildren(el, a, doc, depth + 1);
    to.appendChild(a);
    return;
  }
  const copy = doc.createElement(tag);
  for (const name of NUMERIC_ATTRS[tag] ?? []) {
    const value = el.getAttribute(name);
    if (value !== null && /^\d{1,4}$/.test(value.trim())) copy.setAttribute(name, value.trim());
  }
  copyChildren(el, copy, doc, depth + 1);
  to.appendChild(copy);
}
