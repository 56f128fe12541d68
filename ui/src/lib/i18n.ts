// UI chrome and enum labels in English and Simplified Chinese. Pure: the current
// locale lives in locale.svelte.ts; this module only knows the words.
//
// `zh-CN` is typed as `Record<MessageKey, string>`, so a key missing from it does not
// compile; i18n.test.ts checks the same at run time, plus placeholders.

export type Locale = 'en' | 'zh-CN';
export const LOCALES: readonly Locale[] = ['en', 'zh-CN'];
export const LOCALE_STORAGE_KEY = 'desk.locale';

const en = {
  'app.name': 'Desk',
  'app.tagline': 'Support console for wallet support teams',
  'app.loading': 'Loading…',
  'app.boot_failed': 'Desk could not read its local session ({code}).',
  'common.retry': 'Retry',

  'lang.en': 'English',
  'lang.zh-CN': '中文',
  'lang.switch': 'Switch language',
  'theme.to_dark': 'Switch to dark theme',
  'theme.to_light': 'Switch to light theme',

  'signin.title': 'Sign in',
  'signin.server_url': 'Server URL',
  'signin.email': 'Email',
  'signin.password': 'Password',
  'signin.submit': 'Sign in',
  'signin.busy': 'Signing in…',
  'signin.hint': 'Your password is sent to the server only; it is never stored on this device.',
  'signin.session_ended': 'Your session has ended. Sign in again.',
  'signin.cache_reset.key_missing':
    'This computer’s encrypted ticket cache could not be opened: its key is missing from the system keychain. Desk started an empty cache. Sign in to download your tickets again; actions that were not yet sent could not be recovered.',
  'signin.cache_reset.device_revoked':
    'This device was signed out on the server (by an administrator, or because your sign-in was used elsewhere). For safety, Desk deleted the tickets and unsent work kept on this computer. Sign in again to continue.',
  'signin.cache_reset.key_mismatch':
    'This computer’s encrypted ticket cache could not be opened with the key in the system keychain. Desk started an empty cache. Sign in to download your tickets again; actions that were not yet sent could not be recovered.',
  'signin.missing_fields': 'Enter the server URL, email and password.',
  'signin.error.invalid_credentials': 'Wrong email or password.',
  'signin.error.offline': 'Can’t reach the server. Check the address and your network.',
  'signin.error.bad_request': 'The server URL or email doesn’t look right.',
  'signin.error.rate_limited': 'Too many attempts. Wait a minute and try again.',
  'signin.error.account_disabled': 'This account is disabled. Contact your administrator.',
  'signin.error.keyring': 'Couldn’t store your sign-in in the system keychain.',
  'signin.error.other': 'Sign-in failed ({code}).',

  'top.synced': 'Synced {time}',
  'top.never_synced': 'Not synced yet',
  'top.sync_now': 'Sync now',
  'top.syncing': 'Syncing…',
  'top.sign_out': 'Sign out',
  'top.sync_failed': 'Last sync failed: {reason}',
  'top.cached': '{count} tickets cached',

  'firstsync.title': 'Setting up this device',
  'firstsync.detail': 'Desk is copying your team’s tickets to this computer, so you can keep working when the network or the server is down.',
  'firstsync.starting': 'Connecting to the server…',
  'firstsync.receiving': 'Receiving {done} of {total} changes',
  'firstsync.preparing': 'Preparing the inbox…',
  'indexing.status': 'Indexing for search {percent}%',
  'indexing.title': 'Search covers what is indexed so far; the rest follows in the background.',
  'offline.banner': 'Offline — showing cached tickets; your work is kept on this device.',
  'offline.detail': 'Desk reconnects by itself when the server is reachable again.',

  'sidebar.views': 'Views',
  'sidebar.shortcuts': 'Shortcuts',

  'list.filter_placeholder': 'Filter by subject, customer or #number',
  'list.filter_label': 'Filter tickets',
  'list.empty': 'No tickets in this view',
  'list.empty_hint': 'New tickets appear here as they arrive.',
  'list.no_match': 'No tickets match “{query}”',
  'list.clear_filter': 'Clear filter',
  'list.loading': 'Loading tickets…',
  'list.error': 'Couldn’t load tickets ({code}).',
  'list.truncated': 'Showing the {count} most recent tickets',
  'list.filtered': '{shown} of {total}',
  'list.unnumbered': 'Unsynced',
  'list.sla_overdue': 'SLA overdue',
  'list.sla_due': 'SLA {time}',

  'keys.move': 'Next / previous ticket',
  'keys.open': 'Open ticket',
  'keys.filter': 'Filter',
  'keys.views': 'Switch view',

  'detail.none': 'No ticket open',
  'detail.none_hint': 'Pick a ticket with j / k and Enter, or click one.',
  'detail.loading': 'Loading ticket…',
  'detail.not_found': 'This ticket is no longer in the local cache.',
  'detail.error': 'Couldn’t open the ticket ({code}).',
  'detail.assignee': 'Assignee',
  'detail.unassigned': 'Unassigned',
  'detail.group': 'Group',
  'detail.channel': 'Channel',
  'detail.language': 'Language',
  'detail.created': 'Created',
  'detail.first_response_due': 'First response due',
  'detail.resolution_due': 'Resolution due',
  'detail.overdue': 'Overdue',
  'detail.conversation': 'Conversation',
  'detail.no_messages': 'No messages yet',
  'detail.conversation_on_server': 'Earlier messages of this closed ticket are kept on the server. They appear here when Desk is online.',
  'detail.merged': 'Merged into another ticket',
  'detail.csat': 'CSAT {score}/5',
  'detail.attachments': 'Attachments',
  'detail.tags': 'Tags',

  'customer.title': 'Customer',
  'customer.none': 'No customer record in the cache',
  'customer.platform_id': 'User ID',
  'customer.kyc': 'KYC level',
  'customer.kyc_value': 'L{level}',
  'customer.language': 'Preferred language',
  'customer.since': 'Customer since',
  'customer.emails': 'Email',
  'customer.phones': 'Phone',
  'customer.handles': 'Messengers',
  'customer.risk_flags': 'Risk flags',
  'customer.no_risk': 'None',
  'customer.tags': 'Tags',
  'customer.notes': 'Notes',
  'customer.transactions': 'Wallet transactions',
  'customer.no_transactions': 'No transactions on record',
  'customer.awaiting_count': '{count} awaiting',

  'tx.awaiting_hint': 'Waiting for the customer to confirm in the app',
  'tx.confirmations': 'Confirmations',
  'tx.hash': 'Tx hash',
  'tx.no_hash': 'No hash yet',
  'tx.linked': 'Linked',
  'tx.linked_title': 'Linked to this ticket',

  'time.just_now': 'just now',

  'status.new': 'New',
  'status.open': 'Open',
  'status.pending_customer': 'Pending customer',
  'status.on_hold': 'On hold',
  'status.solved': 'Solved',
  'status.closed': 'Closed',

  'priority.low': 'Low',
  'priority.normal': 'Normal',
  'priority.high': 'High',
  'priority.urgent': 'Urgent',

  'category.transaction_confirmation': 'Transaction confirmation',
  'category.funds_not_arrived': 'Funds not arrived',
  'category.account_locked': 'Account locked',
  'category.security': 'Security',
  'category.technical': 'Technical',
  'category.usage_help': 'Usage help',
  'category.account': 'Account',
  'category.complaint': 'Complaint',
  'category.large_transaction': 'Large transaction',
  'category.dispute': 'Dispute',
  'category.other': 'Other',

  'channel.email': 'Email',
  'channel.chat': 'Live chat',
  'channel.telegram': 'Telegram',
  'channel.wechat': 'WeChat',
  'channel.web_form': 'Web form',
  'channel.phone': 'Phone',

  'tx_status.awaiting_customer_confirmation': 'Awaiting confirmation',
  'tx_status.pending_chain': 'Pending on chain',
  'tx_status.confirmed': 'Confirmed',
  'tx_status.failed': 'Failed',
  'tx_status.frozen': 'Frozen',
  'tx_status.reversed': 'Reversed',

  'tx_direction.deposit': 'Deposit',
  'tx_direction.withdrawal': 'Withdrawal',
  'tx_direction.transfer': 'Transfer',

  'tier.standard': 'Standard',
  'tier.vip': 'VIP',
  'tier.institutional': 'Institutional',

  'role.agent': 'Agent',
  'role.supervisor': 'Supervisor',
  'role.admin': 'Admin',

  'message_kind.public_reply': 'Reply',
  'message_kind.internal_note': 'Internal note',
  'message_kind.system_event': 'System',

  'author_kind.customer': 'Customer',
  'author_kind.agent': 'Agent',
  'author_kind.system': 'System',

  'connectivity.online': 'Online',
  'connectivity.offline': 'Offline — working from cache',
  'connectivity.unknown': 'Connecting…',

  'view.open': 'Open',
  'view.mine': 'Mine',
  'view.unassigned': 'Unassigned',
  'view.awaiting_confirmation': 'Awaiting confirmation',
  'view.all': 'All',

  'error.bad_request': 'Bad request',
  'error.invalid_credentials': 'Wrong email or password',
  'error.unauthorized': 'Not authorized',
  'error.session_expired': 'Session expired',
  'error.device_revoked': 'This device was signed out',
  'error.forbidden': 'Not allowed',
  'error.account_disabled': 'Account disabled',
  'error.not_found': 'Not found',
  'error.conflict': 'Conflict',
  'error.rate_limited': 'Too many requests',
  'error.blocked': 'Blocked: support never asks for a seed phrase, private key, password or 2FA code',
  'error.payload_too_large': 'Too large',
  'error.rebootstrap_required': 'Full resync needed',
  'error.unavailable': 'Server temporarily unavailable',
  'error.offline': 'Server unreachable',
  'error.not_signed_in': 'Not signed in',
  'error.keyring': 'System keychain error',
  'error.storage': 'Local storage error',
  'error.internal': 'Internal error',
} as const;

