// The facilitator sees the room, in headless Chromium against the real
// server and the built web bundle: the facilitator mints and copies an
// invite link from the meeting page (a participant on a phone joins with
// it), one line of instructions per phase and role, the phase timer that
// starts with its phase (paused by the facilitator, auto-start turned off),
// the meeting's time left and what comes next, who has finished reading by
// name, and what is announced to screen readers (phase changes and
// completed phases, time up, "your turn to answer"), comment cards' names,
// the skip link and the readiness count's contrast.
//
// Screenshots: tests/js/screenshots/room-*.png (English and Japanese,
// laptop and 390×844 phone).
//
// Needs web/dist (cargo xtask build-web) and Chromium (see browser.test.mjs).

import { test } from 'node:test'
import assert from 'node:assert/strict'
import {
  withServerLog, waitFor, browserSuite, skipBrowser, PHONE, openAs as openPage,
  seed as seedSections, selectWords, expectPhase, apiRequest, screenshot
} from './helpers.mjs'

const skip = skipBrowser() ? 'CASEBOOK_SKIP_BROWSER=1' : false

const SYSTEM = 'Checkout runs MySQL on EC2 in one region. Payments time out when the primary fails over.'

let server
let browser
const cleanups = []

browserSuite(cleanups, (s, b) => { server = s; browser = b })

const seed = (pm) => seedSections(server, pm, { system: SYSTEM })

/** A page of its own (own storage, so its own person), errors collected. */
const openAs = (link, name, { viewport, clipboard = false } = {}) =>
  openPage(browser, cleanups, link, name, { viewport, clipboardOrigin: clipboard ? server.base : undefined })

const api = (...args) => apiRequest(server, ...args)

const text = async (page, selector) => ((await page.locator(selector).textContent()) || '').trim()
const instruction = (page) => page.locator('#phase-instructions').getAttribute('data-instruction')

/** Waits until the live region says something matching `pattern`. */
async function announced (page, pattern) {
  await waitFor(async () => pattern.test(await text(page, '#announcer')), {
    what: `announcement ${pattern}`,
    describe: () => 'see #announcer'
  })
}

const shot = (page, name) => screenshot(page, `room-${name}`)

async function toJapanese (page) {
  await page.locator('.lang-switch button', { hasText: '日本語' }).click()
  await page.locator('.phase-bar .phase.current', { hasText: '黙読' }).waitFor()
}

