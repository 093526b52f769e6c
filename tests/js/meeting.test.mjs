// A whole writing meeting in three headless Chromium pages — facilitator,
// author and participant — against the real server and the built web
// bundle: comments made by selecting words in silent reading, the Q&A
// spotlight, an answer landing in the Q&A section, a suggestion accepted
// and resolved, the kudos wall, the survey and its aggregate (facilitator
// only), publishing. A screenshot of each phase goes to
// tests/js/screenshots/meeting-<phase>.png.
//
// Also: a comment's highlight stays on its words while another page edits
// around them.
//
// Needs web/dist (cargo xtask build-web) and Chromium (see browser.test.mjs).

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import {
  withServerLog, SCREENSHOTS, waitFor, browserSuite, skipBrowser, openAs as openPage, seed as seedSections,
  selectWords, currentPhase, expectPhase, cardId, apiRequest
} from './helpers.mjs'

const skip = skipBrowser() ? 'CASEBOOK_SKIP_BROWSER=1' : false

const SYSTEM = 'Checkout runs MySQL on EC2 in one region. Payments time out when the primary fails over.'
const COUNTERMEASURES = 'Move to a managed database 切り替え手順を自動化する.'

let server
let browser
const cleanups = []

browserSuite(cleanups, (s, b) => { server = s; browser = b })

/** Writes the draft's sections through the reference Yjs client. */
const seed = (pm) => seedSections(server, pm, { system: SYSTEM, countermeasures: COUNTERMEASURES })

/** A page of its own (own storage, so its own person), errors collected. */
const openAs = (link, name, viewport) => openPage(browser, cleanups, link, name, { viewport })

/** The words under comment `id`'s highlight in the editors (a highlight
 * may be drawn as several runs, split by other people's carets). */
const markText = async (page, id) =>
  (await page.locator(`mark[data-comment="${id}"]`).allTextContents()).join('')

async function shot (page, phase) {
  await page.waitForTimeout(300) // let smooth scrolling settle
  await page.screenshot({ path: join(SCREENSHOTS, `meeting-${phase}.png`) })
}

const api = (...args) => apiRequest(server, ...args)

