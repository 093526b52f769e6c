// The collaborative editor in headless Chromium, against the real server and
// the built web bundle: three pages co-writing one section (Japanese,
// emoji), the caret staying on its character through remote edits, offline
// edits merging on reconnect and surviving a reload, undo that only takes
// back one's own edits, IME composition, and the admin page.
//
// Needs web/dist (cargo xtask build-web) and Chromium (apt-get install -y
// chromium chromium-driver). Without Chromium these tests FAIL, unless
// CASEBOOK_SKIP_BROWSER=1 is set. Screenshots go to tests/js/screenshots/.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import {
  withServerLog,
  SCREENSHOTS, ADMIN_TOKEN, WAIT_MS, connectClient, waitFor, browserSuite, skipBrowser
} from './helpers.mjs'

const skip = skipBrowser() ? 'CASEBOOK_SKIP_BROWSER=1' : false

let server
let browser
const cleanups = []

browserSuite(cleanups, (s, b) => { server = s; browser = b })

/** A page in its own browser context (own localStorage, so its own name),
 * with console errors and page errors collected for failure messages. Its
 * WebSockets go through a switch: `page.goOffline()` drops them and refuses
 * new ones until `page.goOnline()`. */
async function newPage ({ width = 1280, height = 800, locale = 'en-US' } = {}) {
  const context = await browser.newContext({ viewport: { width, height }, locale })
  cleanups.push(() => context.close())
  const page = await context.newPage()
  page.setDefaultTimeout(WAIT_MS)
  page.errors = []
  page.on('pageerror', (e) => page.errors.push(`pageerror: ${e.message}`))
  page.on('console', (m) => { if (m.type() === 'error') page.errors.push(`console: ${m.text()}`) })
  let offline = false
  const open = new Set()
  await page.routeWebSocket(/\/sync\//, (ws) => {
    if (offline) {
      ws.close({ code: 1001, reason: 'test: offline' })
      return
    }
    const upstream = ws.connectToServer()
    const pair = { ws, upstream }
    open.add(pair)
    ws.onClose(() => open.delete(pair))
  })
  page.goOffline = async () => {
    offline = true
    for (const { ws, upstream } of [...open]) {
      await upstream.close().catch(() => {})
      await ws.close({ code: 1001, reason: 'test: offline' }).catch(() => {})
    }
    open.clear()
  }
  page.goOnline = () => { offline = false }
  return page
}

/** Opens a role link, answers the display-name prompt, waits until synced. */
async function joinAs (page, link, name) {
  await page.goto(link)
  const nameInput = page.locator('#display-name')
  await Promise.race([
    nameInput.waitFor({ state: 'visible' }),
    page.locator('#connection[data-state="synced"]').waitFor()
  ])
  if (await nameInput.isVisible()) {
    await nameInput.fill(name)
    await page.locator('#join').click()
  }
  await page.locator('#connection[data-state="synced"]').waitFor({ timeout: WAIT_MS })
}

const section = (page, id) => page.locator(`#text-${id}`)
const sectionValue = (page, id) => section(page, id).inputValue()
const presenceText = (page) => page.locator('#presence').innerText()
const errorsOf = (...pages) => pages.flatMap((p) => p.errors).join('\n')
const pageErrors = (...pages) => pages.flatMap((p) => p.errors).filter((e) => e.startsWith('pageerror'))

/** A reference Yjs client; `text(id)` reads section `id`. */
async function rawClient (pm, token = pm.tokens.author) {
  const raw = connectClient(server, pm.id, token)
  cleanups.push(() => raw.destroy())
  await raw.synced()
  raw.section = (id) => raw.doc.getText(`section:${id}`)
  return raw
}

/** Waits until every page's section `id` and the raw client show the same
 * text; returns it. */
