// The load tool's cross-check: rooms of real Yjs clients (yjs +
// y-websocket's WebsocketProvider, code nobody here wrote) typing into the
// release `casebook serve` and, in the same run, into the reference
// `@y/websocket-server` (in memory, writes nothing). Run by
// `cargo xtask bench --scenario yjs-meeting|yjs-busy`; on its own:
//
//   node bench-yjs.mjs --casebook-bin ../../target/release/casebook \
//     [--reference ../../crates/load/reference] [--rooms 10] [--clients 10]
//     [--rate 5] [--seconds 15] [--name yjs-meeting] [--syscalls]
//
// --syscalls runs each server under `perf stat` (its syscall tracepoints and
// context switches, counted only over the typing window through perf's
// control fifo) and prints syscalls per 1,000 edits seen by all: less
// dependent on the machine's load than CPU seconds (load still changes how
// much the server batches).
//
// Every client types one character at a random place `rate` times a second.
// Each edit is keyed by (client id, clock) when it is made; every other client
// of the room records now − made when the edit reaches its Y.Doc (the
// WebsocketProvider's update event): "edit → each other client". The
// server's CPU (every thread, /proc/PID/task/*/stat, grouped by thread name)
// is read over the typing window and divided by the edits delivered to every
// other client of their room in it; peak RSS is VmHWM. The clients run in
// this one Node process, on the same cores as the server, as a new user's
// test would.

import * as Y from 'yjs'
import { WebsocketProvider } from 'y-websocket'
import WebSocket from 'ws'
import { spawn } from 'node:child_process'
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createServer } from 'node:net'

const ADMIN = 'bench-yjs-admin'
// y-websocket adds a process 'exit' listener per provider.
process.setMaxListeners(0)

function args () {
  const out = { rooms: 10, clients: 10, rate: 5, seconds: 15, name: 'yjs-meeting', casebookBin: null, reference: null, json: false, syscalls: false }
  const argv = process.argv.slice(2)
  for (let i = 0; i < argv.length; i++) {
    const value = () => argv[++i]
    switch (argv[i]) {
      case '--rooms': out.rooms = Number(value()); break
      case '--clients': out.clients = Number(value()); break
      case '--rate': out.rate = Number(value()); break
      case '--seconds': out.seconds = Number(value()); break
      case '--name': out.name = value(); break
      case '--casebook-bin': out.casebookBin = value(); break
      case '--reference': out.reference = value(); break
      case '--syscalls': out.syscalls = true; break
      default: throw new Error(`unknown argument ${argv[i]}`)
    }
  }
  return out
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

function freePort () {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address()
      s.close(() => resolve(port))
    })
  })
}

const TICKS = 100 // USER_HZ on Linux

/** CPU seconds of every thread of `pid`, by thread name (digits dropped). */
function threadCpu (pid) {
  const byName = new Map()
  let dirs = []
  try { dirs = readdirSync(`/proc/${pid}/task`) } catch { return byName }
  for (const tid of dirs) {
    let stat
    try { stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8') } catch { continue }
    const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')).replace(/[-_]?\d+$/, '')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    const cpu = (Number(fields[11]) + Number(fields[12])) / TICKS
    // Keyed by tid too, so a thread that ended in the window is not
    // subtracted from one that did not.
    byName.set(`${name}\0${tid}`, cpu)
  }
  return byName
}

/** Process CPU seconds (threads that ended included). */
function processCpu (pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(fields[11]) + Number(fields[12])) / TICKS
}

// A `kB` field of /proc/PID/status, in MiB.
function statusMiB (pid, field) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const line = status.split('\n').find((l) => l.startsWith(`${field}:`))
  return line ? Number(line.split(/\s+/)[1]) / 1024 : NaN
}

function peakRss (pid) {
  return statusMiB(pid, 'VmHWM')
}

async function waitHealthy (url, child) {
  for (let i = 0; i < 400; i++) {
    if (child.exitCode !== null) throw new Error(`server exited at start (${child.exitCode})`)
    const r = await fetch(url, { headers: { Connection: 'close' } }).catch(() => null)
    if (r && r.ok) return
    await sleep(25)
  }
  throw new Error(`${url} did not answer within 10 s`)
}

