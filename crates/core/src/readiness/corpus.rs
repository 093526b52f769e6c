//! The corpus the readiness check is built against: postmortems written the
//! ways people write them, in English and Japanese, each imported from its
//! Markdown into a document and checked there, as a real one is.
//!
//! Every good one is ready (no blocking finding). Every flawed one has one
//! fault, gets the finding for it and is not ready.

use super::*;
use crate::import::{import_sections, write_imported};
use yrs::Transact;

/// English, "Root causes / Action items" shape, bold inline labels with a
/// dash, relative times, numbers in words, a ticket id.
const GOOD_EN_ACTION_ITEMS: &str = r#"# INC-2291: Checkout errors after the Redis failover

## Summary
For about forty minutes on 3 November, roughly one in five checkout attempts failed with an HTTP 500 after our session store failed over to its replica. Tracked as INC-2291.

## Background
**Purpose** — The checkout service takes a customer's cart, reserves stock and charges the card through the payment gateway.
**Architecture** — Six stateless API pods on Kubernetes behind an ALB; sessions live in a Redis primary with one replica; orders are written to PostgreSQL.
**Stack** — Redis 7 (ElastiCache), PostgreSQL 15 on RDS, the Stripe API for card payments.

## Customer impact
- About twelve hundred customers saw an error at the payment step.
- 20% of checkout attempts failed between T+3m and T+41m.
- Support received 87 tickets; we refunded no one because no card was charged twice.

## Incident timeline
All times JST, T = the failover.
- T+0 (14:02) ElastiCache promotes the replica after a host failure.
- T+3m the error-rate alert for checkout fires.
- T+12m on-call finds pods still connected to the old primary address.
- T+38m a rolling restart of the pods starts.
- T+41m errors are back to baseline.

## Root causes
### Connection pool pinned to the old primary
The Redis client resolved the primary endpoint once at start-up and kept its connections; after the failover, writes went to a node that was now read-only.

### Alert without a runbook
The alert fired at T+3m but pointed to no runbook, so on-call spent twenty minutes finding out which dependency had changed.

## Action items
1. **Reconnect on READONLY errors** (addresses: connection pool pinned to the old primary). We enable the client's reconnect-on-error option so that a failover costs seconds, not a restart. A sidecar proxy was considered and rejected: it adds a hop to every request and one more thing to run.
2. **Write the checkout runbook** (cause: alert without a runbook). Owner: Mei, due 30 November. We link it from the alert since on-call should not have to guess which dependency moved. Rather than one runbook per alert, we write one per service, because our alerts change faster than our services.
3. **Failover drill in staging every quarter** to catch the next client that caches an address (cause: connection pool pinned to the old primary). We chose staging because a production drill needs a maintenance window we cannot get before the sale season.

## What we learned
A managed failover is only as fast as the slowest client that notices it.

## Glossary
- ALB: Application Load Balancer, AWS's HTTP load balancer.
- READONLY: the error Redis returns when a replica is asked to write.
- RDS: Amazon's managed relational databases.
"#;

/// English, "Remediation" as a table, constraints stated in sentences, a
/// "Not chosen" entry, plain "Cause:" labels in list items.
const GOOD_EN_REMEDIATION_TABLE: &str = r#"# Expired TLS certificate on the partner API

## Summary
The certificate of partner-api.example.com expired on a Saturday; partners could not call us for 3 hours and 10 minutes.

## System overview
- Purpose: the partner API lets 40 retail partners push orders into our warehouse system.
- Design: two nginx reverse proxies terminate TLS in front of a Go service; certificates were renewed by hand once a year.
- Middleware: nginx, Go 1.22, MySQL 8, our internal secret store Vaultline.

## Impact
- 40 partners could not send orders for 3 hours 10 minutes.
- About 6,500 orders were queued on their side and arrived late; none were lost.

## Timeline
| Time (UTC) | Event |
| --- | --- |
| 00:00 | The certificate expires. |
| 00:04 | Partner monitors start failing; nobody on our side is paged. |
| 02:40 | A partner phones the support line. |
| 03:10 | A new certificate is issued and deployed by hand. |

