/**
 * The HTML report in a real browser (Debian's chromium driven by
 * playwright-core): it loads with no console errors, shows every step of a
 * D1 counterexample in its thread's lane, a click shows that step's diff and
 * immer patches, the filters hide lanes and pages, and a trace whose source
 * and tid carry script payloads leaves the title and the DOM untouched.
 * A screenshot is kept in test-artifacts/.
 *
 * They are the full tier (npm run test:all); `npm test` counts them as skipped.
 * Without /usr/bin/chromium the tests are not registered and a line says so;
 * CI installs chromium and sets HMMCHECK_REQUIRE_BROWSER=1, which turns a
 * missing browser into a failure.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FULL_TIER, fullTest } from '../helpers/tier.js';
import { memoryIo } from '../../cli/io.js';
import { main } from '../../cli/main.js';
import { tempDir } from '../helpers/tmp.js';

const CHROMIUM = process.env['HMMCHECK_CHROMIUM'] ?? '/usr/bin/chromium';
const dir = tempDir('html');
const artifacts = new URL('../../../test-artifacts/', import.meta.url);

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = memoryIo();
  const code = await main(argv, io);
  return { code, out: io.stdout, err: io.stderr };
}

let browser: Browser;

async function open(file: string): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(pathToFileURL(file).href);
  return { page, errors };
}

if (!FULL_TIER) {
  // Starting a browser takes seconds: the full tier (npm run test:all) only.
  fullTest('the HTML report in a real browser', () => undefined);
} else if (!existsSync(CHROMIUM)) {
  if (process.env['HMMCHECK_REQUIRE_BROWSER']) {
    test('a browser for the HTML report tests', () => assert.unreachable(`${CHROMIUM} not found (apt-get install chromium)`));
  } else {
    console.log(`browser tests not run: ${CHROMIUM} not found (apt-get install chromium)`);
  }
} else {
  test.before(async () => {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
  });
  test.after(async () => {
    await browser?.close();
  });

  test('the D1 report renders every step in its lane; a click shows the diff and immer patches', async () => {
    const json = join(dir, 'd1.json');
    assert.is((await run(['check', '--preset', 'tiny', '--variant', 'D1', '--out', json, '--quiet'])).code, 1);
    const html = join(dir, 'd1.html');
    assert.is((await run(['report', json, '--format', 'html', '--out', html])).code, 0);
    const result = JSON.parse(readFileSync(json, 'utf8'));
    const steps = result.violations[0].counterexample as { text: string; thread: string }[];
    const { page, errors } = await open(html);
    assert.is(await page.title(), 'hmmcheck check: preset tiny, variant D1');
    // mig0's steps here are all its invalidation path: the MIGRATE bracket and the callback.
    assert.equal(await page.locator('table.lanes th').allTextContents(), ['#', 'cpu0', 'gpu0', 'mig0 invalidation']);
    const buttons = page.locator('button.step');
    assert.is(await buttons.count(), steps.length);
    assert.equal(await buttons.allTextContents(), steps.map((s) => s.text));
    // The violating step is marked and the invariant's sentence shown.
    assert.match((await page.locator('#banner').textContent()) ?? '', /^INV-4: a device page-table entry is installed only under L\(d\)/);
    assert.is(await page.locator('tr.violation button.step').textContent(), steps[steps.length - 1]!.text);
    // Step 5 (the migration's invalidate_range_start) in mig0's lane: its diff and patches.
    const lane = await page.locator('tr[data-step="4"] td').evaluateAll((tds) => tds.findIndex((td) => td.querySelector('button') !== null));
    assert.is(lane, 3, "mig0's invalidation path is the third lane after the step number");
    await page.locator('tr[data-step="4"] button.step').click();
    assert.match((await page.locator('#detail h2').first().textContent()) ?? '', /^step 5: mig0 invalidation$/);
    assert.ok((await page.locator('#detail ul.changes li').allTextContents()).includes('mm0.invalidate_seq: 2 → 3'));
    assert.match((await page.locator('#detail pre.patches').textContent()) ?? '', /\{"op":"replace","path":\["mms",0,"seq"\],"value":3\}/);
    assert.ok((await page.locator('#detail table.facts tr.changed').count()) > 0, 'the changed facts are highlighted');
    mkdirSync(artifacts, { recursive: true });
    await page.screenshot({ path: new URL('report-d1.png', artifacts).pathname, fullPage: true });
    // Filters: hide gpu0, then show only steps on page 0 (all of them here).
    await page.locator('#thread-filters input[data-thread="1"]').uncheck();
    assert.is(await page.locator('tr[data-step]:not(.hidden)').count(), steps.filter((s) => s.thread !== 'gpu0').length);
    await page.locator('#thread-filters input[data-thread="1"]').check();
    await page.locator('#page-filter').selectOption('0');
    assert.is(await page.locator('tr[data-step]:not(.hidden)').count(), steps.length);
    assert.equal(errors, []);
    await page.close();
  });

  test('the page filter keeps the steps on that page and those on none (locks, read_begin)', async () => {
    // H1 on small: the migration covers both pages, the device fault page 0 only.
    const json = join(dir, 'h1.json');
    assert.is((await run(['check', '--preset', 'small', '--variant', 'H1', '--out', json, '--quiet'])).code, 1);
    const html = join(dir, 'h1.html');
    assert.is((await run(['report', json, '--format', 'html', '--out', html])).code, 0);
    const steps = JSON.parse(readFileSync(json, 'utf8')).violations[0].counterexample as { event: Record<string, unknown> }[];
    const onPage1 = (e: Record<string, unknown>): boolean =>
      e['page'] === 1 || (typeof e['start'] === 'number' && (e['start'] as number) <= 1 && (e['end'] as number) > 1) || (Array.isArray(e['migrated']) && e['migrated'].includes(1));
    const noPage = (e: Record<string, unknown>): boolean => e['page'] === undefined && e['start'] === undefined && e['migrated'] === undefined;
    const want = steps.filter((s) => onPage1(s.event) || noPage(s.event)).length;
    assert.ok(want < steps.length, 'some steps are on page 0 only');
    const { page, errors } = await open(html);
    await page.locator('#page-filter').selectOption('1');
    assert.is(await page.locator('tr[data-step]:not(.hidden)').count(), want);
    await page.locator('#page-filter').selectOption({ index: 0 });
    assert.is(await page.locator('tr[data-step]:not(.hidden)').count(), steps.length);
    assert.equal(errors, []);
    await page.close();
  });

  test('a hostile trace is inert: its source and tid stay text, the title and DOM are untouched', async () => {
    const payload = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>';
    const trace = join(dir, 'hostile.jsonl');
    writeFileSync(
      trace,
      [
        { hmmtrace: 1, source: `</title><script>window.__pwned=3</script>${payload}` },
        { ev: 'cpu_write', tid: payload, mm: 0, page: 0, value: 5 },
        { ev: 'cpu_read', tid: payload, mm: 0, page: 0, value: 7 },
      ]
        .map((e) => JSON.stringify(e))
        .join('\n') + '\n',
    );
    const json = join(dir, 'hostile.json');
    const rep = await run(['replay', trace, '--out', json, '--quiet']);
    assert.is(rep.code, 1, rep.out + rep.err);
    const html = join(dir, 'hostile.html');
    assert.is((await run(['report', json, '--format', 'html', '--out', html])).code, 0);
    const { page, errors } = await open(html);
    assert.is(await page.title(), `hmmcheck replay: ${trace}`);
    assert.is(await page.evaluate(() => (globalThis as unknown as { __pwned?: number }).__pwned), undefined);
    assert.is(await page.locator('img').count(), 0);
    assert.is(await page.locator('script').count(), 2, 'only the data block and the page script');
    // The payload is on the page as text, in its lane header and step.
    assert.ok((await page.locator('table.lanes th').allTextContents()).includes(payload));
    assert.match((await page.locator('#footer').textContent()) ?? '', /<\/title><script>window.__pwned=3<\/script>/);
    assert.equal(errors, []);
    await page.close();
  });
}

test.run();
