// The document's history in headless Chromium against the real server: the
// versions list behind the "History" control, saving a version with a
// label, an old version opened read-only, a word-level diff with the
// document now (Japanese by character, user text shown as text), and in
// revision "what the meeting changed", in English and Japanese, on a laptop
// and a phone.
//
// Screenshots: tests/js/screenshots/versions-*.png.
// Needs web/dist (cargo xtask build-web) and Chromium (see browser.test.mjs).

import { test } from 'node:test'
import assert from 'node:assert/strict'
import {
  withServerLog, waitFor, browserSuite, skipBrowser, openAs as openPage, seed, apiRequest,
  connectClient, selectWords, PHONE, LAPTOP, screenshot, commandOk, expectPhase
} from './helpers.mjs'

const skip = skipBrowser() ? 'CASEBOOK_SKIP_BROWSER=1' : false

let server
let browser
const cleanups = []

browserSuite(cleanups, (s, b) => { server = s; browser = b })

const openAs = (link, name, { locale, viewport } = {}) => openPage(browser, cleanups, link, name, { locale, viewport })
const api = (...args) => apiRequest(server, ...args)

const command = (pm, token, body) => commandOk(server, pm, token, body)

const shot = screenshot

/** Appends `text` to a section through the reference Yjs client. */
async function append (pm, section, text) {
  const writer = connectClient(server, pm.id, pm.tokens.author)
  await writer.synced()
  const t = writer.doc.getText(`section:${section}`)
  t.insert(t.length, text)
  const reader = connectClient(server, pm.id, pm.tokens.viewer)
  await reader.synced()
  await waitFor(() => reader.doc.getText(`section:${section}`).toString().endsWith(text), { what: `${section} edited` })
  reader.destroy()
  writer.destroy()
}

/** Replaces `old` with `text` in a section through the reference Yjs client. */
async function replace (pm, section, old, text) {
  const writer = connectClient(server, pm.id, pm.tokens.author)
  await writer.synced()
  const t = writer.doc.getText(`section:${section}`)
  const at = t.toString().indexOf(old)
  writer.doc.transact(() => { t.delete(at, old.length); t.insert(at, text) })
  const reader = connectClient(server, pm.id, pm.tokens.viewer)
  await reader.synced()
  await waitFor(() => reader.doc.getText(`section:${section}`).toString().includes(text), { what: `${section} edited` })
  reader.destroy()
  writer.destroy()
}

const EVIL = '<img src=x onerror="window.__pwned=1">'