## Root cause(s)
- Certificate renewal was a manual yearly task owned by one person who had left the team.
- Nothing monitored certificate expiry, so the first signal came from a partner.

## Remediation
| Countermeasure | Cause | Why | Alternatives / constraints |
| --- | --- | --- | --- |
| Issue certificates with ACME and renew automatically | Manual yearly renewal | No person has to remember a date once a year | A two-year certificate was considered; browsers and partners no longer accept them |
| Alert 21 days before any certificate expires | Nothing monitored expiry | Gives three weeks to react even if ACME breaks | Alerting on the day was ruled out: too late on a weekend |

### Not chosen
- Moving TLS to a managed CDN: partners pin our IP addresses, so a CDN needs every partner to change their firewall rules.

## Lessons learned
Anything done once a year by hand will eventually be done by nobody.

## Glossary
- ACME: the protocol Let's Encrypt uses to issue certificates automatically.
- Vaultline: our internal secret store.
"#;

/// Japanese: 再発防止策 with 暫定対策 and 恒久対策, 根本原因, 時系列, 影響範囲,
/// システム構成 with 役割 / アーキテクチャ / 使用技術, kanji numerals,
/// reasons with 「ため」「ように」, 採用しなかった案.
const GOOD_JA_SAIHATSU: &str = r#"# 決済APIの遅延障害（INC-1234）

## 概要
11月2日の夕方、決済APIの応答が遅くなり、約1時間にわたり一部の注文が完了しませんでした。

## システム構成
**役割**：ECサイトの注文確定時に、カード決済とポイント付与を行う。
**アーキテクチャ**：API サーバー 4 台（EC2）から MySQL のプライマリ 1 台とレプリカ 2 台へ接続する。ポイント付与は SQS 経由で非同期に処理する。
**使用技術**：MySQL 8.0（EC2 上）、SQS、Java 17 と Spring Boot。

## 影響範囲
- 約千二百人のお客様が注文を完了できなかった。
- 売上への影響は数百万円規模と見積もっている。
- 18:10〜19:05 の約55分間、決済の成功率が六割まで下がった。

## 時系列
- 18:05 ポイント付与のバッチが手動で再実行される
- 18:10 決済APIのレイテンシ警告が発報
- 18:25 DB の CPU 使用率 100% を確認
- 18:50 バッチを停止
- 19:05 レイテンシが平常値に戻る

## 根本原因
### バッチの全件再実行
ポイント付与の失敗分だけを再実行する手順がなく、全件を再実行したため、プライマリに大量の更新が集中した。

### 接続数の上限がない
API サーバー側のコネクションプールに上限がなく、遅延に伴って接続が増え続けた。

## 再発防止策
### 暫定対策
- 当日中にバッチの手動実行を禁止した。

### 恒久対策
- **失敗分だけを再実行できるようにする**（原因：バッチの全件再実行）。全件再実行を避けるため、失敗した注文IDを記録する。レプリカで実行する案も検討したが、更新処理のため採用できない。
- **コネクションプールに上限を設ける**（原因：接続数の上限がない）。DB が詰まっても API が道連れにならないように、1 台あたり 50 接続までとする。RDS Proxy の導入も選択肢だったが、EC2 上の MySQL から移行する計画が来期のため今回は見送った。

### 採用しなかった案
- DB のスケールアップ：費用が月額で倍になり、根本的な解決にならない。

## 学び
手動の再実行手順も本番の変更と同じようにレビューする。

## 用語集
- EC2：AWS の仮想サーバー
- SQS：AWS のメッセージキュー
- RDS Proxy：AWS が提供する DB 接続のプロキシ
"#;

/// Japanese with the template's own headings, sub-headings in the system
/// overview, numbered causes referred to by number, full-width colons.
const GOOD_JA_TEMPLATE: &str = r#"# 社内チャットの通知遅延

## 概要
社内チャットのプッシュ通知が最大2時間遅れた。

## システム概要
### 目的
社員約三千人が使う社内チャットで、メンションをスマートフォンへ通知する。

