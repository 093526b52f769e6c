// Threads like a document editor's, in headless Chromium pages against the
// real server and the built web bundle: a facilitator with a Japanese UI,
// the author, a participant on a laptop and one on a 390×844 phone. The
// author replies in a thread; a participant edits their own question and
// the others see "edited"; they delete one (gone) and another with a reply
// (a placeholder keeps the thread); two participants +1 a question and the
// facilitator orders the Q&A queue by votes; a long comment folds and
// unfolds; a #c-{id} link opens the page scrolled to that card, on the
// laptop and for someone new on a phone with a Japanese UI. A card's link
// and the address bar carry no token: a reload and a new tab use the role
// link this browser opened; a browser that never opened one is told to open
// its own invite link first (English and Japanese).
//
// Screenshots: tests/js/screenshots/threads-*.png (English and Japanese,
// laptop and phone).
//
// Needs web/dist (cargo xtask build-web) and Chromium (see browser.test.mjs).

import { test } from 'node:test'
import assert from 'node:assert/strict'
import {
  withServerLog, waitFor, browserSuite, skipBrowser, PHONE, LAPTOP, newContext, newPage, joinMeeting,
  seed, selectWords, expectPhase, cardId, apiRequest, screenshot
} from './helpers.mjs'

const skip = skipBrowser() ? 'CASEBOOK_SKIP_BROWSER=1' : false

const SYSTEM = 'Checkout calls the payments API. Payments time out when the primary fails over. The replica lags behind by minutes.'
const LONG = [
  'Why does the replica lag behind by minutes?',
  'We saw the same lag in March.',
  'Is it the binlog format?',
  'Or the instance size of the replica?',
  'Was the lag alerted on at all?',
  'Who looks at the replica dashboard?',
  'Could the failover wait for the replica to catch up?',
  'レプリカの遅延は監視されていますか？'
].join('\n')

let server
let browser
const cleanups = []

browserSuite(cleanups, (s, b) => { server = s; browser = b })

/** A browser of its own (own storage: its own person). */
const newBrowser = ({ viewport = LAPTOP, locale = 'en-US' } = {}) =>
  newContext(browser, cleanups, { viewport, locale, hasTouch: viewport === PHONE })

const open = async (context, link, name) => joinMeeting(await newPage(context), link, name)

const shot = (page, name) => screenshot(page, `threads-${name}`)

/** Posts a question on `words` from `page`; returns its id. */
async function ask (page, words, text) {
  await selectWords(page, 'system', words)
  await page.locator('#ask-question').click()
  await page.locator('#comment-text').fill(text)
  await page.locator('#post-comment').click()
  await page.locator('#comment-text').waitFor({ state: 'detached' })
  return cardId(page, text.split('\n')[0])
}

const card = (page, id) => page.locator(`.comment-list [data-card="${id}"]`)

/** Whether the card is (wholly or partly) inside the window. */
const inView = (page, id) => card(page, id).evaluate((el) => {
  const box = el.getBoundingClientRect()
  return box.bottom > 0 && box.top < window.innerHeight
})

