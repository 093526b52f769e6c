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
// Each cold run is also broken down into the steps it is made of, from the
// browser's own timings (Navigation and Resource Timing: the HTML, the JS
// glue, the .wasm) and the `casebook:*` marks the page sets
// (web/src/marks.rs: wasm instantiated and main started, first render
// mounted, the document's socket opening and open, the first sync answer
// applied); the table gives the median moment of each and the median time
// since the step before it.
//
// With `--trace K` (xtask passes 3), K more cold runs are made under a Chrome
// trace, and a third table says what the page's main thread did in each
// stretch (before the page's code runs, until the postmortem's answer is in
// it, until ready): wasm compiled lazily on first call, wasm decoded, JS
// compiled, style and layout, paint, GC, the page's own script, the
// browser's own work (navigation, IPC), and idle time spent waiting.
//
// Usage: see USAGE below, or `node bench-navigation.mjs --help`.

import { Server, launchChromium } from './helpers.mjs'

// Issue 15: cold navigation p50 ≤ 200 ms on loopback.
const TARGET_MS = 200
const USAGE = `Usage: node bench-navigation.mjs [--runs N] [--mbps M [--rtt-ms R]] [--trace K]
  --runs N     cold runs and warm runs, N of each (default 15)
  --trace K    also K more cold runs under a Chrome trace, and a table of
               what the page's main thread did between the steps (tracing
               slows the page, so these runs are not in the other tables)
  --mbps M     emulate a network of M Mbit/s down and up instead of raw loopback
               (where the bundle's size hardly shows)
  --rtt-ms R   round trip of the emulated network (default 40)
Env as in helpers.mjs: CASEBOOK_BIN, CASEBOOK_WEB_DIR, CHROMIUM.
Prints tables (navigation → synced and editable, cold and warm; where a cold
run's time goes) and one JSON line.`
const args = process.argv.slice(2)
if (args.includes('--help') || args.includes('-h')) {
  console.log(USAGE)
  process.exit(0)
}
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
const traced = args.includes('--trace') ? option('--trace', 3) : 0

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

/** The steps of a navigation, in order: a name and where its moment (ms
 * since navigation start) is read from in the page's timeline. */
const STEPS = [
  ['HTML downloaded', { navigation: 'responseEnd' }],
  ['JS glue downloaded', { resource: '/pkg/casebook_document.js', at: 'responseEnd' }],
  ['wasm downloaded', { resource: '/pkg/casebook_document_bg.wasm', at: 'responseEnd' }],
  ['wasm compiled, instantiated, main started', { mark: 'casebook:main' }],
  ['first render mounted ("Loading…")', { mark: 'casebook:mounted' }],
  ['socket opening (early, beside the requests)', { mark: 'casebook:socket-opening' }],
  ['GET /auth/me answered (who is signed in)', { resource: '/auth/me', at: 'responseEnd', first: true }],
  ['GET /api/postmortems/{id} answered (title, role)', { resource: '/api/postmortems/', at: 'responseEnd', first: true }],
  ['postmortem answer in the page', { mark: 'casebook:postmortem' }],
  ['replica made (the editor\'s render begins)', { mark: 'casebook:replica' }],
  ['socket adopted, open, hello said', { mark: 'casebook:socket-open' }],
  ['editor rendered', { mark: 'casebook:editor-rendered' }],
  ['first sync answer applied', { mark: 'casebook:synced' }],
  ['synced and editable on screen', { ready: true }]
]
/** After the page is ready (not steps of it: when the meeting's modules,
 * fetched once the document has synced, are asked for and there). */
const AFTER = [
  ['meeting modules asked for', { resource: '/pkg/document/', at: 'startTime', first: true }],
  ['meeting modules downloaded', { resource: '/pkg/document/', at: 'responseEnd' }]
]

