// Reading and commenting on the rendered text, in headless Chromium against
// the real server: silent reading shows the sections rendered (a table, a
// code block, a list); words selected there — Japanese words in a table
// cell, across bold text in a list item, in a code block — become comments
// whose quote and anchor are exactly those Markdown words, for the
// reference Yjs client too; their highlights sit on them in the rendered
// text and in the editor, also after a remote edit before them; words being
// selected stay selected when someone else's comment appears. The
// Rendered / Markdown switch. A keyboard user Tabs into the read-only
// rendered text, moves a caret, selects with Shift+arrows (edits are
// refused) and asks with Alt+Q. A comment whose words were deleted offers
// its author to anchor it where the same words are written again. On a 390×844 touch phone: floating
// Question / Suggestion buttons under a selection, the question being
// answered in a strip that stays at the top, no keyboard-shortcut hints;
// on a laptop (1280×860) and a narrow laptop (900×800) the strip stays right
// under the sticky phase bar. A selection dragged on into the next section
// is shortened to the section it starts in, and the composer says so.
// Screenshots: tests/js/screenshots/reading-*.png (en + ja, laptop + phone).
//
// Needs web/dist (cargo xtask build-web) and Chromium (see browser.test.mjs).

import { test } from 'node:test'
import assert from 'node:assert/strict'
import * as Y from 'yjs'
import {
  withServerLog, waitFor, browserSuite, skipBrowser, openAs as openPage, seed,
  selectRendered, expectPhase, cardId, apiRequest, connectClient, PHONE, screenshot
} from './helpers.mjs'

const skip = skipBrowser() ? 'CASEBOOK_SKIP_BROWSER=1' : false

const SYSTEM = [
  'Checkout runs **MySQL 8.0** on EC2 in one region.',
  '',
  '| 時刻 | 出来事 |',
  '| --- | --- |',
  '| 10:00 | 決済APIの応答が遅延 🔥 |',
  '| 10:42 | 切り戻し完了 |',
  '',
  '```sql',
  "SELECT * FROM orders WHERE 状態 = 'pending';",
  '```',
  '',
  '- 主系DBのフェイルオーバーが **手動** だった',
  '- 監視のしきい値が高すぎた',
  ''
].join('\n')

let server
let browser
const cleanups = []

browserSuite(cleanups, (s, b) => { server = s; browser = b })

const openAs = (link, name, options) => openPage(browser, cleanups, link, name, options)
const api = (...args) => apiRequest(server, ...args)

/** The words under comment `id`'s highlight in the editor's backdrop, and
 * in the rendered text. */
const editorMark = async (page, id) => (await page.locator(`mark[data-comment="${id}"]`).allTextContents()).join('')
const renderedMark = async (page, id) => (await page.locator(`.reading mark[data-highlight="${id}"]`).allTextContents()).join('')

/** The comment `id` as the server keeps it. */
async function comment (pm, id) {
  const view = await api('GET', `/api/postmortems/${pm.id}/meeting`, pm.tokens.facilitator)
  return view.body.state.comments.find((c) => c.id === id)
}

/** Where an anchor points in an independent Yjs replica: the words. */
async function anchoredWords (pm, anchor) {
  const reader = connectClient(server, pm.id, pm.tokens.viewer)
  try {
    await reader.synced()
    const text = reader.doc.getText(`section:${anchor.section}`)
    const at = (bytes) => Y.createAbsolutePositionFromRelativePosition(Y.decodeRelativePosition(Uint8Array.from(bytes)), reader.doc).index
    return text.toString().slice(at(anchor.start), at(anchor.end))
  } finally {
    reader.destroy()
  }
}

/** Posts a comment of the words selected on `page` with the composer's
 * button `button` and returns its id. */
async function commentOnSelection (page, button, text) {
  await page.locator(button).click()
  await page.locator('#comment-text').fill(text)
  await page.locator('#post-comment').click()
  await page.locator('#comment-text').waitFor({ state: 'detached' })
  return cardId(page, text)
}

