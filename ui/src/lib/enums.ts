// Every value of each wire enum, as runtime lists. Each list is built from a
// `Record<Union, true>`, so the compiler rejects it when bindings.ts gains or loses a
// value; the i18n tests then check that every value has a label in every locale.
import type {
  AuthorKind,
  Category,
  Channel,
  Connectivity,
  CustomerTier,
  ErrorCode,
  InboxView,
  MessageKind,
  Priority,
  Role,
  TicketStatus,
  TxDirection,
  TxStatus,
} from './bindings';

function all<T extends string>(values: Record<T, true>): readonly T[] {
  return Object.keys(values) as T[];
}

export const TICKET_STATUSES = all<TicketStatus>({
  new: true,
  open: true,
  pending_customer: true,
  on_hold: true,
  solved: true,
  closed: true,
});

export const PRIORITIES = all<Priority>({ low: true, normal: true, high: true, urgent: true });

export const CATEGORIES = all<Category>({
  transaction_confirmation: true,
  funds_not_arrived: true,
  account_locked: true,
  security: true,
  technical: true,
  usage_help: true,
  account: true,
  complaint: true,
  large_transaction: true,
  dispute: true,
  other: true,
});

export const CHANNELS = all<Channel>({
  email: true,
  chat: true,
  telegram: true,
  wechat: true,
  web_form: true,
  phone: true,
});

export const TX_STATUSES = all<TxStatus>({
  awaiting_customer_confirmation: true,
  pending_chain: true,
  confirmed: true,
  failed: true,
  frozen: true,
  reversed: true,
});

export const TX_DIRECTIONS = all<TxDirection>({ deposit: true, withdrawal: true, transfer: true });

export const TIERS = all<CustomerTier>({ standard: true, vip: true, institutional: true });

export const ROLES = all<Role>({ agent: true, supervisor: true, admin: true });

export const MESSAGE_KINDS = all<MessageKind>({
  public_reply: true,
  internal_note: true,
  system_event: true,
});

export const AUTHOR_KINDS = all<AuthorKind>({ customer: true, agent: true, system: true });

export const CONNECTIVITIES = all<Connectivity>({ online: true, offline: true, unknown: true });

/** Sidebar order. */
export const INBOX_VIEWS = all<InboxView>({
  open: true,
  mine: true,
  unassigned: true,
  awaiting_confirmation: true,
  all: true,
});

export const ERROR_CODES = all<ErrorCode>({
  bad_request: true,
  invalid_credentials: true,
  invalid_invitation: true,
  unauthorized: true,
  session_expired: true,
  device_revoked: true,
  forbidden: true,
  account_disabled: true,
  not_found: true,
  conflict: true,
  rate_limited: true,
  blocked: true,
  payload_too_large: true,
  rebootstrap_required: true,
  unavailable: true,
  offline: true,
  untrusted_server: true,
  not_signed_in: true,
  keyring: true,
  storage: true,
  internal: true,
});