async function converged (pages, raw, id, extra = () => true) {
  let last = []
  await waitFor(async () => {
    last = [...await Promise.all(pages.map((p) => sectionValue(p, id))), raw.section(id).toString()]
    return last.every((v) => v === last[0]) && extra(last[0])
  }, { what: `every page and the server to show the same ${id}`, describe: () => JSON.stringify(last) + '\n' + errorsOf(...pages) })
  return last[0]
}

/** Places screenshots side by side in one image. */
async function sideBySide (pngs, path) {
  const page = await newPage({ width: 1200 * pngs.length + 40, height: 820 })
  const img = (png) => `<img style="border:1px solid #888;width:1200px" src="data:image/png;base64,${png.toString('base64')}">`
  await page.setContent(`<body style="margin:4px;display:flex;gap:8px;background:#ddd">${pngs.map(img).join('')}</body>`)
  await page.screenshot({ path, fullPage: true })
}

test('three pages co-write one section in Japanese and English, with emoji, and end identical', { skip, timeout: 180_000 }, withServerLog(() => server, async () => {
  const pm = await server.createPostmortem('Three pages 三人で編集')
  const raw = await rawClient(pm)
  const SEED = '[初稿] seed text'
  raw.section('summary').insert(0, SEED)

  const pages = [await newPage(), await newPage(), await newPage({ locale: 'ja-JP' })]
  const [a, b, c] = pages
  await Promise.all([
    joinAs(a, pm.links.facilitator, 'SRE 佐藤'),
    joinAs(b, pm.links.author, 'Aiko 藍子'),
    joinAs(c, pm.links.participant, 'Ben 🐝')
  ])
  for (const page of pages) {
    await waitFor(async () => (await sectionValue(page, 'summary')) === SEED, {
      what: 'the seed text in the summary', describe: () => errorsOf(page)
    })
  }

  // A types at the end, B at the start, C after "[初稿]", all at once.
  const TYPED_A = ' 障害は 8 分で復旧 🚑'
  const TYPED_B = 'Checkout 😀 '
  const TYPED_C = ' (draft ✍️)'
  await section(a, 'summary').click()
  await a.keyboard.press('Control+End')
  await section(b, 'summary').click()
  await b.keyboard.press('Control+Home')
  await section(c, 'summary').click()
  await c.keyboard.press('Control+Home')
  for (let i = 0; i < '[初稿]'.length; i++) await c.keyboard.press('ArrowRight')
  await Promise.all([
    a.keyboard.type(TYPED_A, { delay: 30 }),
    b.keyboard.type(TYPED_B, { delay: 30 }),
    c.keyboard.type(TYPED_C, { delay: 30 })
  ])
  const expected = TYPED_B + '[初稿]' + TYPED_C + ' seed text' + TYPED_A
  const text = await converged(pages, raw, 'summary', (v) => v.length >= expected.length)
  assert.equal(text, expected, 'each typed run intact and in its place')

  // Everyone sees everyone.
  for (const page of pages) {
    await waitFor(async () => {
      const names = await presenceText(page)
      return ['SRE 佐藤', 'Aiko 藍子', 'Ben 🐝'].every((n) => names.includes(n))
    }, { what: 'all three names in #presence', describe: () => errorsOf(page) })
  }
  // The others' carets are drawn in the section, with their names.
  await waitFor(async () => (await a.locator('#sec-summary .caret-label').allInnerTexts()).length === 2,
    { what: 'two remote carets in A\'s summary' })
  const labels = await a.locator('#sec-summary .caret-label').allInnerTexts()
  assert.deepEqual(labels.sort(), ['Aiko 藍子', 'Ben 🐝'].sort())

  // Some Markdown in another section, shown as a preview.
  await section(b, 'impact').click()
  await b.keyboard.type('- **12,000** users\n- 3% errors\n\n| 時刻 | event |\n|---|---|\n| 10:02 | alert |\n', { delay: 5 })
  await converged(pages, raw, 'impact', (v) => v.includes('alert'))
  await c.locator('#sec-impact .preview-toggle').click()
  await c.locator('#sec-impact .preview table td', { hasText: 'alert' }).waitFor()
  assert.equal(await c.locator('#sec-impact .preview strong').innerText(), '12,000')

  // Screenshots: three people present, in English, then in Japanese.
  const shots = async (suffix) => Promise.all(pages.map((p, i) =>
    p.screenshot({ path: join(SCREENSHOTS, `editor-${suffix}-${i + 1}.png`) })))
  await sideBySide(await shots('en'), join(SCREENSHOTS, 'editor-three-people-en.png'))
  for (const page of pages) {
    await page.locator('.lang-switch button', { hasText: '日本語' }).click()
  }
  await a.locator('#h-summary', { hasText: '概要' }).waitFor()
  await a.locator('#connection', { hasText: '同期済み' }).waitFor()
  await sideBySide(await shots('ja'), join(SCREENSHOTS, 'editor-three-people-ja.png'))
  assert.deepEqual(pageErrors(...pages), [], 'no uncaught page errors')
}))