test('the facilitator sees the room: invites, instructions, the timer, readers by name, announcements', { skip }, withServerLog(() => server, async (t) => {
  const pm = await server.createPostmortem('2026-11-03 決済遅延 checkout latency')
  await seed(pm)
  const facilitator = await openAs(pm.links.facilitator, 'SRE 佐藤', { clipboard: true })
  const author = await openAs(pm.links.author, 'Aiko')
  const pat = await openAs(pm.links.participant, 'Pat')
  let kenji
  let kenjiInvite

  await t.test('the facilitator mints and copies an invite link from the meeting page', async () => {
    // Open while drafting, for the facilitator only.
    await facilitator.locator('#invite-panel[open]').waitFor()
    for (const page of [author, pat]) assert.equal(await page.locator('#invite-panel').count(), 0)
    await facilitator.locator('#invite-role').selectOption('participant')
    await facilitator.locator('#invite-days').selectOption('1')
    await facilitator.locator('#mint-invite').click()
    const minted = facilitator.locator('#minted-invite[data-role="participant"]')
    await minted.waitFor()
    const link = await facilitator.locator('#minted-link').inputValue()
    assert.match(link, new RegExp(`/p/${pm.id}\\?token=`))
    await minted.locator('button.copy').click()
    await minted.locator('button.copy', { hasText: 'Copied' }).waitFor()
    assert.equal(await facilitator.evaluate(() => navigator.clipboard.readText()), link)
    // Valid for one day, and listed among the links still valid.
    const listed = await api('GET', `/api/postmortems/${pm.id}/invites`, pm.tokens.facilitator)
    const invite = listed.body.find((i) => i.link === link)
    assert.ok(invite, JSON.stringify(listed.body))
    assert.ok(Math.abs(invite.expires_at - invite.created_at - 86_400) < 5, JSON.stringify(invite))
    await facilitator.locator(`#invite-list li[data-invite="${invite.id}"]`).waitFor()
    kenjiInvite = invite.id
    // The copied link works: Kenji joins with it on his phone.
    kenji = await openAs(link, 'Kenji 健二', { viewport: PHONE })
    await shot(facilitator, 'drafting-invite-en')
  })

  await t.test('one line of instructions per phase, depending on the role', async () => {
    assert.equal(await instruction(facilitator), 'invite_then_start')
    assert.equal(await instruction(author), 'finish_draft')
    assert.equal(await instruction(pat), 'read_early')
  })

  await t.test('the timer starts with silent reading; everyone sees the time left and what is next', async () => {
    await facilitator.locator('#phase-next').click()
    await expectPhase([facilitator, author, pat, kenji], 'silent_reading')
    for (const page of [pat, kenji, author]) {
      await page.locator('#phase-timer.running').waitFor()
      assert.match(await text(page, '#phase-timer'), /^1[45]:\d\d$/)
      assert.match(await text(page, '#meeting-left'), /^Meeting: (30|29) min left$/)
      assert.equal(await text(page, '#up-next'), 'Up next: Q&A, 8 min')
    }
    assert.equal(await text(pat, '#phase-instructions'),
      'Read for 15 minutes; select words you would ask about and press Question (or Suggestion). When you are through, press Done reading. With the keyboard: Tab into a section, move with the arrow keys, select with Shift+arrows, then press Alt+Q (or Alt+S).')
    assert.equal(await instruction(author), 'await_questions')
    assert.equal(await instruction(facilitator), 'watch_readers')
    // Folded once the meeting runs.
    assert.equal(await facilitator.locator('#invite-panel[open]').count(), 0)
  })

  let question
  await t.test('the facilitator sees who has finished reading, by name', async () => {
    // Pat asks a question first (for Q&A below).
    await selectWords(pat, 'system', 'MySQL on EC2')
    await pat.locator('#ask-question').click()
    await pat.locator('#comment-text').fill('Why not RDS?')
    await pat.locator('#post-comment').click()
    const card = facilitator.locator('.cards [data-card]', { has: facilitator.locator('.comment-text', { hasText: 'Why not RDS?' }) })
    await card.waitFor()
    question = await card.getAttribute('data-card')
    assert.equal(await card.getAttribute('aria-label'), 'Question from Pat: Why not RDS?')

    await pat.locator('#done-reading').click()
    await facilitator.locator('#reading-progress', { hasText: /^1 of 2 done$/ }).waitFor()
    const readers = await facilitator.locator('#readers li').evaluateAll((lis) =>
      lis.map((li) => [li.querySelector('.reader-name').textContent, li.dataset.done]))
    assert.deepEqual(readers, [['Kenji 健二', 'false'], ['Pat', 'true']])
    assert.equal(await facilitator.locator('#readers li[data-done="true"] .avatar').textContent(), 'P')
    // Only the facilitator sees the names; readers have their button.
    for (const page of [pat, kenji, author]) assert.equal(await page.locator('#readers').count(), 0)
    assert.equal(await author.locator('#done-reading').count(), 0)
    assert.equal(await facilitator.locator('#done-reading').count(), 0)
    await shot(facilitator, 'silent-reading-en')
    await shot(kenji, 'silent-reading-phone-en')

    // The same in Japanese.
    for (const page of [facilitator, kenji]) await toJapanese(page)
    await facilitator.locator('#reading-progress', { hasText: '2人中1人が読了' }).waitFor()
    assert.equal(await text(facilitator, '#phase-instructions'),
      '全員が15分間黙読します。読了した人を確認して、質疑応答に進んでください。')
    assert.match(await text(kenji, '#phase-instructions'), /^15分間で下書きを読んでください。/)
    assert.match(await text(kenji, '#phase-instructions'), /キーボードでは、Tabキーでセクションに入り、矢印キーで移動し、Shift\+矢印キーで選択してからAlt\+Q/)
    assert.equal(await text(kenji, '#done-reading'), '読了にする')
    assert.match(await text(kenji, '#meeting-left'), /^会議の残り (30|29)分$/)
    assert.equal(await text(kenji, '#up-next'), '次は質疑応答（8分）')
    await shot(facilitator, 'silent-reading-ja')
    await shot(kenji, 'silent-reading-phone-ja')
  })

  await t.test('the facilitator pauses the timer; time up is shown and announced', async () => {
    await facilitator.locator('#timer-toggle').click()
    await pat.locator('#phase-timer:not(.running) .paused').waitFor()
    // A two-second timer runs out while everyone watches.
    const started = await api('POST', `/api/postmortems/${pm.id}/commands`, pm.tokens.facilitator,
      { command_id: 'short-timer', type: 'start_timer', seconds: 2 })
    assert.equal(started.status, 200, JSON.stringify(started.body))
    await pat.locator('#time-up', { hasText: 'Time is up' }).waitFor()
    await announced(pat, /^Time is up \(Silent reading\)$/)
    await kenji.locator('#time-up', { hasText: '時間になりました' }).waitFor()
    await shot(pat, 'time-up-en')
    await shot(kenji, 'time-up-phone-ja')
  })

  await t.test('phase changes are announced, completed phases too; auto-start can be turned off', async () => {
    await facilitator.locator('#timer-auto-start').uncheck()
    await waitFor(async () => {
      const view = await api('GET', `/api/postmortems/${pm.id}/meeting`, pm.tokens.viewer)
      return view.body?.state?.settings?.auto_start_timer === false
    }, { what: 'auto-start off' })
    await facilitator.locator('#phase-next').click()
    await expectPhase([pat, author], 'q_and_a')
    await announced(pat, /^Silent reading completed\. Now: Q&A\.$/)
    assert.equal(await text(pat, '.phase.past[data-phase="silent_reading"] .visually-hidden'), '(completed)')
    await pat.locator('#phase-timer:not(.running)').waitFor()
    assert.equal(await text(pat, '#up-next'), 'Up next: Proposals, 4 min')
  })

  await t.test('the author hears that it is their turn to answer', async () => {
    await facilitator.locator('#next-question').click()
    await author.locator(`#spotlight [data-card="${question}"]`).waitFor()
    await announced(author, /^Your turn to answer: Why not RDS\?$/)
    assert.equal(await instruction(author), 'answer_spotlight')
    assert.doesNotMatch(await text(pat, '#announcer'), /Your turn/)
    await shot(author, 'q-and-a-author-en')
    await kenji.evaluate(() => window.scrollTo(0, 0))
    await shot(kenji, 'q-and-a-phone-ja')
  })

  await t.test('a skip link leads from the editors to the comments; the readiness count is readable', async () => {
    await author.locator('#skip-to-comments').focus()
    await author.keyboard.press('Enter')
    await waitFor(() => author.evaluate(() => document.activeElement?.id === 'comments-heading'), { what: 'focus on the comments' })
    const ratio = await author.locator('.readiness-count').evaluate((el) => {
      const rgb = (s) => s.match(/\d+/g).slice(0, 3).map(Number)
      const lum = ([r, g, b]) => [r, g, b].map((c) => {
        c /= 255
        return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4
      }).reduce((sum, c, i) => sum + c * [0.2126, 0.7152, 0.0722][i], 0)
      let bg = el
      while (bg && getComputedStyle(bg).backgroundColor.match(/\d+/g)?.[3] === '0') bg = bg.parentElement
      const [a, b] = [lum(rgb(getComputedStyle(el).color)), lum(rgb(getComputedStyle(bg || document.body).backgroundColor))]
      return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05)
    })
    assert.ok(ratio >= 4.5, `contrast ${ratio.toFixed(2)} < 4.5`)
  })

  await t.test('the facilitator revokes a link from the meeting page; its holder is told, the others stay', async () => {
    const panel = facilitator.locator('#invite-panel')
    if (!(await panel.evaluate((d) => d.open))) await panel.locator('summary').click()
    // The link this page was opened with is marked, without a revoke button.
    const own = facilitator.locator(`#invite-list li[data-invite="${pm.invites.facilitator}"]`)
    await own.locator('.your-link', { hasText: 'あなたのリンク' }).waitFor()
    assert.equal(await own.locator('.revoke-invite').count(), 0)
    // Revoking asks first; Cancel leaves the link alone.
    const row = facilitator.locator(`#invite-list li[data-invite="${kenjiInvite}"]`)
    await row.locator('.revoke-invite').click()
    await row.locator('.confirm-delete', { hasText: 'このリンクを無効にしますか' }).waitFor()
    await shot(facilitator, 'revoke-confirm-ja')
    await row.locator('.confirm-delete button.secondary').click()
    await row.locator('.revoke-invite').waitFor()
    assert.equal(await kenji.locator('#connection').getAttribute('data-state'), 'synced')
    // Revoke: Kenji's page says so and stops retrying; the others stay connected.
    await row.locator('.revoke-invite').click()
    await row.locator('.confirm-revoke').click()
    await row.waitFor({ state: 'detached' })
    await kenji.locator('#connection[data-state="revoked"]', { hasText: 'ファシリテーターに新しいリンク' }).waitFor()
    await shot(kenji, 'revoked-phone-ja')
    const listed = await api('GET', `/api/postmortems/${pm.id}/invites`, pm.tokens.facilitator)
    assert.ok(listed.body.find((i) => i.id === kenjiInvite).revoked_at, JSON.stringify(listed.body))
    for (const page of [facilitator, author, pat]) {
      assert.equal(await page.locator('#connection').getAttribute('data-state'), 'synced')
    }
  })

  for (const page of [facilitator, author, pat, kenji]) {
    assert.deepEqual(page.errors, [], `errors on ${page.url()}`)
  }
}))
