//! English conversation templates for the demo dataset (DESIGN.md §1 situations).

use desk_core::Category::*;
use desk_core::Priority::*;

use super::template::Step::{A, C, F, N, S};
use super::template::*;

pub const TEMPLATES: &[Template] = &[
    Template {
        key: "en-await-no-button",
        category: TransactionConfirmation,
        priority: High,
        tags: &["awaiting-confirmation", "confirm-guide"],
        tx: AWAIT_WD,
        subject: "Transfer stuck on \"awaiting confirmation\"",
        steps: &[
            C(
                "Hi, I sent {amount} {asset} about {hours} hours ago and it still says \"awaiting confirmation\". There is no button anywhere. Is it stuck?",
            ),
            A(
                "Hi {name}, this is {agent} from support. Withdrawals wait for your own confirmation before they are broadcast: open Assets → {asset} → tap the pending entry, and the Confirm button is at the bottom of that screen.",
            ),
            C(
                "Found it, it was inside the transaction details. I was looking on the home screen. Confirmed now.",
            ),
            A(
                "Great, it has been broadcast. At current network speed it should arrive within about {eta} minutes. Just reply here if anything looks off.",
            ),
        ],
    },
    Template {
        key: "en-await-thought-automatic",
        category: TransactionConfirmation,
        priority: Normal,
        tags: &["awaiting-confirmation"],
        tx: AWAIT_WD,
        subject: "Why do I have to confirm my own transfer?",
        steps: &[
            C(
                "I assumed confirmation happened automatically. My {amount} {asset} has been sitting there all day. Is your system broken?",
            ),
            A(
                "Hi {name}, nothing is broken: every withdrawal needs one confirmation from you so that nobody who gets into your account can move funds out silently. Open the transaction, tap Confirm and enter your payment PIN; it usually lands on-chain within minutes.",
            ),
            C("Can I switch that off? It's annoying every time."),
            A(
                "Understood. Under Security → Confirmation-free limit you can allow small transfers to whitelisted addresses without confirming. Anything above the limit still asks, to protect your funds.",
            ),
        ],
    },
    Template {
        key: "en-await-price-hesitate",
        category: TransactionConfirmation,
        priority: Normal,
        tags: &["awaiting-confirmation", "price-volatility"],
        tx: AWAIT_TRANSFER,
        subject: "Holding off on confirming until the price settles",
        steps: &[
            C(
                "I have an unconfirmed transfer of {amount} {asset}. The market is all over the place so I'd rather wait. Will it get cancelled?",
            ),
            A(
                "Hi {name}, unconfirmed transfers are kept for 24 hours. After that they are cancelled automatically and the amount returns to your available balance, with no fee charged.",
            ),
            N(
                "Customer hesitating because of volatility; explained expiry. Added to the confirmation follow-up list for tomorrow morning.",
            ),
            C("Thanks, I'll decide by tomorrow."),
        ],
    },
    Template {
        key: "en-await-unauthorized-device",
        category: TransactionConfirmation,
        priority: Normal,
        tags: &["awaiting-confirmation", "new-device"],
        tx: AWAIT_WD,
        subject: "Can't confirm the transaction on my new phone",
        steps: &[
            C(
                "I logged in on my new phone to confirm the {amount} {asset} withdrawal, but it says \"device not authorized\" and the confirm button is greyed out.",
            ),
            A(
                "Hi, a new device has to be authorized once before it can confirm transactions: Settings → Devices → Authorize this device, then enter the code we email you.",
            ),
            C("Done, but now it asks for my 2FA code and the authenticator is on my old phone."),
            A(
                "Codes from the old phone work fine, just type one in. When you have a minute, move the authenticator to the new phone too.",
            ),
        ],
    },
    Template {
        key: "en-pending-congestion",
        category: TransactionConfirmation,
        priority: High,
        tags: &["network-congestion", "pending-chain"],
        tx: PENDING_WD,
        subject: "Transaction stuck at {conf}/{req} confirmations",
        steps: &[
            C(
                "Tx {hash} has been pending for {hours} hours. The explorer shows {conf} confirmations. When will it complete?",
            ),
            A(
                "Hi, {chain} is congested right now, so blocks and confirmations are slower than usual. Your transaction needs {req} confirmations and has {conf}; it is progressing normally, roughly {eta} more minutes.",
            ),
            C("OK. Can you ping me when it's through?"),
            N("Reminder set: reply to the customer once it reaches {req} confirmations."),
        ],
    },
    Template {
        key: "en-deposit-missing",
        category: FundsNotArrived,
        priority: High,
        tags: &["deposit", "funds-not-arrived"],
        tx: PENDING_DEP,
        subject: "Deposit of {amount} {asset} not credited",
        steps: &[
            C(
                "I deposited {amount} {asset} on {chain} from an exchange. The exchange says completed, my balance hasn't changed. Hash: {hash}",
            ),
            A(
                "Hi {name}, I found your deposit. It has {conf} of {req} confirmations and will be credited automatically at {req}; there is nothing you need to do.",
            ),
            C("It's been {hours} hours though. Normally it takes ten minutes."),
            A(
                "Volume on {chain} is unusually high today, which slows confirmations. I'm keeping an eye on this one and will message you the moment it is credited.",
            ),
        ],
    },
    Template {
        key: "en-withdrawal-not-received-tag",
        category: FundsNotArrived,
        priority: High,
        tags: &["withdrawal", "funds-not-arrived", "memo"],
        tx: CONFIRMED_WD,
        subject: "Withdrawal says complete, recipient says nothing arrived",
        steps: &[
            C(
                "I withdrew {amount} {asset} to {addr} yesterday. You show it as successful, the receiving platform says they never got it. Where is my money?",
            ),
            A(
                "Hi, the withdrawal is confirmed on-chain ({conf} confirmations), hash {hash}. It reached the destination address, so please send that hash to the receiving platform so they can trace it.",
            ),
            C("They now say their deposit address needed a memo/tag and I left it empty..."),
            N(
                "Missing memo on the receiving side. We cannot reverse on-chain; guide customer to the recipient's manual recovery.",
            ),
            A(
                "That explains it. Deposits without a memo are recovered manually by the receiving platform: give them the hash, the amount and your account ID. It typically takes 1–3 business days.",
            ),
        ],
    },
    Template {
        key: "en-wrong-network",
        category: FundsNotArrived,
        priority: Normal,
        tags: &["deposit", "wrong-network"],
        tx: CONFIRMED_DEP,
        subject: "Sent {asset} on the wrong network",
        steps: &[
            C(
                "I think I sent {amount} {asset} over the wrong network and now I can't see it anywhere. Is it lost??",
            ),
            A(
                "Hi {name}, don't panic. Please send us the transaction hash and the name of the sending platform so we can check whether the destination address belongs to your account.",
            ),
            C("Hash is {hash}"),
            N(
                "Verified: address belongs to the customer and we support {chain}. Filed a manual credit with the wallet team, ETA 2 business days.",
            ),
            A(
                "Good news: the funds are on your address. We've filed a manual credit, which should complete within 2 business days. I'll update you here.",
            ),
        ],
    },
    Template {
        key: "en-failed-but-deducted",
        category: FundsNotArrived,
        priority: Urgent,
        tags: &["failed-transaction", "balance-deducted"],
        tx: FAILED_WD,
        subject: "Transaction failed but my balance was deducted",
        steps: &[
            C(
                "My withdrawal FAILED but {amount} {asset} is gone from my balance! Fix this now please.",
            ),
            A(
                "I'm sorry about the scare. The transaction failed on-chain ({short}); the deducted amount is returned automatically once the failure is final, usually within 30 minutes. I've flagged it as urgent.",
            ),
            N(
                "On-chain status failed, refund job queued. Escalate to the funds team if not refunded within 1 hour.",
            ),
            C("Still nothing back..."),
            A(
                "I pushed it through manually: {amount} {asset} is back in your available balance, and the network fee burned by the failed attempt has been refunded under our compensation policy.",
            ),
        ],
    },
    Template {
        key: "en-btc-low-fee",
        category: TransactionConfirmation,
        priority: Normal,
        tags: &["pending-chain", "fees"],
        tx: PENDING_BTC,
        subject: "BTC withdrawal crawling through confirmations",
        steps: &[
            C(
                "My {amount} BTC withdrawal has only {conf} confirmation(s) after {hours} hours. Can you speed it up?",
            ),
            A(
                "Hi {name}, Bitcoin blocks have been slow and full today. Your transaction has {conf} of the {req} confirmations we wait for; once it has {req}, it's final. We can't speed up a transaction that's already in a block.",
            ),
            C("Fine, I'll wait."),
        ],
    },
    Template {
        key: "en-account-locked",
        category: AccountLocked,
        priority: High,
        tags: &["account-locked", "identity-verification"],
        tx: None,
        subject: "Locked out after too many password attempts",
        steps: &[
            C(
                "I mistyped my password a few times and now the account is locked for 24 hours. I need access today!",
            ),
            A(
                "Hi {name}, repeated wrong passwords lock the account temporarily to protect it. To unlock early we need to verify it's you: please tell us the last four digits of your registered phone and complete the face check in the app.",
            ),
            C("Last four are {phone4}. Face check done."),
            N(
                "Verified: phone digits match, face check passed. Unlock requested, needs supervisor approval.",
            ),
            A(
                "Verification passed and your account is unlocked. Please change your password after logging in and turn on 2FA.",
            ),
        ],
    },
    Template {
        key: "en-restricted-abroad",
        category: AccountLocked,
        priority: High,
        tags: &["risk-control", "frozen"],
        tx: FROZEN_WD,
        subject: "Account restricted after logging in abroad",
        steps: &[
            C(
                "I'm travelling and logged in from a hotel. Now my {amount} {asset} withdrawal is blocked and my account says restricted. I've done nothing wrong!",
            ),
            A(
                "Hi, a login from a new country plus a first-time withdrawal address triggered our risk protection. Your funds are safe. Once we verify your identity we'll lift the restriction.",
            ),
            N(
                "Risk hit: new country + new device + new address. Video verification required before release.",
            ),
            C("OK, how do I verify?"),
            A(
                "I've sent a video verification link (it only opens inside the app). Record a 5-second clip holding your ID and we'll review it promptly.",
            ),
        ],
    },
    Template {
        key: "en-lost-2fa",
        category: Account,
        priority: Normal,
        tags: &["2fa", "identity-verification"],
        tx: None,
        subject: "Lost my phone and my authenticator",
        steps: &[
            C(
                "My phone was stolen and my authenticator app was on it. I can't withdraw or log in on a new device. How do I reset 2FA?",
            ),
            A(
                "Hi {name}, a 2FA reset is reviewed by a person: please upload both sides of your ID and a selfie holding the ID and a note with today's date and the words \"2FA reset\".",
            ),
            F("Uploaded everything."),
            A(
                "Received, thanks. Review usually takes 1–2 business days. For your protection, withdrawals pause for 24 hours after the reset.",
            ),
        ],
    },
    Template {
        key: "en-2fa-codes-rejected",
        category: Technical,
        priority: Normal,
        tags: &["2fa", "time-sync"],
        tx: None,
        subject: "2FA codes keep getting rejected",
        steps: &[
            C("Every 2FA code I enter says invalid. I'm typing them exactly as shown."),
            A(
                "Hi, this is almost always the phone's clock drifting. In your authenticator app open Settings → Time correction for codes → Sync now, then try a fresh code.",
            ),
            C("That was it, works now. Thanks!"),
        ],
    },
    Template {
        key: "en-withdrawal-review-delay",
        category: FundsNotArrived,
        priority: Normal,
        tags: &["withdrawal", "review-delay"],
        tx: FROZEN_WD,
        subject: "Withdrawal pending review for {hours} hours",
        steps: &[
            C(
                "My withdrawal has said \"under review\" for {hours} hours. It used to take minutes.",
            ),
            A(
                "Hi, withdrawal volume is very high today so the manual review queue is long. Your {amount} {asset} is in the queue and should be processed within about {eta} minutes.",
            ),
            C("Can you hurry it up? I need it today."),
            N("Customer chasing; marked as urgent in the review channel."),
        ],
    },
    Template {
        key: "en-nobody-answers",
        category: Complaint,
        priority: High,
        tags: &["no-reply", "complaint"],
        tx: CONFIRMED_DEP,
        subject: "Nobody is answering my emails",
        steps: &[
            C(
                "This is my fourth email in three days. Does anyone work there? I'm about to file a complaint.",
            ),
            A(
                "Hi {name}, I'm really sorry for the silence. Since the market moved this week our volume has been several times normal and we fell behind. I'm taking this personally now: which transaction is it about?",
            ),
            C("My deposit of {amount} {asset}, hash {hash}, never showed up."),
            A(
                "It's credited now: it was delayed by network congestion. Apologies again for the wait; reply to this ticket and it comes straight to me, {agent}.",
            ),
        ],
    },
    Template {
        key: "en-three-channels",
        category: Complaint,
        priority: Normal,
        tags: &["repeat-contact", "multi-channel"],
        tx: PENDING_DEP,
        subject: "I've asked this on chat, email and Telegram",
        steps: &[
            C(
                "I've asked the same question on chat, by email and on Telegram and each time I have to explain everything again. Can one person own this please?",
            ),
            N("Same customer has duplicate tickets on two other channels; merged into this one."),
            A(
                "Hi {name}, sorry for making you repeat yourself. I've merged your other conversations into this ticket and I, {agent}, will see it through. Your deposit of {amount} {asset} has {conf}/{req} confirmations right now.",
            ),
            C("Thank you, that's all I wanted."),
        ],
    },
    Template {
        key: "en-seed-phrase-pasted",
        category: Security,
        priority: Urgent,
        tags: &["seed-phrase-redacted", "security-alert"],
        tx: None,
        subject: "Wallet recovery, here is my phrase",
        steps: &[
            C(
                "My wallet won't open. Here are my recovery words so you can restore it: [seed phrase redacted]",
            ),
            S(
                "Possible seed phrase detected and redacted before storage; security warning sent to the customer.",
            ),
            A(
                "Hi {name}, please never send your recovery phrase or private key to anyone, including us. Our system hid it automatically and no agent can see it. Because it travelled over the internet, please create a new wallet and move your funds now.",
            ),
            C("Oh no. OK, moving everything now. Thanks."),
        ],
    },
    Template {
        key: "en-private-key-pasted",
        category: Security,
        priority: Urgent,
        tags: &["private-key-redacted", "security-alert"],
        tx: None,
        subject: "Importing my private key fails",
        steps: &[
            C(
                "Import keeps saying invalid format. The key is [private key redacted], what am I doing wrong?",
            ),
            S("Possible private key detected and redacted; ticket flagged as a security event."),
            A(
                "Hi, for your safety the key you sent was hidden automatically; please never paste a private key into a chat. A raw private key is 64 hexadecimal characters without spaces.",
            ),
            N("Advised customer to migrate funds; risk flag added to the profile."),
        ],
    },
    Template {
        key: "en-impersonator-dm",
        category: Security,
        priority: High,
        tags: &["scam", "impersonation"],
        tx: None,
        subject: "Someone claiming to be support DMed me",
        steps: &[
            F(
                "A Telegram account @{fake_handle} says it's your official support and wants my 2FA code and recovery phrase to \"fix\" my account. Screenshot attached. Is that you?",
            ),
            A(
                "Hi {name}, that is NOT us. We never message first and we never ask for codes, passwords or recovery phrases. Please don't reply, and report the account in Telegram.",
            ),
            C("Glad I asked. Reported."),
            N(
                "Impersonator @{fake_handle} reported to the security team and added to the scam list.",
            ),
        ],
    },
    Template {
        key: "en-phishing-site",
        category: Security,
        priority: High,
        tags: &["scam", "phishing"],
        tx: None,
        subject: "Is this website yours?",
        steps: &[
            C(
                "I got an email saying my wallet will be suspended unless I \"re-verify\" on a website that looks exactly like yours. Is it legit?",
            ),
            A(
                "Hi {name}, it is a phishing site. We never suspend wallets by email and never ask you to enter your recovery phrase on a website. Please delete the email and don't open the link.",
            ),
            C("Deleted. Scary how real it looks."),
        ],
    },
    Template {
        key: "en-large-precheck",
        category: LargeTransaction,
        priority: High,
        tags: &["large-transaction", "pre-review"],
        tx: AWAIT_LARGE,
        subject: "Planning a large transfer, anything I should know?",
        steps: &[
            C(
                "I'm about to send {amount} {asset} to {addr}. Big amount for me, so what should I watch out for? Will risk control stop it?",
            ),
            A(
                "Hi {name}, thanks for checking first. Transfers above 50,000 USDT equivalent get a manual review. Send a small test (say 10 USDT) to the address first, and once it arrives send the rest; review normally takes under 30 minutes.",
            ),
            N(
                "Large-transaction pre-review: KYC level {kyc}, first use of address, test transfer done. Recommend release; needs supervisor approval.",
            ),
            C("Test arrived, the big one is submitted. Please keep an eye on it."),
            A(
                "Review passed. Please confirm the transaction in the app and it will be broadcast right away.",
            ),
        ],
    },
    Template {
        key: "en-large-hold",
        category: LargeTransaction,
        priority: Normal,
        tags: &["large-transaction", "compliance"],
        tx: FROZEN_LARGE,
        subject: "Large withdrawal on hold, what do you need?",
        steps: &[
            C(
                "My {amount} {asset} withdrawal is on hold pending review. What do you need from me?",
            ),
            A(
                "Hi, for large withdrawals compliance asks for a short source-of-funds statement, e.g. an exchange withdrawal record or a bank statement. Once uploaded we review within 2 hours.",
            ),
            F("Uploaded my exchange statement."),
            N("Documents complete; sent to compliance, awaiting supervisor approval for release."),
        ],
    },
    Template {
        key: "en-dispute-merchant",
        category: Dispute,
        priority: Normal,
        tags: &["dispute", "evidence"],
        tx: CONFIRMED_TRANSFER,
        subject: "Merchant says my payment never arrived",
        steps: &[
            C(
                "I paid a merchant {amount} {asset} (hash {hash}) and they insist they never got it, so they won't ship. Can you step in?",
            ),
            A(
                "Hi {name}, we've verified the payment is confirmed on-chain and reached {addr}. Please send us your chat with the merchant and the order screenshot; we'll issue a transfer certificate you can show them.",
            ),
            F("Screenshots attached."),
            N(
                "Evidence: {conf} confirmations, receiving address matches the order. Transfer certificate issued.",
            ),
            A(
                "The transfer certificate is in your inbox with the hash, time and confirmations. You can hand it to the merchant or to the marketplace's arbitration.",
            ),
        ],
    },
    Template {
        key: "en-unrecognized-withdrawal",
        category: Security,
        priority: Urgent,
        tags: &["unauthorized", "account-takeover"],
        tx: CONFIRMED_WD,
        subject: "Withdrawal I did not make",
        steps: &[
            C(
                "There's a withdrawal of {amount} {asset} to {addr} that I did NOT make. Please freeze my account now.",
            ),
            A(
                "Hi {name}, I've frozen your account for outgoing transfers right away. The withdrawal ({short}) is already confirmed on-chain, so we'll investigate with our security team and trace the destination.",
            ),
            N(
                "Account frozen. Login from unknown device 2h before the withdrawal; 2FA was disabled last week. Security investigation opened.",
            ),
            C("What do I do now?"),
            A(
                "Please change your email password first, then reset your wallet password and enable 2FA. We'll send you the investigation outcome and the documents you need for a police report.",
            ),
        ],
    },
    Template {
        key: "en-fee-question",
        category: UsageHelp,
        priority: Low,
        tags: &["fees"],
        tx: CONFIRMED_WD,
        subject: "Why was the network fee so high?",
        steps: &[
            C("Sending {amount} {asset} cost me way more in fees than I expected. Why?"),
            A(
                "Hi, the network fee on {chain} goes to the miners/validators and depends on how busy the network is; we don't keep it. Quieter hours are much cheaper, and for USDT the TRON network is usually the cheapest option.",
            ),
            C("Makes sense, thanks."),
        ],
    },
    Template {
        key: "en-token-not-showing",
        category: UsageHelp,
        priority: Low,
        tags: &["how-to", "custom-token"],
        tx: None,
        subject: "Token not showing in my wallet",
        steps: &[
            C("I bought a token but it doesn't show up in my wallet. How do I add it?"),
            A(
                "Hi, on the Assets screen tap + and search for the token. If it isn't listed, choose Custom token and paste the contract address, and do double-check the address on the project's official site, as fake tokens are common.",
            ),
            C("There it is. Thanks!"),
        ],
    },
    Template {
        key: "en-ios-crash",
        category: Technical,
        priority: Normal,
        tags: &["app-crash", "ios"],
        tx: None,
        subject: "App crashes on launch after the update",
        steps: &[
            C("Since yesterday's update the app closes immediately when I open it. iPhone 12."),
            A(
                "Sorry about that! Please make sure your recovery phrase is backed up, then try restarting the phone. If it still crashes, tell us your iOS version.",
            ),
            C("Restarted, still crashing. iOS 17.4."),
            N(
                "Reproduced on iOS 17.4 with large token lists; bug filed, hotfix planned this week.",
            ),
            A(
                "We found the cause and a fix ships this week. Your funds live on-chain and are not affected by the app crashing.",
            ),
        ],
    },
    Template {
        key: "en-kyc-rejected",
        category: Account,
        priority: Low,
        tags: &["kyc"],
        tx: None,
        subject: "Verification rejected for a blurry photo",
        steps: &[
            C(
                "My ID verification was rejected three times for \"blurry photo\". The photo is fine!",
            ),
            A(
                "Hi {name}, I checked your submissions: a corner of the document is cut off in each one. Lay the ID flat on a dark surface with all four corners visible and avoid glare, then resubmit.",
            ),
            C("Resubmitted and approved, thanks."),
        ],
    },
    Template {
        key: "en-outage-compensation",
        category: Complaint,
        priority: High,
        tags: &["outage", "compensation"],
        tx: FAILED_WD,
        subject: "Compensation for yesterday's outage",
        steps: &[
            C(
                "Your outage last night made my withdrawal fail and I missed the price I wanted. What are you going to do about it?",
            ),
            A(
                "Hi, every transaction that failed during last night's outage (21:40–22:25 UTC+8) has been refunded. Affected customers get the fee refunded plus a fee voucher within 24 hours.",
            ),
            N(
                "Eligible for outage compensation: fee refund + 10 USDT voucher. Submitted for approval.",
            ),
            C("Voucher received."),
        ],
    },
    Template {
        key: "en-change-email",
        category: Account,
        priority: Normal,
        tags: &["contact-change", "identity-verification"],
        tx: None,
        subject: "Need to change the email on my account",
        steps: &[
            C("I no longer have access to my old email address. Can you change it to this one?"),
            A(
                "Hi {name}, changing the contact email is a sensitive action, so we need to verify you first: complete the face check in the app and answer your security question. Withdrawals pause for 24 hours after the change.",
            ),
            C("Face check done."),
            N("Verification recorded: face check passed, security answer correct. Email updated."),
            A(
                "Your email is updated. If you did not request this, contact us immediately so we can freeze the account.",
            ),
        ],
    },
];