/** Drags the mouse over `words` in the element `where`, as a reader
 * selects them. */
async function drag (page, where, words) {
  const box = await where.evaluate((el, w) => {
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT)
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const at = node.data.indexOf(w)
      if (at < 0) continue
      const range = document.createRange()
      range.setStart(node, at)
      range.setEnd(node, at + 1)
      const first = range.getBoundingClientRect()
      range.setStart(node, at + w.length - 1)
      range.setEnd(node, at + w.length)
      const last = range.getBoundingClientRect()
      return { x0: first.left + 1, y0: first.top + first.height / 2, x1: last.right - 1, y1: last.top + last.height / 2 }
    }
    throw new Error(`"${w}" not in one text node of ${el.outerHTML}`)
  }, words)
  await page.mouse.move(box.x0, box.y0)
  await page.mouse.down()
  await page.mouse.move(box.x1, box.y1, { steps: 5 })
  await page.mouse.up()
  await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0))))
}

const shot = (page, name) => screenshot(page, `reading-${name}`)

test('silent reading: comments on rendered words anchor exactly those Markdown words', { skip, timeout: 240_000 }, withServerLog(() => server, async (t) => {
  const pm = await server.createPostmortem('2026-11-03 決済遅延 rendered reading')
  await seed(server, pm, { system: SYSTEM })
  const facilitator = await openAs(pm.links.facilitator, '佐藤 (SRE)', { locale: 'ja-JP' })
  const reader = await openAs(pm.links.participant, 'Ben')
  await facilitator.locator('#phase-next').click()
  await expectPhase([facilitator, reader], 'silent_reading')

  await t.test('the sections are shown rendered: a table, a code block, a list', async () => {
    const system = reader.locator('#sec-system .reading')
    await system.locator('td', { hasText: '決済APIの応答が遅延 🔥' }).waitFor()
    assert.match(await system.locator('pre code').textContent(), /SELECT \* FROM orders WHERE 状態 = 'pending';/)
    assert.equal(await system.locator('li').count(), 2)
    assert.equal(await system.locator('strong', { hasText: 'MySQL 8.0' }).count(), 1)
    assert.equal(await reader.locator('#text-system').isVisible(), false)
    assert.equal(await reader.locator('#view-rendered').getAttribute('aria-pressed'), 'true')
    // The Markdown stays what it was.
    assert.equal(await reader.locator('#text-system').inputValue(), SYSTEM)
  })

  let cell, item, code
  await t.test('selecting words in a table cell, a list item and a code block anchors their Markdown', async () => {
    // Japanese words inside a table cell, selected with the mouse.
    await drag(reader, reader.locator('#sec-system .reading td', { hasText: '応答が遅延' }), '応答が遅延')
    assert.equal(await reader.locator('.composer-hint').textContent(), '“応答が遅延”')
    cell = await commentOnSelection(reader, '#ask-question', 'どのAPIが遅延した？ Which API?')
    // Across the bold word of a list item: the Markdown keeps the asterisks.
    await selectRendered(reader, 'system', 'フェイルオーバーが 手動')
    await reader.keyboard.press('Alt+KeyS')
    await reader.locator('#comment-text').fill('自動化の計画を追記してください')
    await reader.locator('#post-comment').click()
    await reader.locator('#comment-text').waitFor({ state: 'detached' })
    item = await cardId(reader, '自動化の計画')
    // In a code block.
    await selectRendered(reader, 'system', "状態 = 'pending'")
    code = await commentOnSelection(reader, '#ask-question', 'Is pending the only state?')

    const expected = { [cell]: '応答が遅延', [item]: 'フェイルオーバーが **手動**', [code]: "状態 = 'pending'" }
    for (const [id, words] of Object.entries(expected)) {
      const kept = await comment(pm, id)
      assert.equal(kept.anchor.section, 'system')
      assert.equal(kept.anchor.quote, words)
      assert.equal(await anchoredWords(pm, kept.anchor), words, `the anchor of ${JSON.stringify(words)} in a Yjs replica`)
      for (const page of [reader, facilitator]) {
        await waitFor(async () => (await renderedMark(page, id)) === words.replaceAll('**', ''), {
          what: `the rendered highlight on ${words}`, describe: () => page.url()
        })
        assert.equal(await editorMark(page, id), words)
      }
    }
    assert.match(await reader.locator(`.reading mark[data-highlight="${cell}"]`).first().getAttribute('class'), /mark-question/)
    assert.match(await reader.locator(`.reading mark[data-highlight="${item}"]`).first().getAttribute('class'), /mark-suggestion/)
    await shot(reader, 'laptop-en')
    await facilitator.locator(`.reading mark[data-highlight="${cell}"]`).first().scrollIntoViewIfNeeded()
    await shot(facilitator, 'laptop-ja')
  })

  await t.test('words being selected stay selected when someone else comments in the same section', async () => {
    await selectRendered(reader, 'system', '切り戻し完了')
    await selectRendered(facilitator, 'system', 'MySQL 8.0')
    const other = await commentOnSelection(facilitator, '#ask-question', 'Which minor version?')
    // The reader's section is drawn again with the new highlight…
    await waitFor(async () => (await renderedMark(reader, other)) === 'MySQL 8.0', { what: 'the new highlight on the reader\'s page' })
    // …and the words the reader selected are still selected.
    assert.equal(await reader.evaluate(() => window.getSelection().toString()), '切り戻し完了')
    assert.equal(await reader.locator('.composer-hint').textContent(), '“切り戻し完了”')
  })

  await t.test('a keyboard user moves a caret in the read-only text, selects with Shift+arrows and asks with Alt+Q', async () => {
    assert.match(await reader.locator('#phase-instructions').textContent(), /With the keyboard: Tab into a section, move with the arrow keys, select with Shift\+arrows, then press Alt\+Q/)
    // Tab from the section's last button reaches its rendered text.
    await reader.evaluate(() => window.getSelection().removeAllRanges())
    await reader.locator('#sec-system .preview-toggle').focus()
    await reader.keyboard.press('Tab')
    assert.equal(await reader.evaluate(() => document.activeElement.closest('.reading')?.dataset.section), 'system')
    const view = reader.locator('#sec-system .reading')
    assert.equal(await view.getAttribute('aria-readonly'), 'true')
    // Typing, deleting and pasting change nothing.
    await reader.keyboard.press('Control+Home')
    await reader.keyboard.type('xyz')
    await reader.keyboard.press('Delete')
    await reader.keyboard.press('Backspace')
    assert.equal(await reader.locator('#text-system').inputValue(), SYSTEM)
    assert.match(await view.textContent(), /^Checkout runs MySQL 8\.0/)
    // The arrow keys move the caret; Shift+arrows select.
    await reader.keyboard.press('Control+Home')
    for (let i = 0; i < 'Checkout '.length; i++) await reader.keyboard.press('ArrowRight')
    for (let i = 0; i < 'runs'.length; i++) await reader.keyboard.press('Shift+ArrowRight')
    await waitFor(async () => (await reader.evaluate(() => window.getSelection().toString())) === 'runs', { what: 'the keyboard selection' })
    await reader.locator('#floating-comment').waitFor()
    assert.equal(await reader.locator('.composer-hint').textContent(), '“runs”')
    await shot(reader, 'keyboard-laptop-en')
    await reader.keyboard.press('Alt+KeyQ')
    await reader.locator('#comment-text').waitFor()
    assert.equal(await reader.locator('.composer-form .quote').textContent(), 'runs')
    // The composer takes the focus once it is drawn (a moment after it appears).
    await waitFor(async () => (await reader.evaluate(() => document.activeElement.id)) === 'comment-text', { what: 'the focus in the comment box' })
    await reader.keyboard.type('On what, exactly?')
    await reader.keyboard.press('Control+Enter')
    await reader.locator('#comment-text').waitFor({ state: 'detached' })
    const id = await cardId(reader, 'On what, exactly?')
    const kept = await comment(pm, id)
    assert.equal(kept.anchor.quote, 'runs')
    assert.equal(await anchoredWords(pm, kept.anchor), 'runs')
    await waitFor(async () => (await renderedMark(facilitator, id)) === 'runs', { what: 'the keyboard comment highlighted for the facilitator' })
    // The same instructions in Japanese.
    await reader.locator('.lang-switch button', { hasText: '日本語' }).click()
    await waitFor(async () => /Shift\+矢印キーで選択/.test(await reader.locator('#phase-instructions').textContent()), { what: 'the Japanese instructions' })
    await reader.locator('#sec-system .reading').focus()
    await shot(reader, 'keyboard-laptop-ja')
    await reader.locator('.lang-switch button', { hasText: 'EN' }).click()
  })

  await t.test('the switch shows the Markdown editor and back', async () => {
    await reader.locator('#view-markdown').click()
    await reader.locator('#text-system').waitFor({ state: 'visible' })
    assert.equal(await reader.locator('#sec-system .reading').count(), 0)
    assert.equal(await reader.locator('#view-markdown').getAttribute('aria-pressed'), 'true')
    assert.equal(await editorMark(reader, cell), '応答が遅延')
    await shot(reader, 'markdown-laptop-en')
    await reader.locator('#view-rendered').click()
    await reader.locator('#sec-system .reading td', { hasText: '応答が遅延' }).waitFor()
    assert.equal(await reader.locator('#text-system').isVisible(), false)
  })

  await t.test('Q&A shows the editors; the highlights stay on their words after a remote edit before them', async () => {
    await facilitator.locator('#phase-next').click()
    await expectPhase([reader, facilitator], 'q_and_a')
    await reader.locator('#text-system').waitFor({ state: 'visible' })
    assert.equal(await reader.locator('#view-markdown').getAttribute('aria-pressed'), 'true')
    // The author edits (co-editing is on in Q&A) before the words.
    const writer = connectClient(server, pm.id, pm.tokens.author)
    await writer.synced()
    const text = writer.doc.getText('section:system')
    writer.doc.transact(() => {
      text.insert(text.toString().indexOf('| 10:00'), '| 09:58 | 🚨 アラート発報 |\n')
      text.insert(0, '今日の概要 😀: ')
    })
    try {
      for (const page of [reader, facilitator]) {
        await waitFor(async () => (await page.locator('#text-system').inputValue()).includes('アラート発報'), { what: 'the edit' })
        await waitFor(async () => (await editorMark(page, cell)) === '応答が遅延', { what: 'the cell highlight after the edit' })
        assert.equal(await editorMark(page, item), 'フェイルオーバーが **手動**')
        assert.equal(await editorMark(page, code), "状態 = 'pending'")
        // One click away: the rendered text, its highlights on the same words.
        await page.locator('#view-rendered').click()
        await page.locator('#sec-system .reading td', { hasText: 'アラート発報' }).waitFor()
        assert.equal(await renderedMark(page, cell), '応答が遅延')
        assert.equal(await renderedMark(page, item), 'フェイルオーバーが 手動')
        assert.equal(await renderedMark(page, code), "状態 = 'pending'")
      }
    } finally {
      writer.destroy()
    }
  })

  for (const page of [facilitator, reader]) assert.deepEqual(page.errors, [], `errors on ${page.url()}`)
}))

