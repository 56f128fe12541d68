// Generated filler tickets for the large-list tests: deterministic, a mix of common
// zh/en requests spread over weeks.
import type { Category, Channel, Customer, Message, Priority, Ticket, TicketStatus } from '../../src/lib/bindings';

const MIN = 60_000;
const HOUR = 60 * MIN;

type MakeCustomer = (now: number, c: Partial<Customer> & Pick<Customer, 'id' | 'name'>) => Customer;

export function addBulk(
  now: number,
  count: number,
  customers: Customer[],
  tickets: Ticket[],
  messages: Message[],
  customer: MakeCustomer,
  [me, other]: [string, string],
): void {
  const subjects: [string, string, Category][] = [
    ['提币一直显示等待确认', 'zh-CN', 'transaction_confirmation'],
    ['Withdrawal stuck on "awaiting confirmation"', 'en', 'transaction_confirmation'],
    ['充值未到账', 'zh-CN', 'funds_not_arrived'],
    ['Deposit not credited after 2 hours', 'en', 'funds_not_arrived'],
    ['忘记谷歌验证码，无法登录', 'zh-CN', 'account_locked'],
    ['Lost 2FA device', 'en', 'account_locked'],
    ['如何导出交易记录？', 'zh-CN', 'usage_help'],
    ['Fee looks too high for USDT on TRON', 'en', 'usage_help'],
    ['交易失败但是扣款了', 'zh-CN', 'funds_not_arrived'],
    ['Someone asked for my seed phrase', 'en', 'security'],
  ];
  const names = ['赵敏', '陈晨', 'Olivia Brown', '孙浩', 'Daniel Kim', '周婷', 'Lucas Martin', '黄磊', 'Ana Silva', '徐静'];
  const statuses: TicketStatus[] = ['new', 'open', 'open', 'pending_customer', 'on_hold', 'solved', 'closed'];
  const priorities: Priority[] = ['normal', 'normal', 'normal', 'high', 'low', 'urgent'];
  const channels: Channel[] = ['email', 'chat', 'telegram', 'wechat', 'web_form', 'phone'];
  names.forEach((name, i) =>
    customers.push(
      customer(now, {
        id: `cust-b${i}`,
        name,
        preferred_language: /\p{Script=Han}/u.test(name) ? 'zh-CN' : 'en',
        tier: i % 4 === 0 ? 'vip' : 'standard',
      }),
    ),
  );
  let seed = 42;
  const rand = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  for (let i = 0; i < count; i++) {
    const [subject, language, category] = subjects[rand(subjects.length)] ?? subjects[0]!;
    const customerIndex = rand(names.length);
    const at = now - (i + 1) * 7 * MIN - rand(5 * MIN);
    const id = `t-b${i}`;
    const status = statuses[rand(statuses.length)] ?? 'open';
    tickets.push({
      id,
      number: 20000 + count - i,
      subject: `${subject} (${i + 1})`,
      customer_id: `cust-b${customerIndex}`,
      channel: channels[rand(channels.length)] ?? 'email',
      status,
      priority: priorities[rand(priorities.length)] ?? 'normal',
      category,
      tags: [],
      assignee_id: rand(3) === 0 ? me : rand(2) === 0 ? other : null,
      group: null,
      language,
      first_response_due_at: status === 'new' ? at + 4 * HOUR : null,
      resolution_due_at: null,
      linked_transaction_ids: [],
      incident_id: null,
      merged_into: null,
      deleted_at: null,
      secret_exposed_at: null,
      csat: null,
      created_at: at - HOUR,
      updated_at: at,
      last_message_at: at,
    });
    messages.push({
      id: `${id}-m1`,
      ticket_id: id,
      kind: 'public_reply',
      author: { kind: 'customer', id: `cust-b${customerIndex}`, name: names[customerIndex] ?? 'Customer' },
      body_text: language === 'zh-CN' ? `${subject}，请帮忙看一下。` : `${subject}. Please help.`,
      body_html: null,
      attachments: [],
      created_at: at,
    });
  }
}
