// The team next to the name, in headless Chromium against the real server:
// the join form asks for it (optional), the browser remembers it like the
// name, the meeting records it with the person who acts, and a blank team
// is no team. English on a laptop, Japanese on a phone.
//
// Screenshots: tests/js/screenshots/team-*.png.
// Needs web/dist (cargo xtask build-web) and Chromium (see browser.test.mjs).

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import {
  withServerLog, SCREENSHOTS, ADMIN_TOKEN, PHONE, waitFor, browserSuite, skipBrowser, newContext, newPage, apiRequest
} from './helpers.mjs'

/** core::limits::MAX_TEAM_CHARS, the input's maxlength. */
const MAX_TEAM_CHARS = 40

const skip = skipBrowser() ? 'CASEBOOK_SKIP_BROWSER=1' : false

let server
let browser
const cleanups = []

browserSuite(cleanups, (s, b) => { server = s; browser = b })

test('the join form asks for a team, remembers it, and the meeting records it with the person', { skip, timeout: 120_000 }, withServerLog(() => server, async () => {
  const pm = await server.createPostmortem('Team チーム')
  const api = (...args) => apiRequest(server, ...args)

  // English, laptop: name and team, then the facilitator moves the phase.
  const sre = await newPage(await newContext(browser, cleanups, { locale: 'en-US' }))
  await sre.goto(pm.links.facilitator)
  await sre.locator('#display-name').fill('Sara Kim')
  const team = sre.locator('#team')
  assert.equal(await team.getAttribute('maxlength'), String(MAX_TEAM_CHARS))
  await team.fill('  SRE   Platform ')
  await sre.screenshot({ path: join(SCREENSHOTS, 'team-join-en.png') })
  await sre.locator('#join').click()
  await sre.locator('#team').waitFor({ state: 'detached' })
  await sre.locator('#phase-next').click()
  await sre.locator('.phase-bar .phase.current[data-phase="silent_reading"]').waitFor()
  const people = async () => Object.values((await api('GET', `/api/postmortems/${pm.id}/meeting`, ADMIN_TOKEN)).body.state.people)
  await waitFor(async () => (await people()).some((p) => p.display_name === 'Sara Kim' && p.team === 'SRE Platform'), {
    what: 'the meeting records Sara with her team', describe: async () => JSON.stringify(await people())
  })
  // Remembered in this browser: not asked again.
  await sre.reload()
  await sre.locator('#connection[data-state="synced"]').waitFor()
  assert.equal(await sre.locator('#team').count(), 0, 'asked once')
  assert.equal(await sre.evaluate(() => localStorage.getItem('casebook.team')), 'SRE Platform')

  // Japanese, phone: the name only; a blank team is no team.
  const pat = await newPage(await newContext(browser, cleanups, { locale: 'ja-JP', viewport: PHONE }))
  await pat.goto(pm.links.participant)
  await pat.locator('label[for="team"]', { hasText: '所属チーム（任意）' }).waitFor()
  assert.ok(await pat.evaluate(() => document.documentElement.scrollWidth <= 390), 'the form fits a phone')
  await pat.screenshot({ path: join(SCREENSHOTS, 'team-join-phone-ja.png') })
  await pat.locator('#display-name').fill('Pat 鈴木')
  await pat.locator('#join').click()
  await pat.locator('#team').waitFor({ state: 'detached' })
  await pat.locator('.phase-bar .phase.current[data-phase="silent_reading"]').waitFor()
  await pat.locator('#done-reading').click()
  await waitFor(async () => (await people()).some((p) => p.display_name === 'Pat 鈴木'), {
    what: 'the meeting records Pat', describe: async () => JSON.stringify(await people())
  })
  const recorded = (await people()).find((p) => p.display_name === 'Pat 鈴木')
  assert.equal(recorded.team, undefined, 'no team given, none recorded')
  for (const page of [sre, pat]) assert.deepEqual(page.errors, [], `errors on ${page.url()}`)
}))