test('on a touch phone: floating buttons under a selection, the question strip, no shortcut hints', { skip, timeout: 240_000 }, withServerLog(() => server, async (t) => {
  const pm = await server.createPostmortem('Phone reading スマホ')
  await seed(server, pm, { system: SYSTEM })
  const facilitator = await openAs(pm.links.facilitator, 'SRE')
  const laptop = await openAs(pm.links.participant, 'Ana')
  const phone = await openAs(pm.links.participant, 'ケン', { viewport: PHONE, hasTouch: true, locale: 'ja-JP' })
  await facilitator.locator('#phase-next').click()
  await expectPhase([phone, laptop], 'silent_reading')

  await t.test('no keyboard-shortcut hints on the phone (and they are on the laptop)', async () => {
    await phone.locator('#ask-question').waitFor({ state: 'attached' })
    assert.equal(await phone.locator('kbd').count() > 0, true, 'the hints exist, hidden')
    assert.equal(await phone.locator('kbd:visible').count(), 0)
    assert.equal(await laptop.locator('#ask-question kbd').isVisible(), true)
  })

  let question
  await t.test('a selection gets floating Question / Suggestion buttons right under it', async () => {
    await phone.locator('#sec-system .reading li', { hasText: '監視' }).scrollIntoViewIfNeeded()
    await selectRendered(phone, 'system', 'しきい値が高すぎた')
    const floating = phone.locator('#floating-comment')
    await floating.waitFor()
    const words = await phone.evaluate(() => {
      const r = window.getSelection().getRangeAt(0).getBoundingClientRect()
      return { left: r.left, bottom: r.bottom }
    })
    const box = await floating.boundingBox()
    assert.ok(box.y >= words.bottom && box.y - words.bottom < 40, `buttons right under the words: ${JSON.stringify({ box, words })}`)
    assert.ok(box.x >= 0 && box.x + box.width <= PHONE.width, `buttons on screen: ${JSON.stringify(box)}`)
    await shot(phone, 'phone-ja')
    await phone.locator('#float-question').tap()
    await floating.waitFor({ state: 'detached' })
    await phone.locator('#comment-text').fill('しきい値はいくつでしたか？')
    await phone.locator('#post-comment').tap()
    await phone.locator('#comment-text').waitFor({ state: 'detached' })
    question = await cardId(phone, 'しきい値はいくつ')
    const kept = await comment(pm, question)
    assert.equal(kept.kind, 'question')
    assert.equal(kept.anchor.quote, 'しきい値が高すぎた')
    assert.equal(await anchoredWords(pm, kept.anchor), 'しきい値が高すぎた')
    await waitFor(async () => (await renderedMark(laptop, question)) === 'しきい値が高すぎた', { what: 'the highlight on the laptop' })
  })

  await t.test('during Q&A the question being answered stays in a strip at the top', async () => {
    await facilitator.locator('#phase-next').click()
    await expectPhase([phone], 'q_and_a')
    await facilitator.locator('#next-question').click()
    const strip = phone.locator('#question-strip')
    await strip.waitFor()
    assert.match(await strip.textContent(), /回答中の質問:\s*しきい値はいくつでしたか？/)
    assert.equal(await strip.getAttribute('data-question'), question)
    // It stays at the top while the page scrolls.
    await phone.evaluate(() => window.scrollTo(0, document.body.scrollHeight / 2))
    await waitFor(async () => Math.abs((await strip.boundingBox()).y) < 2, { what: 'the strip at the top' })
    await shot(phone, 'phone-strip-ja')
    await laptop.locator('#spotlight .comment-text', { hasText: 'しきい値はいくつ' }).waitFor()
  })

  await t.test('on a laptop and a narrow laptop the strip stays right under the phase bar, never over it', async () => {
    const narrow = await openAs(pm.links.participant, 'Noa', { viewport: { width: 900, height: 800 } })
    for (const [page, name] of [[laptop, 'laptop-strip-en'], [narrow, 'narrow-strip-en']]) {
      const strip = page.locator('#question-strip')
      await strip.waitFor()
      assert.match(await strip.textContent(), /Now answering:\s*しきい値はいくつでしたか？/)
      // Read on in the text: the spotlight panel scrolls away, the strip
      // and the phase bar stay.
      await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight))
      await waitFor(async () => {
        const bar = await page.locator('#phase-bar').boundingBox()
        const box = await strip.boundingBox()
        return Math.abs(bar.y) < 2 && box.y >= bar.y + bar.height - 1 && box.y - (bar.y + bar.height) < 20
      }, { what: `the strip under the phase bar on ${name}` })
      assert.ok(await page.evaluate(() => window.scrollY > 200), 'the page scrolled on into the text')
      await shot(page, name)
    }
    assert.deepEqual(narrow.errors, [])
  })

  await t.test('in English too', async () => {
    await phone.locator('.lang-switch button').first().tap()
    await phone.locator('#question-strip', { hasText: 'Now answering:' }).waitFor()
    await shot(phone, 'phone-strip-en')
  })

  for (const page of [facilitator, laptop, phone]) assert.deepEqual(page.errors, [], `errors on ${page.url()}`)
}))

