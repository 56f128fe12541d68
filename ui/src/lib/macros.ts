// Macros: canned replies with `{{variables}}`, one body per language. Pure: which body
// fits the customer, and the variables filled from the open ticket.
import type { Macro, TicketDetail } from './bindings';

/** The body for `language`: the exact tag, else one of the same base language (as the store). */
export function pickBody(m: Macro, language: string): string | null {
  const tags = Object.keys(m.bodies);
  const exact = tags.find((t) => t.toLowerCase() === language.toLowerCase());
  if (exact !== undefined) return m.bodies[exact] ?? null;
  const base = (tag: string) => tag.split(/[-_]/)[0]!.toLowerCase();
  const same = tags.find((t) => base(t) === base(language));
  return same === undefined ? null : (m.bodies[same] ?? null);
}

/** The language to answer in: the ticket's, which is the conversation's. */
export function replyLanguage(detail: TicketDetail): string {
  return detail.ticket.language || detail.customer?.preferred_language || 'en';
}

/** Values for a macro's variables, from the ticket, its customer, its first linked
 * transaction and the agent. Absent facts are absent keys, so they show as missing. */
export function macroVariables(detail: TicketDetail, agentName: string | null): Record<string, string> {
  const vars: Record<string, string> = {};
  const { ticket, customer } = detail;
  if (customer) {
    vars['customer.name'] = customer.name;
    if (customer.emails[0]) vars['customer.email'] = customer.emails[0];
  }
  if (ticket.number !== null) vars['ticket.number'] = `#${ticket.number}`;
  vars['ticket.subject'] = ticket.subject;
  if (agentName) vars['agent.name'] = agentName;
  const linked = new Set(ticket.linked_transaction_ids);
  const tx = detail.transactions.find((t) => linked.has(t.id));
  if (tx) {
    vars['transaction.amount'] = tx.amount;
    vars['transaction.asset'] = tx.asset;
    vars['transaction.chain'] = tx.chain;
    if (tx.tx_hash) vars['transaction.hash'] = tx.tx_hash;
    vars['transaction.confirmations'] = String(tx.confirmations);
    vars['transaction.required_confirmations'] = String(tx.required_confirmations);
  }
  return vars;
}

export interface Filled {
  text: string;
  /** Variables the body uses that have no value here; left as written for the agent. */
  missing: string[];
}

/** Replaces `{{ name }}` with its value. Values are inserted as plain text, never parsed
 * again, so a customer named `{{agent.name}}` stays exactly that. */
export function fillMacro(body: string, vars: Record<string, string>): Filled {
  const missing: string[] = [];
  const text = body.replace(/\{\{\s*([\w.]+)\s*\}\}/g, (whole, name: string) => {
    const value = vars[name];
    if (value === undefined) {
      if (!missing.includes(name)) missing.push(name);
      return whole;
    }
    return value;
  });
  return { text, missing };
}
