// Headless Chromium against the real server and the built web bundle:
// "two headless Chromium tabs type into the same document and both show the
// merged text", plus the admin page that creates a postmortem.
//
// Needs web/dist (cargo xtask build-web) and Chromium (apt-get install -y
// chromium chromium-driver). Without Chromium these tests FAIL, unless
// CASEBOOK_SKIP_BROWSER=1 is set.

import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import {
  withServerLog,
  HERE, ADMIN_TOKEN, WAIT_MS, Server, connectClient, waitFor, launchChromium, webDir, skipBrowser
} from './helpers.mjs'

const SCREENSHOTS = join(HERE, 'screenshots')
const skip = skipBrowser() ? 'CASEBOOK_SKIP_BROWSER=1' : false

let server
let browser
const cleanups = []

before(async () => {
  if (skip) return
  // Fail clearly (not skip) when a prerequisite is missing.
  const index = join(webDir(), 'index.html')
  if (!existsSync(index)) {
    throw new Error(`${index} is missing: build the web bundle with \`cargo xtask build-web\` (or set CASEBOOK_WEB_DIR)`)
  }
  browser = await launchChromium()
  server = await Server.start()
  mkdirSync(SCREENSHOTS, { recursive: true })
})

after(async () => {
  for (const cleanup of cleanups.reverse()) {
    try { await cleanup() } catch {}
  }
  if (browser) await browser.close().catch(() => {})
  if (server) {
    await server.stop()
  }
})

/** A page in its own browser context (own localStorage, so its own name),
 * with console errors and page errors collected for failure messages. */
async function newPage () {
  const context = await browser.newContext({ viewport: { width: 900, height: 700 }, locale: 'en-US' })
  cleanups.push(() => context.close())
  const page = await context.newPage()
  page.setDefaultTimeout(WAIT_MS)
  page.errors = []
  page.on('pageerror', (e) => page.errors.push(`pageerror: ${e.message}`))
  page.on('console', (m) => { if (m.type() === 'error') page.errors.push(`console: ${m.text()}`) })
  return page
}

/** Opens a role link, answers the display-name prompt, waits until synced. */
async function joinAs (page, link, name) {
  await page.goto(link)
  const nameInput = page.locator('#display-name')
  // The name prompt comes first (if the app asks for it).
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

const bodyValue = (page) => page.locator('#body').inputValue()
const presenceText = (page) => page.locator('#presence').innerText()

/** Places both screenshots side by side in one image. */
async function sideBySide (pngA, pngB, path) {
  const page = await newPage()
  const img = (png) => `<img style="border:1px solid #888;width:900px" src="data:image/png;base64,${png.toString('base64')}">`
  await page.setViewportSize({ width: 1830, height: 720 })
  await page.setContent(`<body style="margin:4px;display:flex;gap:8px;background:#ddd">${img(pngA)}${img(pngB)}</body>`)
  await page.screenshot({ path, fullPage: true })
}

test('two headless Chromium tabs type into the same document and both show the merged text', { skip, timeout: 120_000 }, withServerLog(() => server, async () => {
  const pm = await server.createPostmortem('Browser two tabs 二つのタブ')
  // Seed text, so "start" and "end" are distinct places and the two typed
  // runs cannot interleave character by character.
  const SEED = '[初稿 seed]'
  const raw = connectClient(server, pm.id, pm.tokens.author)
  cleanups.push(() => raw.destroy())
  await raw.synced()
  raw.body.insert(0, SEED)

  const [a, b] = [await newPage(), await newPage()]
  await Promise.all([
    joinAs(a, pm.links.participant, 'Aiko 藍子'),
    joinAs(b, pm.links.participant, 'Ben')
  ])
  for (const page of [a, b]) {
    await waitFor(async () => (await bodyValue(page)) === SEED, {
      what: 'the seed text in the textarea', describe: () => page.errors.join('\n')
    })
  }

  // Page A types at the end, page B at the start, at the same time.
  const TYPED_A = 'Hello from A 障害 '
  const TYPED_B = 'and B 😀'
  await a.locator('#body').click()
  await a.keyboard.press('Control+End')
  await b.locator('#body').click()
  await b.keyboard.press('Control+Home')
  await Promise.all([
    a.keyboard.type(TYPED_A, { delay: 40 }),
    b.keyboard.type(TYPED_B, { delay: 40 })
  ])

  // Both textareas show the same merged text, with both inserts intact.
  const expected = TYPED_B + SEED + TYPED_A
  let last = []
  await waitFor(async () => {
    last = [await bodyValue(a), await bodyValue(b)]
    return last[0] === last[1] && last[0].includes(TYPED_A) && last[0].includes(TYPED_B)
  }, { what: 'both tabs to show the merged text', describe: () => JSON.stringify(last) + '\n' + [...a.errors, ...b.errors].join('\n') })
  assert.equal(last[0], expected, 'B typed at the start, A at the end, seed between')

  // Each tab lists both people.
  for (const page of [a, b]) {
    await waitFor(async () => {
      const names = await presenceText(page)
      return names.includes('Aiko 藍子') && names.includes('Ben')
    }, { what: 'both names in #presence', describe: () => 'see screenshot' })
  }

  // A raw Yjs client sees the same body: the browser speaks the real protocol.
  await waitFor(() => raw.text() === expected, {
    what: 'the raw Yjs client to see the merged text', describe: () => JSON.stringify(raw.text())
  })

  const [pngA, pngB] = [await a.screenshot({ path: join(SCREENSHOTS, 'tab-a.png') }),
    await b.screenshot({ path: join(SCREENSHOTS, 'tab-b.png') })]
  await sideBySide(pngA, pngB, join(SCREENSHOTS, 'two-tabs.png'))
  assert.deepEqual([...a.errors, ...b.errors].filter((e) => e.startsWith('pageerror')), [], 'no uncaught page errors')
}))

test('the admin page creates a postmortem and shows its four role links', { skip, timeout: 120_000 }, withServerLog(() => server, async () => {
  const page = await newPage()
  await page.goto(server.url(`/?token=${ADMIN_TOKEN}`))
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
  assert.deepEqual(page.errors.filter((e) => e.startsWith('pageerror')), [], 'no uncaught page errors')
}))
