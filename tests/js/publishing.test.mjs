// Publishing in headless Chromium against the real server: the refusal
// listed in the reader's language with links to the sections, publishing
// anyway with a reason that readers never see, the read link shown to
// everyone in the meeting, and the read page in the case's language (and
// the other one on request), on a laptop, a phone and paper.
//
// Screenshots: tests/js/screenshots/publish-*.png and read-*.png.
// Needs web/dist (cargo xtask build-web) and Chromium (see browser.test.mjs).

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import {
  withServerLog, SCREENSHOTS, waitFor, browserSuite, skipBrowser, openAs as openPage, seed as seedSections, apiRequest,
  selectWords, commandOk
} from './helpers.mjs'

const skip = skipBrowser() ? 'CASEBOOK_SKIP_BROWSER=1' : false

/** A Japanese case, complete but for what the meeting and the glossary leave open. */
const SECTIONS = {
  summary: '決済が40分間失敗した。DBのフェイルオーバー後、Webサーバーが古いプライマリに接続し続けた。',
  system: '目的: 顧客がカートの代金を支払う。\n\n設計: ロードバランサーの後ろにWebサーバー3台。\n\nミドルウェア: EC2上のMySQL 8、Redis。RDSとAuroraも検討したが不採用。',
  impact: '約1,200人が40分間支払いできなかった。',
  timeline: '- 14:05 フェイルオーバー開始\n- 14:45 決済が復旧',
  causes: '### DNSキャッシュ\nWebサーバーが古いプライマリのアドレスを保持し続けた。',
  countermeasures: '- DNSのTTLを5秒に下げる。原因: DNSキャッシュ。コード変更が不要なため採用。プロキシ導入は費用の面で見送った。',
  lessons: 'フェイルオーバーはステージングで事前に試す。',
  code: '```\nmysql> SELECT @@hostname, @@read_only, very_long_column_name_that_keeps_going_and_going_far_past_the_right_edge_of_any_printed_page FROM information_schema.tables;\n```'
}

let server
let browser
const cleanups = []

browserSuite(cleanups, (s, b) => { server = s; browser = b })

/** The sections as the author wrote them: the code block at the end of the causes. */
const seed = (pm) => {
  const { code, causes, ...rest } = SECTIONS
  return seedSections(server, pm, { ...rest, causes: `${causes}\n\n${code}` })
}

const openAs = (link, name, { locale, viewport } = {}) => openPage(browser, cleanups, link, name, { locale, viewport })

const api = (...args) => apiRequest(server, ...args)

const command = (pm, token, body) => commandOk(server, pm, token, body)

/** Every due date in the action items' table sits on one line. */
async function dueDatesOnOneLine (page, where) {
  const lines = await page.evaluate(() => [...document.querySelectorAll('td')]
    .filter((td) => /^\d{4}-\d{2}-\d{2}$/.test(td.textContent.trim()))
    .map((td) => {
      const range = document.createRange()
      range.selectNodeContents(td)
      const tops = new Set([...range.getClientRects()].map((r) => Math.round(r.top)))
      return [td.textContent.trim(), tops.size]
    }))
  assert.equal(lines.length, 2, `${where}: both due dates are in the table`)
  for (const [date, n] of lines) assert.equal(n, 1, `${where}: ${date} wraps onto ${n} lines`)
}

async function shot (page, name, fullPage = false) {
  await page.waitForTimeout(300)
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage })
}

const REASON = 'SREレビュー用に先行公開 override-reason-marker'

