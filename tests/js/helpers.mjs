// Shared support for Casebook's JS end-to-end tests (mirrors tests/src/lib.rs):
// the real `casebook` binary on a free loopback port with a fresh temp data
// directory, a reference y-websocket client, polling waits, and headless
// Chromium through playwright-core.
//
// Environment:
//   CASEBOOK_BIN          server binary        (default ../../target/debug/casebook)
//   CASEBOOK_WEB_DIR      built browser bundle (default ../../web/dist)
//   CASEBOOK_LOG          server log filter    (default: debug for casebook crates)
//   CHROMIUM              browser executable   (default /usr/bin/chromium)
//   CASEBOOK_SKIP_BROWSER=1  skip browser tests instead of failing without Chromium
//   CASEBOOK_TEST_VERBOSE=1  echo the server's log to stderr live

import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, rmSync, createWriteStream, readFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { before, after } from 'node:test'
import * as Y from 'yjs'
import { WebsocketProvider } from 'y-websocket'
import WebSocket from 'ws'

export const HERE = dirname(fileURLToPath(import.meta.url))
export const ADMIN_TOKEN = 'js-test-admin-token'
/** Generous default for every wait: CI is a shared 2-core machine. */
export const WAIT_MS = 20_000

export const casebookBin = () =>
  resolve(process.env.CASEBOOK_BIN || join(HERE, '../../target/debug/casebook'))
export const webDir = () =>
  resolve(process.env.CASEBOOK_WEB_DIR || join(HERE, '../../web/dist'))
export const chromiumPath = () => process.env.CHROMIUM || '/usr/bin/chromium'
export const skipBrowser = () => process.env.CASEBOOK_SKIP_BROWSER === '1'

/** A free loopback port (bind to 0, read it, release it). */
export function freePort () {
  return new Promise((resolvePort, reject) => {
    const probe = createServer()
    probe.unref()
    probe.on('error', reject)
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address()
      probe.close(() => resolvePort(port))
    })
  })
}

/** Polls `check` (sync or async) until it returns a truthy value; returns it.
 * On timeout throws with `describe()`'s output, to show what was seen last. */
export async function waitFor (check, { timeout = WAIT_MS, interval = 50, what = 'condition', describe } = {}) {
  const deadline = Date.now() + timeout
  let lastError
  for (;;) {
    try {
      const value = await check()
      if (value) return value
      lastError = undefined
    } catch (e) {
      lastError = e
    }
    if (Date.now() > deadline) {
      let seen = ''
      try { seen = describe ? `; last seen: ${describe()}` : '' } catch {}
      throw new Error(`timed out after ${timeout} ms waiting for ${what}${seen}` +
        (lastError ? `; last error: ${lastError.stack || lastError}` : ''))
    }
    await new Promise((resolveTick) => setTimeout(resolveTick, interval))
  }
}

// Every server still running when the process exits gets SIGKILL, so a
// crashed or interrupted test never leaves one behind.
const running = new Set()
process.on('exit', () => {
  for (const child of running) {
    try { child.kill('SIGKILL') } catch {}
  }
})

/** A running `casebook serve` on its own temp data directory. `extraArgs`
 * is a list of flags, or a function of the server's base URL that gives
 * them (for flags that name the server's own address). `port` is a free
 * one unless given (to start a killed server again where its pages are). */
