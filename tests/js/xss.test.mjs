// User text is never live HTML: script payloads posted as a postmortem title,
// a display name, document text, a comment, a reply, an answer and a kudos
// card are shown as text in headless Chromium, and none of them runs (a
// window flag stays unset, no dialog opens, no CSP violation is reported —
// a violation would mean the payload reached the DOM as markup and only the
// policy stopped it). Also checks the page's security headers, and that the
// wasm app runs under its Content-Security-Policy.
//
// Needs web/dist (cargo xtask build-web) and Chromium, like browser.test.mjs.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import * as Y from 'yjs'
import {
  withServerLog, ADMIN_TOKEN, WAIT_MS, connectClient, waitFor, browserSuite, skipBrowser
} from './helpers.mjs'

const skip = skipBrowser() ? 'CASEBOOK_SKIP_BROWSER=1' : false

const PAYLOADS = [
  '<img src=x onerror="window.__xss=\'img\';alert(1)">',
  '<script>window.__xss=\'script\';alert(2)</script>',
  '<svg onload="window.__xss=\'svg\'"></svg>',
  '<a href="javascript:window.__xss=\'href\'">click</a>',
  '[md link](javascript:window.__xss=\'md\')',
  '"><img src=x onerror="window.__xss=\'attr\'">',
  '<iframe srcdoc="<script>parent.__xss=\'iframe\'</script>"></iframe>'
]
const ALL = PAYLOADS.join('\n\n')

let server
let browser
const cleanups = []

browserSuite(cleanups, (s, b) => { server = s; browser = b })

/** A page that records dialogs, page errors, console errors and CSP violations. */
async function newPage () {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
  cleanups.push(() => context.close())
  const page = await context.newPage()
  page.setDefaultTimeout(WAIT_MS)
  page.dialogs = []
  page.problems = []
  page.on('dialog', (d) => { page.dialogs.push(d.message()); d.dismiss().catch(() => {}) })
  page.on('pageerror', (e) => page.problems.push(`pageerror: ${e.message}`))
  page.on('console', (m) => {
    if (m.type() === 'error' || /Content Security Policy|Refused to/.test(m.text())) {
      page.problems.push(`console: ${m.text()}`)
    }
  })
  await page.addInitScript(() => {
    window.__violations = []
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__violations.push(`${e.violatedDirective} ${e.blockedURI}`)
    })
  })
  return page
}

async function api (method, path, token, body) {
  const response = await fetch(server.url(path), {
    method,
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', Connection: 'close' },
    body: body === undefined ? undefined : JSON.stringify(body)
  })
  const text = await response.text()
  return { status: response.status, json: text ? JSON.parse(text) : null }
}

let commandNo = 0
async function command (pm, token, body) {
  const { status, json } = await api('POST', `/api/postmortems/${pm.id}/commands`, token,
    { command_id: `xss-${++commandNo}`, ...body })
  assert.equal(status, 200, `${JSON.stringify(body)} → ${JSON.stringify(json)}`)
  return json
}

/** Nothing ran and nothing was blocked on `page`. */
async function assertQuiet (page, where) {
  const flag = await page.evaluate(() => window.__xss)
  assert.equal(flag, undefined, `${where}: a payload ran (window.__xss = ${flag})`)
  assert.deepEqual(page.dialogs, [], `${where}: a dialog opened`)
  const violations = await page.evaluate(() => window.__violations)
  assert.deepEqual(violations, [], `${where}: CSP violations (markup reached the DOM, or the policy blocks the app)`)
  assert.deepEqual(page.problems, [], `${where}: errors in the page`)
}

test('the page sends a strict Content-Security-Policy and no-referrer, nosniff', { skip }, withServerLog(() => server, async () => {
  const pm = await server.createPostmortem('headers')
  for (const path of ['/', `/p/${pm.id}`]) {
    const response = await fetch(server.url(path), { headers: { Connection: 'close' } })
    assert.equal(response.status, 200)
    const csp = response.headers.get('content-security-policy') || ''
    const scriptSrc = csp.split(';').map((d) => d.trim()).find((d) => d.startsWith('script-src')) || ''
    assert.match(scriptSrc, /'wasm-unsafe-eval'/, csp)
    assert.match(scriptSrc, /'sha256-[A-Za-z0-9+/=]+'/, csp)
    assert.doesNotMatch(scriptSrc, /unsafe-inline|'unsafe-eval'|\*/, csp)
    assert.match(csp, /default-src 'none'/)
    assert.match(csp, /object-src 'none'/)
    assert.match(csp, /base-uri 'none'/)
    assert.match(csp, /frame-ancestors 'none'/)
    assert.equal(response.headers.get('x-content-type-options'), 'nosniff')
    assert.equal(response.headers.get('referrer-policy'), 'no-referrer')
  }
  const json = await fetch(server.url(`/api/postmortems/${pm.id}`), { headers: { Authorization: `Bearer ${pm.tokens.viewer}`, Connection: 'close' } })
  assert.equal(json.headers.get('x-content-type-options'), 'nosniff')
  assert.equal(json.headers.get('referrer-policy'), 'no-referrer')
}))