### 設計
メッセージ受信サービスが通知ジョブをキューに積み、通知ワーカー 3 台が APNs と FCM へ送る。

### ミドルウェア
RabbitMQ 3.12、PostgreSQL 14、Go で書いたワーカー。

## 影響
- 約2時間、全社員の通知が遅れた（最大遅延 1 時間 58 分）。
- 緊急連絡が届かなかったという問い合わせが 12 件あった。

## タイムライン
- 9時30分 ワーカーの新バージョンをデプロイ
- 9時45分 キューの滞留が増え始める
- 11時20分 利用者からの問い合わせで気付く
- 11時28分 旧バージョンに切り戻し、滞留が解消

## 原因
1. 新バージョンのワーカーが、送信失敗時にジョブを確認応答せず再配信を待つ実装になっていた（原因1）。
2. キューの滞留を監視していなかった（原因2）。

## 対策
- 原因1への対策：失敗したジョブはリトライ用のキューへ移す。同じジョブが先頭で詰まり続けないようにするため。再配信の間隔を延ばす案もあったが、遅延がさらに伸びるので採らなかった。
- 原因2への対策：滞留が 5 分で 1 万件を超えたら当番に通知する。利用者より先に気付けるようにするため。件数ではなく遅延時間で監視する案も検討したが、RabbitMQ では取得できないため件数にした。

## 教訓
デプロイ後の確認項目に、キューの滞留を加える。

## 用語集
- APNs：Apple のプッシュ通知サービス
- FCM：Google のプッシュ通知サービス
"#;

/// The shape of the Google SRE book's example: an "Action Items" table with
/// Type / Owner / Bug and no cause column, a "Trigger" section, shouted
/// words in the timeline. Its items say neither why nor what else was
/// weighed, which is advice; each still shares words with the root cause.
const GOOD_EN_SRE_BOOK: &str = r#"# Shakespeare Sonnet++ Postmortem (incident #465)

## Summary
Shakespeare Search was down for 66 minutes during a period of very high interest in Shakespeare due to the discovery of a new sonnet.

## Background
- **Purpose:** Shakespeare Search lets readers search the complete works.
- **Design:** a frontend fans each query out to sharded search backends that keep an in-memory index of the corpus.
- **Stack:** Borg for scheduling, our load balancer, Bigtable for the corpus.

## Impact
Estimated 1.21B queries lost, no revenue impact.

## Root Causes
Cascading failure due to the combination of exceptionally high load and a resource leak when searches failed due to terms not being in the Shakespeare corpus. The newly discovered sonnet used a word that had never before appeared in one of Shakespeare's works, which happened to be the term users searched for.

## Trigger
Latent bug triggered by a sudden increase in traffic.

## Action Items
| Action Item | Type | Owner | Bug |
| --- | --- | --- | --- |
| Update playbook with instructions for responding to cascading failure | mitigate | jennifer | n/a DONE |
| Use flux capacitor to balance load between clusters | prevent | martin | Bug 4335131 |
| Schedule cascading failure test during next DiRT | process | docbrown | n/a |
| Investigate running index MR/fusion continuously so new words reach the corpus index | prevent | jennifer | Bug 4335133 |
| Plug file descriptor leak in search ranking subsystem | prevent | agoogler | Bug 4335134 DONE |
| Add load shedding capabilities to Shakespeare search | prevent | agoogler | Bug 4335135 |

## Lessons Learned
### What went well
Monitoring quickly alerted us to a high rate (reaching ~100%) of HTTP 500s.

## Timeline
2015-10-21 (all times UTC)
- 14:51 News reports that a new Shakespearean sonnet has been discovered
- 14:53 Traffic to Shakespeare search increases by 88x
- 15:01 INCIDENT BEGINS, search backends start melting down under load
- 16:07 load shedding by hand; service recovers

## Glossary
- DiRT: Disaster Recovery Testing, our yearly failure drill.
- MR/fusion: the pipeline that rebuilds the search index.
"#;