test('a remote edit before the caret keeps the caret and the selection on the same characters', { skip, timeout: 120_000 }, withServerLog(() => server, async () => {
  const pm = await server.createPostmortem('Caret 位置')
  const raw = await rawClient(pm)
  raw.section('causes').insert(0, '0123456789')
  const page = await newPage()
  await joinAs(page, pm.links.author, 'Caret')
  await waitFor(async () => (await sectionValue(page, 'causes')) === '0123456789', { what: 'the seed' })

  // Caret after "4"; a remote insert of 6 UTF-16 units at the start.
  const ta = section(page, 'causes')
  await ta.focus()
  await ta.evaluate((el) => el.setSelectionRange(5, 5))
  const BEFORE = '障害😀 🚀'
  raw.section('causes').insert(0, BEFORE)
  await waitFor(async () => (await sectionValue(page, 'causes')) === BEFORE + '0123456789', { what: 'the remote insert' })
  const shift = BEFORE.length // UTF-16 units, as textarea offsets count
  assert.deepEqual(await ta.evaluate((el) => [el.selectionStart, el.selectionEnd]), [5 + shift, 5 + shift])
  await page.keyboard.type('X')
  await waitFor(() => raw.section('causes').toString() === BEFORE + '01234X56789', {
    what: 'X typed right after "4"', describe: () => raw.section('causes').toString()
  })

  // A selection "678" stays on "678" through an insert before and one inside
  // the text after it.
  await ta.evaluate((el) => el.setSelectionRange(el.value.indexOf('678'), el.value.indexOf('678') + 3))
  raw.section('causes').insert(0, 'ab')
  raw.section('causes').insert(raw.section('causes').toString().length, 'Z')
  await waitFor(async () => (await sectionValue(page, 'causes')).endsWith('9Z'), { what: 'both remote inserts' })
  const selected = await ta.evaluate((el) => el.value.slice(el.selectionStart, el.selectionEnd))
  assert.equal(selected, '678')
  assert.deepEqual(pageErrors(page), [])
}))

test('a page that goes offline keeps editing, and everything merges when it comes back', { skip, timeout: 180_000 }, withServerLog(() => server, async () => {
  const pm = await server.createPostmortem('Offline オフライン')
  const raw = await rawClient(pm)
  raw.section('timeline').insert(0, '10:00 start\n')
  const [a, b] = [await newPage(), await newPage()]
  await joinAs(a, pm.links.author, 'Offline A')
  await joinAs(b, pm.links.participant, 'Online B')
  await converged([a, b], raw, 'timeline', (v) => v.includes('start'))

  await a.goOffline()
  await a.locator('#connection[data-state="offline"]').waitFor()
  await section(a, 'timeline').click()
  await a.keyboard.press('Control+End')
  await a.keyboard.type('10:05 オフラインで追記 📴\n', { delay: 10 })
  await section(b, 'timeline').click()
  await b.keyboard.press('Control+Home')
  await b.keyboard.type('09:55 online first\n', { delay: 10 })
  await waitFor(() => raw.section('timeline').toString().includes('online first'), { what: 'B\'s edit on the server' })
  assert.ok(!raw.section('timeline').toString().includes('オフライン'), 'A\'s offline edit has not reached the server yet')

  a.goOnline()
  const merged = await converged([a, b], raw, 'timeline', (v) => v.includes('オフライン') && v.includes('online first'))
  assert.equal(merged, '09:55 online first\n10:00 start\n10:05 オフラインで追記 📴\n')
  await a.locator('#connection[data-state="synced"]').waitFor()
  assert.deepEqual(pageErrors(a, b), [])
}))