test('script payloads everywhere are shown as text and never run', { skip, timeout: 180_000 }, withServerLog(() => server, async () => {
  const pm = await server.createPostmortem(`XSS ${PAYLOADS[0]} ${PAYLOADS[1]}`.slice(0, 200))
  const facilitator = pm.tokens.facilitator

  // Document text: every payload in the Summary, through a Yjs client.
  const raw = connectClient(server, pm.id, pm.tokens.author)
  cleanups.push(() => raw.destroy())
  await raw.synced()
  raw.doc.getText('section:summary').insert(0, ALL)

  // The meeting: a question, a reply, an answer and a kudos card, all payloads.
  const summary = raw.doc.getText('section:summary')
  const anchor = {
    section: 'summary',
    start: Array.from(Y.encodeRelativePosition(Y.createRelativePositionFromTypeIndex(summary, 0, 0))),
    end: Array.from(Y.encodeRelativePosition(Y.createRelativePositionFromTypeIndex(summary, 10, -1))),
    quote: summary.toString().slice(0, 10)
  }
  await command(pm, facilitator, { type: 'move_phase', to: 'silent_reading' })
  const asked = await command(pm, facilitator, { type: 'post_comment', kind: 'question', anchor, text: ALL })
  const question = asked.events[0].comment_id
  await command(pm, facilitator, { type: 'reply', comment_id: question, text: PAYLOADS[2] })
  await command(pm, facilitator, { type: 'move_phase', to: 'q_and_a' })
  await command(pm, facilitator, { type: 'answer_question', comment_id: question, text: PAYLOADS.slice(0, 3).join(' ') })
  await command(pm, facilitator, { type: 'move_phase', to: 'proposals' })
  await command(pm, facilitator, { type: 'move_phase', to: 'kudos' })
  await command(pm, facilitator, { type: 'post_kudos', to: PAYLOADS[0], text: PAYLOADS[1] + PAYLOADS[5] })

  // Two people in the page; one of them is named with a payload.
  const named = await newPage()
  const watcher = await newPage()
  const evilName = `${PAYLOADS[5]}${PAYLOADS[0]}`.slice(0, 80)
  for (const [page, name] of [[named, evilName], [watcher, 'Watcher 観察']]) {
    await page.goto(server.url(`/p/${pm.id}?token=${pm.tokens.participant}`))
    const nameInput = page.locator('#display-name')
    await nameInput.waitFor({ state: 'visible' })
    await nameInput.fill(name)
    await page.locator('#join').click()
    // The wasm app runs under the policy: it reaches the synced state.
    await page.locator('#connection[data-state="synced"]').waitFor()
  }

  for (const page of [named, watcher]) {
    // The title, as text.
    const heading = await page.locator('h1').first().innerText()
    assert.ok(heading.includes('<img src=x onerror='), `title not shown as text: ${heading}`)
    // The document's sections show the payloads as their source text…
    await waitFor(async () => (await page.locator('#text-summary').inputValue()).includes(PAYLOADS[1]),
      { what: 'summary payloads in the textarea' })
    await waitFor(async () => (await page.locator('#text-kudos').inputValue()).includes('onerror'),
      { what: 'the kudos entry in the Kudos section' })
    await waitFor(async () => (await page.locator('#text-qa').inputValue()).includes('<svg onload'),
      { what: 'the answer in the Q&A section' })
    // …and as text in the Markdown preview, with no element made from them.
    for (const id of ['summary', 'qa', 'kudos']) {
      await page.locator(`#sec-${id} .preview-toggle`).click()
      const preview = page.locator(`#sec-${id} .preview`)
      await preview.waitFor()
      await waitFor(async () => (await preview.innerText()).includes('<img src=x onerror='),
        { what: `payload text in the ${id} preview`, describe: () => preview.innerText() })
      const live = await preview.locator('img, script, svg, iframe, [onerror], [onload], a[href^="javascript"]').count()
      assert.equal(live, 0, `${id} preview holds elements made from user text: ${await preview.innerHTML()}`)
    }
  }
  // The watcher sees the other name, as text.
  await waitFor(async () => (await watcher.locator('#presence').innerText()).includes('<img src=x'),
    { what: 'the payload name as text in #presence', describe: () => watcher.locator('#presence').innerText() })

  // The admin page lists the title as text.
  const admin = await newPage()
  await admin.goto(server.url(`/?token=${ADMIN_TOKEN}`))
  const title = admin.locator('.pm-title', { hasText: 'XSS' })
  await title.waitFor()
  assert.ok((await title.innerText()).includes('<script>'), await title.innerText())

  // Give any deferred handler a moment, then check that nothing ran anywhere.
  await new Promise((resolve) => setTimeout(resolve, 500))
  for (const [page, where] of [[named, 'named page'], [watcher, 'watcher page'], [admin, 'admin page']]) {
    await assertQuiet(page, where)
  }
  // The meeting kept the payloads verbatim (as data).
  const { json } = await api('GET', `/api/postmortems/${pm.id}/meeting`, facilitator)
  const comment = json.state.comments.find((c) => c.id === question)
  assert.equal(comment.text, ALL)
  assert.equal(comment.replies[0].text, PAYLOADS[2])
}))
