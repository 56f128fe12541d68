// Where a public reply went and how far it got (DESIGN.md §11), as the conversation
// shows it under the reply. Pure: the component passes the delivery and the locale.
import type { Delivery } from '../../lib/bindings';
import type { Locale, MessageKey, Params } from '../../lib/i18n';
import type { IconName } from '../../lib/icons';
import type { Tone } from '../../lib/tones';

export interface DeliveryLine {
  key: MessageKey;
  params: Params;
  tone: Tone;
  icon: IconName;
}

const clockFormats = new Map<Locale, Intl.DateTimeFormat>();

/** "14:05" in the agent's locale: a retry is at most half an hour away. */
export function formatClock(ts: number, locale: Locale): string {
  let f = clockFormats.get(locale);
  if (!f) {
    f = new Intl.DateTimeFormat(locale, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    clockFormats.set(locale, f);
  }
  return f.format(ts);
}

/** The state as one phrase: "Sending…", "Sent", "Queued — retrying at 14:05 (last error: …)",
 * "Failed: 550 user unknown". A failure's reason is the server's words, shown as they are. */
export function deliveryLine(d: Delivery, locale: Locale): DeliveryLine {
  switch (d.state) {
    case 'sending':
      return { key: 'delivery.sending', params: {}, tone: 'blue', icon: 'send' };
    case 'sent':
      return { key: 'delivery.sent', params: {}, tone: 'green', icon: 'check' };
    case 'queued': {
      if (d.next_attempt_at === null) return { key: 'delivery.queued', params: {}, tone: 'gray', icon: 'clock' };
      const time = formatClock(d.next_attempt_at, locale);
      return d.error
        ? { key: 'delivery.queued_retry_error', params: { time, error: d.error }, tone: 'amber', icon: 'clock' }
        : { key: 'delivery.queued_retry', params: { time }, tone: 'gray', icon: 'clock' };
    }
    case 'failed':
      return d.error
        ? { key: 'delivery.failed', params: { reason: d.error }, tone: 'red', icon: 'alert' }
        : { key: 'delivery.failed_no_reason', params: {}, tone: 'red', icon: 'alert' };
  }
}

/** Only a failed delivery is retried (a queued one retries by itself). */
export function canRetry(d: Delivery): boolean {
  return d.state === 'failed';
}

/** An email reply can be sent to a corrected address; a chat reply goes back to its chat. */
export function canChangeAddress(d: Delivery): boolean {
  return canRetry(d) && d.channel === 'email';
}

/** Longest address accepted (desk-core `MAX_ADDRESS_CHARS`). */
export const MAX_ADDRESS_CHARS = 254;

/**
 * Whether `address` (trimmed) is plausible enough to queue, by desk-core's rule
 * (`delivery::check_email_address`): one `@` between a name and a domain with a dot, no
 * spaces or characters that would make it several addresses. The server checks again.
 */
export function plausibleEmail(address: string): boolean {
  const a = address.trim();
  if (a === '' || [...a].length > MAX_ADDRESS_CHARS) return false;
  // Whitespace, control characters, and what would make it several addresses.
  if (/[\s\p{Cc}<>,;"()[\]\\]/u.test(a)) return false;
  const at = a.indexOf('@');
  if (at <= 0) return false;
  const domain = a.slice(at + 1);
  if (domain.includes('@')) return false;
  return domain.includes('.') && !domain.startsWith('.') && !domain.endsWith('.');
}