/** Reads every step's moment in the page (undefined where it is missing). */
function timeline ([steps, readyAt]) {
  const resources = performance.getEntriesByType('resource')
  const nav = performance.getEntriesByType('navigation')[0]
  return steps.map(([, s]) => {
    if (s.ready) return readyAt
    if (s.navigation) return nav?.[s.navigation]
    if (s.mark) return performance.getEntriesByName(s.mark, 'mark')[0]?.startTime
    // `first`: the earliest request for the path; otherwise the last to
    // reach the moment (all of the meeting's modules downloaded).
    // A published build's files are under /v/{hash}/ (build-web): read as
    // /pkg/ here, the names the steps use.
    const found = resources.filter((e) => new URL(e.name).pathname.replace(/^\/v\/[0-9a-f]+\//, '/pkg/').startsWith(s.resource))
    if (found.length === 0) return undefined
    if (s.first) return found.reduce((a, b) => (b.startTime < a.startTime ? b : a))[s.at]
    return Math.max(...found.map((e) => e[s.at]))
  })
}

/** Navigates `page` to `url`; returns ms from navigation start to ready.
 * With `steps`, pushes this run's moments of STEPS and AFTER onto it. */
async function measure (page, url, steps) {
  await page.goto(url, { waitUntil: 'commit' })
  const handle = await page.waitForFunction(() => window.__readyAt, null, { timeout: 20_000, polling: 10 })
  const readyAt = await handle.jsonValue()
  if (steps) {
    // The meeting's modules come after ready: give them a moment to land.
    await page.waitForFunction(() => performance.getEntriesByType('resource')
      .filter((e) => /\/v\/[0-9a-f]+\/document\//.test(e.name)).every((e) => e.responseEnd > 0), null, { timeout: 20_000 })
      .catch(() => {})
    await page.waitForTimeout(300)
    steps.push(await page.evaluate(timeline, [[...STEPS, ...AFTER], readyAt]))
  }
  return readyAt
}

const median = (values) => percentile([...values].sort((a, b) => a - b), 50)

/** The breakdown table: per step, its median moment and the median time
 * since the step before it (per run, then the median). */
function breakdown (runsSteps) {
  const names = [...STEPS, ...AFTER].map(([name]) => name)
  return names.map((name, i) => {
    const at = runsSteps.map((r) => r[i]).filter((v) => v !== undefined && v !== null)
    const since = i === 0 || i >= STEPS.length
      ? at
      : runsSteps.filter((r) => r[i] != null && r[i - 1] != null).map((r) => r[i] - r[i - 1])
    return { step: name, runs: at.length, at_p50: median(at), since_previous_p50: median(since), after_ready: i >= STEPS.length }
  })
}

// What the page's main thread did, from a Chrome trace (`--trace`).
const TRACE_CATEGORIES = ['devtools.timeline', 'v8', 'v8.wasm', 'blink.user_timing', 'toplevel']
/** Activities of the main thread, by the trace events that make them up.
 * Nested events of one activity count once; an activity inside another
 * (a lazy compile inside the page's code) is taken out of the outer one in
 * the "script" column, which is the rest of what ran as JavaScript or wasm. */
const WORK = [
  ['wasm compiled lazily (first call)', ['wasm.CompileLazy']],
  ['wasm streamed in, decoded', ['v8.wasm.compileConsume', 'wasm.OnBytesReceived', 'wasm.FinishStreaming', 'v8.wasm.compileConsumeDone']],
  ['JS parsed, compiled', ['EvaluateScript', 'v8.compile', 'V8.CompileCode', 'v8.compileModule', 'v8.produceModuleCache']],
  ['style, layout', ['UpdateLayoutTree', 'Layout', 'RecalculateStyles', 'HitTest']],
  ['paint, layers', ['Paint', 'PrePaint', 'Layerize', 'Commit', 'UpdateLayer', 'PaintImage']],
  ['GC', ['MinorGC', 'MajorGC', 'V8.GC_SCAVENGER', 'V8.GC_MARK_COMPACTOR', 'BlinkGC.AtomicPhase', 'ThreadState::performIdleLazySweep', 'V8.GCScavenger', 'V8.GCFinalizeMC', 'V8.GCIncrementalMarking', 'CppGC.AtomicMark']],
  ['script (the page\'s JS and wasm, the rest)', ['FunctionCall', 'RunMicrotasks', 'BlinkScheduler_PerformMicrotaskCheckpoint', 'v8.callFunction', 'TimerFire', 'EventDispatch', 'FireAnimationFrame', 'v8.run', 'v8.evaluateModule']]
]
/** Busy time in none of the WORK activities: navigation, IPC, loading. */
const OTHER = 'the browser\'s own (navigation, IPC)'
const WINDOWS = [
  ['navigation start → main started', null, 'casebook:main'],
  ['main started → postmortem answer in the page', 'casebook:main', 'casebook:postmortem'],
  ['postmortem answer → synced and editable', 'casebook:postmortem', 'ready']
]

/** `intervals` ([start, end] pairs) clipped to [lo, hi], sorted and merged. */
function merged (intervals, lo = -Infinity, hi = Infinity) {
  const out = []
  const clipped = intervals.map(([a, b]) => [Math.max(a, lo), Math.min(b, hi)]).filter(([a, b]) => b > a).sort((x, y) => x[0] - y[0])
  for (const [a, b] of clipped) {
    const last = out[out.length - 1]
    if (last && a <= last[1]) last[1] = Math.max(last[1], b)
    else out.push([a, b])
  }
  return out
}
const length = (intervals) => intervals.reduce((sum, [a, b]) => sum + b - a, 0)
/** The parts of `intervals` that lie inside `within` (both merged). */
function inside (intervals, within) {
  return within.flatMap(([lo, hi]) => merged(intervals, lo, hi))
}

/** Per window: ms of each WORK activity on the page's main thread, and idle. */
function mainThreadWork (events, readyAt) {
  const marks = events.filter((e) => e.cat?.includes('blink.user_timing') && e.name?.startsWith('casebook:'))
  const start = events.find((e) => e.name === 'navigationStart' && e.args?.data?.isLoadingMainFrame && /\/p\//.test(e.args?.data?.documentLoaderURL ?? ''))
  if (marks.length === 0 || !start) throw new Error('the trace has no casebook marks or no navigation start')
  const { pid, tid } = marks[0]
  const ms = (ts) => (ts - start.ts) / 1000
  const at = (name) => (name === null ? 0 : name === 'ready' ? readyAt : ms(marks.find((m) => m.name === name)?.ts ?? NaN))
  const main = events.filter((e) => e.pid === pid && e.tid === tid && e.ph === 'X' && e.dur > 0)
  const spans = (names) => main.filter((e) => names.includes(e.name)).map((e) => [ms(e.ts), ms(e.ts + e.dur)])
  return WINDOWS.map(([between, from, to]) => {
    const [lo, hi] = [at(from), at(to)]
    // Busy: inside any event of the main thread (not every piece of work
    // is wrapped in a task event: a microtask checkpoint may stand alone).
    const busy = length(merged(main.map((e) => [ms(e.ts), ms(e.ts + e.dur)]), lo, hi))
    const activities = WORK.map(([, names]) => merged(spans(names), lo, hi))
    // The script column: what ran as script, less the other activities
    // that happened inside it (a lazy compile, a forced layout, a GC).
    const script = activities.pop()
    const nested = inside(activities.flat(), script)
    const work = [...activities.map(length), length(script) - length(merged(nested))]
    const other = Math.max(0, busy - work.reduce((a, b) => a + b, 0))
    return { between, length: hi - lo, work: [...work, other], idle: Math.max(0, hi - lo - busy) }
  })
}

/** Medians over traced runs, window by window. */
function workTable (traces) {
  return WINDOWS.map(([between], w) => ({
    between,
    length: median(traces.map((t) => t[w].length)),
    columns: [...WORK.map(([name]) => name), OTHER],
    work: [...WORK, OTHER].map((_, k) => median(traces.map((t) => t[w].work[k]))),
    idle: median(traces.map((t) => t[w].idle))
  }))
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
  const coldSteps = []
  for (let i = 0; i < runs; i++) {
    const context = await browser.newContext()
    await context.addInitScript(probe)
    cold.push(await measure(await newPage(context), url, coldSteps))
    await context.close()
  }

  const warm = []
  const context = await browser.newContext()
  await context.addInitScript(probe)
  const page = await newPage(context)
  await measure(page, url)
  for (let i = 0; i < runs; i++) warm.push(await measure(page, url))
  await context.close()

  const traces = []
  for (let i = 0; i < traced; i++) {
    const context = await browser.newContext()
    await context.addInitScript(probe)
    const page = await newPage(context)
    await browser.startTracing(page, { categories: TRACE_CATEGORIES })
    const readyAt = await measure(page, url)
    traces.push(mainThreadWork(JSON.parse((await browser.stopTracing()).toString('utf8')).traceEvents, readyAt))
    await context.close()
  }

  const rows = [summary('cold (new context)', cold), summary('warm (same context)', warm)]
  const steps = breakdown(coldSteps)
  const fmt = (v) => (v === undefined || Number.isNaN(v) ? '—' : v.toFixed(1)).padStart(7)
  console.log(`\n## navigation → document synced and editable (headless Chromium, ${network}; target ≤ ${TARGET_MS} ms)`)
  console.log('| run kind | runs | p50 ms | p90 ms | min ms | max ms | target |')
  console.log('| --- | --- | --- | --- | --- | --- | --- |')
  for (const r of rows) {
    const met = r.p50 <= TARGET_MS ? 'p50 met' : 'p50 **missed**'
    console.log(`| ${r.name} | ${r.runs} | ${fmt(r.p50)} | ${fmt(r.p90)} | ${fmt(r.min)} | ${fmt(r.max)} | ${met} |`)
  }
  console.log(`\n## where a cold run's time goes (medians over ${coldSteps.length} runs, ms since navigation start)`)
  console.log('| step | runs | at p50 | since the step before, p50 |')
  console.log('| --- | --- | --- | --- |')
  for (const r of steps) {
    const since = r.after_ready ? '(after ready)' : fmt(r.since_previous_p50)
    console.log(`| ${r.step} | ${r.runs} | ${fmt(r.at_p50)} | ${since} |`)
  }
  const work = traces.length > 0 ? workTable(traces) : undefined
  if (work) {
    console.log(`\n## what the page's main thread did (medians over ${traces.length} traced cold runs, ms; tracing slows the page)`)
    console.log(`| between | length | ${WORK.map(([name]) => name).join(' | ')} | ${OTHER} | idle (waiting) |`)
    console.log(`| --- | --- | ${WORK.map(() => '---').join(' | ')} | --- | --- |`)
    for (const r of work) console.log(`| ${r.between} | ${fmt(r.length)} | ${r.work.map(fmt).join(' | ')} | ${fmt(r.idle)} |`)
  }
  console.log(JSON.stringify({ scenario: 'navigation', network, target_ms: TARGET_MS, results: rows, breakdown: steps, main_thread: work }))
} finally {
  if (browser) await browser.close().catch(() => {})
  await server.stop()
}
