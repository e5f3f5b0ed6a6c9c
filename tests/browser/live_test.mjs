// The live page of `minicnn train --live` in headless Chromium. The browser starts first and
// says so in READY; the test script then starts training and writes the page's address to
// URL_FILE. Two scenarios:
//   watch    the loss curve gains points while training runs; Pause stops the batch counter;
//            the kernels, their gradients and the feature maps are on screen; Resume; the run
//            finishes with the page open.
//   lr-stop  a learning-rate multiplier of 0.5 is set and recorded; Stop ends the run with a
//            resumable checkpoint, and the page says how to resume.
//   node live_test.mjs watch|lr-stop READY URL_FILE SCREENSHOT.png
import fs from 'node:fs';
import { check, colours, finish, launch, onScreen, sleep, until, watch } from './browser.mjs';

const [mode, ready, urlFile, shot] = process.argv.slice(2);
const { browser, close } = await launch();
const text = (page, id) => page.$eval('#' + id, (e) => e.textContent);
const points = (page) => page.$eval('#loss-chart', (c) => Number(c.dataset.points));
try {
  const page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 1000 });
  fs.writeFileSync(ready, 'ready\n');
  let url = '';
  for (let i = 0; i < 1200 && !url; ++i, await sleep(50)) url = fs.existsSync(urlFile) ? fs.readFileSync(urlFile, 'utf8').trim() : '';
  if (!check(url.startsWith('http://127.0.0.1:'), 'the run printed its live page: ' + url)) finish();
  const problems = watch(page, url);
  await page.goto(url, { waitUntil: 'load', timeout: 30000 });
  check(await until(page, () => Number(document.querySelector('#loss-chart').dataset.points) > 0, 20000), 'the loss chart has points');

  if (mode === 'watch') {
    const before = await points(page);
    check(await until(page, (n) => Number(document.querySelector('#loss-chart').dataset.points) > n, 20000, before),
          `the loss curve gains points while training runs (${before} -> ${await points(page)})`);
    await page.click('#pause');
    check(await until(page, () => document.querySelector('#state').textContent === 'paused', 10000), 'Pause: the page says paused');
    const p1 = await text(page, 'position');
    await sleep(2500);
    const p2 = await text(page, 'position');
    check(p1 === p2, `while paused the batch counter stays at ${p1} (2.5 s later: ${p2})`);
    check(await text(page, 'pause') === 'Resume', 'the button now offers Resume');
    // Paused, the weights stand still and the pictures stop changing once the last ones arrived.
    check(await until(page, () => [...document.querySelectorAll('#kernels img, #maps img')].every((i) => i.complete && i.naturalWidth > 0), 30000),
          'while paused, every picture has loaded');
    for (const id of await page.$$eval('#kernels img, #maps img', (a) => a.map((i) => i.id))) {
      const img = await page.$('#' + id);
      check(await onScreen(img, 20, 20) && await colours(img) > 2, `picture ${id} is on screen and not blank`);
    }
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: shot, fullPage: true });
    console.log('screenshot: ' + shot);
    await page.click('#pause');
    check(await until(page, (p) => Number(document.querySelector('#position').textContent) > Number(p), 10000, p1),
          'Resume: the batch counter moves again');
    check(await until(page, () => document.querySelector('#state').textContent === 'finished', 300000),
          'the run finishes with the page open: ' + await text(page, 'message'));
  } else {
    await page.$eval('#lr-mult', (e) => { e.value = '0.5'; });
    await page.click('#lr-set');
    check(await until(page, () => /\d+:0\.5\b/.test(document.querySelector('#lr-changes').textContent), 10000),
          'the multiplier is recorded with its batch: ' + await text(page, 'lr-changes'));
    await page.click('#stop');
    check(await until(page, () => document.querySelector('#state').textContent === 'stopped', 60000), 'Stop: the page says stopped');
    check((await text(page, 'message')).includes('resume with:'), 'and how to resume: ' + await text(page, 'message'));
  }
  check(problems.length === 0, 'no errors on the page' + (problems.length ? ': ' + problems.join(' | ') : ''));
} finally {
  await close();
}
finish();