export type MessageKey = keyof typeof en;

const zhCN: Record<MessageKey, string> = {
  'app.name': 'Desk',
  'app.tagline': '钱包客服团队的工作台',
  'app.loading': '正在加载…',
  'app.boot_failed': 'Desk 无法读取本地会话（{code}）。',
  'common.retry': '重试',

  'lang.en': 'English',
  'lang.zh-CN': '中文',
  'lang.switch': '切换语言',
  'theme.to_dark': '切换到深色主题',
  'theme.to_light': '切换到浅色主题',

  'signin.title': '登录',
  'signin.server_url': '服务器地址',
  'signin.email': '邮箱',
  'signin.password': '密码',
  'signin.submit': '登录',
  'signin.busy': '正在登录…',
  'signin.hint': '密码只发送给服务器，不会保存在本机。',
  'signin.session_ended': '会话已结束，请重新登录。',
  'signin.cache_reset.key_missing':
    '无法打开本机加密的工单缓存：系统钥匙串中缺少它的密钥。Desk 已新建一个空缓存，请登录以重新下载工单；尚未发送的操作无法恢复。',
  'signin.cache_reset.device_revoked':
    '此设备已在服务器上被登出（由管理员操作，或您的登录信息在别处被使用）。为安全起见，Desk 已删除本机保存的工单和尚未发送的操作。请重新登录以继续。',
  'signin.cache_reset.key_mismatch':
    '无法用系统钥匙串中的密钥打开本机加密的工单缓存。Desk 已新建一个空缓存，请登录以重新下载工单；尚未发送的操作无法恢复。',
  'signin.missing_fields': '请填写服务器地址、邮箱和密码。',
  'signin.error.invalid_credentials': '邮箱或密码错误。',
  'signin.error.offline': '无法连接服务器，请检查地址和网络。',
  'signin.error.bad_request': '服务器地址或邮箱格式不正确。',
  'signin.error.rate_limited': '尝试次数过多，请稍等一分钟再试。',
  'signin.error.account_disabled': '该账号已停用，请联系管理员。',
  'signin.error.keyring': '无法将登录信息保存到系统钥匙串。',
  'signin.error.other': '登录失败（{code}）。',

  'top.synced': '同步于{time}',
  'top.never_synced': '尚未同步',
  'top.sync_now': '立即同步',
  'top.syncing': '正在同步…',
  'top.sign_out': '退出登录',
  'top.sync_failed': '上次同步失败：{reason}',
  'top.cached': '已缓存 {count} 个工单',

  'firstsync.title': '正在设置此设备',
  'firstsync.detail': 'Desk 正在把团队的工单复制到这台电脑上，这样即使网络或服务器中断，您也能继续工作。',
  'firstsync.starting': '正在连接服务器…',
  'firstsync.receiving': '正在接收 {done} / {total} 条变更',
  'firstsync.preparing': '正在准备收件箱…',
  'indexing.status': '正在建立搜索索引 {percent}%',
  'indexing.title': '搜索仅覆盖已建立索引的内容，其余部分会在后台继续完成。',
  'offline.banner': '离线 — 正在显示本地缓存的工单；您的操作会保存在本机。',
  'offline.detail': '服务器恢复可用后，Desk 会自动重新连接。',

  'sidebar.views': '视图',
  'sidebar.shortcuts': '快捷键',

  'list.filter_placeholder': '按主题、客户或编号筛选',
  'list.filter_label': '筛选工单',
  'list.empty': '此视图中没有工单',
  'list.empty_hint': '新工单到达后会显示在这里。',
  'list.no_match': '没有与“{query}”匹配的工单',
  'list.clear_filter': '清除筛选',
  'list.loading': '正在加载工单…',
  'list.error': '无法加载工单（{code}）。',
  'list.truncated': '仅显示最近的 {count} 个工单',
  'list.filtered': '{shown} / {total}',
  'list.unnumbered': '待同步',
  'list.sla_overdue': 'SLA 已超时',
  'list.sla_due': 'SLA {time}',

  'keys.move': '下一个 / 上一个工单',
  'keys.open': '打开工单',
  'keys.filter': '筛选',
  'keys.views': '切换视图',

  'detail.none': '未打开工单',
  'detail.none_hint': '用 j / k 和 Enter 选择工单，或直接点击。',
  'detail.loading': '正在加载工单…',
  'detail.not_found': '本地缓存中已找不到此工单。',
  'detail.error': '无法打开工单（{code}）。',
  'detail.assignee': '处理人',
  'detail.unassigned': '未分配',
  'detail.group': '小组',
  'detail.channel': '渠道',
  'detail.language': '语言',
  'detail.created': '创建时间',
  'detail.first_response_due': '首次响应期限',
  'detail.resolution_due': '解决期限',
  'detail.overdue': '已超时',
  'detail.conversation': '对话',
  'detail.no_messages': '暂无消息',
  'detail.conversation_on_server': '此已关闭工单的较早消息保存在服务器上，Desk 联网后会在此显示。',
  'detail.merged': '已合并到其他工单',
  'detail.csat': '满意度 {score}/5',
  'detail.attachments': '附件',
  'detail.tags': '标签',

  'customer.title': '客户',
  'customer.none': '缓存中没有该客户的资料',
  'customer.platform_id': '用户 ID',
  'customer.kyc': 'KYC 等级',
  'customer.kyc_value': 'L{level}',
  'customer.language': '首选语言',
  'customer.since': '注册时间',
  'customer.emails': '邮箱',
  'customer.phones': '电话',
  'customer.handles': '即时通讯',
  'customer.risk_flags': '风险标记',
  'customer.no_risk': '无',
  'customer.tags': '标签',
  'customer.notes': '备注',
  'customer.transactions': '钱包交易',
  'customer.no_transactions': '暂无交易记录',
  'customer.awaiting_count': '{count} 笔待确认',

  'tx.awaiting_hint': '等待客户在 App 内确认',
  'tx.confirmations': '确认数',
  'tx.hash': '交易哈希',
  'tx.no_hash': '尚无哈希',
  'tx.linked': '已关联',
  'tx.linked_title': '已关联此工单',

  'time.just_now': '刚刚',

  'status.new': '新建',
  'status.open': '处理中',
  'status.pending_customer': '等待客户',
  'status.on_hold': '挂起',
  'status.solved': '已解决',
  'status.closed': '已关闭',

  'priority.low': '低',
  'priority.normal': '普通',
  'priority.high': '高',
  'priority.urgent': '紧急',

  'category.transaction_confirmation': '交易确认',
  'category.funds_not_arrived': '资金未到账',
  'category.account_locked': '账户被锁',
  'category.security': '安全',
  'category.technical': '技术问题',
  'category.usage_help': '使用帮助',
  'category.account': '账户',
  'category.complaint': '投诉',
  'category.large_transaction': '大额交易',
  'category.dispute': '争议',
  'category.other': '其他',

  'channel.email': '邮件',
  'channel.chat': '在线聊天',
  'channel.telegram': 'Telegram',
  'channel.wechat': '微信',
  'channel.web_form': '网页表单',
  'channel.phone': '电话',

  'tx_status.awaiting_customer_confirmation': '等待确认',
  'tx_status.pending_chain': '链上确认中',
  'tx_status.confirmed': '已确认',
  'tx_status.failed': '失败',
  'tx_status.frozen': '已冻结',
  'tx_status.reversed': '已撤销',

  'tx_direction.deposit': '充值',
  'tx_direction.withdrawal': '提币',
  'tx_direction.transfer': '转账',

  'tier.standard': '普通',
  'tier.vip': 'VIP',
  'tier.institutional': '机构',

  'role.agent': '客服',
  'role.supervisor': '主管',
  'role.admin': '管理员',

  'message_kind.public_reply': '回复',
  'message_kind.internal_note': '内部备注',
  'message_kind.system_event': '系统',

  'author_kind.customer': '客户',
  'author_kind.agent': '客服',
  'author_kind.system': '系统',

  'connectivity.online': '在线',
  'connectivity.offline': '离线 — 使用本地缓存',
  'connectivity.unknown': '正在连接…',

  'view.open': '未解决',
  'view.mine': '我的',
  'view.unassigned': '未分配',
  'view.awaiting_confirmation': '等待确认',
  'view.all': '全部',

  'error.bad_request': '请求无效',
  'error.invalid_credentials': '邮箱或密码错误',
  'error.unauthorized': '未授权',
  'error.session_expired': '会话已过期',
  'error.device_revoked': '此设备已被登出',
  'error.forbidden': '无权限',
  'error.account_disabled': '账号已停用',
  'error.not_found': '未找到',
  'error.conflict': '冲突',
  'error.rate_limited': '请求过于频繁',
  'error.blocked': '已拦截：客服绝不索要助记词、私钥、密码或验证码',
  'error.payload_too_large': '内容过大',
  'error.rebootstrap_required': '需要完整重新同步',
  'error.unavailable': '服务器暂时不可用',
  'error.offline': '无法连接服务器',
  'error.not_signed_in': '未登录',
  'error.keyring': '系统钥匙串错误',
  'error.storage': '本地存储错误',
  'error.internal': '内部错误',
};

export const dictionaries: Record<Locale, Record<MessageKey, string>> = {
  en,
  'zh-CN': zhCN,
};

export type Params = Record<string, string | number>;

/** `{name}` placeholders are replaced from `params`; an unknown one stays visible. */
export function translate(locale: Locale, key: MessageKey, params?: Params): string {
  const template = dictionaries[locale][key] ?? dictionaries.en[key] ?? key;
  if (!params) return template;
  return template.replace(/\{(\w+)\}/g, (whole, name: string) =>
    Object.hasOwn(params, name) ? String(params[name]) : whole,
  );
}

/** Names of the `{placeholders}` in a template, sorted. */
export function placeholders(template: string): string[] {
  return [...template.matchAll(/\{(\w+)\}/g)].map((m) => m[1] ?? '').sort();
}

export function isLocale(value: unknown): value is Locale {
  return typeof value === 'string' && (LOCALES as readonly string[]).includes(value);
}

/** A remembered choice wins; otherwise Chinese for any `zh*` system language. */
export function detectLocale(stored: string | null | undefined, systemLanguage: string | undefined): Locale {
  if (isLocale(stored)) return stored;
  return systemLanguage?.toLowerCase().startsWith('zh') ? 'zh-CN' : 'en';
}
