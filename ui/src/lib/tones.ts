// Which colour family each enum value wears. Colours themselves live in app.css.
import type { Channel, Priority, TicketStatus, TxDirection, TxStatus } from './bindings';
import type { NamedView } from './views';
import type { IconName } from './icons';

export type Tone = 'gray' | 'blue' | 'teal' | 'green' | 'amber' | 'orange' | 'red' | 'violet';

export const STATUS_TONE: Record<TicketStatus, Tone> = {
  new: 'blue',
  open: 'teal',
  pending_customer: 'amber',
  on_hold: 'violet',
  solved: 'green',
  closed: 'gray',
};

export const PRIORITY_TONE: Record<Priority, Tone> = {
  low: 'gray',
  normal: 'gray',
  high: 'orange',
  urgent: 'red',
};

export const TX_STATUS_TONE: Record<TxStatus, Tone> = {
  awaiting_customer_confirmation: 'amber',
  pending_chain: 'blue',
  confirmed: 'green',
  failed: 'red',
  frozen: 'violet',
  reversed: 'gray',
};

export const CHANNEL_ICON: Record<Channel, IconName> = {
  email: 'mail',
  chat: 'chat',
  telegram: 'send',
  wechat: 'bubble',
  web_form: 'globe',
  phone: 'phone',
};

export const VIEW_ICON: Record<NamedView, IconName> = {
  open: 'inbox',
  mine: 'user',
  unassigned: 'userX',
  awaiting_confirmation: 'hourglass',
  all: 'layers',
  sla_at_risk: 'clock',
  sla_breached: 'alert',
  outbox: 'send',
};

export const DIRECTION_ICON: Record<TxDirection, IconName> = {
  deposit: 'arrowIn',
  withdrawal: 'arrowOut',
  transfer: 'transfer',
};