/// The Japanese incident report (障害報告書) shape: numbered headings,
/// 対象システム with 役割 / 構成 / 利用サービス, a table timeline under
/// 発生から復旧までの経緯, 対応内容 as a section of its own, numbered
/// 再発防止策 whose reasons end in 「ため」「ように」; two of them name no
/// alternative, which is advice.
const GOOD_JA_REPORT: &str = r#"# 障害報告書：会員ログイン障害

## 1. 障害概要
2026年10月14日 9時12分から10時03分まで、会員サイトにログインできない状態が続いた。

## 2. 対象システム
- 役割：会員サイトの認証基盤。約80万人の会員が利用する。
- 構成：認証APIサーバー（ECS上のコンテナ 6 台）、セッションを保持する Redis、会員情報の Aurora MySQL。
- 利用サービス：Amazon ECS、ElastiCache for Redis、Aurora MySQL、外部の SMS 認証サービス。

## 3. 影響範囲
- ログイン試行の約7割が失敗（約4万2千件）
- 問い合わせ 318 件
- 金銭的な損失はなし

## 4. 発生から復旧までの経緯
| 時刻 | 内容 |
| --- | --- |
| 9:12 | 証明書更新ジョブが Redis の設定を再読み込み |
| 9:15 | ログイン失敗率のアラート発報 |
| 9:40 | Redis の接続上限到達を確認 |
| 10:03 | 接続上限を戻し、復旧 |

## 5. 原因
証明書更新ジョブが、古いテンプレートから Redis の設定を再生成し、maxclients が既定値の 1000 に戻った。認証APIは1台あたり最大300接続を張るため、上限に達して新規接続が拒否された。

## 6. 対応内容
- 9:58 maxclients を元の値に戻した

## 7. 再発防止策
1. 設定テンプレートを一元化し、証明書更新ジョブも同じテンプレートを使うようにする。二重管理をなくすため。
2. Redis の接続数を監視し、上限の8割でアラートを出す。利用者より先に気付けるように。
3. 認証APIの接続プールの上限を1台100に下げる。ElastiCache の上限を上げる案もあったが、メモリ増設の費用がかかるため見送った。

## 8. 用語
- ECS：AWS のコンテナ実行基盤
- SMS：ショートメッセージ
"#;

pub(super) const GOOD: [(&str, &str); 4] = [
    ("en action items", GOOD_EN_ACTION_ITEMS),
    ("en remediation table", GOOD_EN_REMEDIATION_TABLE),
    ("ja 再発防止策", GOOD_JA_SAIHATSU),
    ("ja template", GOOD_JA_TEMPLATE),
];