test('a comment whose words were deleted offers its author to anchor it where the same words are written again', { skip, timeout: 240_000 }, withServerLog(() => server, async (t) => {
  const pm = await server.createPostmortem('2026-11-04 re-anchoring')
  const draft = 'Payments time out when the primary fails over. The replica lags.'
  await seed(server, pm, { system: draft })
  const facilitator = await openAs(pm.links.facilitator, '佐藤 (SRE)', { locale: 'ja-JP' })
  const ben = await openAs(pm.links.participant, 'Ben')
  await facilitator.locator('#phase-next').click()
  await expectPhase([facilitator, ben], 'silent_reading')
  await selectRendered(ben, 'system', 'primary fails over')
  const id = await commentOnSelection(ben, '#ask-question', 'How long did the failover take?')
  await facilitator.locator('#phase-next').click()
  await expectPhase([facilitator, ben], 'q_and_a')
  await ben.locator('#text-system').waitFor({ state: 'visible' })
  const card = (page) => page.locator(`[data-card="${id}"]`)
  const writer = connectClient(server, pm.id, pm.tokens.author)
  await writer.synced()
  const text = writer.doc.getText('section:system')
  try {
    await t.test('the words deleted: "text deleted", and nothing to anchor to yet', async () => {
      writer.doc.transact(() => text.delete(text.toString().indexOf('primary fails over'), 'primary fails over'.length))
      await card(ben).locator('.badge-detached').waitFor()
      assert.equal(await card(ben).locator('.reanchor').count(), 0)
    })

    await t.test('the same words written again: its author anchors the comment there', async () => {
      writer.doc.transact(() => text.insert(text.length, ' When the primary fails over, checkout stops.'))
      const button = card(ben).locator('.reanchor')
      await button.waitFor()
      assert.equal(await button.textContent(), 'Anchor here again')
      // Not for someone else's comment.
      await card(facilitator).locator('.badge-detached').waitFor()
      assert.equal(await card(facilitator).locator('.reanchor').count(), 0)
      await card(ben).scrollIntoViewIfNeeded()
      await shot(ben, 'reanchor-laptop-en')
      await shot(facilitator, 'reanchor-laptop-ja')
      await button.click()
      for (const page of [ben, facilitator]) {
        await card(page).locator('.badge-detached').waitFor({ state: 'detached' })
        await waitFor(async () => (await editorMark(page, id)) === 'primary fails over', { what: 'the highlight on the words written again' })
      }
      assert.equal(await card(ben).locator('.reanchor').count(), 0)
      const kept = await comment(pm, id)
      assert.equal(kept.anchor.quote, 'primary fails over')
      assert.equal(await anchoredWords(pm, kept.anchor), 'primary fails over')
      const at = await ben.locator('#text-system').inputValue()
      assert.ok(at.indexOf('When the primary fails over') > 0, at)
    })
  } finally {
    writer.destroy()
  }
  for (const page of [facilitator, ben]) assert.deepEqual(page.errors, [], `errors on ${page.url()}`)
}))