test('the history lists versions, opens one read-only and shows a word-level diff; revision shows what the meeting changed', { skip, timeout: 240_000 }, withServerLog(() => server, async (t) => {
  const pm = await server.createPostmortem('決済障害 versions')
  await seed(server, pm, {
    summary: '決済が40分間失敗した。',
    impact: 'About 1,200 customers could not pay.'
  })
  await command(pm, pm.tokens.facilitator, { type: 'move_phase', to: 'silent_reading' })
  await append(pm, 'summary', 'DBのフェイルオーバー後に接続が残った。')
  await append(pm, 'impact', ` Refunds were issued. ${EVIL}`)
  await replace(pm, 'impact', 'could not pay', 'were unable to pay')
  // The facilitator asks about the summary in silent reading (answered later).
  const sre = await openAs(pm.links.facilitator, 'SRE 佐藤', { locale: 'ja-JP' })
  // The page opens in silent reading once the meeting has synced: the
  // sections rendered (the words are selected there, not in the editor).
  await expectPhase([sre], 'silent_reading')
  await sre.locator('#sec-summary .reading').waitFor()
  await selectWords(sre, 'summary', '40分間')
  await sre.keyboard.press('Alt+KeyQ')
  await sre.locator('#comment-text').fill('40分間のうち何分で検知しましたか？')
  await sre.locator('#post-comment').click()
  await sre.locator('#comment-text').waitFor({ state: 'detached' })

  const author = await openAs(pm.links.author, 'Aiko', { locale: 'en-US' })

  await t.test('an author opens History, saves a labelled version and sees it listed', async () => {
    const history = author.locator('#history')
    await history.locator('summary').click()
    await history.locator('.history-item').first().waitFor()
    assert.equal(await history.locator('.history-item').count(), 1)
    assert.match(await history.locator('.history-name').first().textContent(), /Silent reading started/)
    await history.locator('.history-label').fill('After reading')
    await history.locator('.history-save button[type="submit"]').click()
    await waitFor(async () => (await history.locator('.history-item').count()) === 2, { what: 'the saved version listed' })
    assert.equal(await history.locator('.history-name').first().textContent(), 'After reading')
    const listed = await api('GET', `/api/postmortems/${pm.id}/versions`, pm.tokens.viewer)
    assert.deepEqual(listed.body.versions.map((v) => v.reason), ['silent_reading_started', 'saved'])
  })

  await t.test('comparing the reading version with now shows added words, user text as text', async () => {
    const history = author.locator('#history')
    await history.locator('.history-item[data-version="0"] .history-compare').click()
    const summary = history.locator('.diff-section[data-section="summary"]')
    await summary.waitFor()
    assert.equal(await summary.locator('ins.diff-added').textContent(), 'DBのフェイルオーバー後に接続が残った。')
    assert.equal(await summary.locator('del').count(), 0)
    const impact = history.locator('.diff-section[data-section="impact"]')
    assert.ok((await impact.locator('ins.diff-added').allTextContents()).join('').includes(EVIL), 'the markup is shown as text')
    assert.equal(await history.locator('.diff img').count(), 0, 'no element from user text')
    // Words changed around a space read as one change.
    assert.equal(await impact.locator('del.diff-removed').textContent(), 'could not')
    assert.equal(await impact.locator('ins.diff-added').first().textContent(), 'were unable to')
    assert.equal(await author.evaluate(() => window.__pwned), undefined)
    assert.match(await impact.locator('.diff-counts').textContent(), /^\+\d+ \/ −8 characters$/)
    await history.locator('.diff-section').first().scrollIntoViewIfNeeded()
    await shot(author, 'versions-diff-en')
  })

  await t.test('an old version opens read-only, without the later words', async () => {
    const history = author.locator('#history')
    await history.locator('.history-item[data-version="0"] .history-open').click()
    const view = history.locator('.version-view')
    await view.waitFor()
    const text = await view.textContent()
    assert.ok(text.includes('決済が40分間失敗した。'), text)
    assert.ok(!text.includes('フェイルオーバー'), 'later words are not in the old version')
    assert.equal(await view.locator('textarea, [contenteditable="true"]').count(), 0, 'read-only')
    await view.scrollIntoViewIfNeeded()
    await shot(author, 'versions-open-en')
    await author.setViewportSize(PHONE)
    await author.locator('#history').scrollIntoViewIfNeeded()
    assert.ok(await author.evaluate(() => document.documentElement.scrollWidth <= 390), 'the history fits a phone')
    await shot(author, 'versions-history-phone')
    await author.setViewportSize(LAPTOP)
  })

  await t.test('in revision, the facilitator sees what the meeting changed, in Japanese, on a laptop and a phone', async () => {
    const meeting = await api('GET', `/api/postmortems/${pm.id}/meeting`, pm.tokens.facilitator)
    const question = meeting.body.state.comments[0].id
    await command(pm, pm.tokens.facilitator, { type: 'move_phase', to: 'q_and_a' })
    await command(pm, pm.tokens.author, { type: 'answer_question', comment_id: question, text: '3分で検知した。' })
    for (const to of ['proposals', 'kudos', 'revision']) {
      await command(pm, pm.tokens.facilitator, { type: 'move_phase', to })
    }
    const changes = sre.locator('#meeting-changes')
    await changes.locator('h2', { hasText: '会議で変わったこと' }).waitFor()
    const summary = changes.locator('.diff-section[data-section="summary"]')
    await summary.waitFor()
    assert.equal(await summary.locator('h3').evaluate((h) => h.firstChild.textContent), '概要')
    assert.equal(await summary.locator('ins.diff-added').textContent(), 'DBのフェイルオーバー後に接続が残った。')
    assert.match(await summary.locator('.diff-counts').textContent(), /^\+\d+字 \/ −0字$/)
    await changes.scrollIntoViewIfNeeded()
    await shot(sre, 'versions-meeting-changed-ja')
    await sre.setViewportSize(PHONE)
    await changes.scrollIntoViewIfNeeded()
    assert.ok(await sre.evaluate(() => document.documentElement.scrollWidth <= 390), 'the changes fit a phone')
    await shot(sre, 'versions-meeting-changed-phone')
    await sre.setViewportSize(LAPTOP)
  })

  await t.test('the answered question in revision shows that its section was not edited since the answer', async () => {
    const item = sre.locator('.revision-item', { has: sre.locator('.comment-text', { hasText: '40分間のうち' }) })
    await item.locator('.answer-edits-open').click()
    await item.locator('.answer-not-folded').waitFor()
    assert.match(await item.locator('.answer-not-folded').textContent(), /回答の後、このセクションは編集されていません/)
    await item.scrollIntoViewIfNeeded()
    await shot(sre, 'versions-answer-edits-ja')
  })

  await t.test('the answer left out of the summary is listed, and one click says the Q&A entry is enough', async () => {
    const item = sre.locator('#readiness li[data-rule="answer_not_folded"]')
    await item.waitFor()
    assert.equal(await item.getAttribute('data-section'), 'summary')
    assert.match(await item.locator('.finding-reason').textContent(), /質疑応答にしかありません/)
    await item.scrollIntoViewIfNeeded()
    await shot(sre, 'versions-answer-not-folded-ja')
    await item.locator('.qa-entry-enough').click()
    await item.locator('.finding-dismissal', { hasText: '質疑応答の記録で十分' }).waitFor()
    const readiness = await api('GET', `/api/postmortems/${pm.id}/readiness`, pm.tokens.viewer)
    const finding = readiness.body.findings.find((f) => f.rule === 'answer_not_folded')
    assert.equal(finding.dismissed.reason, '質疑応答の記録で十分')
  })

  await t.test('after the author folds the answer in, the revision item shows the edit', async () => {
    await append(pm, 'summary', '\n検知まで3分。')
    const item = sre.locator('.revision-item', { has: sre.locator('.comment-text', { hasText: '40分間のうち' }) })
    await item.locator('.answer-edits-open').click()
    await waitFor(async () => (await item.locator('ins.diff-added').count()) > 0, { what: 'the edit since the answer' })
    assert.equal(await item.locator('ins.diff-added').textContent(), '\n検知まで3分。')
    await item.scrollIntoViewIfNeeded()
    await shot(sre, 'versions-answer-edits-after-ja')
    assert.deepEqual(sre.errors, [])
  })

  assert.deepEqual(author.errors, [])
}))

