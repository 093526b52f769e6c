// The reference JavaScript client (yjs + y-websocket's WebsocketProvider)
// interoperates with the Casebook server: concurrent editing converges, late
// joiners get the state, viewers are read-only, a participant may not
// arrange sections (write scopes), and awareness flows.

import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import * as Y from 'yjs'
import {
  withServerLog,
  Server, connectClient, waitFor, prng, graphemeBoundaries, hasLoneSurrogate
} from './helpers.mjs'

let server
const clients = []
/** Connects a client that is destroyed after the test file, whatever happens. */
function client (id, token, opts) {
  const c = connectClient(server, id, token, opts)
  clients.push(c)
  return c
}

before(async () => { server = await Server.start() })
after(async () => {
  for (const c of clients) {
    try { c.destroy() } catch {}
  }
  if (server) {
    await server.stop()
  }
})

// Chunks with Japanese text, surrogate pairs (😀, 🇯🇵), ZWJ sequences
// (👩‍💻, 👨‍👩‍👧) and combining marks, so UTF-16 offsets are exercised.
const CHUNKS = ['障害', 'ポストモーテム', '復旧手順', '😀', '👩‍💻', '👨‍👩‍👧', '🇯🇵', 'é', 'abc', ' ', '\n', '＃', 'が']

test('three JS clients edit concurrently with Japanese and emoji and converge; a late joiner gets the same text', { timeout: 120_000 }, withServerLog(() => server, async (t) => {
  const pm = await server.createPostmortem('JS convergence 収束')
  const token = pm.tokens.author
  const [a, b, c] = [client(pm.id, token), client(pm.id, token), client(pm.id, token)]
  await Promise.all([a.synced(), b.synced(), c.synced()])

  const seed = Number(process.env.CASEBOOK_SEED || 20261124)
  const random = prng(seed)
  const pick = (list) => list[Math.floor(random() * list.length)]
  const editors = [a, b, c]
  const inserted = []

  // Rounds of local edits at random grapheme boundaries, with short random
  // pauses between rounds so updates cross in flight (real concurrency).
  for (let round = 0; round < 60; round++) {
    for (const editor of editors) {
      const ops = 1 + Math.floor(random() * 3)
      for (let i = 0; i < ops; i++) {
        const text = editor.text()
        const bounds = graphemeBoundaries(text)
        if (text.length > 0 && random() < 0.3) {
          // Delete 1–3 whole graphemes.
          const from = Math.floor(random() * (bounds.length - 1))
          const to = Math.min(bounds.length - 1, from + 1 + Math.floor(random() * 3))
          editor.body.delete(bounds[from], bounds[to] - bounds[from])
        } else {
          const chunk = pick(CHUNKS)
          editor.body.insert(pick(bounds), chunk)
          inserted.push(chunk)
        }
      }
    }
    await new Promise((resolve) => setTimeout(resolve, Math.floor(random() * 8)))
  }
  // A final marker per client, never deleted: each must survive exactly once.
  const markers = editors.map((_, i) => `[client${i} 完了 👩‍💻]`)
  editors.forEach((editor, i) => {
    editor.body.insert(pick(graphemeBoundaries(editor.text())), markers[i])
  })

  const describe = () => JSON.stringify(editors.map((e) => e.text()))
  const sv = (e) => Buffer.from(Y.encodeStateVector(e.doc)).toString('base64')
  await waitFor(() => {
    const texts = editors.map((e) => e.text())
    return texts.every((t) => t === texts[0]) && editors.every((e) => sv(e) === sv(a))
  }, { what: `three clients to converge (seed ${seed})`, describe })

  const final = a.text()
  t.diagnostic(`seed ${seed}: ${inserted.length} inserts, converged on ${final.length} UTF-16 units`)
  assert.ok(final.length > 0, 'the body is not empty')
  assert.ok(!hasLoneSurrogate(final), `no lone surrogate in ${JSON.stringify(final)}`)
  for (const marker of markers) {
    assert.equal(final.split(marker).length - 1, 1, `marker ${marker} appears once`)
  }

  // A fresh client joining late receives exactly the converged text.
  const late = client(pm.id, pm.tokens.participant)
  await late.synced()
  await waitFor(() => late.text() === final, {
    what: 'the late joiner to get the converged text',
    describe: () => JSON.stringify(late.text())
  })
}))