/** Where the first or last character of `words` is on the page, in the
 * element `where` (for a mouse drag across elements). */
const charAt = (where, words, last) => where.evaluate((el, [w, last]) => {
  const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT)
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const at = node.data.indexOf(w)
    if (at < 0) continue
    const range = document.createRange()
    const i = last ? at + w.length - 1 : at
    range.setStart(node, i)
    range.setEnd(node, i + 1)
    const r = range.getBoundingClientRect()
    return { x: last ? r.right - 1 : r.left + 1, y: r.top + r.height / 2 }
  }
  throw new Error(`"${w}" not in one text node of ${el.outerHTML}`)
}, [words, last])

test('a selection that runs into the next section is shortened to the section it starts in, and the composer says so', { skip, timeout: 240_000 }, withServerLog(() => server, async (t) => {
  const pm = await server.createPostmortem('Across sections')
  await seed(server, pm, {
    system: 'Payments time out when the primary fails over. The replica lags.',
    impact: 'Orders failed for 40 minutes.'
  })
  const facilitator = await openAs(pm.links.facilitator, 'SRE')
  const reader = await openAs(pm.links.participant, 'Ana')
  // While drafting, someone who may edit reads the rendered view: its
  // sections take no keyboard caret, so a drag runs on across them (during
  // silent reading each read-only section keeps the drag inside itself).
  await reader.locator('#view-rendered').click()
  const system = reader.locator('#sec-system .reading')
  const impact = reader.locator('#sec-impact .reading')
  await waitFor(async () => (await impact.textContent()).includes('Orders failed'), { what: 'both sections rendered' })

  await t.test('the words up to the end of the first section are kept and the composer says they were shortened', async () => {
    await system.scrollIntoViewIfNeeded()
    const from = await charAt(system, 'The replica', false)
    const to = await charAt(impact, 'Orders failed', true)
    await reader.mouse.move(from.x, from.y)
    await reader.mouse.down()
    await reader.mouse.move(to.x, to.y, { steps: 8 })
    await reader.mouse.up()
    const selected = await reader.evaluate(() => window.getSelection().toString())
    assert.ok(selected.includes('The replica') && selected.includes('Orders failed'), `the drag ran into the next section: ${selected}`)
    await reader.locator('.composer-hint .selection-shortened').waitFor()
    assert.match(await reader.locator('.composer-hint').textContent(), /“The replica lags\.”/)
    await reader.locator('#ask-question').click()
    const note = reader.locator('#selection-shortened')
    await note.waitFor()
    assert.equal((await note.textContent()).trim(), 'Your selection was shortened to this section: a comment is anchored inside one section.')
    assert.equal((await reader.locator('.composer-form .quote').textContent()).trim(), 'The replica lags.')
    await shot(reader, 'laptop-shortened-en')
    await reader.locator('.lang-switch button', { hasText: '日本語' }).click()
    await note.filter({ hasText: '選択範囲をこのセクション内に縮めました' }).waitFor()
    await shot(reader, 'laptop-shortened-ja')
    await reader.locator('.lang-switch button', { hasText: 'EN' }).click()
    await reader.locator('#comment-text').fill('How far behind?')
    await reader.locator('#post-comment').click()
    await reader.locator('#comment-text').waitFor({ state: 'detached' })
    const id = await cardId(reader, 'How far behind?')
    const kept = await comment(pm, id)
    assert.equal(kept.anchor.section, 'system')
    assert.equal(kept.anchor.quote, 'The replica lags.')
    assert.equal(await anchoredWords(pm, kept.anchor), 'The replica lags.')
  })

  await t.test('a selection inside one section says nothing of the kind', async () => {
    await selectRendered(reader, 'impact', 'Orders failed')
    await reader.locator('#ask-question').click()
    await reader.locator('#comment-text').waitFor()
    assert.equal(await reader.locator('#selection-shortened').count(), 0)
    assert.equal(await reader.locator('.selection-shortened').count(), 0)
    await reader.locator('#comment-text').press('Escape')
    await reader.locator('#comment-text').waitFor({ state: 'detached' })
  })

  for (const page of [facilitator, reader]) assert.deepEqual(page.errors, [], `errors on ${page.url()}`)
}))