test('a History list opened as the meeting starts lists the version kept while its first fetch was on its way', { skip, timeout: 120_000 }, withServerLog(() => server, async () => {
  const pm = await server.createPostmortem('History race')
  await seed(server, pm, { summary: 'The queue backed up.' })
  const participant = await openAs(pm.links.participant, 'Noor', { locale: 'en-US' })
  // The list's first fetch is answered by the server at once (no version
  // yet), but that answer reaches the page only after the facilitator has
  // started the meeting and the page has heard of the version kept.
  let stale
  let fetched
  const staleFetched = new Promise((resolve) => { fetched = resolve })
  let refetched
  const refetchAsked = new Promise((resolve) => { refetched = resolve })
  await participant.route(`**/api/postmortems/${pm.id}/versions`, async (route) => {
    if (route.request().method() !== 'GET') return route.continue()
    if (!stale) {
      stale = { route } // claimed before the await: one request is held
      stale.response = await route.fetch()
      fetched()
      return
    }
    refetched()
    await route.continue()
  })
  const history = participant.locator('#history')
  await history.locator('summary').click()
  await staleFetched
  assert.equal((await stale.response.json()).versions.length, 0)
  await command(pm, pm.tokens.facilitator, { type: 'move_phase', to: 'silent_reading' })
  await expectPhase([participant], 'silent_reading')
  // A page that fetches again on hearing of the version does so within a
  // moment; one that does not is given time to hear of it first.
  await Promise.race([refetchAsked, new Promise((resolve) => setTimeout(resolve, 3000))])
  await stale.route.fulfill({ response: stale.response })
  const items = history.locator('.history-item')
  await waitFor(async () => (await items.count()) === 1, { what: 'the version kept meanwhile listed' })
  assert.equal(await history.locator('.history-name').first().textContent(), 'Silent reading started')
  // The answer from before the version, arriving last, did not replace it.
  await new Promise((resolve) => setTimeout(resolve, 300))
  assert.equal(await items.count(), 1)
  assert.deepEqual(participant.errors, [])
}))

test('an open History list follows the versions others keep, without a reload', { skip, timeout: 120_000 }, withServerLog(() => server, async () => {
  const pm = await server.createPostmortem('Live history')
  await seed(server, pm, { summary: 'The disk filled.' })
  const participant = await openAs(pm.links.participant, 'Kim', { locale: 'ja-JP' })
  const history = participant.locator('#history')
  await history.locator('summary').click()
  // The list's first fetch answered (the hint above it is always there).
  await history.locator('.muted', { hasText: 'まだ版はありません' }).waitFor()
  const items = () => history.locator('.history-item').count()
  assert.equal(await items(), 0)
  // The facilitator starts the meeting elsewhere: the server keeps a version.
  await command(pm, pm.tokens.facilitator, { type: 'move_phase', to: 'silent_reading' })
  await waitFor(async () => (await items()) === 1, { what: 'the phase change version listed' })
  assert.equal(await history.locator('.history-name').first().textContent(), '黙読の開始時')
  // The author saves one from their own page (here, the API).
  const saved = await api('POST', `/api/postmortems/${pm.id}/versions`, pm.tokens.author, { label: '読み合わせ前' })
  assert.equal(saved.status, 201)
  await waitFor(async () => (await items()) === 2, { what: 'the saved version listed' })
  assert.equal(await history.locator('.history-name').first().textContent(), '読み合わせ前')
  await history.scrollIntoViewIfNeeded()
  await shot(participant, 'versions-live-ja')
  assert.deepEqual(participant.errors, [])
}))
