// Headless Chromium against the real server and the built web bundle: a
// draft imported from Markdown on the admin home, published, found in the
// library by a Japanese word and a middleware, opened read-only; the
// insights page draws the meeting's phases in both languages.
//
// Needs web/dist (cargo xtask build-web) and Chromium, like browser.test.mjs.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { withServerLog, SCREENSHOTS, ADMIN_TOKEN, WAIT_MS, browserSuite, skipBrowser } from './helpers.mjs'

const skip = skipBrowser() ? 'CASEBOOK_SKIP_BROWSER=1' : false

let server
let browser
const cleanups = []

browserSuite(cleanups, (s, b) => { server = s; browser = b })

async function newPage () {
  const context = await browser.newContext({ viewport: { width: 1000, height: 900 }, locale: 'en-US' })
  cleanups.push(() => context.close())
  const page = await context.newPage()
  page.setDefaultTimeout(WAIT_MS)
  page.errors = []
  page.on('pageerror', (e) => page.errors.push(`pageerror: ${e.message}`))
  return page
}

async function api (method, path, token, body) {
  const response = await fetch(server.url(path), {
    method,
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', Connection: 'close' },
    body: body && JSON.stringify(body)
  })
  const text = await response.text()
  return { status: response.status, body: text.startsWith('{') || text.startsWith('[') ? JSON.parse(text) : text }
}

const DRAFT = `# 決済障害 Checkout outage

## 概要
決済が40分間止まり、切り戻しで復旧した。

タグ: 決済, database

## System overview
Purpose: payments
Design: three web servers
Middleware: MySQL 8 on EC2, Redis

## タイムライン
- 14:05 failover 😀
`

