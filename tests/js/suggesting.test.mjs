// Suggesting mode and action items in headless Chromium: a participant
// suggests new words for a selection, every page shows the suggestion as a
// diff (old words struck, new ones inserted); the author accepts it and
// every page's editor shows the new words; undo puts the old words back in
// one step; an action item with owner and due date is added from the
// accepted suggestion and shows on the read page of the published case.
// Screenshots (English and Japanese, laptop and phone) go to
// tests/js/screenshots/suggesting-*.png.
//
// Needs web/dist (cargo xtask build-web) and Chromium (see browser.test.mjs).

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import {
  withServerLog, SCREENSHOTS, waitFor, browserSuite, skipBrowser, openAs as openPage, seed,
  selectWords, expectPhase, cardId, apiRequest, PHONE, screenshot
} from './helpers.mjs'

const skip = skipBrowser() ? 'CASEBOOK_SKIP_BROWSER=1' : false

const SYSTEM = 'Checkout runs MySQL on EC2 in one region. 決済は一時間止まった。'
const OLD = 'MySQL on EC2'
const NEW = 'Aurora MySQL 3 on RDS 😀'

let server
let browser
const cleanups = []

browserSuite(cleanups, (s, b) => { server = s; browser = b })

const openAs = (link, name, opts = {}) => openPage(browser, cleanups, link, name, opts)

const shot = (page, name) => screenshot(page, `suggesting-${name}`)

/** The words under comment `id`'s highlight in the editors. */
const markText = async (page, id) =>
  (await page.locator(`mark[data-comment="${id}"]`).allTextContents()).join('')

/** Waits until the page's editor of `section` reads exactly `text`. */
const expectEditor = (page, section, text) =>
  waitFor(async () => (await page.locator(`#text-${section}`).inputValue()) === text, { what: `${section} reads ${text}` })