test('a whole meeting in three browsers, from silent reading to the survey', { skip }, withServerLog(() => server, async (t) => {
  const pm = await server.createPostmortem('2026-11-03 決済遅延 checkout latency')
  await seed(pm)
  const facilitator = await openAs(pm.links.facilitator, 'SRE 佐藤')
  const author = await openAs(pm.links.author, 'Aiko (author)')
  const participant = await openAs(pm.links.participant, 'Ben')
  const everyone = [facilitator, author, participant]
  await expectPhase(everyone, 'drafting')
  await shot(facilitator, 'drafting')

  await t.test('only the facilitator sees the phase controls, and the API refuses the others', async () => {
    assert.equal(await facilitator.locator('#facilitator-controls').count(), 1)
    assert.equal(await facilitator.locator('#phase-next').count(), 1)
    for (const page of [author, participant]) {
      assert.equal(await page.locator('#facilitator-controls').count(), 0)
      assert.equal(await page.locator('#phase-next, #phase-back, #timer-toggle').count(), 0)
    }
    const refused = await api('POST', `/api/postmortems/${pm.id}/commands`, pm.tokens.participant,
      { command_id: 'sneaky-1', type: 'move_phase', to: 'silent_reading' })
    assert.equal(refused.status, 403, JSON.stringify(refused.body))
    assert.equal(await currentPhase(participant), 'drafting')
  })

  let question, suggestion, second
  await t.test('silent reading: comments made by selecting words appear everywhere', async () => {
    await facilitator.locator('#phase-next').click()
    await expectPhase(everyone, 'silent_reading')
    // Read-only for reading.
    assert.equal(await participant.locator('#text-system').getAttribute('readonly'), '')

    // A question with the keyboard shortcut…
    await selectWords(participant, 'system', 'MySQL on EC2')
    await participant.keyboard.press('Alt+KeyQ')
    await participant.locator('#comment-text').fill('Why not RDS/Aurora instead of MySQL on EC2? なぜ？')
    // …survives a phase change while it is being written (facilitator goes
    // back and forth), then is posted.
    await facilitator.locator('#phase-back').click()
    await facilitator.locator('#confirm-back-yes').click()
    await expectPhase([participant], 'drafting')
    await facilitator.locator('#phase-next').click()
    await expectPhase([participant], 'silent_reading')
    assert.equal(await participant.locator('#comment-text').inputValue(), 'Why not RDS/Aurora instead of MySQL on EC2? なぜ？')
    await participant.locator('#post-comment').click()
    await participant.locator('#comment-text').waitFor({ state: 'detached' })
    // The timer started with the phase.
    await participant.locator('#phase-timer.running').waitFor()

    // A suggestion with the button.
    await selectWords(participant, 'countermeasures', '切り替え手順を自動化する')
    await participant.locator('#make-suggestion').click()
    await participant.locator('#comment-text').fill('Add a sequence diagram of the failover 🙏')
    await participant.locator('#post-comment').click()
    await participant.locator('#comment-text').waitFor({ state: 'detached' })

    // The facilitator asks too.
    await selectWords(facilitator, 'system', 'in one region')
    await facilitator.locator('#ask-question').click()
    await facilitator.locator('#comment-text').fill('Which region, and why only one?')
    await facilitator.locator('#post-comment').click()

    question = await cardId(participant, 'Why not RDS/Aurora')
    suggestion = await cardId(participant, 'sequence diagram')
    second = await cardId(participant, 'Which region')
    for (const page of everyone) {
      await waitFor(async () => (await page.locator('.cards [data-card]').count()) === 3, { what: 'three cards' })
      assert.equal(await markText(page, question), 'MySQL on EC2')
      assert.equal(await markText(page, suggestion), '切り替え手順を自動化する')
      assert.equal(await markText(page, second), 'in one region')
      assert.match(await page.locator(`mark[data-comment="${question}"]`).first().getAttribute('class'), /mark-question/)
      assert.match(await page.locator(`mark[data-comment="${suggestion}"]`).first().getAttribute('class'), /mark-suggestion/)
      assert.match(await page.locator(`[data-card="${suggestion}"]`).getAttribute('class'), /kind-suggestion/)
    }
    // Filters count.
    await participant.locator('[data-filter="mine"]').click()
    assert.equal(await participant.locator('.cards [data-card]').count(), 2)
    await participant.locator('[data-filter="questions"]').click()
    assert.equal(await participant.locator('.cards [data-card]').count(), 2)
    assert.equal((await participant.locator('[data-filter="suggestions"] .count').textContent()).trim(), '1')
    await participant.locator('[data-filter="all"]').click()

    // Done reading: the facilitator sees the count of the readers (the
    // facilitator and the author are not among them).
    await participant.locator('#done-reading').click()
    await facilitator.locator('#reading-progress', { hasText: /^1 of 1 done$/ }).waitFor()
    await participant.locator('#done-reading[aria-pressed="true"]').waitFor()
    await shot(facilitator, 'silent-reading')
  })

  await t.test('Q&A: the spotlight moves on every page and the answer lands in the Q&A section', async () => {
    await facilitator.locator('#phase-next').click()
    await expectPhase(everyone, 'q_and_a')
    await facilitator.locator('#next-question').click()
    for (const page of everyone) {
      await page.locator(`#spotlight [data-card="${question}"]`).waitFor()
      await page.locator(`mark.mark-spotlight[data-comment="${question}"]`).waitFor()
      await page.locator(`.cards [data-card="${question}"].is-spotlight`).waitFor()
    }
    assert.equal(await author.locator('#spotlight .comment-text').textContent(), 'Why not RDS/Aurora instead of MySQL on EC2? なぜ？')
    // The participant cannot answer; the author can.
    assert.equal(await participant.locator('#answer-text').count(), 0)
    const answer = 'We needed a MySQL plugin RDS lacked; Aurora was evaluated in 2023. 移行は来期。'
    await author.locator('#answer-text').fill(answer)
    await author.locator('#record-answer').click()
    for (const page of everyone) {
      await waitFor(async () => (await page.locator('#text-qa').inputValue()).includes(answer), { what: 'answer in the Q&A section' })
      await page.locator(`[data-card="${question}"] .badge-answered`).first().waitFor()
    }
    assert.match(await participant.locator('#text-qa').inputValue(), /Why not RDS\/Aurora/)
    await shot(participant, 'q-and-a')
    // Next question: the spotlight moves everywhere.
    await facilitator.locator('#next-question').click()
    for (const page of everyone) {
      await page.locator(`#spotlight [data-card="${second}"]`).waitFor()
      await page.locator(`mark.mark-spotlight[data-comment="${second}"]`).waitFor()
      assert.equal(await page.locator(`mark.mark-spotlight[data-comment="${question}"]`).count(), 0)
    }
  })

  await t.test('a highlight stays on its words while another page edits around them', async () => {
    // Q&A: co-editing is on. The author writes before, after and between
    // the marked words of the participant's question.
    const system = author.locator('#text-system')
    assert.equal(await system.getAttribute('readonly'), null)
    await system.evaluate((el) => { el.focus(); el.setSelectionRange(0, 0) })
    await author.keyboard.type('Today ')
    await system.evaluate((el) => {
      const at = el.value.indexOf(' in one region')
      el.setSelectionRange(at, at)
    })
    await author.keyboard.type(' (self-hosted, 自前運用)')
    const expected = 'Today Checkout runs MySQL on EC2 (self-hosted, 自前運用) in one region.'
    for (const page of [author, participant, facilitator]) {
      await waitFor(async () => (await page.locator('#text-system').inputValue()).startsWith(expected), { what: 'edits everywhere' })
      let seen
      await waitFor(async () => (seen = await markText(page, question)) === 'MySQL on EC2', {
        what: 'the highlight on its words', describe: () => `${JSON.stringify(seen)} on ${page.url()}`
      })
      assert.equal(await markText(page, second), 'in one region')
    }
  })

  await t.test('proposals: the suggestion is accepted', async () => {
    await facilitator.locator('#phase-next').click()
    await expectPhase(everyone, 'proposals')
    await author.locator(`#proposals [data-card="${suggestion}"]`).waitFor()
    assert.equal(await participant.locator('#accept-suggestion').count(), 0)
    await author.locator('#accept-suggestion').click()
    for (const page of everyone) {
      await page.locator(`.cards [data-card="${suggestion}"] .badge-accepted`).waitFor()
    }
    await author.locator('#proposals', { hasText: 'Every suggestion is decided.' }).waitFor()
    await shot(author, 'proposals')
  })

  await t.test('kudos: cards appear on every wall and in the Kudos section', async () => {
    await facilitator.locator('#phase-next').click()
    await expectPhase(everyone, 'kudos')
    await participant.locator('#kudos-to').fill('佐藤さん')
    await participant.locator('#kudos-text').fill('見事な切り戻し at 3 a.m. 🎉')
    await participant.locator('#post-kudos').click()
    await facilitator.locator('#kudos-to').fill('Aiko')
    await facilitator.locator('#kudos-text').fill('clear timeline, written during the incident')
    await facilitator.locator('#post-kudos').click()
    for (const page of everyone) {
      await waitFor(async () => (await page.locator('#kudos-wall .kudos-card').count()) === 2, { what: 'two kudos cards' })
      await page.locator('.kudos-card', { hasText: '見事な切り戻し at 3 a.m. 🎉' }).waitFor()
      await waitFor(async () => (await page.locator('#text-kudos').inputValue()).includes('佐藤さん'), { what: 'kudos in the Kudos section' })
    }
    // The meeting room screen.
    await facilitator.setViewportSize({ width: 1920, height: 1080 })
    await shot(facilitator, 'kudos')
    await facilitator.setViewportSize({ width: 1280, height: 860 })
  })

  await t.test('revision: resolve with a note; the survey and its aggregate for the facilitator only', async () => {
    await facilitator.locator('#phase-next').click()
    await expectPhase(everyone, 'revision')
    await author.locator('#revision-progress', { hasText: '0 of 3 resolved' }).waitFor()
    const todo = author.locator(`#revision [data-item="${suggestion}"]`)
    await todo.locator('.resolve-note').fill('diagram added to Countermeasures')
    await todo.locator('.resolve-button').click()
    await author.locator('#revision-progress', { hasText: '1 of 3 resolved' }).waitFor()
    for (const page of everyone) {
      await page.locator(`.cards [data-card="${suggestion}"] .badge-resolved`).waitFor()
    }
    assert.equal(await participant.locator('.resolve-button').count(), 0)
    await shot(author, 'revision')

    // The participant answers the survey; author and facilitator get none.
    assert.equal(await author.locator('#survey').count(), 0)
    assert.equal(await facilitator.locator('#survey').count(), 0)
    for (const [question, rating] of [['questions_easy', '5'], ['time_enough', '2'], ['document_clear', '4']]) {
      await participant.locator(`#survey fieldset[data-question="${question}"] input[value="${rating}"]`).check()
    }
    await participant.locator('#survey-comment').fill('もっと Q&A の時間がほしい')
    await participant.locator('#submit-survey').click()
    await participant.locator('#survey-thanks').waitFor()
    await shot(participant, 'survey')
    // Only the facilitator sees the aggregate (which names nobody).
    const results = facilitator.locator('#survey-results')
    await results.locator('.survey-count', { hasText: '1 answer' }).waitFor()
    assert.match(await results.locator('dd[data-question="time_enough"] .mean').textContent(), /2\.0/)
    const resultText = await results.textContent()
    assert.match(resultText, /もっと Q&A の時間がほしい/)
    assert.doesNotMatch(resultText, /Ben/)
    for (const page of [author, participant]) {
      assert.equal(await page.locator('#survey-results').count(), 0)
    }
    const asParticipant = await api('GET', `/api/postmortems/${pm.id}/meeting`, pm.tokens.participant)
    assert.equal(asParticipant.status, 200)
    assert.equal(asParticipant.body.survey, undefined)
    await shot(facilitator, 'survey-results')
  })

  await t.test('published: the facilitator publishes (with a reason, the draft is not ready)', async () => {
    await facilitator.locator('#phase-next').click()
    await facilitator.locator('#override-reason').fill('shared early for the on-call review')
    await facilitator.locator('.publish-anyway button[type="submit"]').click()
    await expectPhase(everyone, 'published')
    await shot(participant, 'published')
  })

  // The browser logs the refused publish (409) as a failed resource load:
  // that refusal is part of the story; nothing else may fail.
  const expected = /Failed to load resource: the server responded with a status of 409/
  assert.equal(facilitator.errors.filter((e) => expected.test(e)).length, 1)
  for (const page of everyone) {
    assert.deepEqual(page.errors.filter((e) => !expected.test(e)), [], `errors on ${page.url()}`)
  }
}))