test('a reload while offline loses nothing that was typed', { skip, timeout: 180_000 }, withServerLog(() => server, async () => {
  const pm = await server.createPostmortem('Reload 再読み込み')
  const raw = await rawClient(pm)
  const page = await newPage()
  await joinAs(page, pm.links.author, 'Reloader')
  await page.goOffline()
  await page.locator('#connection[data-state="offline"]').waitFor()
  await section(page, 'lessons').click()
  const TYPED = 'Kept in the browser ブラウザに保存 💾'
  await page.keyboard.type(TYPED, { delay: 10 })
  await page.waitForTimeout(500) // the replica is saved at most 300 ms after an edit

  await page.reload()
  await waitFor(async () => (await section(page, 'lessons').count()) === 1 && (await sectionValue(page, 'lessons')) === TYPED, {
    what: 'the typed text back after the reload, still offline', describe: () => errorsOf(page)
  })
  assert.notEqual(await page.locator('#connection').getAttribute('data-state'), 'synced')
  assert.equal(raw.section('lessons').toString(), '', 'nothing reached the server while offline')

  page.goOnline()
  await waitFor(() => raw.section('lessons').toString() === TYPED, {
    what: 'the kept edit on the server after reconnecting', describe: () => raw.section('lessons').toString()
  })
  assert.deepEqual(pageErrors(page), [])
}))

test('a returning page opens its document socket while it asks for the postmortem, and edits through that one socket', { skip, timeout: 120_000 }, withServerLog(() => server, async () => {
  const pm = await server.createPostmortem('Early socket 早めの接続')
  const raw = await rawClient(pm)
  raw.section('summary').insert(0, 'Before you came 先に書いた ✍️')
  const page = await newPage()
  await joinAs(page, pm.links.author, 'Returning')
  await waitFor(async () => (await sectionValue(page, 'summary')) === 'Before you came 先に書いた ✍️', { what: 'the first visit synced' })

  // The second visit (the name is remembered): the postmortem's answer is
  // held back until the document's socket has been opened and has heard
  // the server, and an edit made meanwhile by someone else has gone out.
  const documentSockets = []
  const hellos = [] // the page's sync step 1 messages (type 0, step 0)
  page.on('websocket', (ws) => {
    if (new URL(ws.url()).pathname !== `/sync/${pm.id}`) return
    documentSockets.push(ws)
    ws.on('framesent', ({ payload }) => { if (typeof payload !== 'string' && payload[0] === 0 && payload[1] === 0) hellos.push(Date.now()) })
  })
  // Only the reloaded page's first request for the postmortem is held: the
  // page asks for it again later, and the first visit's page asks for it
  // from the meeting panel and the incident fields too, which load lazily
  // and may ask just as the reload starts. A request routed after the
  // reload's navigation has committed is the new page's.
  let reloading = false
  let committed = false
  page.on('framenavigated', (frame) => { if (reloading && frame === page.mainFrame()) committed = true })
  let held = false
  let released = false
  await page.route(`**/api/postmortems/${pm.id}`, async (route) => {
    if (!committed || held) return route.continue()
    held = true
    await waitFor(() => documentSockets.length === 1, { what: 'the document socket opened while the postmortem was asked for' })
    const heard = new Promise((resolve) => documentSockets[0].on('framereceived', resolve))
    await heard
    raw.section('summary').insert(raw.section('summary').length, ', while you loaded 読み込み中 🚀')
    await new Promise((resolve) => setTimeout(resolve, 300))
    released = true
    await route.continue()
  })
  reloading = true
  await page.reload()
  const WHOLE = 'Before you came 先に書いた ✍️, while you loaded 読み込み中 🚀'
  await page.locator('#connection[data-state="synced"]').waitFor()
  assert.ok(released)
  let shown = ''
  await waitFor(async () => (shown = await sectionValue(page, 'summary')) === WHOLE, {
    what: 'both edits on the page',
    describe: () => `page: ${JSON.stringify(shown)}; server: ${JSON.stringify(raw.section('summary').toString())}; sockets: ${documentSockets.length}, hellos: ${hellos.length}\n${errorsOf(page)}`
  })
  // It said its hello once, as the socket opened, stating the replica it
  // kept from the first visit; the replica, once made, had that state.
  assert.equal(hellos.length, 1)
  // The page types through the socket it opened early: no second one.
  await section(page, 'summary').click()
  await page.keyboard.press('End')
  await page.keyboard.type(' 👍 ok', { delay: 10 })
  await waitFor(() => raw.section('summary').toString() === WHOLE + ' 👍 ok', {
    what: 'the page\'s typing on the server', describe: () => raw.section('summary').toString()
  })
  assert.equal(documentSockets.length, 1)
  assert.equal(documentSockets[0].isClosed(), false)
  assert.deepEqual(pageErrors(page), [])
}))

