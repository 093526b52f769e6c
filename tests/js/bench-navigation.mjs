// Navigation benchmark, run by `cargo xtask bench --scenario navigation`
// (not part of `npm test`: it asserts no timing). Headless Chromium opens a
// postmortem page `/p/{id}?token=…` served by the real `casebook serve` on
// loopback, for a browser whose display name is already in localStorage, and
// measures from navigation start to "document synced and editable":
// `#connection[data-state="synced"]` and the Summary section's textarea
// `#text-summary` present, enabled and not read-only.
//
// The moment is taken inside the page (a MutationObserver started by an init
// script, `performance.now()`, whose origin is the navigation start), so
// playwright's polling does not add to it. Two kinds of run:
//   cold: a fresh browser context each time (empty HTTP cache and replica);
//   warm: the same context navigating again (HTTP cache and the local replica
//         from the previous visit).
//
// Usage: node bench-navigation.mjs [--runs N] [--mbps M [--rtt-ms R]]
// (env as in helpers.mjs: CASEBOOK_BIN, CASEBOOK_WEB_DIR, CHROMIUM). Prints a
// table and one JSON line. `--mbps` has Chromium emulate a network of M
// Mbit/s down and up with R ms round trips (default 40), instead of raw
// loopback, where the bundle's size hardly shows.

import { Server, launchChromium } from './helpers.mjs'

// Issue 15: cold navigation p50 ≤ 200 ms on loopback.
const TARGET_MS = 200
const args = process.argv.slice(2)
const runsAt = args.indexOf('--runs')
const runs = runsAt >= 0 ? Number(args[runsAt + 1]) : 15
if (!Number.isInteger(runs) || runs < 1) throw new Error('--runs takes a positive number')
const option = (name, fallback) => {
  const at = args.indexOf(name)
  if (at < 0) return fallback
  const value = Number(args[at + 1])
  if (!(value > 0)) throw new Error(`${name} takes a positive number`)
  return value
}
const mbps = option('--mbps', undefined)
const rttMs = option('--rtt-ms', 40)
const network = mbps === undefined ? 'loopback' : `emulated ${mbps} Mbit/s, ${rttMs} ms RTT`

/** A new page of `context`, on the emulated network when one is asked for. */
async function newPage (context) {
  const page = await context.newPage()
  if (mbps !== undefined) {
    const cdp = await context.newCDPSession(page)
    const bytesPerSecond = (mbps * 1_000_000) / 8
    await cdp.send('Network.enable')
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: rttMs,
      downloadThroughput: bytesPerSecond,
      uploadThroughput: bytesPerSecond
    })
  }
  return page
}

// Runs in the page before any of its scripts: records when the page first
// shows the document synced and editable.
const probe = () => {
  localStorage.setItem('casebook.name', 'Bench reader')
  const ready = () => {
    const connection = document.getElementById('connection')
    const text = document.getElementById('text-summary')
    return connection && connection.dataset.state === 'synced' &&
      text && !text.disabled && !text.readOnly
  }
  const check = () => {
    if (window.__readyAt === undefined && ready()) window.__readyAt = performance.now()
  }
  new MutationObserver(check).observe(document, {
    subtree: true, childList: true, attributes: true, attributeFilter: ['data-state', 'readonly', 'disabled', 'id']
  })
}

function percentile (sorted, p) {
  if (sorted.length === 0) return NaN
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  return sorted[rank]
}

function summary (name, values) {
  const sorted = [...values].sort((a, b) => a - b)
  return {
    name,
    runs: sorted.length,
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    min: sorted[0],
    max: sorted[sorted.length - 1]
  }
}

/** Navigates `page` to `url`; returns ms from navigation start to ready,
 * and to the end of the wasm download (where the rest of the time goes). */
async function measure (page, url, wasmAt = []) {
  await page.goto(url, { waitUntil: 'commit' })
  const handle = await page.waitForFunction(() => window.__readyAt, null, { timeout: 20_000, polling: 10 })
  const wasm = await page.evaluate(() =>
    performance.getEntriesByType('resource').find((e) => e.name.endsWith('.wasm'))?.responseEnd)
  if (wasm !== undefined) wasmAt.push(wasm)
  return handle.jsonValue()
}

const server = await Server.start()
let browser
try {
  // A new postmortem: the template's sections, empty.
  const pm = await server.createPostmortem('Navigation benchmark')
  const url = server.url(`/p/${pm.id}?token=${encodeURIComponent(pm.tokens.author)}`)
  browser = await launchChromium()

  // One unmeasured visit warms the server (document loaded, files in the OS cache).
  {
    const context = await browser.newContext()
    await context.addInitScript(probe)
    await measure(await newPage(context), url)
    await context.close()
  }

  const cold = []
  const coldWasm = []
  for (let i = 0; i < runs; i++) {
    const context = await browser.newContext()
    await context.addInitScript(probe)
    cold.push(await measure(await newPage(context), url, coldWasm))
    await context.close()
  }

  const warm = []
  const context = await browser.newContext()
  await context.addInitScript(probe)
  const page = await newPage(context)
  await measure(page, url)
  for (let i = 0; i < runs; i++) warm.push(await measure(page, url))
  await context.close()

  const rows = [summary('cold (new context)', cold), summary('warm (same context)', warm)]
  const wasmRow = summary('cold: until the wasm is downloaded', coldWasm)
  const fmt = (v) => v.toFixed(1).padStart(7)
  console.log(`\n## navigation → document synced and editable (headless Chromium, ${network}; target ≤ ${TARGET_MS} ms)`)
  console.log('| run kind | runs | p50 ms | p90 ms | min ms | max ms | target |')
  console.log('| --- | --- | --- | --- | --- | --- | --- |')
  for (const r of rows) {
    const met = r.p50 <= TARGET_MS ? 'p50 met' : 'p50 **missed**'
    console.log(`| ${r.name} | ${r.runs} | ${fmt(r.p50)} | ${fmt(r.p90)} | ${fmt(r.min)} | ${fmt(r.max)} | ${met} |`)
  }
  console.log(`| ${wasmRow.name} | ${wasmRow.runs} | ${fmt(wasmRow.p50)} | ${fmt(wasmRow.p90)} | ${fmt(wasmRow.min)} | ${fmt(wasmRow.max)} | |`)
  console.log(JSON.stringify({ scenario: 'navigation', network, target_ms: TARGET_MS, results: [...rows, wasmRow] }))
} finally {
  if (browser) await browser.close().catch(() => {})
  await server.stop()
}