/// One fault each, and the finding it must get.
pub(super) const FLAWED: [(&str, &str, &[Rule]); 11] = [
    (
        "keyword stuffing",
        r#"# Login outage

## Summary
Logins failed for 25 minutes.

## System overview
Purpose: sign-in for the web shop.
Design: one auth service in front of PostgreSQL.
Middleware: PostgreSQL 15.

## Impact
3,000 users could not sign in for 25 minutes.

## Timeline
- 10:00 deploy
- 10:25 rollback

## Causes
A migration locked the users table.

## Countermeasures
- Be more careful. Cause: mistake. Why: because. Alternatives: none.
"#,
        &[
            Rule::CountermeasureWhy,
            Rule::CountermeasureAlternatives,
            Rule::CountermeasureCause,
        ],
    ),
    (
        "table with empty cells",
        r#"# ログイン障害

## 概要
ログインが25分間できなかった。

## システム概要
目的：ECサイトのログイン。
設計：認証サービス 1 つと PostgreSQL。
ミドルウェア：PostgreSQL 15。

## 影響
3000人が25分間ログインできなかった。

## タイムライン
- 10:00 デプロイ
- 10:25 切り戻し

## 原因
マイグレーションがユーザーテーブルをロックした。

## 対策
| 対策 | 原因 | 理由 | 代替案 |
| --- | --- | --- | --- |
| マイグレーションを夜間に実行する |  |  |  |
"#,
        &[
            Rule::CountermeasureWhy,
            Rule::CountermeasureAlternatives,
            Rule::CountermeasureCause,
        ],
    ),
    (
        "placeholder: see the wiki",
        r#"# Search latency

## Summary
Search was slow for an hour.

## System overview
Purpose: product search for the shop.
Design: see the wiki
Middleware: Elasticsearch 8.

## Impact
p99 latency reached 9 seconds for 60 minutes; 2% of searches timed out.

## Timeline
- 09:00 reindex starts
- 10:00 reindex finishes

## Causes
### Reindex on the live cluster
The nightly reindex ran during business hours.

## Countermeasures
- Run reindexing on a separate cluster (cause: reindex on the live cluster), because it keeps live queries away from the load; throttling was considered but it only stretches the slowdown.
"#,
        &[Rule::SystemDesign],
    ),
    (
        "placeholder: 未定",
        r#"# 検索の遅延

## 概要
検索が1時間遅くなった。

## システム構成
役割：商品検索。
アーキテクチャ：Elasticsearch のクラスタ 1 つ。
使用技術：未定

## 影響範囲
1時間、検索の2%がタイムアウトした。

## 時系列
- 09:00 再インデックス開始
- 10:00 終了

## 根本原因
日中に再インデックスを実行した。

## 再発防止策
- 再インデックスを別クラスタで行う（原因：日中の再インデックス）。本番の検索に負荷をかけないため。流量制限も検討したが、遅延が長引くだけなので見送った。
"#,
        &[Rule::SystemMiddleware],
    ),
    (
        "missing system overview part",
        r#"# Image upload failures

## Summary
Image uploads failed for 2 hours.

## Background
**Purpose** — stores product images for the catalogue.
**Architecture** — an upload service writes to object storage and a CDN serves the images.

## Customer impact
About 800 sellers could not upload images for 2 hours.

## Incident timeline
- 13:00 bucket policy change
- 15:00 change reverted

## Root cause
A bucket policy change denied writes from the upload service.

## Action items
- Review bucket policy changes in pull requests (cause: the unreviewed bucket policy change), because a second pair of eyes would have caught the deny rule; a policy linter was considered but it does not know our service accounts.
"#,
        &[Rule::SystemMiddleware],
    ),
    (
        "countermeasure with no cause",
        r#"# Payment webhook backlog

## Summary
Payment confirmations arrived up to 90 minutes late.

## System overview
Purpose: receives payment webhooks and marks orders as paid.
Design: a webhook receiver puts events on a queue; two workers update orders.
Middleware: RabbitMQ, PostgreSQL.

## Impact
4,100 orders were shown as unpaid for up to 90 minutes.

## Timeline
- 08:00 worker deploy
- 09:30 rollback

## Causes
### Worker crash loop
The new worker version crashed on a webhook with an empty currency field.

## Countermeasures
- Add more dashboards for the team, because we want to see more; we considered buying a tool instead.
"#,
        &[Rule::CountermeasureCause],
    ),
    (
        "system-specific acronym without glossary",
        r#"# Order export stuck

## Summary
The nightly order export to the accounting system stopped for one night.

## System overview
Purpose: exports the day's orders to accounting.
Design: a cron job reads orders and writes a file to the OEX share.
Middleware: PostgreSQL, the OEX file share.

## Impact
1 night of orders (about 9,000) reached accounting 8 hours late.

## Timeline
- 02:00 export starts
- 02:05 export fails
- 10:00 rerun by hand

## Causes
### Full share
The OEX share was full.

## Countermeasures
- Delete exports older than 30 days (cause: full share), because accounting keeps its own copy; a bigger share was considered but only postpones the problem.
"#,
        &[Rule::GlossaryMissing],
    ),
    (
        "ja 社内用語が用語集にない",
        r#"# ポイント付与の遅延

## 概要
購入時のポイント付与が最大3時間遅れた。

## システム構成
役割：購入完了時にポイントを付与する。
アーキテクチャ：注文サービスがイベントを出し、PGW が受け取ってポイントを加算する。
使用技術：Kafka、MySQL 8。

## 影響範囲
約4,800件の購入でポイント付与が最大3時間遅れた。

## 時系列
- 13:10 PGW のデプロイ
- 13:25 付与の遅延に気づく
- 16:10 切り戻し完了

## 根本原因
### コンシューマの停止
新バージョンの PGW が未知のイベント種別で停止した。

## 再発防止策
- 未知のイベント種別は読み飛ばして記録する（原因：コンシューマの停止）。付与全体を止めないため。停止して通知する案も検討したが、遅延が長引くので採用しなかった。
"#,
        &[Rule::GlossaryMissing],
    ),
    (
        "keyword stuffing in prose",
        r#"# Login outage

## Summary
Logins failed for 25 minutes.

## System overview
Purpose: sign-in for the web shop.
Design: one auth service in front of PostgreSQL.
Middleware: PostgreSQL 15.

## Impact
3,000 users could not sign in for 25 minutes.

## Timeline
- 10:00 deploy
- 10:25 rollback

## Causes
A migration locked the users table.

## Countermeasures
- Be more careful next time; this addresses the cause, because it matters, instead of doing nothing.
"#,
        &[Rule::CountermeasureCause],
    ),
    (
        "only immediate mitigations",
        r#"# 検索の遅延

## 概要
検索が1時間遅くなった。

## システム構成
役割：商品検索。
アーキテクチャ：Elasticsearch のクラスタ 1 つ。
使用技術：Elasticsearch 8。

## 影響範囲
1時間、検索の2%がタイムアウトした。

## 時系列
- 09:00 再インデックス開始
- 10:00 終了

## 根本原因
日中に再インデックスを実行した。

## 暫定対策
- 再インデックスを止めた。
- 当面、再インデックスは手動承認制にした。
"#,
        &[Rule::CountermeasurePermanent],
    ),
    (
        "impact without a measure",
        r#"# 検索の遅延

## 概要
検索が遅くなった。

## システム構成
役割：商品検索。
アーキテクチャ：Elasticsearch のクラスタ 1 つ。
使用技術：Elasticsearch 8。

## 影響範囲
多くのお客様が検索できず、大きな影響があった。

## 時系列
- 09:00 再インデックス開始
- 10:00 終了

## 根本原因
日中に再インデックスを実行した。

## 再発防止策
- 再インデックスを別クラスタで行う（原因：日中の再インデックス）。本番の検索に負荷をかけないため。流量制限も検討したが、遅延が長引くだけなので見送った。
"#,
        &[Rule::ImpactMeasurable],
    ),
];