test('undo in one page takes back its own edit and never another page\'s', { skip, timeout: 120_000 }, withServerLog(() => server, async () => {
  const pm = await server.createPostmortem('Undo 元に戻す')
  const raw = await rawClient(pm)
  const [a, b] = [await newPage(), await newPage()]
  await joinAs(a, pm.links.author, 'Undo A')
  await joinAs(b, pm.links.participant, 'Other B')

  await section(a, 'countermeasures').click()
  await a.keyboard.type('alpha 対策 ', { delay: 10 })
  await converged([a, b], raw, 'countermeasures', (v) => v === 'alpha 対策 ')
  await section(b, 'countermeasures').click()
  await b.keyboard.press('Control+End')
  await b.keyboard.type('beta 🅱️', { delay: 10 })
  await converged([a, b], raw, 'countermeasures', (v) => v === 'alpha 対策 beta 🅱️')

  await section(a, 'countermeasures').focus()
  await a.keyboard.press('Control+z')
  assert.equal(await converged([a, b], raw, 'countermeasures', (v) => !v.includes('alpha')), 'beta 🅱️',
    'A\'s words are gone, B\'s are still there')
  await a.keyboard.press('Control+Shift+z')
  assert.equal(await converged([a, b], raw, 'countermeasures', (v) => v.includes('alpha')), 'alpha 対策 beta 🅱️')
  // The toolbar button does the same.
  await a.locator('#undo').click()
  assert.equal(await converged([a, b], raw, 'countermeasures', (v) => !v.includes('alpha')), 'beta 🅱️')
  // Ctrl+Y redoes too, and Caps Lock (an upper-case key) changes nothing.
  await section(a, 'countermeasures').focus()
  await a.keyboard.press('Control+y')
  assert.equal(await converged([a, b], raw, 'countermeasures', (v) => v.includes('alpha')), 'alpha 対策 beta 🅱️')
  await a.keyboard.press('Control+Z')
  assert.equal(await converged([a, b], raw, 'countermeasures', (v) => !v.includes('alpha')), 'beta 🅱️')
  assert.deepEqual(pageErrors(a, b), [])
}))