test('a suggestion with new words is accepted into every editor, undone, and becomes an action item', { skip }, withServerLog(() => server, async (t) => {
  const pm = await server.createPostmortem('2026-11-03 決済遅延 checkout latency')
  await seed(server, pm, { system: SYSTEM })
  const facilitator = await openAs(pm.links.facilitator, 'SRE 佐藤')
  const author = await openAs(pm.links.author, '青木', { locale: 'ja-JP' })
  const participant = await openAs(pm.links.participant, 'Ben')
  const phone = await openAs(pm.links.participant, 'Kim', { viewport: PHONE, locale: 'ja-JP' })
  const everyone = [facilitator, author, participant, phone]
  await facilitator.locator('#phase-next').click()
  await expectPhase(everyone, 'silent_reading')

  let id
  await t.test('a participant suggests new words; every page shows the diff', async () => {
    await selectWords(participant, 'system', OLD)
    await participant.locator('#make-suggestion').click()
    await participant.locator('#comment-text').fill('Say which engine we run 🙏')
    await participant.locator('#suggestion-replacement').fill(NEW)
    await shot(participant, 'composer-en')
    await participant.locator('#post-comment').click()
    await participant.locator('#comment-text').waitFor({ state: 'detached' })
    id = await cardId(participant, 'Say which engine')
    for (const page of everyone) {
      const card = page.locator(`.cards [data-card="${id}"]`)
      await card.locator('.suggested-change del').waitFor()
      assert.equal(await card.locator('.suggested-change del').textContent(), OLD)
      assert.equal(await card.locator('.suggested-change ins').textContent(), NEW)
    }
    // A plain suggestion stays possible: no replacement, no diff.
    await selectWords(participant, 'system', 'in one region')
    await participant.locator('#make-suggestion').click()
    await participant.locator('#comment-text').fill('Add a diagram of the failover')
    await participant.locator('#post-comment').click()
    const plain = await cardId(participant, 'Add a diagram')
    assert.equal(await participant.locator(`.cards [data-card="${plain}"] .suggested-change`).count(), 0)
    assert.equal(await participant.locator(`.cards [data-card="${plain}"] blockquote.quote`).count(), 1)
    await participant.locator(`.cards [data-card="${id}"]`).scrollIntoViewIfNeeded()
    await shot(participant, 'card-en')
    await author.locator(`.cards [data-card="${id}"]`).scrollIntoViewIfNeeded()
    await shot(author, 'card-ja')
  })

  await t.test('the author accepts: every editor shows the new words; undo brings the old ones back', async () => {
    for (const step of ['q_and_a', 'proposals']) {
      await facilitator.locator('#phase-next').click()
      await expectPhase(everyone, step)
    }
    assert.equal(await participant.locator('#accept-suggestion').count(), 0)
    await author.locator(`.proposals-panel [data-card="${id}"]`).waitFor()
    await author.locator('#accept-suggestion').click()
    const accepted = SYSTEM.replace(OLD, NEW)
    for (const page of everyone) {
      await expectEditor(page, 'system', accepted)
      // The highlight moved to the new words; they were replaced, not deleted.
      await waitFor(async () => (await markText(page, id)) === NEW, { what: 'highlight on the new words' })
      assert.equal(await page.locator(`.cards [data-card="${id}"] .badge-detached`).count(), 0)
    }
    await facilitator.locator(`.cards [data-card="${id}"]`).scrollIntoViewIfNeeded()
    await shot(facilitator, 'accepted-en')

    // Participants may not undo; the author may, in one step.
    assert.equal(await participant.locator(`.cards [data-card="${id}"] .undo-accept`).count(), 0)
    await author.locator(`.cards [data-card="${id}"] .undo-accept`).click()
    for (const page of everyone) {
      await expectEditor(page, 'system', SYSTEM)
      await waitFor(async () => (await markText(page, id)) === OLD, { what: 'highlight on the old words again' })
    }
    await author.locator(`.proposals-panel [data-card="${id}"]`).waitFor()
    await author.locator('#accept-suggestion').click()
    for (const page of everyone) await expectEditor(page, 'system', accepted)
  })

  await t.test('an action item with owner and due date comes from the accepted suggestion', async () => {
    assert.equal(await participant.locator('#add-action-item').count(), 0, 'participants only read the list')
    await author.locator('#action-title').fill('Aurora へ移行する runbook を書く')
    await author.locator('#action-owner').fill('青木')
    await author.locator('#action-due').fill('2026-12-24')
    await author.locator('#action-from').selectOption(id)
    await author.locator('#add-action-item').click()
    for (const page of everyone) {
      await page.locator('.action-item .action-title', { hasText: 'runbook' }).waitFor()
    }
    const item = participant.locator('.action-item').first()
    assert.match(await item.locator('.action-owner').textContent(), /青木/)
    assert.match(await item.locator('.action-due').textContent(), /2026-12-24/)
    assert.match(await item.locator('.action-from').textContent(), /Say which engine/)
    assert.equal(await item.getAttribute('data-status'), 'open')
    await author.locator('#action-items').scrollIntoViewIfNeeded()
    await shot(author, 'action-items-ja')
    await participant.locator('#action-items').scrollIntoViewIfNeeded()
    await shot(participant, 'action-items-en')
    await phone.locator('#action-items').scrollIntoViewIfNeeded()
    await shot(phone, 'action-items-phone-ja')

    for (const step of ['kudos', 'revision']) {
      await facilitator.locator('#phase-next').click()
      await expectPhase(everyone, step)
    }
    await author.locator('.action-item .action-status-select').selectOption('in_progress')
    await waitFor(async () => (await participant.locator('.action-item').first().getAttribute('data-status')) === 'in_progress', { what: 'status in progress' })
    // Editable in the revision: a second owner and a later date.
    assert.equal(await participant.locator('.edit-action-item').count(), 0)
    await author.locator('.action-item .edit-action-item').click()
    await author.locator('.action-item-edit .edit-owner').fill('青木・Ben')
    await author.locator('.action-item-edit .edit-due').fill('2027-01-15')
    await shot(author, 'action-item-edit-ja')
    await author.locator('.action-item-edit button[type="submit"]').click()
    await waitFor(async () => /青木・Ben/.test(await participant.locator('.action-item .action-owner').first().textContent()), { what: 'new owner' })
    assert.match(await participant.locator('.action-item .action-due').first().textContent(), /2027-01-15/)
    assert.equal(await participant.locator('.action-item').first().getAttribute('data-status'), 'in_progress', 'the status is kept')
  })

  await t.test('the read page carries the decisions and action items', async () => {
    const published = await apiRequest(server, 'POST', `/api/postmortems/${pm.id}/commands`, pm.tokens.facilitator,
      { command_id: 'publish-1', type: 'move_phase', to: 'published', override_reason: 'suggesting test: readiness is not the point' })
    assert.equal(published.status, 200, JSON.stringify(published.body))
    for (const [lang, heading, status] of [['en', 'Decisions and action items', 'In progress'], ['ja', '決定事項とアクションアイテム', '対応中']]) {
      const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, locale: lang === 'ja' ? 'ja-JP' : 'en-US' })
      cleanups.push(() => context.close())
      const page = await context.newPage()
      await page.goto(server.url(`/read/${pm.id}?lang=${lang}`))
      const section = page.locator('h3', { hasText: heading })
      await section.waitFor()
      const row = page.locator('tr', { hasText: 'runbook' })
      const cells = await row.locator('td').allTextContents()
      assert.deepEqual(cells.slice(0, 4), ['Aurora へ移行する runbook を書く', '青木・Ben', '2027-01-15', status])
      assert.match(cells[4], /Say which engine/)
      assert.ok(cells[4].includes(NEW), cells[4])
      await section.scrollIntoViewIfNeeded()
      await page.screenshot({ path: join(SCREENSHOTS, `suggesting-read-${lang}.png`) })
    }
    for (const page of everyone) assert.deepEqual(page.errors, [])
  })
}))

