// The meeting UI's and the case panel's modules (v/{build}/document/*.wasm,
// fetched after the postmortem page has synced; web/src/meeting/split.rs)
// when the network fails them: the page says so in the phase bar's place,
// the document stays editable, and the meeting UI and the readiness
// checklist come once the modules can be fetched again, without a reload. In headless Chromium against the real server and the
// built web bundle; the failure is `page.route` aborting the module
// requests. The rendered sections (Markdown) are a module of their own too:
// until it comes, a reader in silent reading is shown each section's
// Markdown as plain text. Screenshots:
// screenshots/lazy-meeting-failed-{en-laptop,ja-phone}.png,
// lazy-rendering-{waiting,loaded}.png. Also: a page left open across a
// deploy keeps loading its own build's modules (build-web publishes each
// build under v/{hash}/).
//
// Needs web/dist (cargo xtask build-web) and Chromium (see browser.test.mjs).

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, unlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  withServerLog, waitFor, browserSuite, skipBrowser, newContext, newPage, connectClient,
  screenshot, expectPhase, seed, commandOk, LAPTOP, PHONE, Server, webDir
} from './helpers.mjs'

const skip = skipBrowser() ? 'CASEBOOK_SKIP_BROWSER=1' : false

let server
let browser
const cleanups = []

browserSuite(cleanups, (s, b) => { server = s; browser = b })

/** A page whose requests for the meeting's modules (those whose file name
 * matches `only`, else all) fail (aborted, as a dropped connection) while
 * `failing.now` is true; counts the aborts. */
async function pageWithFailingModules ({ viewport, locale, only = /./ }) {
  const context = await newContext(browser, cleanups, { viewport, locale })
  // The failed fetches are logged to the console by the modules' loader:
  // expected here. Uncaught page errors are still collected.
  const page = await newPage(context, { consoleErrors: false })
  const failing = { now: true, aborted: 0 }
  await page.route(/\/v\/[0-9a-f]+\/document\/[^/]+\.wasm$/, (route) => {
    if (!failing.now || !only.test(new URL(route.request().url()).pathname)) return route.continue()
    failing.aborted += 1
    return route.abort('failed')
  })
  return { page, failing }
}

/** What the server's copy of the draft says in `section`. */
async function serverText (pm, section) {
  const reader = connectClient(server, pm.id, pm.tokens.viewer)
  try {
    await reader.synced()
    return reader.doc.getText(`section:${section}`).toString()
  } finally {
    reader.destroy()
  }
}

const NOTICE = '.meeting-load-failed'

for (const { who, viewport, locale, text, notice } of [
  {
    who: 'a facilitator on a laptop in English',
    viewport: LAPTOP,
    locale: 'en-US',
    text: 'Checkout latency rose to 4 s while the primary failed over.',
    notice: /Loading the meeting panel failed — retrying/
  },
  {
    who: 'a facilitator on a phone in Japanese',
    viewport: PHONE,
    locale: 'ja-JP',
    text: 'プライマリのフェイルオーバー中に決済の遅延が4秒まで悪化した。',
    notice: /会議パネルを読み込めませんでした。再試行しています/
  }
]) {
  test(`${who}: a meeting module that fails to load is retried, and the document stays editable meanwhile`, { skip }, withServerLog(() => server, async () => {
    const pm = await server.createPostmortem('Lazy modules 読み込み失敗')
    const { page, failing } = await pageWithFailingModules({ viewport, locale })
    await page.goto(pm.links.facilitator)
    await page.locator('#display-name').fill(locale === 'ja-JP' ? '佐藤' : 'Sam')
    await page.locator('#join').click()
    await page.locator('#connection[data-state="synced"]').waitFor()

    // The modules fail: a notice in the phase bar's place, in the page's
    // language, and the page keeps trying (more than one attempt).
    await page.locator(NOTICE).waitFor()
    assert.match(await page.locator(NOTICE).textContent(), notice)
    assert.equal(await page.locator('#phase-bar').count(), 0)
    assert.equal(await page.locator('#readiness').count(), 0)
    await waitFor(() => failing.aborted >= 4, { what: 'the modules asked for again after failing' })

    // Typing meanwhile is kept: on the page and on the server.
    await page.locator('#text-summary').fill(text)
    await waitFor(async () => (await serverText(pm, 'summary')) === text, { what: 'the summary on the server' })
    await page.evaluate(() => window.scrollTo(0, 0)) // the notice is at the top
    await screenshot(page, `lazy-meeting-failed-${locale === 'ja-JP' ? 'ja-phone' : 'en-laptop'}`)

    // The network is back: the meeting UI comes without a reload, the notice
    // goes, and the bar works (Next moves the phase).
    failing.now = false
    await page.locator('#phase-bar').waitFor()
    await page.locator('.meeting-sidebar').waitFor()
    await page.locator('#readiness').waitFor()
    await waitFor(async () => (await page.locator(NOTICE).count()) === 0, { what: 'the notice gone' })
    await expectPhase([page], 'drafting')
    await page.locator('#phase-next').click()
    await expectPhase([page], 'silent_reading')
    assert.equal(await page.locator('#text-summary').inputValue(), text)
    assert.equal(await serverText(pm, 'summary'), text)
    assert.deepEqual(page.errors, [], 'no uncaught errors (a failed load used to trap the wasm module)')
  }))
}