/// Imports `markdown` into a fresh document and checks it there.
fn check_imported(markdown: &str) -> Vec<Finding> {
    let doc = crate::document::new_doc();
    let case = import_sections(markdown);
    {
        let mut txn = doc.transact_mut();
        write_imported(&mut txn, &case);
    }
    let txn = doc.transact();
    check_document(&txn, &Meeting::new(0))
}

#[test]
fn every_good_postmortem_in_the_corpus_is_ready() {
    for (name, markdown) in GOOD {
        let findings = check_imported(markdown);
        assert!(ready(&findings), "{name}: {findings:#?}");
        // Written with care: not even advice.
        assert_eq!(findings, vec![], "{name}");
    }
}

/// Good ones whose countermeasures leave out some reasons: ready, with
/// advice on exactly that.
const GOOD_WITH_ADVICE: [(&str, &str); 2] = [
    ("en SRE book", GOOD_EN_SRE_BOOK),
    ("ja 障害報告書", GOOD_JA_REPORT),
];

#[test]
fn good_postmortems_that_skip_some_reasons_are_ready_with_advice_on_them_only() {
    for (name, markdown) in GOOD_WITH_ADVICE {
        let findings = check_imported(markdown);
        assert!(ready(&findings), "{name}: {findings:#?}");
        assert!(!findings.is_empty(), "{name}");
        for f in &findings {
            assert_eq!(f.level, Level::Advice, "{name}: {f:?}");
            assert!(
                matches!(
                    f.rule,
                    Rule::CountermeasureWhy | Rule::CountermeasureAlternatives
                ),
                "{name}: {f:?}"
            );
        }
    }
}

