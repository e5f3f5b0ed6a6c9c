// The draw page of `minicnn serve` in headless Chromium: a 7 drawn on the canvas with the mouse
// (DevTools input events) must come back as class 7, with the answer updating while the stroke
// is drawn and every layer's activation picture non-empty; a dropped-in file gets an answer too.
//   node serve_test.mjs URL PICTURE SCREENSHOT.png
import { check, colours, finish, launch, onScreen, sleep, until, watch } from './browser.mjs';

const [url, picture, shot] = process.argv.slice(2);
const { browser, close } = await launch();
const answers = (page) => page.evaluate(() => Number(document.body.dataset.answers ?? 0));
try {
  const page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 1000 });
  const problems = watch(page, url);
  await page.goto(url, { waitUntil: 'load', timeout: 30000 });
  check(await until(page, () => Number(document.body.dataset.answers ?? 0) >= 1, 15000), 'the empty canvas gets a first answer');
  check(await page.$eval('#confidence', (e) => e.textContent) === '(nothing drawn yet)', 'which says nothing is drawn yet');

  // A 7 as a person draws it: a bar across the top, then a stroke down and to the left.
  const box = await (await page.$('#pad')).boundingBox();
  const at = (x, y) => [box.x + x * box.width, box.y + y * box.height];
  const before = await answers(page);
  await page.mouse.move(...at(0.25, 0.22));
  await page.mouse.down();
  for (const [x, y] of [[0.45, 0.22], [0.72, 0.22], [0.62, 0.45], [0.52, 0.65], [0.45, 0.82]]) {
    await page.mouse.move(...at(x, y), { steps: 12 });
    await sleep(60);
  }
  await page.mouse.up();
  await page.waitForNetworkIdle({ idleTime: 600, timeout: 15000 });
  const during = (await answers(page)) - before;
  check(during >= 3, `the answer updates while drawing (${during} answers for one stroke)`);
  const said = await page.$eval('#prediction', (e) => e.textContent);
  const sure = await page.$eval('#confidence', (e) => e.textContent);
  check(said === '7', `the drawn 7 reads as class ${said} (${sure})`);
  check(await onScreen(await page.$('#seen'), 50, 50) && await colours(await page.$('#seen')) > 2, 'what the model sees is on screen, with ink');
  const layers = await page.$$('#layers img');
  check(layers.length >= 5, `${layers.length} layers' activations are shown`);
  for (const [i, img] of layers.entries()) {
    const name = await page.evaluate((e) => e.previousElementSibling.textContent, img);
    check(await onScreen(img, 8, 8) && await colours(img) > 2, `layer ${name}: its activation picture is on screen and not blank`);
  }
  const bars = await page.$$eval('#probs .bar', (a) => a.map((b) => b.textContent));
  check(bars.length === 10 && bars[0].startsWith('7'), 'ten probability bars, 7 first: ' + bars[0]);
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: shot, fullPage: true });
  console.log('screenshot: ' + shot);

  const count = await answers(page);
  await (await page.$('#file')).uploadFile(picture);
  check(await until(page, (n) => Number(document.body.dataset.answers) > n, 15000, count), 'a picture chosen as a file gets an answer too');
  const report = await page.evaluate(async () => (await fetch('/run/report.html')).status);
  check(report === 200, "the run's report is served at /run/report.html");
  check(problems.length === 0, 'no errors on the page' + (problems.length ? ': ' + problems.join(' | ') : ''));
} finally {
  await close();
}
finish();