export class Server {
  static async start ({ extraArgs = [], web = webDir(), port } = {}) {
    const bin = casebookBin()
    if (!existsSync(bin)) {
      throw new Error(`${bin} is missing: build it with \`cargo build -p casebook-server\` (or set CASEBOOK_BIN)`)
    }
    const server = new Server()
    server.temp = mkdtempSync(join(tmpdir(), 'casebook-js-'))
    server.dataDir = join(server.temp, 'data')
    server.logPath = join(server.temp, 'server.log')
    server.port = port ?? await freePort()
    server.base = `http://127.0.0.1:${server.port}`
    const logFile = createWriteStream(server.logPath)
    const child = spawn(bin, [
      'serve',
      '--bind', `127.0.0.1:${server.port}`,
      '--data-dir', server.dataDir,
      '--web-dir', web,
      ...(typeof extraArgs === 'function' ? extraArgs(server.base) : extraArgs)
    ], {
      env: {
        ...process.env,
        CASEBOOK_ADMIN_TOKEN: ADMIN_TOKEN,
        NO_COLOR: '1', // plain server log lines in failure messages
        CASEBOOK_LOG: process.env.CASEBOOK_LOG || 'casebook=debug,casebook_server=debug,info'
      },
      // tracing logs to stdout; panics go to stderr: keep both.
      stdio: ['ignore', 'pipe', 'pipe']
    })
    server.child = child
    running.add(child)
    for (const stream of [child.stdout, child.stderr]) {
      stream.on('data', (chunk) => {
        logFile.write(chunk)
        if (process.env.CASEBOOK_TEST_VERBOSE === '1') process.stderr.write(chunk)
      })
    }
    child.on('exit', (code, signal) => {
      running.delete(child)
      server.exited = { code, signal }
    })
    try {
      await waitFor(async () => {
        if (server.exited) throw new Error(`casebook exited early: ${JSON.stringify(server.exited)}`)
        const r = await fetch(server.url('/healthz'), { headers: { Connection: 'close' } }).catch(() => null)
        return r && r.status === 200
      }, { what: 'GET /healthz = 200', interval: 50 })
    } catch (e) {
      await server.stop()
      throw new Error(`casebook did not become healthy: ${e.message}\nserver log:\n${server.log()}`)
    }
    return server
  }

  url (path) { return `${this.base}${path}` }
  /** Base URL for `new WebsocketProvider(base, id, …)`. */
  get wsBase () { return `ws://127.0.0.1:${this.port}/sync` }

  /** The server's output so far (for failure messages and reports). */
  log () {
    try { return readFileSync(this.logPath, 'utf8') } catch { return '' }
  }

  /** POST /api/postmortems as admin; returns {id, title, tokens, links}. */
  async createPostmortem (title) {
    const response = await fetch(this.url('/api/postmortems'), {
      method: 'POST',
      headers: { Authorization: `Bearer ${ADMIN_TOKEN}`, 'Content-Type': 'application/json', Connection: 'close' },
      body: JSON.stringify({ title })
    })
    const text = await response.text()
    if (response.status !== 201) throw new Error(`create answered ${response.status}: ${text}`)
    return JSON.parse(text)
  }

  /** Kills the server (SIGKILL) and removes its data directory. Idempotent. */
  async stop () {
    if (this.child && !this.exited) await killAndWait(this.child)
    if (this.temp && process.env.CASEBOOK_KEEP_DATA !== '1') {
      rmSync(this.temp, { recursive: true, force: true })
      this.temp = undefined
    }
  }
}

/** A reference y-websocket client: its own Y.Doc and WebsocketProvider. */
export function connectClient (server, id, token, opts = {}) {
  const doc = new Y.Doc()
  const provider = new WebsocketProvider(server.wsBase, id, doc, {
    WebSocketPolyfill: WebSocket,
    params: { token },
    // Node 20 has a global BroadcastChannel: without this, providers in one
    // process would sync with each other without the server.
    disableBc: true,
    ...opts
  })
  const body = doc.getText('body')
  const closes = []
  provider.on('connection-close', (event) => {
    if (event) closes.push({ code: event.code, reason: event.reason })
  })
  return {
    doc,
    provider,
    body,
    /** Close codes the server sent to this client. */
    closes,
    text: () => body.toString(),
    synced: () => waitForSynced(provider),
    destroy () {
      provider.destroy()
      doc.destroy()
    }
  }
}

/** Resolves once the provider has received the server's sync step 2. */
export function waitForSynced (provider, timeout = WAIT_MS) {
  if (provider.synced) return Promise.resolve()
  return new Promise((resolveSync, reject) => {
    const timer = setTimeout(() => {
      provider.off('sync', onSync)
      reject(new Error(`provider for ${provider.url} not synced within ${timeout} ms`))
    }, timeout)
    const onSync = (state) => {
      if (!state) return
      clearTimeout(timer)
      provider.off('sync', onSync)
      resolveSync()
    }
    provider.on('sync', onSync)
  })
}

/** Seeded PRNG (mulberry32): the edit choices come from the seed (remote
 * timing still varies, so the seed narrows a failure down rather than replaying it). */