test('a suggestion to delete words removes them from every editor when accepted, and undo puts them back', { skip }, withServerLog(() => server, async () => {
  const pm = await server.createPostmortem('2026-11-04 削除の提案 deletion')
  await seed(server, pm, { system: SYSTEM })
  const facilitator = await openAs(pm.links.facilitator, 'SRE 佐藤')
  const author = await openAs(pm.links.author, '青木', { locale: 'ja-JP' })
  const participant = await openAs(pm.links.participant, 'Ben')
  const everyone = [facilitator, author, participant]
  await facilitator.locator('#phase-next').click()
  await expectPhase(everyone, 'silent_reading')

  const WORDS = 'in one region'
  await selectWords(participant, 'system', WORDS)
  await participant.locator('#make-suggestion').click()
  await participant.locator('#comment-text').fill('We run in two regions since June')
  await participant.locator('#suggest-deletion').check()
  assert.equal(await participant.locator('#suggestion-replacement').isDisabled(), true)
  await participant.locator('#post-comment').click()
  await participant.locator('#comment-text').waitFor({ state: 'detached' })
  const id = await cardId(participant, 'two regions')
  for (const page of everyone) {
    const card = page.locator(`.cards [data-card="${id}"] .suggested-deletion`)
    await card.waitFor()
    assert.equal(await card.locator('del').textContent(), WORDS)
  }
  assert.equal(await author.locator(`.cards [data-card="${id}"] .suggested-deletion .muted`).textContent(), '（削除）')
  await participant.locator(`.cards [data-card="${id}"]`).scrollIntoViewIfNeeded()
  await shot(participant, 'deletion-card-en')

  for (const step of ['q_and_a', 'proposals']) {
    await facilitator.locator('#phase-next').click()
    await expectPhase(everyone, step)
  }
  await author.locator(`.proposals-panel [data-card="${id}"]`).waitFor()
  await author.locator('#accept-suggestion').click()
  const deleted = SYSTEM.replace(WORDS, '')
  for (const page of everyone) await expectEditor(page, 'system', deleted)
  await author.locator(`.cards [data-card="${id}"] .undo-accept`).click()
  for (const page of everyone) await expectEditor(page, 'system', SYSTEM)
  for (const page of everyone) assert.deepEqual(page.errors, [], `errors on ${page.url()}`)
}))
