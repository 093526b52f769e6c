// Images and diagrams in headless Chromium against the real server: an
// image pasted (and one dropped) into a section is uploaded, its Markdown
// lands at the caret for everyone, and the preview shows it; an SVG paste is
// refused with a reason in the writer's language; a ```mermaid block shows
// as a drawn diagram in the preview, and one that does not parse shows its
// source and the error.
//
// Screenshots: tests/js/screenshots/images-*.png.
// Needs web/dist (cargo xtask build-web) and Chromium (see browser.test.mjs).

import { test } from 'node:test'
import assert from 'node:assert/strict'
import {
  withServerLog, waitFor, browserSuite, skipBrowser, openAs as openPage, seed, connectClient,
  PHONE, screenshot, giveFile
} from './helpers.mjs'

const skip = skipBrowser() ? 'CASEBOOK_SKIP_BROWSER=1' : false

let server
let browser
const cleanups = []

browserSuite(cleanups, (s, b) => { server = s; browser = b })

const openAs = (link, name, options = {}) => openPage(browser, cleanups, link, name, options)

const shot = screenshot

/** Switches one section to its rendered preview. */
async function preview (page, section) {
  await page.locator(`#sec-${section} .preview-toggle`).click()
  return page.locator(`#sec-${section} .preview`)
}

/** Waits until every `<img>` matching `selector` has loaded with a width. */
async function loaded (page, selector) {
  await waitFor(() => page.locator(selector).evaluateAll((imgs) =>
    imgs.length > 0 && imgs.every((i) => i.complete && i.naturalWidth > 0)), { what: `${selector} loaded` })
}

test('an image pasted or dropped into a section is uploaded, inserted for everyone and shown in the preview', { skip, timeout: 180_000 }, withServerLog(() => server, async (t) => {
  const pm = await server.createPostmortem('Checkout outage')
  await seed(server, pm, { impact: 'Checkout p99 latency went from 300 ms to 12 s.\n' })
  const author = await openAs(pm.links.author, 'Aiko')
  const reader = connectClient(server, pm.id, pm.tokens.viewer)
  cleanups.push(() => reader.destroy())
  await reader.synced()

  await t.test('a pasted PNG becomes an image in the text, for everyone', async () => {
    await giveFile(author, 'impact')
    const textarea = author.locator('#text-impact')
    const text = await waitFor(async () => {
      const value = await textarea.inputValue()
      return /!\[p99 latency\]\(\/api\/postmortems\/[a-z0-9]+\/images\/[0-9a-f]{64}\)/.test(value) && value
    }, { what: 'the image Markdown in the editor' })
    assert.ok(text.startsWith('Checkout p99 latency went from 300 ms to 12 s.\n'), text)
    await waitFor(() => reader.doc.getText('section:impact').toString() === text, { what: 'the image for another client' })
    const shown = await preview(author, 'impact')
    await loaded(author, '#sec-impact .preview img')
    assert.equal(await shown.locator('img').getAttribute('alt'), 'p99 latency')
    await author.locator('#sec-impact').scrollIntoViewIfNeeded()
    await shot(author, 'images-pasted-preview')
  })

  await t.test('a dropped image lands in the section it was dropped on', async () => {
    await giveFile(author, 'timeline', { how: 'drop', name: 'error_rate.png' })
    await waitFor(async () => (await author.locator('#text-timeline').inputValue()).includes('![error rate](/api/'), { what: 'the dropped image' })
  })

  await t.test('an SVG is refused, with the reason in the writer\'s language', async () => {
    const before = await author.locator('#text-summary').inputValue()
    await giveFile(author, 'summary', { name: 'diagram.svg', svg: '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>' })
    await author.locator('#sec-summary .image-status', { hasText: 'Only PNG, JPEG, GIF and WebP' }).waitFor()
    assert.equal(await author.locator('#text-summary').inputValue(), before)
    assert.deepEqual(author.errors.filter((e) => !e.includes('415')), [])
  })

  await t.test('in Japanese, and on a phone', async () => {
    const ja = await openAs(pm.links.participant, '佐藤', { locale: 'ja-JP', viewport: PHONE })
    await giveFile(ja, 'summary', { name: 'diagram.svg', svg: '<svg xmlns="http://www.w3.org/2000/svg"/>' })
    await ja.locator('#sec-summary .image-status', { hasText: '追加できる画像は' }).waitFor()
    await preview(ja, 'impact')
    await loaded(ja, '#sec-impact .preview img')
    await ja.locator('#sec-impact').scrollIntoViewIfNeeded()
    await shot(ja, 'images-phone-ja')
  })
}))

const REQUEST_PATH = [
  'sequenceDiagram',
  '    participant LB as Load balancer',
  '    participant API as API',
  '    participant DB as Postgres primary',
  '    LB->>API: POST /orders',
  '    API->>DB: INSERT order',
  '    DB-->>API: timeout after 30 s',
  '    API-->>LB: 504'
].join('\n')

const FAILOVER_JA = [
  'flowchart TD',
  '    A[プライマリ応答なし] --> B{ヘルスチェック3回失敗?}',
  '    B -- はい --> C[レプリカを昇格]',
  '    C --> D[DNSを新プライマリへ]',
  '    B -- いいえ --> A'
].join('\n')

test('a mermaid block shows as a drawn diagram in the preview, and a broken one as its error and source', { skip, timeout: 180_000 }, withServerLog(() => server, async (t) => {
  const pm = await server.createPostmortem('Failover')
  await seed(server, pm, {
    timeline: `The request path:\n\n\`\`\`mermaid\n${REQUEST_PATH}\n\`\`\`\n`,
    causes: `フェイルオーバー:\n\n\`\`\`mermaid\n${FAILOVER_JA}\n\`\`\`\n\n\`\`\`mermaid\nsequenceDiagram\n    LB->>: oops\n\`\`\`\n`
  })
  const page = await openAs(pm.links.author, 'Aiko')

  await t.test('the sequence diagram is drawn as an image from the server', async () => {
    await preview(page, 'timeline')
    await loaded(page, '#sec-timeline .preview figure.diagram img')
    const drawing = await page.locator('#sec-timeline figure.diagram img').evaluate(async (img) => {
      const r = await fetch(img.src)
      return { type: r.headers.get('content-type'), text: await r.text(), width: img.naturalWidth }
    })
    assert.equal(drawing.type, 'image/svg+xml')
    assert.ok(drawing.text.includes('Load balancer') && drawing.width > 300, JSON.stringify(drawing).slice(0, 300))
    assert.ok(!/<script|foreignObject/i.test(drawing.text))
    await page.locator('#sec-timeline').scrollIntoViewIfNeeded()
    await shot(page, 'images-mermaid-sequence')
  })

  await t.test('a Japanese flowchart is drawn, and a broken diagram shows its error and source', async () => {
    await preview(page, 'causes')
    await loaded(page, '#sec-causes .preview figure.diagram img')
    const texts = await page.locator('#sec-causes figure.diagram img').evaluateAll((imgs) =>
      Promise.all(imgs.map(async (img) => (await fetch(img.src)).text())))
    assert.equal(texts.length, 2)
    assert.ok(texts[0].includes('レプリカを昇格'), texts[0].slice(0, 300))
    assert.ok(texts[1].includes('LB-&gt;&gt;: oops') && texts[1].includes('line 2'), texts[1])
    await page.locator('#sec-causes').scrollIntoViewIfNeeded()
    await shot(page, 'images-mermaid-flowchart-and-error')
    assert.deepEqual(page.errors, [])
  })
}))