test('an IME composition is sent once, when committed, even when the text moves under it', { skip, timeout: 120_000 }, withServerLog(() => server, async () => {
  const pm = await server.createPostmortem('IME 変換')
  const raw = await rawClient(pm)
  raw.section('causes').insert(0, '原因: ')
  const page = await newPage({ locale: 'ja-JP' })
  await joinAs(page, pm.links.author, '入力者')
  await waitFor(async () => (await sectionValue(page, 'causes')) === '原因: ', { what: 'the seed' })
  await section(page, 'causes').click()
  await page.keyboard.press('Control+End')

  const seen = []
  raw.doc.on('update', () => seen.push(raw.section('causes').toString()))
  const cdp = await page.context().newCDPSession(page)
  for (const reading of ['し', 'しょ', 'しょう', 'しょうが', 'しょうがい']) {
    await cdp.send('Input.imeSetComposition', { text: reading, selectionStart: reading.length, selectionEnd: reading.length })
  }
  // Someone else writes before the composition while it is open.
  raw.section('causes').insert(0, '【確認中】')
  await page.waitForTimeout(400)
  await cdp.send('Input.insertText', { text: '障害' })

  const text = await converged([page], raw, 'causes', (v) => v.includes('障害'))
  assert.equal(text, '【確認中】原因: 障害', 'committed once, after the remote insert, nothing of the reading left')
  assert.ok(seen.every((v) => !/[しょうが]/.test(v)), `the reading was never sent: ${JSON.stringify(seen)}`)
  assert.deepEqual(pageErrors(page), [])
}))

test('authors add, rename, move and remove a section of their own; everyone sees it', { skip, timeout: 120_000 }, withServerLog(() => server, async () => {
  const pm = await server.createPostmortem('Outline 構成')
  const [author, other] = [await newPage(), await newPage()]
  await joinAs(author, pm.links.author, 'Author')
  await joinAs(other, pm.links.participant, 'Reader')
  assert.equal(await other.locator('#add-section').count(), 0, 'participants do not arrange the outline')

  await author.locator('#new-section-title').fill('依存サービス Dependencies')
  await author.locator('#add-section').click()
  const heading = (page) => page.locator('.doc-section h2', { hasText: '依存サービス' })
  await heading(other).waitFor()
  const titles = async (page) => page.locator('.outline li a').allInnerTexts()
  assert.equal((await titles(other)).at(-1), '依存サービス Dependencies', 'added at the end')

  const id = await author.locator('.doc-section', { has: author.locator('h2', { hasText: '依存サービス' }) }).getAttribute('data-section')
  assert.match(id, /^custom-[a-z0-9]+$/)
  const added = author.locator(`#sec-${id}`)
  await added.locator('.move-up').click()
  await added.locator('.move-up').click()
  await waitFor(async () => (await titles(other)).at(-3) === '依存サービス Dependencies', { what: 'the move on the other page' })

  await added.locator('.rename').click()
  await added.locator('.rename-form input').fill('Middleware ミドルウェア')
  await added.locator('.rename-form button[type="submit"]').click()
  await other.locator('.doc-section h2', { hasText: 'Middleware ミドルウェア' }).waitFor()

  await added.locator('.remove').click()
  await other.locator('.doc-section h2', { hasText: 'Middleware' }).waitFor({ state: 'detached' })
  assert.equal((await titles(other)).length, 10)
  assert.deepEqual(pageErrors(author, other), [])
}))

