//! Chinese (zh-CN) conversation templates for the demo dataset (DESIGN.md §1 situations).

use desk_core::Category::*;
use desk_core::Priority::*;

use super::template::Step::{A, C, F, N, S};
use super::template::*;

pub const TEMPLATES: &[Template] = &[
    Template {
        key: "zh-await-no-button",
        category: TransactionConfirmation,
        priority: High,
        tags: &["awaiting-confirmation", "confirm-guide"],
        tx: AWAIT_WD,
        subject: "转账一直显示等待确认",
        steps: &[
            C(
                "你好,我{hours}小时前提了 {amount} {asset} 到另一个钱包,页面一直显示「等待确认」,可是我找不到确认按钮,是不是卡住了?",
            ),
            A(
                "{name} 您好,我是客服{agent}。这笔提币需要您本人在 App 里确认后才会广播上链:打开「资产」→「{asset}」→ 点击这笔「等待确认」的记录,页面底部就是「确认转账」按钮。",
            ),
            C("找到了,原来在记录详情里,我一直在首页找。已经点了确认。"),
            A("收到,系统显示已广播。按当前网络情况预计 {eta} 分钟内到账,有问题随时回复这个工单。"),
        ],
    },
    Template {
        key: "zh-await-thought-automatic",
        category: TransactionConfirmation,
        priority: Normal,
        tags: &["awaiting-confirmation"],
        tx: AWAIT_WD,
        subject: "为什么转账还要我自己确认?",
        steps: &[
            C("我以为确认是自动的,等了一整天 {amount} {asset} 都没转出去,你们系统是不是有问题?"),
            A(
                "您好,为保障资金安全,每笔提币都需要您手动确认一次,防止他人盗用账户直接转走资产。在交易详情页点击「确认」并输入支付密码即可,确认后通常几分钟内上链。",
            ),
            C("那以后能不能不用确认?每次都要点很麻烦。"),
            A(
                "理解您的感受。白名单地址可以在「安全中心 → 免确认额度」里设置小额免确认,超出额度仍需确认,以保护您的资产。",
            ),
        ],
    },
    Template {
        key: "zh-await-price-hesitate",
        category: TransactionConfirmation,
        priority: Normal,
        tags: &["awaiting-confirmation", "price-volatility"],
        tx: AWAIT_TRANSFER,
        subject: "交易未确认,行情波动想再等等",
        steps: &[
            C(
                "我有一笔 {amount} {asset} 的转账还没确认,这两天价格跌得厉害,我想再等等。这笔会不会自动取消?",
            ),
            A(
                "您好{name},未确认的交易会保留 24 小时,超时后自动取消,资产退回可用余额,不产生手续费。如果决定继续,请在过期前完成确认。",
            ),
            N("客户因行情犹豫,已说明过期规则。列入确认率跟进名单,明早回访。"),
            C("好的,我明天上午决定。"),
        ],
    },
    Template {
        key: "zh-await-new-phone",
        category: TransactionConfirmation,
        priority: Normal,
        tags: &["awaiting-confirmation", "new-device"],
        tx: AWAIT_WD,
        subject: "换了手机,确认交易时提示设备未授权",
        steps: &[
            C(
                "我在新手机上登录后想确认那笔 {amount} {asset} 的提币,一直提示「设备未授权」,点不了确认。",
            ),
            A(
                "您好,新设备首次登录后需要完成设备授权才能确认交易:请在「设置 → 设备管理」中点击「授权本设备」,并输入邮箱验证码。",
            ),
            C("授权好了,但是确认的时候又要谷歌验证码,我的验证器还在旧手机上。"),
            A("没问题,旧手机上的验证码同样有效,直接输入即可。建议之后把验证器迁移到新手机。"),
        ],
    },
    Template {
        key: "zh-pending-network-peak",
        category: TransactionConfirmation,
        priority: High,
        tags: &["network-congestion", "pending-chain"],
        tx: PENDING_WD,
        subject: "交易一直 pending,只有 {conf}/{req} 个确认",
        steps: &[
            C(
                "交易哈希 {hash},已经过去 {hours} 个小时了,区块浏览器上只有 {conf} 个确认,什么时候能到?",
            ),
            A(
                "您好,现在 {chain} 网络比较拥堵,出块和确认都比平时慢。这笔交易需要 {req} 个确认,目前 {conf}/{req},仍在正常推进,预计还需要 {eta} 分钟左右。",
            ),
            C("好的,那我再等等。到账了能通知我一下吗?"),
            N("已设置提醒:确认数达到 {req} 后回复客户。"),
        ],
    },
    Template {
        key: "zh-deposit-not-arrived",
        category: FundsNotArrived,
        priority: High,
        tags: &["deposit", "funds-not-arrived"],
        tx: PENDING_DEP,
        subject: "充值未到账:{amount} {asset}",
        steps: &[
            C(
                "我从交易所往钱包充了 {amount} {asset}({chain} 网络),交易所显示已完成,但我这边余额没变化。哈希:{hash}",
            ),
            A(
                "您好{name},已查到这笔充值,链上目前 {conf}/{req} 个确认,达到 {req} 个确认后会自动入账,不需要您做任何操作。",
            ),
            C("可是已经 {hours} 个小时了,平时十分钟就到。"),
            A(
                "最近 {chain} 网络交易量很大,确认速度变慢了。我们会持续关注这笔充值,入账后第一时间通知您。",
            ),
        ],
    },
    Template {
        key: "zh-withdraw-not-arrived-memo",
        category: FundsNotArrived,
        priority: High,
        tags: &["withdrawal", "funds-not-arrived", "memo"],
        tx: CONFIRMED_WD,
        subject: "提币未到账,对方平台说没收到",
        steps: &[
            C("我昨天提了 {amount} {asset} 到 {addr},你们显示成功,但对方平台说没收到,钱去哪了?"),
            A(
                "您好,这笔提币已在链上确认({conf} 个确认),交易哈希:{hash}。资金已到达目标地址,请把哈希发给收款平台,让对方按哈希查询入账。",
            ),
            C("对方说他们的充值需要填 memo,我没填……"),
            N("疑似漏填 memo,引导客户联系收款平台人工找回,我方无法撤回链上交易。"),
            A(
                "明白了。漏填 memo 的充值需要收款平台人工处理,请向对方提供交易哈希、金额和您的账户 ID,一般 1–3 个工作日可以找回。",
            ),
        ],
    },
    Template {
        key: "zh-wrong-network",
        category: FundsNotArrived,
        priority: Normal,
        tags: &["deposit", "wrong-network"],
        tx: CONFIRMED_DEP,
        subject: "充错网络了,资金还能找回吗",
        steps: &[
            C(
                "我好像把 {asset} 充到了错误的网络,{amount} {asset},现在余额里看不到,还能找回吗?好着急",
            ),
            A(
                "您好{name},先别着急。请提供交易哈希和发送方平台名称,我们核实目标地址是否属于您的账户。",
            ),
            C("哈希是 {hash}"),
            N("已核实:地址属于客户,{chain} 链我方支持,提交技术团队手动入账,预计 2 个工作日。"),
            A(
                "已确认这笔资金在您的地址上,人工入账申请已提交,预计 2 个工作日内完成,完成后会通知您。",
            ),
        ],
    },
    Template {
        key: "zh-failed-but-deducted",
        category: FundsNotArrived,
        priority: Urgent,
        tags: &["failed-transaction", "balance-deducted"],
        tx: FAILED_WD,
        subject: "交易失败但是扣款了",
        steps: &[
            C("提币显示失败,可是余额少了 {amount} {asset}!交易没成功钱却被扣了,请马上处理!"),
            A(
                "非常抱歉给您带来困扰。这笔交易在链上执行失败(哈希 {short}),被扣除的金额会在失败确认后自动退回,通常 30 分钟内到账。我已经帮您提交加急。",
            ),
            N("链上状态 failed,退款任务已排队。若 1 小时内未退回,升级到资金组。"),
            C("还是没看到退回……"),
            A(
                "已人工加急处理,{amount} {asset} 已退回可用余额,链上失败消耗的矿工费也按补偿政策返还了,给您添麻烦了。",
            ),
        ],
    },
    Template {
        key: "zh-tron-energy",
        category: Technical,
        priority: Normal,
        tags: &["tron", "energy"],
        tx: FAILED_TRON,
        subject: "USDT 转账失败,提示能量不足",
        steps: &[
            F(
                "转 {amount} {asset} 的时候提示失败,说什么能量不足,截图发你们了。我账户里明明有钱啊?",
            ),
            A(
                "您好,TRON 网络转 USDT 需要消耗能量和带宽,如果 TRX 余额不够支付,交易就会失败。建议保留至少 30 TRX 作为手续费,或者在「资源」页面质押获取能量。",
            ),
            C("充了 TRX 之后重新转就成功了,谢谢。"),
        ],
    },
    Template {
        key: "zh-account-locked",
        category: AccountLocked,
        priority: High,
        tags: &["account-locked", "identity-verification"],
        tx: None,
        subject: "账户被锁了,登录不上",
        steps: &[
            C("输错几次密码之后账户被锁了,显示 24 小时后才能解锁,我现在急着用钱怎么办?"),
            A(
                "您好{name},为了资产安全,连续输错密码会临时锁定账户。提前解锁需要先完成身份验证:请提供注册手机号后四位,并在 App 中完成人脸识别。",
            ),
            C("手机号后四位是 {phone4},人脸识别已经做了。"),
            N("已核验:手机号后四位一致,人脸识别通过。申请解锁,需主管审批。"),
            A("身份验证已通过,账户已解锁。建议登录后尽快修改密码并开启谷歌验证器。"),
        ],
    },
    Template {
        key: "zh-account-frozen-risk",
        category: AccountLocked,
        priority: High,
        tags: &["risk-control", "frozen"],
        tx: FROZEN_WD,
        subject: "账户被风控限制,提币被拦截",
        steps: &[
            C("我提币 {amount} {asset} 被拦截了,账户也显示受限,我没做任何违规的事情!"),
            A(
                "您好,系统检测到这次提币来自新设备,且目标地址是首次使用,触发了风控保护,您的资产目前是安全的。请配合完成身份核验,我们会尽快处理。",
            ),
            N("风控命中:新设备 + 新地址 + 金额偏大。需视频核验,核验前不得放行。"),
            C("好的,视频核验要怎么做?"),
            A(
                "已给您发送视频核验入口(仅限 App 内打开),请按提示手持证件录制 5 秒视频,核验通过后即解除限制。",
            ),
        ],
    },
    Template {
        key: "zh-lost-2fa",
        category: Account,
        priority: Normal,
        tags: &["2fa", "identity-verification"],
        tx: None,
        subject: "手机丢了,谷歌验证器没了",
        steps: &[
            C("手机丢了,谷歌验证码收不到,现在没法提币也没法登录新设备,怎么重置?"),
            A(
                "您好{name},重置谷歌验证器需要人工审核:请提交身份证正反面,以及手持身份证和写有当天日期、「重置谷歌验证」字样纸条的照片。",
            ),
            F("资料已经上传了。"),
            A("资料已收到,审核通常需要 1–2 个工作日。为保护资产,重置后 24 小时内暂停提币。"),
        ],
    },
    Template {
        key: "zh-migrate-authenticator",
        category: UsageHelp,
        priority: Low,
        tags: &["2fa", "how-to"],
        tx: None,
        subject: "换新手机了,验证器怎么迁移",
        steps: &[
            C("我换了新手机,旧手机还在,谷歌验证器怎么转过去?"),
            A(
                "您好,旧手机还在的话最简单:在旧手机的验证器里选择「导出账号」,用新手机扫码导入即可。导入后请在 App 里用新手机的验证码测试一次。",
            ),
            C("已经搞定了,谢谢!"),
        ],
    },
    Template {
        key: "zh-withdraw-review-delay",
        category: FundsNotArrived,
        priority: Normal,
        tags: &["withdrawal", "review-delay"],
        tx: FROZEN_WD,
        subject: "提币审核了 {hours} 个小时还没好",
        steps: &[
            C("提币一直显示「审核中」,已经 {hours} 个小时了,以前都是几分钟就好。"),
            A(
                "您好,今天提币量很大,人工审核队列比较长。您这笔 {amount} {asset} 正在排队,预计 {eta} 分钟内处理完,请耐心等待。",
            ),
            C("能不能快一点,我急用。"),
            N("客户催促,已在审核群内标注加急。"),
        ],
    },
    Template {
        key: "zh-no-reply-complaint",
        category: Complaint,
        priority: High,
        tags: &["no-reply", "complaint"],
        tx: CONFIRMED_DEP,
        subject: "客服不回复!!!",
        steps: &[
            C("我三天前就提交了问题,到现在没人回复,你们客服是不是都下班了?再不回复我就去投诉!"),
            A(
                "{name} 您好,非常抱歉让您久等了。最近行情波动大,咨询量是平时的好几倍,我们没能及时回复。我现在亲自跟进,请问是哪笔交易有问题?",
            ),
            C("我充值的 {amount} {asset} 一直没到账,哈希 {hash}"),
            A(
                "已查到,这笔充值已经入账到您的账户,之前因网络拥堵有延迟。再次为等待向您致歉,后续有任何问题直接回复这个工单找我{agent}。",
            ),
        ],
    },
    Template {
        key: "zh-multi-channel-repeat",
        category: Complaint,
        priority: Normal,
        tags: &["repeat-contact", "multi-channel"],
        tx: PENDING_DEP,
        subject: "同一个问题我在微信和邮件都问过了",
        steps: &[
            C(
                "同一个问题我在微信、邮件和在线客服都问过了,每次都让我重新描述一遍,能不能有个人负责到底?",
            ),
            N("同一客户在另外两个渠道有重复咨询,已合并到本工单处理。"),
            A(
                "您好{name},抱歉让您重复沟通。其他渠道的咨询已合并到这个工单,后续由我{agent}全程跟进。您的充值 {amount} {asset} 目前 {conf}/{req} 个确认。",
            ),
            C("好的,那就麻烦你了。"),
        ],
    },
    Template {
        key: "zh-seed-phrase-pasted",
        category: Security,
        priority: Urgent,
        tags: &["seed-phrase-redacted", "security-alert"],
        tx: None,
        subject: "钱包打不开了,请帮我恢复",
        steps: &[
            C("我的钱包打不开了,这是我的助记词:[已隐藏助记词] 你们帮我恢复一下"),
            S("检测到疑似助记词,已在保存前自动隐藏,并向客户发送了安全提醒。"),
            A(
                "{name} 您好,请勿向任何人(包括官方客服)发送助记词或私钥。您发送的内容已被系统自动隐藏,客服也看不到。由于助记词已经在网络上传输过,建议您立即新建钱包并转移资产。",
            ),
            C("好的,我现在就转移。谢谢提醒。"),
        ],
    },
    Template {
        key: "zh-private-key-pasted",
        category: Security,
        priority: Urgent,
        tags: &["private-key-redacted", "security-alert"],
        tx: None,
        subject: "私钥导入一直失败",
        steps: &[
            C("导入私钥一直提示格式错误,私钥是 [已隐藏私钥],你们看看哪里错了"),
            S("检测到疑似私钥,已自动隐藏;工单已标记为安全事件。"),
            A(
                "您好,出于安全考虑,您发送的私钥已被系统自动隐藏,请不要在任何聊天里发送私钥。导入时请注意:私钥应为 64 位十六进制字符,不要包含空格。",
            ),
            N("已提醒客户迁移资产,客户资料已添加风险标记。"),
        ],
    },
    Template {
        key: "zh-scam-impersonation",
        category: Security,
        priority: High,
        tags: &["scam", "impersonation"],
        tx: None,
        subject: "有人冒充你们客服找我要验证码",
        steps: &[
            F(
                "有个 Telegram 账号 @{fake_handle} 自称是官方客服,说我账户异常,要我提供验证码和助记词,聊天截图在附件里。这是你们的人吗?",
            ),
            A(
                "您好{name},这不是我们的客服!官方客服绝不会主动私信您,也绝不会索要验证码、密码或助记词。请不要回复对方,并在 Telegram 中举报该账号。",
            ),
            C("还好我没给他,已经举报了。"),
            N("冒充账号 @{fake_handle} 已上报安全团队,加入诈骗账号库。"),
        ],
    },
    Template {
        key: "zh-airdrop-approval-scam",
        category: Security,
        priority: High,
        tags: &["scam", "phishing", "token-approval"],
        tx: CONFIRMED_TRANSFER,
        subject: "领空投授权之后资产被转走了",
        steps: &[
            C("钱包里突然多了个空投代币,我按提示去网站领取,授权之后 {amount} {asset} 就没了!"),
            A(
                "您好,非常遗憾遇到这种情况。这是常见的「空投授权」诈骗,请立即在「授权管理」里取消对陌生合约的授权,防止进一步损失。",
            ),
            C("已经取消了,钱还能追回来吗?"),
            A(
                "链上转账无法撤回。我们已把涉事地址 {addr} 提交给合作的安全机构和交易所标记。建议您同时向当地警方报案,我们可以提供交易记录(哈希 {short})。",
            ),
        ],
    },
    Template {
        key: "zh-large-precheck",
        category: LargeTransaction,
        priority: High,
        tags: &["large-transaction", "pre-review"],
        tx: AWAIT_LARGE,
        subject: "大额转账前想先确认流程",
        steps: &[
            C(
                "我准备转 {amount} {asset} 到 {addr},金额比较大,想先确认一下要注意什么,会不会被风控拦下?",
            ),
            A(
                "您好{name},感谢提前沟通。超过 50,000 USDT 等值的转账需要人工复核,建议先用小额(例如 10 USDT)测试目标地址,确认到账后再转大额,复核通常 30 分钟内完成。",
            ),
            N("大额预审:客户 KYC 等级 {kyc},地址首次使用,已做小额测试。建议放行,需主管审批。"),
            C("小额已经到了,大额那笔也提交了,麻烦帮我盯一下。"),
            A("复核已通过,请在 App 内确认这笔交易,确认后即会广播。"),
        ],
    },
    Template {
        key: "zh-large-hold-source-of-funds",
        category: LargeTransaction,
        priority: Normal,
        tags: &["large-transaction", "compliance"],
        tx: FROZEN_LARGE,
        subject: "大额提币被暂停,需要提供什么材料",
        steps: &[
            C("提 {amount} {asset} 被暂停了,说要复核,需要提供什么?"),
            A(
                "您好,根据合规要求,大额提币需要补充资金来源说明,例如交易所提现记录或银行流水截图。提交后我们会在 2 小时内完成复核。",
            ),
            F("交易所的提现记录已经上传了。"),
            N("资料齐全,已提交合规组,待主管审批放行。"),
        ],
    },
    Template {
        key: "zh-dispute-merchant",
        category: Dispute,
        priority: Normal,
        tags: &["dispute", "evidence"],
        tx: CONFIRMED_TRANSFER,
        subject: "付款了商家说没收到,请求介入",
        steps: &[
            C(
                "我用钱包给商家转了 {amount} {asset},哈希 {hash},商家坚持说没收到,不给我发货,请你们介入。",
            ),
            A(
                "您好{name},已核实这笔转账在链上确认并到达地址 {addr}。请提供与商家的聊天记录和订单截图,我们会出具转账证明供您和商家沟通。",
            ),
            F("截图已经上传了。"),
            N("证据:链上确认 {conf} 次,收款地址与订单一致。已出具转账证明。"),
            A(
                "转账证明已发送到您的邮箱,里面有交易哈希、时间和确认数,可以直接提供给商家或平台仲裁。",
            ),
        ],
    },
    Template {
        key: "zh-dispute-double-charge",
        category: Dispute,
        priority: High,
        tags: &["dispute", "double-charge"],
        tx: CONFIRMED_WD,
        subject: "同一笔订单被扣了两次",
        steps: &[
            C("付款时页面卡了一下,结果被扣了两次 {amount} {asset},请把多扣的那笔退回来。"),
            A(
                "您好,我们查到两笔金额相同的交易,第二笔是重复提交的,且都已上链。请确认收款方是否两笔都收到,我们协助您联系对方退回。",
            ),
            N("两笔均已上链,无法撤回,只能协调收款方退款。争议结果需记录。"),
            C("对方同意退回了,谢谢你们帮忙沟通。"),
        ],
    },
    Template {
        key: "zh-fee-too-high",
        category: UsageHelp,
        priority: Low,
        tags: &["fees"],
        tx: CONFIRMED_WD,
        subject: "手续费为什么这么高",
        steps: &[
            C("转 {amount} {asset} 扣了这么多手续费,怎么回事?"),
            A(
                "您好,{chain} 网络的矿工费由网络拥堵程度决定,不是我们收取的。网络空闲时(通常是凌晨)费用会低很多;转 USDT 也可以选 TRON 网络,费用更低。",
            ),
            C("明白了,下次换个时间转。"),
        ],
    },
    Template {
        key: "zh-custom-token",
        category: UsageHelp,
        priority: Low,
        tags: &["how-to", "custom-token"],
        tx: None,
        subject: "买的代币在首页看不到",
        steps: &[
            C("我在首页找不到我买的代币,怎么添加?"),
            A(
                "您好,在「资产」页右上角点「+」搜索代币名称;搜不到的话可以选「自定义代币」粘贴合约地址。请务必在项目官网核对合约地址,谨防假币。",
            ),
            C("加上了,谢谢!"),
        ],
    },
    Template {
        key: "zh-app-crash",
        category: Technical,
        priority: Normal,
        tags: &["app-crash", "android"],
        tx: None,
        subject: "App 更新后一打开就闪退",
        steps: &[
            C("昨天更新到新版本以后,App 一打开就闪退,手机是安卓的。"),
            A(
                "您好,非常抱歉。请先尝试清除 App 缓存(请不要卸载,卸载前务必确认已备份助记词)。如果仍然闪退,请告诉我们手机型号和系统版本。",
            ),
            C("清了缓存还是闪退,手机是小米 13,安卓 14。"),
            N("已复现:安卓 14 部分机型启动崩溃,已提交缺陷,修复版本预计本周发布。"),
            A("问题已经定位,修复版本预计本周发布。您的资产在链上,不受 App 闪退影响,请放心。"),
        ],
    },
    Template {
        key: "zh-kyc-rejected",
        category: Account,
        priority: Low,
        tags: &["kyc"],
        tx: None,
        subject: "实名认证一直审核不通过",
        steps: &[
            C("实名认证提交了三次都被拒,说照片不清晰,我拍得很清楚啊。"),
            A(
                "您好{name},查看了您的提交记录,被拒原因是证件边角被遮挡。请把证件平放在深色背景上,四个角都露出来,避免反光后再提交。",
            ),
            C("重新提交了,这次通过了!"),
        ],
    },
    Template {
        key: "zh-outage-compensation",
        category: Complaint,
        priority: High,
        tags: &["outage", "compensation"],
        tx: FAILED_WD,
        subject: "昨晚系统故障导致交易失败,要求补偿",
        steps: &[
            C("昨晚你们系统故障,我的提币失败了,错过了最好的价格,你们怎么补偿?"),
            A(
                "您好,昨晚 21:40–22:25 故障期间失败的交易已全部退回。受影响的用户我们会返还当笔手续费并发放手续费抵扣券,预计 24 小时内到账。",
            ),
            N("符合故障补偿条件:返还手续费 + 10 USDT 抵扣券,已提交补偿审批。"),
            C("抵扣券收到了。"),
        ],
    },
    Template {
        key: "zh-change-phone",
        category: Account,
        priority: Normal,
        tags: &["contact-change", "identity-verification"],
        tx: None,
        subject: "想修改绑定的手机号",
        steps: &[
            C("我换手机号了,想把账户绑定的手机号改成新的。"),
            A(
                "您好,修改绑定手机属于敏感操作,需要先完成身份验证:请在 App 内完成人脸识别,并回答注册时设置的安全问题。修改后 24 小时内暂停提币。",
            ),
            C("人脸识别做好了。"),
            N("身份验证已记录:人脸识别通过,安全问题回答正确。已修改手机号。"),
            A("手机号已更新。如果不是您本人操作,请立即联系我们冻结账户。"),
        ],
    },
    Template {
        key: "zh-deposit-reversed",
        category: FundsNotArrived,
        priority: High,
        tags: &["deposit", "reversed"],
        tx: REVERSED_DEP,
        subject: "充值到账后又被扣回去了",
        steps: &[
            C("昨天充值的 {amount} {asset} 显示到账了,今天又被扣回去了,这是什么情况?"),
            A(
                "您好{name},这笔充值(哈希 {short})被发送方平台标记为异常并发起了退回,按规则我们撤销了这笔入账。",
            ),
            C("那我的钱呢?对方是正规交易所啊。"),
            A("资金已退回发送方平台,请联系该平台客服查询。如需要,我们可以提供这笔交易的完整记录。"),
        ],
    },
];
