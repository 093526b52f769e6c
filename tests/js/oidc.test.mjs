// Sign-in through a real OpenID Provider (oidc-provider, from
// oidc-provider.mjs on loopback) in headless Chromium: two people open their
// role links, sign in on the provider's own login page, come back to the
// same page with the provider's names (no name prompt), and co-edit; a
// signed-in admin opens the admin page without the admin token and someone
// outside the admin group does not; sign-out ends the session; a signed-in
// person's presence shows the provider's name even when their client sends
// another. The server reads the team from the `department` claim
// (`--oidc-team-claim`): Alice's provider gives hers, so she is asked
// nothing; Bob's does not, so he is asked his team only.
//
// Screenshots: tests/js/screenshots/oidc-*.png.
//
// Needs web/dist (cargo xtask build-web), Chromium and `npm install` here.

import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { join } from 'node:path'
import {
  HERE, PHONE, Server, SCREENSHOTS, WAIT_MS, launchChromium, skipBrowser, waitFor, withServerLog, newContext, newPage, connectClient
} from './helpers.mjs'
import { mkdirSync } from 'node:fs'
import WebSocket from 'ws'

const skip = skipBrowser() ? 'CASEBOOK_SKIP_BROWSER=1' : false

let provider
let server
let browser
const cleanups = []

/** Starts oidc-provider.mjs; resolves with its issuer URL. */
function startProvider () {
  const child = spawn(process.execPath, [join(HERE, 'oidc-provider.mjs')], { stdio: ['ignore', 'pipe', 'ignore'] })
  const issuer = new Promise((resolve, reject) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (line.startsWith('ISSUER ')) resolve(line.slice('ISSUER '.length))
    })
    child.on('exit', (code) => reject(new Error(`oidc-provider.mjs exited (${code})`)))
  })
  return { child, issuer }
}

before(async () => {
  if (skipBrowser()) return
  provider = startProvider()
  const issuer = await provider.issuer
  process.env.CASEBOOK_OIDC_CLIENT_SECRET = 'casebook-secret'
  server = await Server.start({
    extraArgs: ['--oidc-issuer', issuer, '--oidc-client-id', 'casebook', '--oidc-admin-group', 'casebook-admins', '--oidc-team-claim', 'department']
  })
  browser = await launchChromium()
  mkdirSync(SCREENSHOTS, { recursive: true })
})

after(async () => {
  for (const cleanup of cleanups.reverse()) {
    try { await cleanup() } catch {}
  }
  if (browser) await browser.close().catch(() => {})
  if (server) await server.stop()
  if (provider) provider.child.kill('SIGKILL')
})

/** Opens `link` in a browser of its own and signs in there as `login`. */
async function signedIn (link, login, { locale = 'en-US' } = {}) {
  const context = await newContext(browser, cleanups, { locale })
  const page = await newPage(context, { consoleErrors: false })
  await page.goto(link)
  await page.locator('input[name="login"]').fill(login)
  await page.locator('input[name="password"]').fill('any')
  await page.locator('button[type="submit"]').click()
  // Back on the postmortem's page (which then takes the token out of the
  // address bar, possibly before the load event).
  const back = new URL(link).pathname
  await page.waitForURL((url) => url.pathname === back)
  return page
}

const presenceText = (page) => page.locator('#presence').innerText()