// What --syscalls counts: every syscall, the ones a socket's traffic and the
// log make, and the scheduler's context switches.
const SYSCALLS = ['sendto', 'write', 'writev', 'recvfrom', 'read', 'epoll_wait', 'epoll_pwait', 'futex', 'fdatasync', 'pwrite64']
const COUNTED = ['raw_syscalls:sys_enter', ...SYSCALLS.map((s) => `syscalls:sys_enter_${s}`), 'context-switches']

/**
 * Starts `cmd args` — under `perf stat` when counting, its events disabled
 * until `counter.enable()` and inherited by every thread. `pid` is the
 * server's own (perf's child), so CPU and RSS stay the server's.
 */
async function spawnServer (cmd, argv, options, counting) {
  if (!counting) {
    const child = spawn(cmd, argv, options)
    return { child, pid: child.pid, counter: null }
  }
  const dir = mkdtempSync(join(tmpdir(), 'casebook-bench-perf-'))
  const ctl = join(dir, 'ctl')
  const out = join(dir, 'out.csv')
  if (spawnSync('mkfifo', [ctl]).status !== 0) throw new Error('mkfifo failed')
  const child = spawn('perf', ['stat', '-x', ',', '-o', out, '--control', `fifo:${ctl}`, '-D', '-1',
    '-e', COUNTED.join(','), '--', cmd, ...argv], options)
  let pid = null
  for (let i = 0; i < 400 && !pid; i++) {
    try { pid = Number(readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').trim().split(' ')[0]) || null } catch {}
    if (!pid) await sleep(25)
  }
  if (!pid) throw new Error('perf stat did not start the server (is perf installed and allowed?)')
  const exited = new Promise((resolve) => child.once('exit', resolve))
  const counter = {
    enable () { writeFileSync(ctl, 'enable\n') },
    disable () { writeFileSync(ctl, 'disable\n') },
    /** After the server is killed: event → count over the enabled time. */
    async counts () {
      await exited
      const counts = new Map()
      for (const line of readFileSync(out, 'utf8').split('\n')) {
        const f = line.split(',')
        if (f.length > 3 && COUNTED.includes(f[2])) counts.set(f[2], Number(f[0]))
      }
      rmSync(dir, { recursive: true, force: true })
      return counts
    }
  }
  return { child, pid, counter }
}

async function startCasebook (bin, counting) {
  const port = await freePort()
  const temp = mkdtempSync(join(tmpdir(), 'casebook-bench-yjs-'))
  const { child, pid, counter } = await spawnServer(bin, [
    'serve', '--bind', `127.0.0.1:${port}`, '--data-dir', join(temp, 'data'),
    '--web-dir', '/nonexistent', '--max-messages-per-sec', '0'
  ], { env: { ...process.env, CASEBOOK_ADMIN_TOKEN: ADMIN, CASEBOOK_LOG: 'warn' }, stdio: 'ignore' }, counting)
  await waitHealthy(`http://127.0.0.1:${port}/healthz`, child)
  return {
    name: 'casebook',
    pid,
    counter,
    wsBase: `ws://127.0.0.1:${port}/sync`,
    async room (title) {
      const r = await fetch(`http://127.0.0.1:${port}/api/postmortems`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${ADMIN}`, 'Content-Type': 'application/json', Connection: 'close' },
        body: JSON.stringify({ title })
      })
      if (r.status !== 201) throw new Error(`creating a postmortem answered ${r.status}`)
      const created = await r.json()
      return { id: created.id, params: { token: created.tokens.author } }
    },
    stop () { process.kill(pid, 'SIGKILL'); rmSync(temp, { recursive: true, force: true }) }
  }
}

async function startReference (dir, counting) {
  const script = join(dir, 'node_modules/@y/websocket-server/src/server.js')
  if (!existsSync(script)) throw new Error(`${script} is missing: npm ci in ${dir}`)
  const port = await freePort()
  const { child, pid, counter } = await spawnServer(process.execPath, [script], { env: { ...process.env, HOST: '127.0.0.1', PORT: String(port) }, stdio: 'ignore' }, counting)
  await waitHealthy(`http://127.0.0.1:${port}/`, child)
  let n = 0
  return {
    name: 'reference (node)',
    pid,
    counter,
    wsBase: `ws://127.0.0.1:${port}`,
    async room (title) { return { id: `${title}-${n++}-${Math.floor(Math.random() * 1e9)}`, params: {} } },
    stop () { process.kill(pid, 'SIGKILL') }
  }
}

/** p-quantile of a sorted array. */
const quantile = (sorted, q) => sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] : NaN

async function measure (server, o) {
  const pending = new Map() // `${client}:${clock}` → { at, remaining }
  const each = []
  let sent = 0
  let seenByAll = 0
  let typing = false
  const rooms = []
  for (let r = 0; r < o.rooms; r++) {
    const room = await server.room(`${o.name}-${r}`)
    const clients = []
    for (let c = 0; c < o.clients; c++) {
      const doc = new Y.Doc()
      const provider = new WebsocketProvider(server.wsBase, room.id, doc, {
        WebSocketPolyfill: WebSocket, params: room.params, disableBc: true
      })
      const body = doc.getText('body')
      doc.on('update', (update, origin) => {
        if (origin !== provider) return
        const now = performance.now()
        const { from, to } = Y.parseUpdateMeta(update)
        for (const [client, end] of to) {
          if (client === doc.clientID) continue
          for (let clock = (from.get(client) ?? 0) + 1; clock <= end; clock++) {
            const key = `${client}:${clock}`
            const edit = pending.get(key)
            if (!edit) continue
            if (edit.counted) each.push(now - edit.at)
            if (--edit.remaining === 0) {
              pending.delete(key)
              if (edit.counted) seenByAll++
            }
          }
        }
      })
      clients.push({ doc, provider, body })
    }
    rooms.push(clients)
  }
  const all = rooms.flat()
  await Promise.all(all.map(({ provider }) => new Promise((resolve, reject) => {
    if (provider.synced) return resolve()
    const timer = setTimeout(() => reject(new Error('a client did not sync within 30 s')), 30_000)
    provider.on('sync', (s) => { if (s) { clearTimeout(timer); resolve() } })
  })))

  const type = (client, counted) => {
    const { doc, body } = client
    const at = Math.floor(Math.random() * (body.length + 1))
    body.insert(at, String.fromCharCode(97 + Math.floor(Math.random() * 26)))
    const clock = Y.getState(doc.store, doc.clientID)
    pending.set(`${doc.clientID}:${clock}`, { at: performance.now(), remaining: o.clients - 1, counted })
    if (counted) sent++
  }
  const timers = []
  const start = (counted) => {
    typing = true
    for (const client of all) {
      const period = 1000 / o.rate
      timers.push(setTimeout(() => {
        type(client, counted)
        timers.push(setInterval(() => { if (typing) type(client, counted) }, period))
      }, Math.random() * period))
    }
  }
  const stop = () => { typing = false; for (const t of timers) { clearTimeout(t); clearInterval(t) } timers.length = 0 }

  // 2 s of warm-up (not counted), then the measured window.
  start(false)
  await sleep(2000)
  stop()
  await sleep(500)
  const cpu0 = processCpu(server.pid)
  const threads0 = threadCpu(server.pid)
  const own0 = process.cpuUsage()
  const t0 = performance.now()
  server.counter?.enable()
  start(true)
  await sleep(o.seconds * 1000)
  stop()
  server.counter?.disable()
  const wall = (performance.now() - t0) / 1000
  const cpu = processCpu(server.pid) - cpu0
  const own = process.cpuUsage(own0)
  const clientCores = (own.user + own.system) / 1e6 / wall
  const threads1 = threadCpu(server.pid)
  // Let the last edits arrive (up to 30 s).
  for (let i = 0; i < 600 && [...pending.values()].some((e) => e.counted); i++) await sleep(50)
  const rss = peakRss(server.pid)
  // What the resident pages are now: the program's own (file-backed: its
  // code as the kernel maps it in, shared with the page cache) and the rest.
  const rssFile = statusMiB(server.pid, 'RssFile')
  const rssAnon = statusMiB(server.pid, 'RssAnon')
  const converged = rooms.filter((clients) => clients.every((c) => c.body.toString() === clients[0].body.toString())).length
  for (const { doc, provider } of all) { provider.destroy(); doc.destroy() }

  const perThread = new Map()
  for (const [key, after] of threads1) {
    const name = key.split('\0')[0]
    perThread.set(name, (perThread.get(name) ?? 0) + after - (threads0.get(key) ?? 0))
  }
  each.sort((a, b) => a - b)
  return {
    server: server.name,
    sent,
    seenByAll,
    converged,
    p50: quantile(each, 0.5),
    p99: quantile(each, 0.99),
    max: each.length ? each[each.length - 1] : NaN,
    deliveries: each.length,
    cpuSeconds: cpu,
    cores: cpu / wall,
    clientCores,
    cpuPer1k: cpu / (seenByAll / 1000),
    rss,
    rssFile,
    rssAnon,
    threads: [...perThread].filter(([, s]) => s > 0).sort((a, b) => b[1] - a[1])
  }
}

function table (o, ours, theirs) {
  const lines = [`\n== ${o.name} (y-websocket JS clients: ${o.rooms} rooms × ${o.clients} × ${o.rate} edits/s for ${o.seconds} s) ==`]
  const row = (label, f, unit, digits = 2) => {
    const a = ours ? f(ours) : NaN
    const b = theirs ? f(theirs) : NaN
    let line = `  ${label.padEnd(36)} casebook ${a.toFixed(digits)} ${unit}`
    if (theirs) line += `   | reference (node) ${b.toFixed(digits)} ${unit}   ours/theirs ${(a / b).toFixed(2)}`
    lines.push(line)
    return [a, b]
  }
  const verdict = (ok) => (ok === null ? 'not measurable in this run' : ok ? 'met' : 'MISSED')
  const target = (text, ok) => lines.push(`  ${''.padEnd(36)}   target: ${text} → ${verdict(ok)}`)
  const both = ours && theirs
  row('edit → each other client, p50', (r) => r.p50, 'ms')
  const [p99a, p99b] = row('edit → each other client, p99', (r) => r.p99, 'ms')
  target('p99 ≤ the reference\'s', both ? p99a <= p99b : null)
  if (o.name === 'yjs-meeting') target('p99 ≤ 5 ms (quiet machine)', ours ? p99a <= 5 : null)
  const [ca, cb] = row('server CPU s per 1,000 edits seen by all', (r) => r.cpuPer1k, 's', 3)
  target('≤ 0.5× the reference\'s', both ? ca <= 0.5 * cb : null)
  row('server CPU (cores)', (r) => r.cores, 'cores')
  row('JS clients\' CPU (cores)', (r) => r.clientCores, 'cores')
  const [ra, rb] = row('server peak RSS', (r) => r.rss, 'MiB', 1)
  target('≥ 3× lower than the reference\'s', both ? ra * 3 <= rb : null)
  row('  at the end: program file pages', (r) => r.rssFile, 'MiB', 1)
  row('  at the end: heap and the rest', (r) => r.rssAnon, 'MiB', 1)
  if ([ours, theirs].some((r) => r?.syscalls)) {
    // Counted over the typing window, divided like the CPU: by edits seen by all.
    const per1k = (r, event) => r?.syscalls ? (r.syscalls.get(event) ?? 0) / (r.seenByAll / 1000) : NaN
    row('syscalls per 1,000 edits seen by all', (r) => per1k(r, 'raw_syscalls:sys_enter'), '', 0)
    for (const name of SYSCALLS) {
      const event = `syscalls:sys_enter_${name}`
      if ((ours?.syscalls?.get(event) ?? 0) + (theirs?.syscalls?.get(event) ?? 0) === 0) continue
      row(`  of which ${name}`, (r) => per1k(r, event), '', 0)
    }
    row('context switches per 1,000 edits', (r) => per1k(r, 'context-switches'), '', 0)
  }
  for (const r of [ours, theirs].filter(Boolean)) {
    lines.push(`  ${r.server}: edits ${r.sent} sent / ${r.seenByAll} seen by all; ${r.converged} of ${o.rooms} rooms converged; CPU by thread: ` +
      r.threads.map(([n, s]) => `${n} ${(100 * s / r.cpuSeconds).toFixed(0)} %`).join(', '))
  }
  return lines.join('\n')
}

const o = args()
let ours = null
let theirs = null
if (o.casebookBin) {
  const server = await startCasebook(o.casebookBin, o.syscalls)
  try { ours = await measure(server, o) } finally { server.stop() }
  if (server.counter) ours.syscalls = await server.counter.counts()
}
if (o.reference) {
  const server = await startReference(o.reference, o.syscalls)
  try { theirs = await measure(server, o) } finally { server.stop() }
  if (server.counter) theirs.syscalls = await server.counter.counts()
}
console.log(table(o, ours, theirs))
process.exit(0)