export function prng (seed) {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** UTF-16 offsets of the grapheme boundaries of `text` (0 and length included),
 * so edits never split a surrogate pair or a ZWJ sequence. */
export function graphemeBoundaries (text) {
  const out = [0]
  for (const { index, segment } of new Intl.Segmenter('en', { granularity: 'grapheme' }).segment(text)) {
    out.push(index + segment.length)
  }
  return out
}

/** True if `text` contains a lone (unpaired) surrogate. */
export const hasLoneSurrogate = (text) =>
  /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(text)

/** Launches headless Chromium via playwright-core, or throws a clear error. */
export async function launchChromium () {
  const executablePath = chromiumPath()
  if (!existsSync(executablePath)) {
    throw new Error(`Chromium not found at ${executablePath}: install it (apt-get install -y chromium chromium-driver), ` +
      'set CHROMIUM=/path/to/chromium, or set CASEBOOK_SKIP_BROWSER=1 to skip the browser tests')
  }
  const { chromium } = await import('playwright-core')
  return chromium.launch({
    executablePath,
    headless: true,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'
    ]
  })
}

/** Where browser tests save their screenshots. */
export const SCREENSHOTS = join(HERE, 'screenshots')

/** The before/after of a browser test file. Before: fails clearly (not
 * skips) when the web bundle is not built, launches Chromium, starts a
 * server, makes the screenshots folder and hands server and browser to
 * `ready(server, browser)`. After: runs `cleanups` newest first, closes the
 * browser and stops the server. Nothing runs when CASEBOOK_SKIP_BROWSER=1. */
export function browserSuite (cleanups, ready) {
  let server
  let browser
  before(async () => {
    if (skipBrowser()) return
    const index = join(webDir(), 'index.html')
    if (!existsSync(index)) {
      throw new Error(`${index} is missing: build the web bundle with \`cargo xtask build-web\` (or set CASEBOOK_WEB_DIR)`)
    }
    browser = await launchChromium()
    server = await Server.start()
    mkdirSync(SCREENSHOTS, { recursive: true })
    ready(server, browser)
  })
  after(async () => {
    for (const cleanup of cleanups.reverse()) {
      try { await cleanup() } catch {}
    }
    if (browser) await browser.close().catch(() => {})
    if (server) await server.stop()
  })
}

/** Runs a test body; on failure appends the tail of the server's log to the
 * error, so a CI failure shows what the server saw. */
export function withServerLog (getServer, body) {
  return async (t) => {
    try {
      await body(t)
    } catch (e) {
      const log = getServer()?.log() || ''
      const tail = log.split('\n').slice(-80).join('\n')
      if (e && typeof e === 'object') {
        e.message = `${e.message}\n--- casebook log (last 80 lines) ---\n${tail}`
      }
      throw e
    }
  }
}

// ---- Browser-page helpers shared by the meeting tests ----

/** Viewport sizes the browser tests use: a laptop and a 390×844 phone. */
export const LAPTOP = { width: 1280, height: 860 }
export const PHONE = { width: 390, height: 844 }

/** A browser context of its own (own storage, so its own person), closed
 * by pushing onto `cleanups`. `clipboardOrigin` grants clipboard access there. */
export async function newContext (browser, cleanups, { viewport = LAPTOP, locale = 'en-US', hasTouch = false, clipboardOrigin } = {}) {
  const context = await browser.newContext({ viewport, locale, hasTouch })
  cleanups.push(() => context.close())
  if (clipboardOrigin) await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: clipboardOrigin })
  return context
}

/** A new page in `context` with the default timeout, its errors collected in
 * `page.errors` (uncaught page errors, and console errors unless
 * `consoleErrors` is false), and the server's 5xx answers in
 * `page.serverErrors` (method, path and status: the console's "Failed to
 * load resource" does not say which request it was). */
export async function newPage (context, { consoleErrors = true } = {}) {
  const page = await context.newPage()
  page.setDefaultTimeout(WAIT_MS)
  page.errors = []
  page.serverErrors = []
  page.on('response', (r) => {
    if (r.status() >= 500) {
      const url = new URL(r.url())
      page.serverErrors.push(`${r.request().method()} ${url.pathname} ${r.status()} at ${new Date().toISOString()}`)
    }
  })
  page.on('pageerror', (e) => page.errors.push(`pageerror: ${e.message}`))
  if (consoleErrors) page.on('console', (m) => { if (m.type() === 'error') page.errors.push(`console: ${m.text()}`) })
  return page
}

/** Goes to `link`, joins with display name `name` (if given: a returning
 * person has none to give), and waits until synced and, unless `phaseBar`
 * is false, the phase bar is shown. */