test('a reader in silent reading is shown the Markdown as plain text until the rendering module comes, then the rendered section', { skip }, withServerLog(() => server, async () => {
  const pm = await server.createPostmortem('Lazy rendering 描画モジュール')
  const summary = '決済APIの**p99**が4秒に 🔥\n\n- primary failed over\n- <script>alert(1)</script> stays text'
  await seed(server, pm, { summary })
  await commandOk(server, pm, pm.tokens.facilitator, { type: 'move_phase', to: 'silent_reading' })
  // Only the rendering module fails: the meeting UI (which shows the
  // sections rendered in silent reading) comes.
  const { page, failing } = await pageWithFailingModules({ viewport: LAPTOP, locale: 'ja-JP', only: /split_rendered_section/ })
  page.on('dialog', () => assert.fail('a dialog opened: the Markdown ran as HTML'))
  await page.goto(pm.links.participant)
  await page.locator('#display-name').fill('Ben')
  await page.locator('#join').click()
  await page.locator('#connection[data-state="synced"]').waitFor()

  // Waiting for the module: the Markdown, exactly, as text; the editor is
  // not shown (silent reading), and nothing is rendered yet.
  const waiting = page.locator('#sec-summary .preview-loading')
  await waiting.waitFor()
  await waitFor(() => failing.aborted >= 2, { what: 'the modules asked for again after failing' })
  assert.equal(await waiting.textContent(), summary)
  assert.equal(await page.locator('#sec-summary .reading').count(), 0)
  assert.equal(await page.locator('#sec-summary script').count(), 0)
  assert.equal(await page.locator('#text-summary').isVisible(), false)
  // An empty section says so, as the rendered one does.
  assert.equal(await page.locator('#sec-system .preview-loading').getAttribute('data-empty'), 'まだ何も書かれていません。')
  await screenshot(page, 'lazy-rendering-waiting')

  // The module comes: the section rendered, the stand-in gone.
  failing.now = false
  const rendered = page.locator('#sec-summary .reading')
  await rendered.locator('strong', { hasText: 'p99' }).waitFor()
  assert.equal(await rendered.locator('li').count(), 2)
  assert.match(await rendered.locator('li').nth(1).textContent(), /<script>alert\(1\)<\/script> stays text/)
  assert.equal(await page.locator('#sec-summary script').count(), 0)
  assert.equal(await page.locator('#sec-summary .preview-loading').count(), 0)
  assert.equal(await page.locator('#text-summary').inputValue(), summary)
  await screenshot(page, 'lazy-rendering-loaded')
  assert.deepEqual(page.errors, [])
}))

test('a page open across a deploy loads its own build\'s modules, not the new build\'s; a reload gets the new build', { skip }, async () => {
  // A copy of the built bundle, deployed over while a page is open.
  const dist = mkdtempSync(join(tmpdir(), 'casebook-deploy-'))
  cpSync(webDir(), dist, { recursive: true })
  const deployed = await Server.start({ web: dist })
  cleanups.push(() => deployed.stop(), () => rmSync(dist, { recursive: true, force: true }))
  await withServerLog(() => deployed, async () => {
    const pm = await deployed.createPostmortem('Deploy 配備')
    const { page, failing } = await pageWithFailingModules({ viewport: LAPTOP, locale: 'en-US' })
    const asked = []
    page.on('request', (r) => { const path = new URL(r.url()).pathname; if (path.startsWith('/v/')) asked.push(path) })
    await page.goto(pm.links.facilitator)
    await page.locator('#display-name').fill('Dee')
    await page.locator('#join').click()
    await page.locator('#connection[data-state="synced"]').waitFor()
    await page.locator(NOTICE).waitFor() // its meeting modules not loaded yet

    // The deploy: a new build (its modules do not fit the code this page
    // runs; here they are not even wasm) and the pages pointing at it.
    const html = readFileSync(join(dist, 'document.html'), 'utf8')
    const running = html.match(/\/v\/([0-9a-f]+)\//)[1]
    const next = 'feedfacefeedface'
    cpSync(join(dist, 'v', running), join(dist, 'v', next), { recursive: true })
    const modules = join(dist, 'v', next, 'document')
    for (const file of readdirSync(modules)) {
      if (file.endsWith('.wasm')) writeFileSync(join(modules, file), 'another build')
      else unlinkSync(join(modules, file)) // the .gz / .br copies
    }
    writeFileSync(join(dist, 'document.html'), html.replaceAll(`/v/${running}/`, `/v/${next}/`))
    asked.length = 0

    // The network is back: the open page's modules come from its own build.
    failing.now = false
    await page.locator('#phase-bar').waitFor()
    await page.locator('.meeting-sidebar').waitFor()
    await page.locator('#readiness').waitFor()
    await page.locator('#phase-next').click()
    await expectPhase([page], 'silent_reading')
    const modulesAsked = asked.filter((path) => path.includes('/document/'))
    assert.ok(modulesAsked.length >= 3, JSON.stringify(asked))
    assert.deepEqual(modulesAsked.filter((path) => !path.startsWith(`/v/${running}/`)), [])
    assert.deepEqual(page.errors, [])

    // A reload is the new build's page.
    asked.length = 0
    await page.reload()
    await page.locator('#connection[data-state="synced"]').waitFor()
    assert.ok(asked.includes(`/v/${next}/casebook_document.js`), JSON.stringify(asked))
    assert.deepEqual(asked.filter((path) => path.startsWith(`/v/${running}/`)), [])
  })()
})
