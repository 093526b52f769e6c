// The facilitator's timer suggested from past meetings, in headless
// Chromium against the real server: once three earlier meetings finished a
// phase, the facilitator sees "Suggested: N min (median of 3 past
// meetings)" beside the timer and sets it with one click; nobody else sees
// it. In English and Japanese, on a laptop and a phone.
//
// Screenshots: tests/js/screenshots/timers-*.png.
// Needs web/dist (cargo xtask build-web) and Chromium (see browser.test.mjs).

import { test } from 'node:test'
import assert from 'node:assert/strict'
import {
  withServerLog, waitFor, browserSuite, skipBrowser, openAs as openPage, apiRequest,
  expectPhase, PHONE, screenshot, commandOk
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

test('the facilitator sees the timer past meetings suggest and sets it with one click', { skip, timeout: 180_000 }, withServerLog(() => server, async (t) => {
  for (const title of ['First', 'Second', 'Third']) {
    const past = await server.createPostmortem(title)
    for (const to of ['silent_reading', 'q_and_a', 'proposals', 'kudos', 'revision']) {
      await command(past, past.tokens.facilitator, { type: 'move_phase', to })
    }
  }
  const pm = await server.createPostmortem('Next meeting')
  const sre = await openAs(pm.links.facilitator, 'SRE 佐藤', { locale: 'en-US' })
  const sreJa = await openAs(pm.links.facilitator, 'SRE 佐藤', { locale: 'ja-JP', viewport: PHONE })
  const pat = await openAs(pm.links.participant, 'Pat')
  await command(pm, pm.tokens.facilitator, { type: 'move_phase', to: 'silent_reading' })
  await expectPhase([sre, sreJa, pat], 'silent_reading')

  await t.test('the suggestion shows with its meetings, in both languages, only to the facilitator', async () => {
    const suggestion = sre.locator('#timer-suggestion')
    await suggestion.waitFor()
    assert.equal(await suggestion.locator('.muted').textContent(), 'Suggested: 1 min (median of 3 past meetings)')
    await shot(sre, 'timers-suggested-en')
    const ja = sreJa.locator('#timer-suggestion')
    await ja.waitFor()
    assert.equal(await ja.locator('.muted').textContent(), '目安：1分（過去3回のミーティングの中央値）')
    assert.equal(await ja.locator('button').textContent(), 'タイマーを1分にする')
    assert.ok(await sreJa.evaluate(() => document.documentElement.scrollWidth <= 390), 'it fits a phone')
    await ja.scrollIntoViewIfNeeded()
    await shot(sreJa, 'timers-suggested-ja-phone')
    assert.equal(await pat.locator('#timer-suggestion').count(), 0)
  })

  await t.test('one click sets the timer to it, and the suggestion steps aside', async () => {
    await sre.locator('#timer-suggestion-apply').click()
    await waitFor(async () => {
      const meeting = await api('GET', `/api/postmortems/${pm.id}/meeting`, pm.tokens.viewer)
      return meeting.body.state.timer.duration_ms === 60_000
    }, { what: 'the timer set to a minute' })
    await sre.locator('#timer-suggestion').waitFor({ state: 'detached' })
    await shot(sre, 'timers-applied-en')
  })

  for (const page of [sre, sreJa, pat]) assert.deepEqual(page.errors, [])
}))