test('import on the admin home, publish, find it in the library, read it; insights draw the phases', { skip, timeout: 180_000 }, withServerLog(() => server, async () => {
  // Import: paste Markdown into the admin home's form.
  const admin = await newPage()
  await admin.goto(server.url(`/?token=${ADMIN_TOKEN}`))
  await admin.locator('#import-markdown').fill(DRAFT)
  await admin.locator('#import-submit').click()
  await admin.locator('#import a.role-link[data-role="facilitator"]').waitFor()
  const link = new URL(await admin.locator('#import a.role-link[data-role="facilitator"]').getAttribute('href'), server.base)
  const id = link.pathname.split('/').pop()
  const facilitator = link.searchParams.get('token')
  const viewer = new URL(await admin.locator('#import a.role-link[data-role="viewer"]').getAttribute('href'), server.base).searchParams.get('token')
  await admin.locator('#postmortems li', { hasText: '決済障害 Checkout outage' }).first().waitFor()
  await admin.screenshot({ path: join(SCREENSHOTS, 'import.png'), fullPage: true })

  const exported = await api('GET', `/api/postmortems/${id}/export.md`, viewer)
  assert.equal(exported.status, 200)
  assert.match(exported.body, /## Summary\n\n決済が40分間止まり、切り戻しで復旧した。/)
  assert.match(exported.body, /## Timeline\n\n- 14:05 failover 😀/)

  // Publish through the API (the meeting itself is tested elsewhere).
  for (const to of ['silent_reading', 'q_and_a', 'proposals', 'kudos', 'revision', 'published']) {
    const body = { command_id: `m-${to}`, type: 'move_phase', to }
    if (to === 'published') body.override_reason = 'browser test: sections left empty on purpose'
    const r = await api('POST', `/api/postmortems/${id}/commands`, facilitator, body)
    assert.equal(r.status, 200, `${to}: ${JSON.stringify(r.body)}`)
    if (to === 'proposals') {
      const item = { command_id: 'ai-1', type: 'add_action_item', title: 'フェイルオーバー訓練', owner: 'SRE 佐藤', due: '2026-12-24' }
      const added = await api('POST', `/api/postmortems/${id}/commands`, facilitator, item)
      assert.equal(added.status, 200, JSON.stringify(added.body))
    }
  }

  // The library: search by a Japanese word, filter by a middleware.
  const reader = await newPage()
  await reader.goto(server.url(`/library?token=${encodeURIComponent(viewer)}`))
  await reader.locator('#library-results li').first().waitFor()
  assert.equal(reader.url(), server.url('/library'), 'the address bar shows no token')
  await reader.locator('#library-q').fill('切り戻し')
  await reader.locator('#library-search').click()
  await reader.locator(`#library-results li[data-id="${id}"]`).waitFor()
  await reader.locator('#library-q').fill('kubernetes')
  await reader.locator('#library-search').click()
  await reader.locator('#library-none').waitFor()
  await reader.locator('#library-q').fill('')
  await reader.locator('#library-service').selectOption({ label: 'MySQL (1)' })
  await reader.locator(`#library-results li[data-id="${id}"]`).waitFor()
  assert.equal(await reader.locator('#library-results > li').count(), 1)
  // The case's action items, folded under their count.
  const actions = reader.locator(`#library-results li[data-id="${id}"] details.library-actions`)
  assert.equal(await actions.locator('summary').textContent(), '1 action item (0 done)')
  await actions.locator('summary').click()
  assert.equal(await actions.locator('li[data-status="open"]').textContent(), 'フェイルオーバー訓練 — SRE 佐藤 · Due 2026-12-24 · Open')
  await reader.screenshot({ path: join(SCREENSHOTS, 'library.png'), fullPage: true })

  // It opens read-only: the published page, no editor.
  const href = await reader.locator(`#library-results li[data-id="${id}"] a.case-title`).getAttribute('href')
  const page = await newPage()
  await page.goto(new URL(href, server.base).toString())
  await page.locator('h1', { hasText: '決済障害 Checkout outage' }).waitFor()
  assert.ok((await page.content()).includes('切り戻しで復旧した'))
  assert.equal(await page.locator('textarea').count(), 0, 'the read link has no editor')

  // Insights: one card per meeting, four phase bars, Japanese labels.
  const insights = await newPage()
  await insights.goto(server.url(`/insights?token=${ADMIN_TOKEN}`))
  const card = insights.locator(`.meeting-insights[data-id="${id}"]`)
  await card.waitFor()
  assert.equal(insights.url(), server.url('/insights'), 'the address bar shows no admin token')
  assert.equal(await card.locator('g.phase-bar').count(), 4)
  await insights.locator('#insights-trend svg').first().waitFor()
  await insights.locator('.lang-switch button', { hasText: '日本語' }).click()
  await card.locator('text', { hasText: '黙読' }).waitFor()
  await insights.screenshot({ path: join(SCREENSHOTS, 'insights.png'), fullPage: true })

  for (const p of [admin, reader, page, insights]) {
    assert.deepEqual(p.errors, [], 'no uncaught page errors')
  }
}))

test('every page loads its bundle compressed (brotli or gzip), with the right types, and works', { skip, timeout: 120_000 }, withServerLog(() => server, async () => {
  const pm = await server.createPostmortem('Compressed bundle')
  const wasmOf = {}
  const pages = [
    { path: `/?token=${ADMIN_TOKEN}`, ready: '#new-title' },
    { path: `/p/${pm.id}?token=${encodeURIComponent(pm.tokens.author)}`, ready: '#connection[data-state="synced"]' },
    { path: `/library?token=${encodeURIComponent(pm.tokens.viewer)}`, ready: '#library-q' },
    { path: `/insights?token=${ADMIN_TOKEN}`, ready: '#insights-trend' }
  ]
  for (const { path, ready } of pages) {
    const page = await newPage()
    page.on('console', (m) => { if (m.type() === 'error') page.errors.push(`console: ${m.text()}`) })
    await page.context().addInitScript(() => localStorage.setItem('casebook.name', 'Bundle reader'))
    const assets = []
    page.on('response', (r) => { if (new URL(r.url()).pathname.startsWith('/v/')) assets.push(r) })
    await page.goto(server.url(path))
    await page.locator(ready).first().waitFor()
    const kinds = {}
    for (const r of assets) {
      const headers = await r.allHeaders()
      const name = new URL(r.url()).pathname
      assert.equal(r.status(), 200, name)
      // Chromium asks for br on localhost (a secure context), gzip elsewhere.
      assert.match(headers['content-encoding'] ?? '', /^(br|gzip)$/, `${name} is sent compressed`)
      assert.match(headers.vary ?? '', /accept-encoding/i, name)
      assert.ok(headers['last-modified'], `${name} keeps Last-Modified`)
      // A published build's file never changes: kept without asking again.
      assert.equal(headers['cache-control'], 'public, max-age=31536000, immutable', name)
      const kind = name.endsWith('.wasm') ? 'wasm' : name.endsWith('.css') ? 'css' : 'js'
      const type = { wasm: 'application/wasm', css: 'text/css', js: 'text/javascript' }[kind]
      assert.equal(headers['content-type'].split(';')[0], type, name)
      // Chromium decodes it: the body is the module itself.
      const body = await r.body()
      if (kind === 'wasm') assert.deepEqual([...body.subarray(0, 4)], [0, 0x61, 0x73, 0x6d], `${name} decodes to a wasm module`)
      kinds[kind] = name
    }
    assert.ok(kinds.wasm && kinds.js && kinds.css, `${path} loaded a wasm module, its JS and the style sheets: ${JSON.stringify(kinds)}`)
    // Loaded again (a returning visitor): the page is asked for, none of
    // the build's files are.
    const cdp = await page.context().newCDPSession(page)
    await cdp.send('Network.enable')
    const fromNetwork = []
    const fromCache = new Set()
    cdp.on('Network.requestServedFromCache', ({ requestId }) => fromCache.add(requestId))
    const seen = []
    cdp.on('Network.responseReceived', ({ requestId, response }) => seen.push({ requestId, response }))
    await page.reload()
    await page.locator(ready).first().waitFor()
    await page.waitForTimeout(300)
    for (const { requestId, response } of seen) {
      const name = new URL(response.url).pathname
      if (name.startsWith('/v/') && !response.fromDiskCache && !fromCache.has(requestId)) fromNetwork.push(`${name} ${response.status}`)
    }
    assert.deepEqual(fromNetwork, [], `${path} loaded again asks the server for none of the build's files`)
    assert.ok(seen.some(({ response }) => response.mimeType === 'text/html' && !response.fromDiskCache), `${path}: the page itself is asked for again`)
    wasmOf[path.split('?')[0].startsWith('/p/') ? 'document' : path.split('?')[0]] = kinds.wasm
    assert.deepEqual(page.errors, [], `no uncaught page errors on ${path}`)
  }
  // One bundle for the postmortem page, another shared by the admin pages.
  assert.equal(wasmOf['/'], wasmOf['/library'])
  assert.equal(wasmOf['/'], wasmOf['/insights'])
  assert.notEqual(wasmOf.document, wasmOf['/'], 'the postmortem page has its own bundle')
}))