test('threads: replies, own edits and deletions, +1s, folding and links', { skip, timeout: 300_000 }, withServerLog(() => server, async (t) => {
  const pm = await server.createPostmortem('2026-11-03 決済遅延 checkout latency')
  await seed(server, pm, { system: SYSTEM })
  const facilitatorBrowser = await newBrowser({ locale: 'ja-JP' })
  const authorBrowser = await newBrowser()
  const patBrowser = await newBrowser()
  const phoneBrowser = await newBrowser({ viewport: PHONE })
  const facilitator = await open(facilitatorBrowser, pm.links.facilitator, 'SRE 佐藤')
  const author = await open(authorBrowser, pm.links.author, 'Aiko')
  let linkedAuthor
  const pat = await open(patBrowser, pm.links.participant, 'Pat')
  const kim = await open(phoneBrowser, pm.links.participant, 'Kim')
  const pages = [facilitator, author, pat, kim]

  let first, typo, kims, long
  await t.test('questions from a laptop and a phone; the author replies in a thread', async () => {
    await facilitator.locator('#phase-next').click()
    await expectPhase(pages, 'silent_reading')
    first = await ask(pat, 'Checkout calls', 'Why not a managed database')
    typo = await ask(pat, 'payments API', 'Typo: paymetns?')
    kims = await ask(kim, 'primary fails over', 'How long did the failover take?')
    long = await ask(pat, 'replica lags', LONG)
    await card(author, first).locator('.card-actions .link-button', { hasText: 'Reply' }).click()
    await card(author, first).locator('.reply-input').fill('We wanted a MySQL plugin RDS lacked.')
    await card(author, first).locator('.reply-form button[type="submit"]').click()
    await card(pat, first).locator('.reply-text', { hasText: 'plugin RDS lacked' }).waitFor()
    // The facilitator replies to Kim's question too.
    await card(facilitator, kims).locator('.card-actions .link-button', { hasText: '返信' }).click()
    await card(facilitator, kims).locator('.reply-input').fill('タイムラインに書いてあります。')
    await card(facilitator, kims).locator('.reply-form button[type="submit"]').click()
    await card(kim, kims).locator('.reply-text', { hasText: 'タイムライン' }).waitFor()
  })

  await t.test('a participant edits their own question and everyone sees "edited"', async () => {
    // Only on what they wrote: not on Kim's question, not on the author's reply.
    assert.equal(await card(pat, kims).locator('.edit-comment').count(), 0)
    assert.equal(await card(pat, first).locator('.replies .edit-comment').count(), 0)
    await card(pat, first).locator('.own-actions .edit-comment').first().click()
    const box = card(pat, first).locator('.edit-comment-text')
    assert.equal(await box.inputValue(), 'Why not a managed database')
    await box.fill('Why not a managed database such as RDS?')
    await card(pat, first).scrollIntoViewIfNeeded()
    await shot(pat, 'en-laptop-editing')
    assert.equal(await card(pat, first).locator('.own-actions .delete-comment').count(), 0, 'no "Delete" while editing')
    await card(pat, first).locator('.save-edit').click()
    await card(author, first).locator('.comment-text', { hasText: 'such as RDS?' }).waitFor()
    await card(author, first).locator('.card-head .edited', { hasText: /^edited \d/ }).waitFor()
    await card(facilitator, first).locator('.card-head .edited', { hasText: /^編集済み \d/ }).waitFor()
    // The author edits their reply the same way.
    await card(author, first).locator('.replies .edit-comment').click()
    await card(author, first).locator('.replies .edit-comment-text').fill('We wanted a MySQL plugin that RDS lacked in 2019.')
    await card(author, first).locator('.replies .save-edit').click()
    await card(pat, first).locator('.replies .reply-text', { hasText: 'in 2019.' }).waitFor()
    await card(pat, first).locator('.replies .edited').waitFor()
    await card(author, first).scrollIntoViewIfNeeded()
    await shot(author, 'en-laptop-edited')
  })

  await t.test('deleting: a comment without replies goes, one with replies leaves its thread', async () => {
    await card(pat, typo).locator('.delete-comment').click()
    await card(pat, typo).locator('.confirm-delete', { hasText: 'Delete this comment?' }).waitFor()
    await card(pat, typo).locator('.confirm-delete-yes').click()
    for (const page of pages) await card(page, typo).waitFor({ state: 'detached' })
    await card(kim, kims).locator('.delete-comment').click()
    await card(kim, kims).locator('.confirm-delete', { hasText: 'Its replies stay.' }).waitFor()
    await card(kim, kims).scrollIntoViewIfNeeded()
    await shot(kim, 'en-phone-confirm-delete')
    await card(kim, kims).locator('.confirm-delete-yes').click()
    await card(author, kims).locator('.comment-deleted', { hasText: 'Deleted by its author.' }).waitFor()
    await card(facilitator, kims).locator('.comment-deleted', { hasText: '投稿者が削除しました。' }).waitFor()
    await card(author, kims).locator('.reply-text', { hasText: 'タイムライン' }).waitFor()
    assert.equal(await author.locator(`mark[data-comment="${kims}"]`).count(), 0, 'no highlight left in the text')
    // The filters count what is left: not the deleted comment's placeholder.
    const view = await apiRequest(server, 'GET', `/api/postmortems/${pm.id}/meeting`, pm.tokens.viewer)
    const comments = view.body.state.comments
    const live = comments.filter((c) => c.deleted_at_ms == null).length
    assert.ok(comments.length > live, 'the placeholder is still in the meeting')
    await waitFor(async () => Number(await author.locator('[data-filter="all"] .count').textContent()) === live, { what: `"All" counting ${live}` })
    await card(facilitator, kims).scrollIntoViewIfNeeded()
    await shot(facilitator, 'ja-laptop-deleted')
  })

  await t.test('a long comment folds after six lines and unfolds', async () => {
    for (const [page, more, less] of [[author, 'Show more', 'Show less'], [facilitator, '続きを表示', '折りたたむ']]) {
      const text = card(page, long).locator('.comment-text')
      await card(page, long).locator('.show-more', { hasText: more }).waitFor()
      const folded = await text.evaluate((el) => ({ shown: el.clientHeight, all: el.scrollHeight }))
      assert.ok(folded.shown < folded.all, `folded: ${JSON.stringify(folded)}`)
      await card(page, long).locator('.show-more').click()
      await card(page, long).locator('.show-more', { hasText: less }).waitFor()
      const open = await text.evaluate((el) => ({ shown: el.clientHeight, all: el.scrollHeight }))
      assert.ok(open.shown >= open.all - 1, `unfolded: ${JSON.stringify(open)}`)
    }
    // A short one has nothing to unfold.
    assert.equal(await card(author, first).locator('.show-more').count(), 0)
    await card(facilitator, long).scrollIntoViewIfNeeded()
    await shot(facilitator, 'ja-laptop-unfolded')
  })

  let late
  await t.test('two participants +1 a question and the facilitator orders the queue by votes', async () => {
    late = await ask(kim, 'minutes', 'Is the replica lag alerted on?')
    await card(pat, late).locator('.vote-button').click()
    await card(kim, late).locator('.vote-button').click()
    await card(kim, long).locator('.vote-button').click()
    await card(author, late).locator('.votes', { hasText: '+1 2' }).waitFor()
    assert.equal(await card(author, late).locator('.vote-button').count(), 0, 'the author does not vote')
    // Taking a +1 back and giving it again.
    await card(pat, late).locator('.vote-button[aria-pressed="true"]').click()
    await card(author, late).locator('.votes', { hasText: '+1 1' }).waitFor()
    await card(pat, late).locator('.vote-button[aria-pressed="false"]').click()
    await card(author, late).locator('.votes', { hasText: '+1 2' }).waitFor()
    await card(facilitator, late).locator('.votes[title="2人が+1"]').waitFor()
    await shot(kim, 'en-phone-votes')

    await facilitator.locator('#phase-next').click()
    await expectPhase(pages, 'q_and_a')
    const queue = () => facilitator.locator('#qa-queue li').evaluateAll((items) => items.map((li) => li.dataset.queue))
    await waitFor(async () => (await queue()).join() === [first, long, late].join(), { what: 'the queue as posted', describe: queue })
    await facilitator.locator('#order-votes').click()
    await waitFor(async () => (await queue()).join() === [late, long, first].join(), { what: 'the queue by votes', describe: queue })
    await shot(facilitator, 'ja-laptop-queue-by-votes')
    await facilitator.locator('#next-question').click()
    await author.locator(`#spotlight [data-card="${late}"]`).waitFor()
    await facilitator.locator('#next-question').click()
    await author.locator(`#spotlight [data-card="${long}"]`).waitFor()
    assert.equal(await pat.locator('#qa-queue').count(), 0, 'the queue is the facilitator\'s')
  })

  await t.test('a #c-{id} link opens the page scrolled to that card, on a laptop and a phone', async () => {
    await author.locator('#sidebar').evaluate((el) => el.scrollTo(0, 0))
    const linked = await authorBrowser.newPage()
    cleanups.push(() => linked.close())
    linkedAuthor = linked
    await linked.goto(`${pm.links.author}#c-${first}`)
    await card(linked, first).and(linked.locator('.is-linked')).waitFor()
    await waitFor(() => inView(linked, first), { what: 'the linked card in view' })
    await shot(linked, 'en-laptop-linked')
    // Someone new opens a link on a phone with a Japanese UI: joined, the
    // page goes to the card (the long one, folded).
    const phone = await open(await newBrowser({ viewport: PHONE, locale: 'ja-JP' }), `${pm.links.participant}#c-${long}`, 'Mai')
    await card(phone, long).and(phone.locator('.is-linked')).waitFor()
    await waitFor(() => inView(phone, long), { what: 'the linked card in view on the phone' })
    await card(phone, long).locator('.show-more', { hasText: '続きを表示' }).waitFor()
    await shot(phone, 'ja-phone-linked')
    // The card's own link, followed on the phone, does the same.
    const href = await card(phone, first).locator('.comment-link').getAttribute('href')
    assert.equal(href, `/p/${pm.id}#c-${first}`, 'the link carries no token')
    await card(phone, first).locator('.comment-link').click()
    await card(phone, first).and(phone.locator('.is-linked')).waitFor()
    await waitFor(() => inView(phone, first), { what: 'the followed card in view' })
    assert.equal(phone.url(), `${new URL(pm.links.participant).origin}/p/${pm.id}#c-${first}`, 'the address bar shows no token either')
    assert.deepEqual(phone.errors, [], 'no page errors on the phone')
  })

  await t.test('a comment link carries no access: this browser\'s own link opens it, a reload keeps working, a stranger is told to open their invite', async () => {
    const link = `${new URL(pm.links.author).origin}/p/${pm.id}#c-${first}`
    // The role link's token left the address bar when the page read it.
    assert.equal(linkedAuthor.url(), link)
    // A reload (no token in the address) opens the same role again.
    await linkedAuthor.reload()
    await linkedAuthor.locator('#connection[data-state="synced"]').waitFor()
    await card(linkedAuthor, first).and(linkedAuthor.locator('.is-linked')).waitFor()
    await linkedAuthor.locator('#phase-bar').waitFor()
    // Pasted into a new tab of a browser that opened its invite before.
    const again = await authorBrowser.newPage()
    cleanups.push(() => again.close())
    await again.goto(link)
    await card(again, first).and(again.locator('.is-linked')).waitFor()
    // Someone who never opened an invite link in this browser, in English
    // and in Japanese: a clear message, no page.
    for (const [locale, words] of [['en-US', 'Open your own invite link first; this link does not carry access.'], ['ja-JP', 'まずご自身の招待リンクを開いてください。']]) {
      const stranger = await newPage(await newBrowser({ locale, viewport: locale === 'ja-JP' ? PHONE : LAPTOP }))
      await stranger.goto(link)
      await stranger.locator('.notice', { hasText: words }).waitFor()
      assert.equal(await stranger.locator('#phase-bar').count(), 0)
      await shot(stranger, `${locale === 'ja-JP' ? 'ja-phone' : 'en-laptop'}-link-without-access`)
      assert.deepEqual(stranger.errors.filter((e) => !/401|Unauthorized/.test(e)), [])
    }
  })

  for (const page of pages) {
    assert.deepEqual(page.errors, [], 'no page errors')
  }
}))