export async function joinMeeting (page, link, name, { phaseBar = true } = {}) {
  await page.goto(link)
  if (name) {
    await page.locator('#display-name').fill(name)
    await page.locator('#join').click()
  }
  await page.locator('#connection[data-state="synced"]').waitFor()
  if (phaseBar) {
    // The meeting UI comes in three modules fetched once the document has
    // synced, in any order: the sidebar (the comment composer and its
    // Alt+Q) may come after the phase bar.
    await page.locator('#phase-bar').waitFor()
    await page.locator('#sidebar .meeting-sidebar').waitFor({ state: 'attached' })
    await page.locator('.case-panel').waitFor({ state: 'attached' })
  }
  return page
}

/** A page in a context of its own, joined to `link` as `name`. Options are
 * those of newContext, newPage and joinMeeting. */
export async function openAs (browser, cleanups, link, name, { viewport, locale, hasTouch, clipboardOrigin, consoleErrors, phaseBar } = {}) {
  const context = await newContext(browser, cleanups, { viewport, locale, hasTouch, clipboardOrigin })
  const page = await newPage(context, { consoleErrors })
  return joinMeeting(page, link, name, { phaseBar })
}

/** Writes `sections` ({ sectionId: text }) into the draft in one transaction
 * through the reference Yjs client, and waits until a second client sees them. */
export async function seed (server, pm, sections) {
  const writer = connectClient(server, pm.id, pm.tokens.author)
  await writer.synced()
  writer.doc.transact(() => {
    for (const [id, text] of Object.entries(sections)) writer.doc.getText(`section:${id}`).insert(0, text)
  })
  const reader = connectClient(server, pm.id, pm.tokens.viewer)
  await reader.synced()
  await waitFor(() => Object.entries(sections).every(([id, text]) => reader.doc.getText(`section:${id}`).toString() === text), { what: 'seeded draft' })
  reader.destroy()
  writer.destroy()
}

/** Selects `words` in a section as a reader would: in its editor (mouse up
 * on a selection), or in its rendered text when that is what is shown (as
 * in silent reading). */
export async function selectWords (page, section, words) {
  const textarea = page.locator(`#text-${section}`)
  await waitFor(async () => (await textarea.inputValue()).includes(words), { what: `"${words}" in ${section}` })
  // In silent reading the section is shown rendered once the meeting has
  // switched the page to it, as plain text until its rendering module has
  // come (web/src/meeting/split.rs): wait for the rendered text rather than
  // select in the editor it replaces.
  if ((await page.locator('.phase-bar .phase.current').getAttribute('data-phase').catch(() => null)) === 'silent_reading') {
    await page.locator(`#sec-${section} .reading`).waitFor()
  }
  await waitFor(async () => (await page.locator(`#sec-${section} .preview-loading`).count()) === 0, { what: `${section} rendered` })
  if (await page.locator(`#sec-${section} .reading`).isVisible()) return selectRendered(page, section, words)
  await textarea.evaluate((el, w) => {
    const start = el.value.indexOf(w)
    el.focus()
    el.setSelectionRange(start, start + w.length)
    el.dispatchEvent(new Event('select', { bubbles: true }))
    el.dispatchEvent(new MouseEvent('mouseup', { bubbles: true }))
  }, words)
}

/** Selects the `nth` occurrence of `words` as shown in a section's rendered
 * text (the words may run across formatting, cells or list items), as the
 * window's selection, and waits until the page took it (the Question button
 * is enabled). */
export async function selectRendered (page, section, words, { nth = 0 } = {}) {
  const view = page.locator(`#sec-${section} .reading`)
  await waitFor(async () => (await view.textContent()).includes(words), { what: `"${words}" shown in ${section}` })
  await view.evaluate((root, [w, nth]) => {
    const nodes = [...root.querySelectorAll('[data-src]')].map((s) => s.firstChild).filter(Boolean)
    let text = ''
    const starts = []
    for (const n of nodes) { starts.push(text.length); text += n.data }
    let at = -1
    for (let i = 0; i <= nth; i++) at = text.indexOf(w, at + 1)
    if (at < 0) throw new Error(`"${w}" not in the rendered text ${JSON.stringify(text)}`)
    const locate = (pos, isEnd) => {
      for (let i = nodes.length - 1; i >= 0; i--) {
        if (isEnd ? starts[i] < pos : starts[i] <= pos) return [nodes[i], pos - starts[i]]
      }
    }
    const [startNode, startOffset] = locate(at, false)
    const [endNode, endOffset] = locate(at + w.length, true)
    window.getSelection().setBaseAndExtent(startNode, startOffset, endNode, endOffset)
  }, [words, nth])
  // The page hears of it through a queued selectionchange event.
  await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0))))
  await page.locator('#ask-question:not([disabled])').waitFor()
}

