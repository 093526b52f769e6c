// Nothing anyone types is lost: a meeting in headless Chromium pages — a
// facilitator with a Japanese UI, the author, and a participant on a
// 390×844 phone who also rejoins from a second browser — against the real
// server and the built web bundle. An answer survives a reload, a closed
// tab and the facilitator going back a phase (which asks first and gives
// back the spotlight and the timer); two people answer at once and the
// second one's text is kept and added; the author edits the recorded
// answer from the card; a half-written kudos card survives the phase
// moving on; a deleted line's question is marked "text deleted"; another
// person's selection stays on its words when the text above it changes;
// one person in two browsers is listed once.
//
// Screenshots: tests/js/screenshots/drafts-*.png (English and Japanese,
// laptop and phone).
//
// Needs web/dist (cargo xtask build-web) and Chromium (see browser.test.mjs).

import { test } from 'node:test'
import assert from 'node:assert/strict'
import {
  withServerLog, waitFor, browserSuite, skipBrowser, PHONE, LAPTOP, newContext, newPage, joinMeeting,
  seed as seedSections, selectWords, expectPhase, cardId, screenshot
} from './helpers.mjs'

const skip = skipBrowser() ? 'CASEBOOK_SKIP_BROWSER=1' : false

const SYSTEM = '- Restarted the primary by hand.\n- Restored traffic to the replica 切り替え.\nPayments time out when the primary fails over.'

let server
let browser
const cleanups = []

browserSuite(cleanups, (s, b) => { server = s; browser = b })

const seed = (pm) => seedSections(server, pm, { system: SYSTEM })

/** A browser of its own (own storage: its own person), errors collected. */
const newBrowser = ({ viewport = LAPTOP, locale = 'en-US' } = {}) =>
  newContext(browser, cleanups, { viewport, locale, hasTouch: viewport === PHONE })

/** A page in `context` joined to `link` (as `name`, if given); page errors collected. */
const open = async (context, link, name) => joinMeeting(await newPage(context, { consoleErrors: false }), link, name)

const shot = (page, name) => screenshot(page, `drafts-${name}`)

/** Goes back a phase as the facilitator: asked, then confirmed. */
async function goBack (facilitator) {
  await facilitator.locator('#phase-back').click()
  await facilitator.locator('#confirm-back').waitFor()
  await facilitator.locator('#confirm-back-yes').click()
}

const qaText = (page) => page.locator('#text-qa').inputValue()

