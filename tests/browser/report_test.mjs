// A run's report.html opened from disk in headless Chromium: the curves, the kernels, the
// confusion matrix, the misclassified examples and what the filters detect must be on screen,
// with nothing loaded from anywhere else and no error.
//   node report_test.mjs RUN/report.html SCREENSHOT.png
import { check, colours, finish, launch, onScreen, watch } from './browser.mjs';

const [file, shot] = process.argv.slice(2);
const { browser, close } = await launch();
try {
  const page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 900 });
  const problems = watch(page, 'file://');
  await page.goto('file://' + file, { waitUntil: 'load', timeout: 30000 });
  check((await page.title()).startsWith('Training run '), 'the page is a training run report: ' + (await page.title()));

  // The figures that follow a heading, up to the next heading.
  const section = (heading, selector) => page.evaluateHandle((heading, selector) => {
    const h = [...document.querySelectorAll('h2')].find((e) => e.textContent === heading);
    const found = [];
    for (let e = h?.nextElementSibling; e && e.tagName !== 'H2'; e = e.nextElementSibling) found.push(...e.querySelectorAll(selector));
    return found;
  }, heading, selector);
  const items = async (heading, selector) => {
    const list = await section(heading, selector);
    const n = await list.evaluate((a) => a.length);
    return Promise.all([...Array(n).keys()].map((i) => list.evaluateHandle((a, i) => a[i], i)));
  };

  const charts = await items('Curves', 'svg');
  check(charts.length >= 3, `${charts.length} charts under "Curves" (loss, accuracy, learning rate, throughput)`);
  for (const c of charts) {
    const title = await c.evaluate((s) => s.querySelector('text')?.textContent);
    check(await onScreen(c, 300, 200), `chart "${title}" is on screen`);
  }
  const lossPoints = charts.length ? await charts[0].evaluate((s) => s.querySelector('polyline')?.getAttribute('points').trim().split(/\s+/).length ?? 0) : 0;
  check(lossPoints >= 20, `the loss chart's per-batch curve has ${lossPoints} points`);

  const kernels = await items('First-layer kernels over the epochs', 'img');
  check(kernels.length === 1 && await onScreen(kernels[0], 200, 80), 'the kernel filmstrip is on screen');

  const confusion = await items('Confusion matrix', 'svg');
  check(confusion.length === 1 && await onScreen(confusion[0], 300, 300), 'the confusion matrix is on screen');
  const names = await confusion[0]?.evaluate((s) => [...s.querySelectorAll('text')].map((t) => t.textContent));
  check(['0', '5', '9', 'predicted class', 'true class'].every((n) => names?.includes(n)), 'it names the classes and its axes');

  const pairs = await items('Most confused pairs', 'img');
  check(pairs.length === 1 && await onScreen(pairs[0], 200, 50), 'the most-confused pairs, with examples, are on screen');
  const mistakes = await items('Misclassified test images', 'img');
  check(mistakes.length === 1 && await onScreen(mistakes[0], 400, 100), 'the grid of misclassified test images is on screen');

  // Issue 26: the top crops of lenet5's two conv layers (6 and 16 rows of crops) and the Grad-CAM examples.
  const filters = await items('What the filters detect', 'img');
  check(filters.length === 3, `${filters.length} pictures under "What the filters detect" (layers 0 and 3, Grad-CAM per class)`);
  for (const [i, f] of filters.entries()) {
    const size = await f.evaluate((img) => [img.naturalWidth, img.naturalHeight]);
    check(size[0] >= 300 && size[1] >= 300 && await onScreen(f, 300, 200), `picture ${i + 1} of the section is on screen (${size.join('x')})`);
    const n = await colours(f);
    check(n >= 16, `picture ${i + 1} of the section is not blank (${n} colours)`);
  }

  for (const h of ['Model', 'Settings', 'Reproduce']) {
    const hs = await page.$$('h2');
    let found = false;
    for (const e of hs) if ((await e.evaluate((x) => x.textContent)) === h) found = await onScreen(e, 10, 10);
    check(found, `section "${h}" is on screen`);
  }
  const command = await page.evaluate(() => [...document.querySelectorAll('pre code')].map((c) => c.textContent).find((t) => t.includes(' train ')));
  check(Boolean(command) && command.includes('--seed') && command.includes('--threads'), 'the reproducing command: ' + command);

  // A 1200-px window: nothing wider than the page (lenet5's crop grids and titles were cut, with a
  // horizontal scroll bar); a wide table may scroll inside its own box.
  await page.setViewport({ width: 1200, height: 900 });
  const wide = await page.evaluate(() => {
    const root = document.documentElement;
    const out = [...document.querySelectorAll('img, svg, table, figure, pre')]
      .filter((e) => !e.closest('.wide, pre') || e.matches('pre'))
      .filter((e) => e.getBoundingClientRect().right > root.clientWidth + 1)
      .map((e) => e.tagName + ' ' + Math.round(e.getBoundingClientRect().right) + 'px');
    return { scroll: root.scrollWidth, client: root.clientWidth, out };
  });
  check(wide.scroll <= wide.client && wide.out.length === 0,
    `no horizontal overflow at 1200 px (page ${wide.scroll} of ${wide.client} px${wide.out.length ? '; past the edge: ' + wide.out.join(', ') : ''})`);

  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: shot, fullPage: true });
  console.log('screenshot: ' + shot);
  check(problems.length === 0, 'no errors and no outside requests' + (problems.length ? ': ' + problems.join(' | ') : ''));
} finally {
  await close();
}
finish();