/** The phase the page's phase bar marks as current. */
export const currentPhase = (page) => page.locator('.phase-bar .phase.current').getAttribute('data-phase')

/** Waits until every page's phase bar shows `phase` as current. */
export async function expectPhase (pages, phase) {
  for (const page of pages) {
    await page.locator(`.phase-bar .phase.current[data-phase="${phase}"]`).waitFor()
  }
}

/** The comment id of the card whose text is `text`. */
export async function cardId (page, text) {
  const card = page.locator('.cards [data-card]', { has: page.locator('.comment-text', { hasText: text }) })
  await card.first().waitFor()
  return card.first().getAttribute('data-card')
}

/** A JSON request to the server's API with a bearer token: { status, body }. */
export async function apiRequest (server, method, path, token, body) {
  const response = await fetch(server.url(path), {
    method,
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', Connection: 'close' },
    body: body === undefined ? undefined : JSON.stringify(body)
  })
  return { status: response.status, body: await response.json().catch(() => null) }
}

let commandNo = 0

/** Sends a meeting command (with a fresh `command_id`) and expects a 200: its answer. */
export async function commandOk (server, pm, token, body) {
  commandNo += 1
  const r = await apiRequest(server, 'POST', `/api/postmortems/${pm.id}/commands`, token, { command_id: `js-${commandNo}`, ...body })
  if (r.status !== 200) throw new Error(`${JSON.stringify(body)}: ${r.status} ${JSON.stringify(r.body)}`)
  return r.body
}

/** Saves `screenshots/<name>.png` once smooth scrolling has settled. */
export async function screenshot (page, name) {
  await page.waitForTimeout(300)
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`) })
}

/** Puts a file into a section's editor the way a person does: a paste
 * (`ClipboardEvent` with the file in its DataTransfer) or a drop. The file
 * is a small latency graph drawn on a canvas (a real PNG), or `svg` text. */
export async function giveFile (page, section, { how = 'paste', name = 'p99-latency.png', svg } = {}) {
  await page.locator(`#text-${section}`).evaluate(async (el, [how, name, svg]) => {
    let file
    if (svg) {
      file = new File([svg], name, { type: 'image/svg+xml' })
    } else {
      const canvas = document.createElement('canvas')
      canvas.width = 240
      canvas.height = 80
      const g = canvas.getContext('2d')
      g.fillStyle = '#ffffff'
      g.fillRect(0, 0, 240, 80)
      g.strokeStyle = '#d1242f'
      g.lineWidth = 3
      g.beginPath()
      ;[10, 12, 11, 14, 60, 72, 70, 18, 12, 11].forEach((v, i) => g.lineTo(10 + i * 24, 75 - v))
      g.stroke()
      const blob = await new Promise((resolve) => canvas.toBlob(resolve, 'image/png'))
      file = new File([blob], name, { type: 'image/png' })
    }
    const transfer = new DataTransfer()
    transfer.items.add(file)
    el.focus()
    el.setSelectionRange(el.value.length, el.value.length)
    const init = { bubbles: true, cancelable: true }
    if (how === 'paste') {
      el.dispatchEvent(new ClipboardEvent('paste', { ...init, clipboardData: transfer }))
    } else {
      el.dispatchEvent(new DragEvent('dragover', { ...init, dataTransfer: transfer }))
      el.dispatchEvent(new DragEvent('drop', { ...init, dataTransfer: transfer }))
    }
  }, [how, name, svg])
}

/** Kills `child` with SIGKILL and waits until it exited (at most 5 s). */
export async function killAndWait (child) {
  const gone = new Promise((resolveExit) => child.once('exit', resolveExit))
  child.kill('SIGKILL')
  let timer
  await Promise.race([gone, new Promise((resolveTimeout) => { timer = setTimeout(resolveTimeout, 5000) })])
  clearTimeout(timer)
}