test('nothing anyone types is lost, through reloads, a closed tab, phase changes and two answers at once', { skip, timeout: 300_000 }, withServerLog(() => server, async (t) => {
  const pm = await server.createPostmortem('2026-11-03 決済遅延 checkout latency')
  await seed(pm)
  const facilitatorBrowser = await newBrowser({ locale: 'ja-JP' })
  const authorBrowser = await newBrowser()
  const phoneBrowser = await newBrowser({ viewport: PHONE })
  const facilitator = await open(facilitatorBrowser, pm.links.facilitator, 'SRE 佐藤')
  let author = await open(authorBrowser, pm.links.author, 'Aiko')
  const phone = await open(phoneBrowser, pm.links.participant, 'Ken')

  let question
  await t.test('a question from the phone, then Q&A with it in the spotlight', async () => {
    await facilitator.locator('#phase-next').click()
    await expectPhase([phone], 'silent_reading')
    await selectWords(phone, 'system', 'Payments time out')
    await phone.locator('#ask-question').click()
    await phone.locator('#comment-text').fill('Why not a managed database? なぜ？')
    await phone.locator('#post-comment').click()
    question = await cardId(author, 'managed database')
    await phone.locator('#comment-text').waitFor({ state: 'detached' })
    await selectWords(phone, 'system', 'when the primary fails over')
    await phone.locator('#make-suggestion').click()
    await phone.locator('#comment-text').fill('Add a failover diagram.')
    await phone.locator('#post-comment').click()
    await phone.locator('#comment-text').waitFor({ state: 'detached' })
    await facilitator.locator('#phase-next').click()
    await expectPhase([author, phone], 'q_and_a')
    // The Q&A timer starts with the phase (auto-start is on by default).
    await facilitator.locator('#phase-timer.running').waitFor()
    await facilitator.locator('#next-question').click()
    await author.locator(`#spotlight [data-card="${question}"]`).waitFor()
  })

  const long = 'RDS lacked a plugin we needed in 2019; Aurora was evaluated in 2023. 移行は来期に計画しています。'
  await t.test('the answer being typed is shown to the others and survives a reload and a closed tab', async () => {
    await author.locator('#answer-text').fill(long.slice(0, 40))
    await facilitator.locator('#answer-typing', { hasText: 'Aiko' }).waitFor()
    await facilitator.locator('#still-typing', { hasText: 'まだ1人が入力中です' }).waitFor()
    await shot(facilitator, 'ja-laptop-typing')
    await author.reload()
    await author.locator('#answer-text').waitFor()
    assert.equal(await author.locator('#answer-text').inputValue(), long.slice(0, 40))
    await author.locator('#answer-text').fill(long.slice(0, 60))
    // The tab is closed and the link opened again in the same browser.
    await author.close()
    author = await open(authorBrowser, pm.links.author)
    await author.locator('#answer-text').waitFor()
    assert.equal(await author.locator('#answer-text').inputValue(), long.slice(0, 60))
  })

  await t.test('going back a phase asks first, and coming back restores the spotlight, the timer and the answer', async () => {
    await facilitator.waitForTimeout(1500)
    await facilitator.locator('#phase-back').click()
    await facilitator.locator('#confirm-back').waitFor()
    await shot(facilitator, 'ja-laptop-confirm-back')
    // "Stay" changes nothing.
    await facilitator.locator('#confirm-back-no').click()
    await facilitator.locator('#confirm-back').waitFor({ state: 'detached' })
    await expectPhase([author], 'q_and_a')
    await goBack(facilitator)
    await expectPhase([author, phone], 'silent_reading')
    await author.locator('#answer-text').waitFor({ state: 'detached' })
    await facilitator.locator('#phase-next').click()
    await expectPhase([author, phone], 'q_and_a')
    // Nobody pressed "next question": the spotlight came back.
    await author.locator(`#spotlight [data-card="${question}"]`).waitFor()
    assert.equal(await author.locator('#answer-text').inputValue(), long.slice(0, 60))
    await author.locator('#phase-timer.running').waitFor()
    const clock = await author.locator('#phase-timer').innerText()
    assert.notEqual(clock.trim(), '8:00', 'the timer kept what it had run')
    assert.match(clock, /^7:[0-5]\d/)
  })

  await t.test('two answers at once: the second is kept and added to the first, then edited from the card', async () => {
    await author.locator('#answer-text').fill(long)
    const short = 'コストのため。'
    await facilitator.locator('#answer-text').fill(short)
    // Both press "Record" at once: one answer wins, the other is kept. (A
    // page whose box already turned into the kept text has no button left.)
    const press = (page) => page.evaluate(() => document.getElementById('record-answer')?.click())
    await Promise.all([press(facilitator), press(author)])
    const leftOn = await waitFor(async () => {
      if (await author.locator('#answer-left').count()) return 'author'
      if (await facilitator.locator('#answer-left').count()) return 'facilitator'
      return null
    }, { what: 'the second answer kept on its page' })
    const [loser, kept, first] = leftOn === 'author' ? [author, long, short] : [facilitator, short, long]
    assert.equal(await loser.locator('#answer-left-text').innerText(), kept)
    await waitFor(async () => (await qaText(loser)).includes(first), { what: 'the first answer in Q&A' })
    await shot(loser, `${leftOn === 'author' ? 'en' : 'ja'}-laptop-answer-left`)
    await loser.locator('#append-answer').click()
    await loser.locator('#answer-left').waitFor({ state: 'detached' })
    const both = `${first}\n\n${kept}`
    for (const page of [author, facilitator, phone]) {
      await waitFor(async () => (await qaText(page)).includes(first.split('\n')[0]) && (await qaText(page)).includes(kept), { what: 'both answers in the Q&A section' })
    }
    const qa = await qaText(author)
    assert.ok(qa.includes(`${first}\n  \n  ${kept}`), qa)
    assert.equal(qa.split('**Q:**').length - 1, 1, 'one entry, rewritten')
    // The author extends the answer from the card in the list.
    const card = author.locator(`.cards [data-card="${question}"]`)
    await card.locator('.edit-answer').click()
    const editor = card.locator('.edit-answer-text')
    assert.equal(await editor.inputValue(), both)
    await editor.fill(`${both}\n\nSee the cost table.`)
    // A reload keeps the edit being written.
    await author.reload()
    await author.locator(`.cards [data-card="${question}"] .edit-answer-text`).waitFor()
    assert.match(await author.locator(`.cards [data-card="${question}"] .edit-answer-text`).inputValue(), /See the cost table\.$/)
    await author.locator(`.cards [data-card="${question}"] .save-answer`).click()
    await waitFor(async () => (await qaText(phone)).includes('See the cost table.'), { what: 'edited answer on the phone' })
    assert.equal(await phone.locator('.edit-answer').count(), 0, 'a participant cannot edit answers')
    await phone.locator(`.cards [data-card="${question}"] .answer-text`, { hasText: 'See the cost table.' }).waitFor()
    // Everyone who wrote the answer is named: who recorded it, then the
    // other one, who added to it (in English on the phone, in Japanese on
    // the facilitator's laptop).
    const [recorder, other] = leftOn === 'author' ? ['SRE 佐藤', 'Aiko'] : ['Aiko', 'SRE 佐藤']
    const named = (page) => page.locator(`.cards [data-card="${question}"] .answer`)
    await named(phone).locator('.edited-by', { hasText: other }).waitFor()
    assert.match(await named(phone).innerText(), new RegExp(`— ${recorder}\\s*· edited by ${other}$`))
    await named(facilitator).locator('.edited-by', { hasText: `編集: ${other}` }).waitFor()
    await phone.locator('#spotlight').scrollIntoViewIfNeeded()
    await shot(phone, 'en-phone-answer')
  })

  await t.test('another person\'s selection stays on its words when the lines above it change, and goes when they leave the text', async () => {
    await selectWords(phone, 'system', 'Payments time out')
    const selection = async () => (await facilitator.locator('#text-system').locator('xpath=..').locator('.remote-selection').allTextContents()).join('')
    await waitFor(async () => (await selection()) === 'Payments time out', { what: 'the phone\'s selection on the facilitator\'s page' })
    const system = author.locator('#text-system')
    await system.evaluate((el) => { el.focus(); el.setSelectionRange(0, 0) })
    await author.keyboard.type('Context first.\n')
    await waitFor(async () => (await facilitator.locator('#text-system').inputValue()).startsWith('Context first.'), { what: 'the new line' })
    let seen
    await waitFor(async () => (seen = await selection()) === 'Payments time out', {
      what: 'the selection on the same words', describe: () => JSON.stringify(seen)
    })
    // The phone goes on to write a question about the words: its selection
    // is no longer painted on anyone's page (it was left behind, and drawn
    // on whatever text moved under it).
    await phone.locator('#ask-question').click()
    await phone.locator('#comment-text').fill('x')
    await waitFor(async () => (seen = await selection()) === '', {
      what: 'no stale selection', describe: () => JSON.stringify(seen)
    })
    await phone.locator('#comment-text').press('Escape')
    await phone.locator('#comment-text').waitFor({ state: 'detached' })
  })

  await t.test('a deleted line detaches its question, marked "text deleted"', async () => {
    await selectWords(phone, 'system', 'Restarted the primary by hand.')
    await phone.locator('#ask-question').click()
    await phone.locator('#comment-text').fill('Who restarted it?')
    await phone.locator('#post-comment').click()
    const restarted = await cardId(author, 'Who restarted it?')
    // The author deletes the whole first list line with Backspace; the line
    // below starts with the same "- Res".
    const system = author.locator('#text-system')
    await system.evaluate((el) => {
      const start = el.value.indexOf('- Restarted')
      const end = el.value.indexOf('- Restored')
      el.focus()
      el.setSelectionRange(start, end)
    })
    await author.keyboard.press('Backspace')
    for (const page of [author, facilitator, phone]) {
      await page.locator(`.cards [data-card="${restarted}"] .badge-detached`).waitFor()
      assert.equal(await page.locator(`mark[data-comment="${restarted}"]`).count(), 0)
    }
    assert.match(await facilitator.locator('#text-system').inputValue(), /^Context first\.\n- Restored traffic/)
    await phone.locator(`.cards [data-card="${restarted}"]`).scrollIntoViewIfNeeded()
    await shot(phone, 'en-phone-detached')
  })

  await t.test('one person in two browsers is listed once', async () => {
    // Ken's second browser is a phone with a Japanese UI.
    const second = await open(await newBrowser({ viewport: PHONE, locale: 'ja-JP' }), pm.links.participant, 'Ken')
    await second.locator('#phase-bar').waitFor()
    await second.locator('#spotlight').scrollIntoViewIfNeeded()
    await shot(second, 'ja-phone-q-and-a')
    // Both of Ken's browsers are here; the list names him once.
    await waitFor(async () => (await facilitator.locator('#presence li').allTextContents()).length === 3, {
      what: 'three people', describe: async () => facilitator.locator('#presence li').allTextContents()
    })
    const names = await facilitator.locator('#presence li .name').allTextContents()
    assert.deepEqual(names.filter((n) => n === 'Ken'), ['Ken'])
    await second.close()
  })

  await t.test('a decline reason survives a reload, and is gone once sent', async () => {
    await facilitator.locator('#phase-next').click()
    await expectPhase([phone, author], 'proposals')
    const suggestion = await cardId(author, 'failover diagram')
    await author.locator('#decline-suggestion').click()
    await author.locator('#decline-reason').fill('The timeline already shows it 時系列で十分')
    await author.reload()
    await author.locator('#decline-reason').waitFor()
    assert.equal(await author.locator('#decline-reason').inputValue(), 'The timeline already shows it 時系列で十分')
    await author.locator('.decline-form button[type="submit"]').click()
    await phone.locator(`.cards [data-card="${suggestion}"] .badge-declined`).waitFor()
  })

  await t.test('a half-written kudos card survives the phase moving on and back', async () => {
    await facilitator.locator('#phase-next').click()
    await expectPhase([phone], 'kudos')
    await phone.locator('#kudos-to').fill('Mika')
    await phone.locator('#kudos-text').fill('Calm failover at 3 a.m. 深夜の切り替え')
    await facilitator.locator('#still-typing').waitFor()
    await shot(facilitator, 'ja-laptop-still-typing')
    await facilitator.locator('#phase-next').click()
    await expectPhase([phone], 'revision')
    await goBack(facilitator)
    await expectPhase([phone], 'kudos')
    assert.equal(await phone.locator('#kudos-to').inputValue(), 'Mika')
    assert.equal(await phone.locator('#kudos-text').inputValue(), 'Calm failover at 3 a.m. 深夜の切り替え')
    await phone.locator('#post-kudos').click()
    await phone.locator('.kudos-card', { hasText: 'Mika' }).waitFor()
    assert.equal(await phone.locator('#kudos-text').inputValue(), '', 'sent: the draft is gone')
    await phone.reload()
    await phone.locator('#kudos-text').waitFor()
    assert.equal(await phone.locator('#kudos-text').inputValue(), '')
    await shot(phone, 'en-phone-kudos')
  })

  await t.test('a reply and a resolve note survive a reload; a sent one is gone', async () => {
    const card = (page) => page.locator(`.cards [data-card="${question}"]`)
    await card(phone).locator('.card-actions .link-button', { hasText: 'Reply' }).click()
    await card(phone).locator('.reply-input').fill('Thanks — ありがとう')
    await facilitator.locator('#phase-next').click()
    await expectPhase([phone, author], 'revision')
    await phone.reload()
    assert.equal(await card(phone).locator('.reply-input').inputValue(), 'Thanks — ありがとう')
    await card(phone).locator('.reply-form button[type="submit"]').click()
    await card(author).locator('.reply-text', { hasText: 'ありがとう' }).waitFor()
    const item = author.locator(`[data-item="${question}"]`)
    await item.locator('.resolve-note').fill('Answered in Q&A; cost table added.')
    await author.reload()
    await item.locator('.resolve-note').waitFor()
    assert.equal(await item.locator('.resolve-note').inputValue(), 'Answered in Q&A; cost table added.')
    await shot(author, 'en-laptop-revision')
    await item.locator('.resolve-button').click()
    // The item leaves the list before the command's answer arrives.
    await item.waitFor({ state: 'detached' })
    await card(facilitator).locator('.resolution .note', { hasText: 'cost table added' }).waitFor()
  })

  for (const page of [facilitator, author, phone]) {
    assert.deepEqual(page.errors, [], 'no page errors')
  }
}))