#[test]
fn every_flawed_postmortem_in_the_corpus_gets_the_findings_for_its_fault_and_no_other() {
    for (name, markdown, want) in FLAWED {
        let findings = check_imported(markdown);
        let rules: Vec<Rule> = findings.iter().map(|f| f.rule).collect();
        assert_eq!(rules, want, "{name}: {findings:#?}");
        // Every fault in the corpus is one a reader cannot get past.
        assert!(!ready(&findings), "{name}: {findings:#?}");
        assert!(findings.iter().any(Finding::blocks), "{name}");
    }
}

#[test]
fn an_in_house_term_spelled_out_in_the_text_is_ready_with_advice_to_move_it() {
    let (name, markdown, _) = FLAWED
        .iter()
        .find(|(name, _, _)| name.contains("acronym"))
        .expect("the glossary fixture");
    let spelled_out = markdown.replacen(
        "writes a file to the OEX share",
        "writes a file to the order export share (OEX)",
        1,
    );
    assert_ne!(&spelled_out, markdown, "{name}");
    let findings = check_imported(&spelled_out);
    assert!(ready(&findings), "{findings:#?}");
    let rules: Vec<(Rule, Option<&str>)> = findings
        .iter()
        .map(|f| (f.rule, f.subject.as_deref()))
        .collect();
    assert_eq!(rules, vec![(Rule::GlossaryInline, Some("OEX"))]);
}

/// The acronym fixtures with the term spelled out in the text, the ways
/// people do it and the ways that only look like it: (name, the fixture
/// whose name contains, words replaced, replacement, defined inline).
const INLINE_SPELLINGS: [(&str, &str, &str, &str, bool); 10] = [
    (
        "en expansion before",
        "acronym",
        "writes a file to the OEX share",
        "writes a file to the Order EXport share (OEX)",
        true,
    ),
    (
        "en expansion after",
        "acronym",
        "writes a file to the OEX share",
        "writes a file to the OEX (order export) share",
        true,
    ),
    (
        "en one word before",
        "acronym",
        "writes a file to the OEX share",
        "writes a file to the Ask (OEX) share",
        false,
    ),
    (
        "en no expansion after",
        "acronym",
        "writes a file to the OEX share",
        "writes a file to the OEX (see below) share",
        false,
    ),
    (
        "en words that do not spell it",
        "acronym",
        "writes a file to the OEX share",
        "writes a file to the nightly file share (OEX)",
        false,
    ),
    (
        "ja 日本語の正式名称が前",
        "社内用語",
        "PGW が受け取って",
        "ポイント付与ゲートウェイ（PGW）が受け取って",
        true,
    ),
    (
        "ja 日本語の正式名称が後",
        "社内用語",
        "PGW が受け取って",
        "PGW（ポイント付与ゲートウェイ）が受け取って",
        true,
    ),
    (
        "ja English expansion",
        "社内用語",
        "PGW が受け取って",
        "Point Gateway (PGW) が受け取って",
        true,
    ),
    (
        "ja 動詞だけ",
        "社内用語",
        "PGW が受け取って",
        "受け取る（PGW）が受け取って",
        false,
    ),
    (
        "ja 後述",
        "社内用語",
        "PGW が受け取って",
        "PGW（後述）が受け取って",
        false,
    ),
];

#[test]
fn an_acronym_spelled_out_in_the_text_must_be_spelled_out_for_real() {
    for (name, fixture, from, to, defined) in INLINE_SPELLINGS {
        let (_, markdown, _) = FLAWED
            .iter()
            .find(|(n, _, _)| n.contains(fixture))
            .expect("the glossary fixture");
        let written = markdown.replacen(from, to, 1);
        assert_ne!(&written, markdown, "{name}");
        let findings = check_imported(&written);
        let rules: Vec<Rule> = findings.iter().map(|f| f.rule).collect();
        if defined {
            assert_eq!(rules, vec![Rule::GlossaryInline], "{name}: {findings:#?}");
            assert!(ready(&findings), "{name}");
        } else {
            assert_eq!(rules, vec![Rule::GlossaryMissing], "{name}: {findings:#?}");
            assert!(!ready(&findings), "{name}");
        }
    }
}