test('a refused publication in Japanese and English, publishing anyway, the read link for everyone, the read page', { skip, timeout: 240_000 }, withServerLog(() => server, async (t) => {
  const pm = await server.createPostmortem('決済障害 2026-11-02')
  await seed(pm)
  const sre = await openAs(pm.links.facilitator, 'SRE 佐藤', { locale: 'ja-JP' })
  const ben = await openAs(pm.links.participant, 'Ben Carter')
  // The author, and the SRE from a second device, act through the API as
  // themselves: the same person on two devices is one participant.
  const joinAs = async (role, name, team) => (await api('POST', `/api/postmortems/${pm.id}/join`, pm.tokens[role], { name, team })).body.token
  const author = await joinAs('author', 'Aiko 青木', '決済チーム')
  const sreApi = await joinAs('facilitator', 'SRE 佐藤')

  await t.test('the facilitator sets the incident time in the case\'s time zone', async () => {
    await sre.locator('#incident-zone').selectOption('540')
    await sre.locator('#incident-at').fill('2026-11-02T14:05')
    await sre.locator('#incident .incident-status', { hasText: '保存しました' }).waitFor()
    const details = await api('GET', `/api/postmortems/${pm.id}`, author)
    assert.deepEqual(details.body.incident, { started_at_ms: Date.UTC(2026, 10, 2, 5, 5), utc_offset_minutes: 540 })
    await sre.locator('#incident').scrollIntoViewIfNeeded()
    await shot(sre, 'publish-incident-ja')
  })

  // The meeting: Ben asks about the database, the author answers.
  await command(pm, sreApi, { type: 'move_phase', to: 'silent_reading' })
  await ben.locator('.phase-bar .phase.current[data-phase="silent_reading"]').waitFor()

  await t.test('the meeting\'s times are shown in the case\'s zone, labelled', async () => {
    // The browser runs in UTC; the case happened in UTC+09:00.
    await sre.locator('#history summary').click()
    const when = sre.locator('#history .history-item[data-reason="SilentReadingStarted"] .history-when')
    await when.waitFor()
    const text = await when.textContent()
    const wall = new Date(Date.now() + 9 * 3600_000).toISOString().slice(0, 10)
    assert.match(text, new RegExp(`^${wall} \\d{2}:\\d{2} UTC\\+09:00$`), `the version's time in the case's zone: ${text}`)
    await sre.locator('#history').scrollIntoViewIfNeeded()
    await shot(sre, 'publish-history-zone-ja')
    await sre.locator('#history summary').click()
  })
  await selectWords(ben, 'system', 'MySQL 8')
  await ben.keyboard.press('Alt+KeyQ')
  await ben.locator('#comment-text').fill('Why MySQL on EC2 rather than RDS?')
  await ben.locator('#post-comment').click()
  await ben.locator('#comment-text').waitFor({ state: 'detached' })
  const meeting = await api('GET', `/api/postmortems/${pm.id}/meeting`, sreApi)
  const question = meeting.body.state.comments[0].id
  for (const to of ['q_and_a']) await command(pm, sreApi, { type: 'move_phase', to })
  await command(pm, author, { type: 'answer_question', comment_id: question, text: '必要なプラグインがRDSでは使えないため。' })
  for (const to of ['proposals', 'kudos', 'revision']) await command(pm, sreApi, { type: 'move_phase', to })
  await command(pm, author, { type: 'resolve', comment_id: question })
  // What the meeting decided, with due dates, in a table with long cells.
  await command(pm, sreApi, { type: 'add_action_item', title: 'DNSのTTLを全Webサーバーで5秒に下げ、フェイルオーバー訓練で接続先が切り替わることを確認する', owner: 'Aiko 青木', due: '2026-12-24' })
  await command(pm, sreApi, { type: 'add_action_item', title: 'Add an alert when the web servers keep connecting to a read-only primary after a failover', owner: 'SRE 佐藤', due: '2027-01-15' })
  await sre.locator('.phase-bar .phase.current[data-phase="revision"]').waitFor()

  await t.test('the refusal lists the blocking findings in Japanese, linked to their sections', async () => {
    await sre.locator('#phase-next').click()
    const refusal = sre.locator('#publish-refusal')
    await refusal.waitFor()
    assert.equal(await refusal.locator('h2').textContent(), 'まだ公開できません')
    const items = refusal.locator('li[data-section]')
    assert.ok(await items.count() >= 1)
    const first = items.first()
    const section = await first.getAttribute('data-section')
    assert.equal(await first.locator('a').getAttribute('href'), `#sec-${section}`)
    assert.match(await first.locator('.finding-reason').textContent(), /[\u3040-\u30ff\u4e00-\u9fff]/, 'the reason is Japanese')
    assert.doesNotMatch(await refusal.textContent(), /override_reason|finding\(s\)/, 'no API words')
    assert.equal(await sre.locator('.meeting-error').count(), 0, 'no raw server message')
    await shot(sre, 'publish-refused-ja')
    await first.locator('a').click()
    await waitFor(async () => (await sre.evaluate(() => location.hash)) === `#sec-${section}`, { what: 'the link goes to the section' })
  })

  await t.test('and in English when the reader switches', async () => {
    await sre.locator('.lang-switch button', { hasText: 'EN' }).click()
    const refusal = sre.locator('#publish-refusal')
    await refusal.locator('h2', { hasText: 'Not ready to publish yet' }).waitFor()
    assert.doesNotMatch(await refusal.locator('.finding-reason').first().textContent(), /[\u3040-\u30ff]/, 'the reason is English')
    await sre.evaluate(() => window.scrollTo(0, 0))
    await shot(sre, 'publish-refused-en')
    await sre.setViewportSize({ width: 390, height: 844 })
    assert.ok(await sre.evaluate(() => document.documentElement.scrollWidth <= 390), 'the refusal fits a phone')
    await shot(sre, 'publish-refused-phone')
    await sre.setViewportSize({ width: 1280, height: 860 })
  })

  await t.test('published anyway: everyone sees the read link, nobody sees "to fix"', async () => {
    await sre.locator('#override-reason').fill(REASON)
    await sre.locator('.publish-anyway button[type="submit"]').click()
    for (const page of [sre, ben]) {
      await page.locator('.phase-bar .phase.current[data-phase="published"]').waitFor()
      const link = page.locator('#read-link')
      await link.waitFor()
      assert.ok((await link.getAttribute('href')).endsWith(`/read/${pm.id}`))
      await page.locator('.readiness-count', { hasText: /published|公開済み/ }).waitFor()
      assert.doesNotMatch(await page.locator('.readiness-count').textContent(), /to fix|要対応/)
    }
    assert.equal(await sre.locator('#publish-refusal').count(), 0)
    await shot(ben, 'publish-read-link')
    const insights = await api('GET', `/api/postmortems/${pm.id}/insights`, pm.tokens.facilitator)
    assert.equal(insights.body.insights.override_reason, REASON, 'the reason stays for the SRE team')
  })

  await t.test('the read page speaks the case\'s language, has the meeting record and no override reason', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, locale: 'en-US' })
    cleanups.push(() => context.close())
    const page = await context.newPage()
    await page.goto(server.url(`/read/${pm.id}`))
    await page.locator('html[lang="ja"]').waitFor()
    const text = await page.textContent('body')
    for (const expected of ['目次', 'システム概要', '会議の記録', '質疑応答', 'Ben Carter', '「MySQL 8」', '回答 (Aiko 青木):', '必要なプラグインがRDSでは使えないため。', '発生日時', '2026-11-02 14:05 UTC+09:00', '執筆者: Aiko 青木（決済チーム）', '参加者数: 3人', 'ファシリテーター: SRE 佐藤']) {
      assert.ok(text.includes(expected), `${expected} on the read page`)
    }
    assert.ok(!text.includes('override-reason-marker'), 'the override reason is not for readers')
    assert.ok(!text.includes('各フェーズの時間'), 'no meeting bookkeeping')
    assert.equal(await page.locator('script').count(), 0, 'the page has no script')
    assert.equal(await page.locator('a[href="#system"]').first().textContent(), 'システム概要')
    await page.screenshot({ path: join(SCREENSHOTS, 'read-ja.png'), fullPage: true })
    await dueDatesOnOneLine(page, 'laptop ja')

    await page.goto(server.url(`/read/${pm.id}?lang=en`))
    await page.locator('html[lang="en"]').waitFor()
    const english = await page.textContent('body')
    for (const expected of ['Contents', 'System overview', 'What the meeting produced', 'Questions and answers', 'Incident']) {
      assert.ok(english.includes(expected), `${expected} on the English read page`)
    }
    await page.screenshot({ path: join(SCREENSHOTS, 'read-en.png'), fullPage: true })
    await dueDatesOnOneLine(page, 'laptop en')
    await page.locator('table', { hasText: '2026-12-24' }).screenshot({ path: join(SCREENSHOTS, 'read-action-items-en.png') })

    await page.setViewportSize({ width: 390, height: 844 })
    await page.goto(server.url(`/read/${pm.id}`))
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 390), 'no sideways scrolling on a phone')
    await page.screenshot({ path: join(SCREENSHOTS, 'read-phone.png') })
    await dueDatesOnOneLine(page, 'phone ja')
    await page.locator('table', { hasText: '2026-12-24' }).screenshot({ path: join(SCREENSHOTS, 'read-action-items-phone-ja.png') })
    await page.goto(server.url(`/read/${pm.id}?lang=en`))
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 390), 'no sideways scrolling on a phone (en)')
    await dueDatesOnOneLine(page, 'phone en')
    await page.locator('table', { hasText: '2026-12-24' }).screenshot({ path: join(SCREENSHOTS, 'read-action-items-phone-en.png') })
    await page.goto(server.url(`/read/${pm.id}`))

    // On paper: wrapped code, the header first, the contents on their own page.
    await page.setViewportSize({ width: 794, height: 1123 })
    await page.emulateMedia({ media: 'print' })
    const pre = await page.evaluate(() => getComputedStyle(document.querySelector('pre')).whiteSpace)
    assert.equal(pre, 'pre-wrap')
    const wide = await page.evaluate(() => {
      const el = document.querySelector('pre')
      return el.scrollWidth > el.clientWidth + 1
    })
    assert.equal(wide, false, 'printed code wraps inside the page')
    await dueDatesOnOneLine(page, 'print')
    await page.screenshot({ path: join(SCREENSHOTS, 'read-print.png'), fullPage: true })
  })

  for (const page of [sre, ben]) {
    const expected = /status of 409/
    assert.deepEqual(page.errors.filter((e) => !expected.test(e)), [], `errors on ${page.url()}`)
  }
}))