test('the readiness checklist follows the text as it is typed, and a finding jumps to its section', { skip, timeout: 120_000 }, withServerLog(() => server, async () => {
  const pm = await server.createPostmortem('Readiness 公開前チェック')
  const page = await newPage()
  await joinAs(page, pm.links.author, 'Checker')
  const finding = (sectionId, rule) => page.locator(`#readiness li[data-section="${sectionId}"][data-rule="${rule}"]`)
  await finding('impact', 'section_empty').waitFor()

  // Something, but nothing measurable: the finding changes its reason.
  await section(page, 'impact').click()
  await page.keyboard.type('Many users could not pay.', { delay: 5 })
  await finding('impact', 'impact_measurable').waitFor()
  assert.equal(await finding('impact', 'section_empty').count(), 0)
  // A measure: the impact finding goes away.
  await page.keyboard.type(' 12,000 users for 40 minutes.', { delay: 5 })
  await finding('impact', 'impact_measurable').waitFor({ state: 'detached' })

  // An acronym without a glossary entry is found, then fixed.
  await section(page, 'causes').click()
  await page.keyboard.type('The RDS failover took too long.', { delay: 5 })
  await page.locator('#readiness li[data-rule="glossary_missing"][data-level="blocking"]', { hasText: 'RDS' }).waitFor()
  await section(page, 'glossary').click()
  await page.keyboard.type('- RDS: Amazon Relational Database Service', { delay: 5 })
  await page.locator('#readiness li[data-rule="glossary_missing"]', { hasText: 'RDS' }).waitFor({ state: 'detached' })

  // Japanese reasons when the page speaks Japanese.
  await page.locator('.lang-switch button', { hasText: '日本語' }).click()
  await page.locator('#readiness li[data-section="timeline"]', { hasText: 'タイムライン' }).first().waitFor()

  // A finding is a link to its section.
  await page.locator('#readiness li[data-section="timeline"] a').first().click()
  await waitFor(() => page.url().endsWith('#sec-timeline'), { what: 'the address to point at the timeline' })
  const top = await page.locator('#sec-timeline').evaluate((el) => el.getBoundingClientRect().top)
  assert.ok(top >= 0 && top < 200, `the timeline section is scrolled to the top (top=${top})`)

  // The export links carry the whole case.
  const href = await page.locator('#export-md').getAttribute('href')
  const exported = await (await fetch(server.url(href), { headers: { Connection: 'close' } })).text()
  assert.ok(exported.includes('12,000 users for 40 minutes.') && exported.includes('RDS: Amazon'), exported)
  assert.ok(exported.includes('\n## Impact\n'), 'an English case exports in English from a Japanese page')
  assert.deepEqual(pageErrors(page), [])
}))

test('the admin page creates a postmortem and shows its four role links', { skip, timeout: 120_000 }, withServerLog(() => server, async () => {
  const page = await newPage({ width: 900, height: 700 })
  await page.goto(server.url(`/?token=${ADMIN_TOKEN}`))
  // The admin token leaves the address bar once read (a screen share or a
  // copied address shows none), and a reload still opens the admin page.
  await page.locator('#new-title').waitFor()
  assert.equal(page.url(), server.url('/'), 'the address bar shows no admin token')
  await page.reload()
  await page.locator('#new-title').waitFor()
  const title = 'Admin UI 作成テスト 👩‍💻'
  await page.locator('#new-title').fill(title)
  await page.locator('#create').click()

  const roles = ['facilitator', 'author', 'participant', 'viewer']
  for (const role of roles) {
    await page.locator(`a.role-link[data-role="${role}"]`).waitFor()
  }
  assert.equal(await page.locator('a.role-link').count(), 4, 'exactly four role links')
  await page.locator('#postmortems li', { hasText: title }).first().waitFor()

  // Each link opens the new postmortem with the right role.
  for (const role of roles) {
    const href = await page.locator(`a.role-link[data-role="${role}"]`).getAttribute('href')
    const url = new URL(href, server.base)
    const id = url.pathname.match(/^\/p\/([^/]+)$/)?.[1]
    assert.ok(id, `${role} link ${href} is /p/{id}`)
    const response = await fetch(server.url(`/api/postmortems/${id}`), {
      headers: { Authorization: `Bearer ${url.searchParams.get('token')}`, Connection: 'close' }
    })
    assert.equal(response.status, 200, `${role} link's token is accepted`)
    const details = await response.json()
    assert.equal(details.role, role)
    assert.equal(details.title, title)
  }
  await page.screenshot({ path: join(SCREENSHOTS, 'admin.png'), fullPage: true })
  assert.deepEqual(pageErrors(page), [], 'no uncaught page errors')
}))
