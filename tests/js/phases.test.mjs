// Each phase change brings that phase's main view into view for everyone,
// without moving anyone who is typing: in headless Chromium on a
// 1920×1080 screen against the real server and the built web bundle, with a
// draft long enough that the document does not fit on the screen.
//
// Screenshots: tests/js/screenshots/phases-*.png.
//
// Needs web/dist (cargo xtask build-web) and Chromium (see browser.test.mjs).

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import {
  withServerLog, SCREENSHOTS, waitFor, browserSuite, skipBrowser, openAs as openPage,
  seed, expectPhase, PHONE
} from './helpers.mjs'

const skip = skipBrowser() ? 'CASEBOOK_SKIP_BROWSER=1' : false
const SCREEN = { width: 1920, height: 1080 }

let server
let browser
const cleanups = []

browserSuite(cleanups, (s, b) => { server = s; browser = b })

const openAs = (link, name, viewport = SCREEN) => openPage(browser, cleanups, link, name, { viewport })

/** Whether the element matching `selector` is on the screen from its top
 * (a scrolled-to element may sit a fraction of a pixel above it). */
const onScreen = (page, selector) => page.locator(selector).evaluate((el) => {
  const r = el.getBoundingClientRect()
  return r.top > -2 && r.top < window.innerHeight && r.bottom > 0
})

const lines = (label, n) => Array.from({ length: n }, (_, i) => `${label} ${i + 1}: 決済の遅延を時系列で確認した。`).join('\n')

test('a phase change brings its main view into view, except for someone typing', { skip }, withServerLog(() => server, async (t) => {
  const pm = await server.createPostmortem('2026-11-20 長い下書き long draft')
  await seed(server, pm, {
    system: lines('System', 40),
    timeline: lines('Timeline', 60),
    impact: lines('Impact', 40),
    causes: lines('Cause', 40)
  })
  const facilitator = await openAs(pm.links.facilitator, 'SRE 佐藤')
  const author = await openAs(pm.links.author, 'Aiko')
  const pat = await openAs(pm.links.participant, 'Pat')
  const kenji = await openAs(pm.links.participant, 'Kenji', PHONE)
  const everyone = [facilitator, author, pat, kenji]

  async function next (phase) {
    await facilitator.locator('#phase-next').click()
    await expectPhase(everyone, phase)
  }

  await t.test('the kudos wall comes into view for someone who had scrolled down the document', async () => {
    await next('silent_reading')
    await next('q_and_a')
    await next('proposals')
    // Pat reads the end of the document; the author is typing in it.
    await pat.evaluate(() => window.scrollTo(0, document.body.scrollHeight))
    const typed = author.locator('#text-causes')
    await typed.scrollIntoViewIfNeeded()
    await typed.evaluate((el) => { el.focus(); el.setSelectionRange(el.value.length, el.value.length) })
    await author.keyboard.type(' 追記')
    await waitFor(async () => (await typed.inputValue()).endsWith(' 追記'), { what: 'the author typed' })
    // Where the author's text is on their screen (the wall, shown above it,
    // changes scrollY through scroll anchoring, not what they see).
    const textTop = () => typed.evaluate((el) => el.getBoundingClientRect().top)
    const authorTop = await textTop()
    const patY = await pat.evaluate(() => window.scrollY)
    assert.ok(patY > 0, 'Pat scrolled down')

    await next('kudos')
    await waitFor(() => onScreen(pat, '#kudos-wall'), { what: "the kudos wall on Pat's screen" })
    assert.notEqual(await pat.evaluate(() => window.scrollY), patY, 'Pat was brought to the wall')
    // The author, typing, stays where they were, still in their text.
    await author.locator('#kudos-wall').waitFor()
    await author.waitForTimeout(500)
    assert.ok(Math.abs(await textTop() - authorTop) < 2, `the author's text moved from ${authorTop} to ${await textTop()}`)
    assert.equal(await author.evaluate(() => document.activeElement?.id), 'text-causes')
    await pat.waitForTimeout(300)
    await pat.screenshot({ path: join(SCREENSHOTS, 'phases-kudos-in-view.png') })
  })

  await t.test('on a phone, revision brings its panel into view', async () => {
    await kenji.evaluate(() => window.scrollTo(0, 0))
    await next('revision')
    await waitFor(() => onScreen(kenji, '#revision'), { what: "the revision panel on Kenji's phone" })
    assert.ok(await kenji.evaluate(() => window.scrollY) > 0, 'Kenji was brought down to the panel')
    await kenji.waitForTimeout(300)
    await kenji.screenshot({ path: join(SCREENSHOTS, 'phases-revision-phone.png') })
  })

  for (const page of everyone) {
    assert.deepEqual(page.errors, [], `errors on ${page.url()}`)
  }
}))