test('a viewer receives edits, but its local write is refused with 1008 and never reaches others', { timeout: 120_000 }, withServerLog(() => server, async () => {
  const pm = await server.createPostmortem('JS viewer 閲覧')
  const author = client(pm.id, pm.tokens.author)
  const other = client(pm.id, pm.tokens.participant)
  // The viewer does not reconnect after the server closes it.
  const viewer = client(pm.id, pm.tokens.viewer, { shouldReconnect: () => false })
  await Promise.all([author.synced(), other.synced(), viewer.synced()])

  // Everyone, viewer included, sees the author's edit.
  author.body.insert(0, '初版 👩‍💻 draft')
  for (const c of [other, viewer]) {
    await waitFor(() => c.text() === '初版 👩‍💻 draft', { what: 'the author edit to arrive', describe: c.text })
  }

  // Record every text the other clients ever hold from now on.
  const FORBIDDEN = 'VIEWER WRITE 閲覧者'
  const seenByOthers = []
  for (const c of [author, other]) c.doc.on('update', () => seenByOthers.push(c.text()))

  viewer.body.insert(0, FORBIDDEN)
  await waitFor(() => viewer.closes.some((c) => c.code === 1008), {
    what: 'the server to close the viewer socket with 1008',
    describe: () => JSON.stringify(viewer.closes)
  })
  viewer.provider.destroy() // never let it reconnect and retry the write

  // A fence: an edit sent after the close; once it arrived everywhere, any
  // relayed viewer write would have arrived before it.
  author.body.insert(author.body.length, ' fence')
  await waitFor(() => other.text() === '初版 👩‍💻 draft fence', { what: 'the fence edit', describe: other.text })
  const probe = client(pm.id, pm.tokens.participant)
  await probe.synced()
  assert.equal(probe.text(), '初版 👩‍💻 draft fence', 'the server state has no viewer write')
  assert.equal(author.text(), '初版 👩‍💻 draft fence')
  assert.ok(!seenByOthers.some((t) => t.includes(FORBIDDEN)), `others never saw the viewer write: ${JSON.stringify(seenByOthers)}`)
}))

test('write scopes: a participant edits the text, but its write to the section order is refused with 1008 and applies nothing; the author arranges', { timeout: 120_000 }, withServerLog(() => server, async () => {
  const pm = await server.createPostmortem('JS scopes 範囲')
  const author = client(pm.id, pm.tokens.author)
  // The participant does not reconnect after the server closes it.
  const participant = client(pm.id, pm.tokens.participant, { shouldReconnect: () => false })
  await Promise.all([author.synced(), participant.synced()])
  const summary = (c) => c.doc.getText('section:summary').toString()

  // Text is the participant's to edit.
  participant.doc.getText('section:summary').insert(0, '参加者の追記 👩‍💻')
  await waitFor(() => summary(author) === '参加者の追記 👩‍💻', { what: 'the participant edit to arrive', describe: () => summary(author) })

  // Arranging sections is not: one transaction that moves a section and types.
  participant.doc.transact(() => {
    participant.doc.getMap('section_order').set('glossary', -1)
    participant.doc.getText('section:summary').insert(0, 'FORBIDDEN ')
  })
  await waitFor(() => participant.closes.some((c) => c.code === 1008), {
    what: 'the server to close the participant socket with 1008',
    describe: () => JSON.stringify(participant.closes)
  })
  participant.provider.destroy() // never let it reconnect and retry the write
  const refusal = participant.closes.find((c) => c.code === 1008)
  assert.match(refusal.reason, /participants may not add, rename, move or remove sections/)

  // The author moves the section; a fresh client sees the author's move and
  // nothing of the refused transaction.
  author.doc.getMap('section_order').set('glossary', -2)
  const probe = client(pm.id, pm.tokens.viewer)
  await probe.synced()
  await waitFor(() => probe.doc.getMap('section_order').get('glossary') === -2, {
    what: 'the author move to arrive',
    describe: () => JSON.stringify(probe.doc.getMap('section_order').toJSON())
  })
  assert.equal(summary(probe), '参加者の追記 👩‍💻', 'the refused text never arrived')
  assert.equal(summary(author), '参加者の追記 👩‍💻')
}))

test('awareness: a user state set by one client is seen by another and removed when it leaves', { timeout: 120_000 }, withServerLog(() => server, async () => {
  const pm = await server.createPostmortem('JS awareness 在席')
  const alice = client(pm.id, pm.tokens.author)
  const bob = client(pm.id, pm.tokens.participant)
  await Promise.all([alice.synced(), bob.synced()])

  const aliceId = alice.doc.clientID
  const aliceUser = () => bob.provider.awareness.getStates().get(aliceId)?.user
  alice.provider.awareness.setLocalStateField('user', { name: 'Alice 有紀', color: '#f00' })
  await waitFor(() => aliceUser()?.name === 'Alice 有紀', {
    what: "Bob to see Alice's awareness state",
    describe: () => JSON.stringify([...bob.provider.awareness.getStates()])
  })
  assert.deepEqual(aliceUser(), { name: 'Alice 有紀', color: '#f00' })

  alice.destroy()
  await waitFor(() => !bob.provider.awareness.getStates().has(aliceId), {
    what: "Alice's awareness state to be removed after she left",
    describe: () => JSON.stringify([...bob.provider.awareness.getStates()])
  })
}))