test('two people sign in with the provider and co-edit under its names', { skip, timeout: 180_000 }, withServerLog(() => server, async () => {
  const pm = await server.createPostmortem('Sign-in サインイン')
  const alice = await signedIn(pm.links.facilitator, 'alice')
  const bob = await signedIn(pm.links.author, 'bob', { locale: 'ja-JP' })
  for (const page of [alice, bob]) {
    await page.locator('#connection[data-state="synced"]').waitFor({ timeout: WAIT_MS })
    assert.equal(await page.locator('#display-name').count(), 0, 'no name prompt: the provider names them')
  }
  assert.equal(await alice.locator('#team').count(), 0, 'the provider gives Alice\'s team: nothing asked')
  await bob.locator('#team').waitFor()
  await bob.screenshot({ path: join(SCREENSHOTS, 'oidc-team-prompt-ja.png') })
  await bob.locator('#team').fill('決済チーム')
  await bob.locator('#join').click()
  await bob.locator('#team').waitFor({ state: 'detached' })
  assert.equal(await bob.evaluate(() => localStorage.getItem('casebook.team')), '決済チーム', 'remembered in this browser')
  assert.equal(await alice.evaluate(() => localStorage.getItem('casebook.team')), 'SRE Platform', 'the provider\'s team')
  await waitFor(async () => (await presenceText(alice)).includes('Bob 佐藤') && (await presenceText(bob)).includes('Alice Tanaka'), {
    what: 'each sees the other under the provider\'s name', describe: async () => `${await presenceText(alice)} | ${await presenceText(bob)}`
  })
  await alice.locator('#text-summary').click()
  await alice.keyboard.type('Checkout timed out. ')
  await bob.locator('#text-summary').click()
  await bob.keyboard.press('End')
  await bob.keyboard.type('決済が遅延した。')
  await waitFor(async () => {
    const [a, b] = await Promise.all([alice, bob].map((p) => p.locator('#text-summary').inputValue()))
    return a === b && a.includes('Checkout timed out.') && a.includes('決済が遅延した。')
  }, { what: 'both pages show both edits' })
  await alice.screenshot({ path: join(SCREENSHOTS, 'oidc-alice-en.png') })
  await bob.screenshot({ path: join(SCREENSHOTS, 'oidc-bob-ja.png') })
  await alice.setViewportSize(PHONE)
  await alice.screenshot({ path: join(SCREENSHOTS, 'oidc-alice-phone-en.png') })

  // Signing out ends the session and forgets the personal tokens here.
  assert.equal(await bob.getByText('名前を変更').count(), 0, 'no renaming when signed in')
  await bob.locator('#sign-out').click()
  await bob.locator('#signed-out').waitFor()
  const me = await bob.evaluate(async () => (await fetch('/auth/me')).status)
  assert.equal(me, 204, 'signed out: no one is signed in here')
  const kept = await bob.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('casebook.person.')))
  assert.deepEqual(kept, [])
  await bob.screenshot({ path: join(SCREENSHOTS, 'oidc-signed-out-ja.png') })
}))

test('the admin group opens the admin page without the admin token; others and the signed-out do not', { skip, timeout: 120_000 }, withServerLog(() => server, async () => {
  const pm = await server.createPostmortem('Admin by group')
  const alice = await signedIn(pm.links.viewer, 'alice')
  await alice.goto(server.url('/'))
  await alice.locator('text=Admin by group').waitFor()
  await alice.screenshot({ path: join(SCREENSHOTS, 'oidc-admin-home.png') })

  const bob = await signedIn(pm.links.viewer, 'bob')
  await bob.goto(server.url('/'))
  await bob.locator('.notice, .card').first().waitFor()
  assert.equal(await bob.locator('text=Admin by group').count(), 0, 'not in the admin group')

  const out = await alice.evaluate(async () => (await fetch('/auth/logout', { method: 'POST' })).status)
  assert.equal(out, 204)
  await alice.goto(server.url('/'))
  await alice.locator('.notice, .card').first().waitFor()
  assert.equal(await alice.locator('text=Admin by group').count(), 0, 'signed out')
}))

test('a signed-in person cannot show another name in the presence', { skip, timeout: 120_000 }, withServerLog(() => server, async () => {
  const pm = await server.createPostmortem('Presence names')
  const bob = await signedIn(pm.links.author, 'bob')
  const session = (await bob.context().cookies(server.url('/'))).find((c) => c.name === 'casebook_session')
  assert.ok(session, 'bob has a session cookie')
  const cookie = `casebook_session=${session.value}`
  class WithCookie extends WebSocket {
    constructor (url, protocols) { super(url, protocols, { headers: { Cookie: cookie } }) }
  }
  const forger = connectClient(server, pm.id, pm.tokens.author, { WebSocketPolyfill: WithCookie })
  const watcher = connectClient(server, pm.id, pm.tokens.viewer)
  cleanups.push(() => forger.destroy(), () => watcher.destroy())
  await Promise.all([forger.synced(), watcher.synced()])
  forger.provider.awareness.setLocalStateField('user', { name: 'Alice Tanaka', color: '#ff0000' })
  const id = forger.doc.clientID
  let seen
  await waitFor(() => {
    seen = watcher.provider.awareness.getStates().get(id)
    return seen && seen.user
  }, { what: 'the watcher sees the forger\'s presence', describe: () => JSON.stringify(seen) })
  assert.equal(seen.user.name, 'Bob 佐藤', 'the provider\'s name, not the one sent')
  assert.equal(seen.user.color, '#ff0000', 'the rest of the state is theirs')
}))
