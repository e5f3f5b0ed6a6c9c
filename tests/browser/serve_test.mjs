// The draw page of `minicnn serve` in headless Chromium: a 7 drawn on the canvas with the mouse
// (DevTools input events) must come back as class 7, with the answer updating while the stroke
// is drawn, every layer's activation picture non-empty and the saliency and Grad-CAM overlays
// redrawn and coloured; a click on a channel of layer 3 shows a progress, then 9 test crops and
// a synthesized input; a dropped-in file gets an answer too.
//   node serve_test.mjs URL PICTURE SCREENSHOT.png   (also writes SCREENSHOT_channel.png)
import { check, colours, finish, launch, onScreen, sleep, until, watch } from './browser.mjs';

const [url, picture, shot] = process.argv.slice(2);
const { browser, close } = await launch();
// The share of a picture's pixels that are coloured (not grey): a heat map laid over the picture.
const tinted = (img) => img.evaluate((e) => {
  const c = document.createElement('canvas');
  c.width = e.naturalWidth; c.height = e.naturalHeight;
  const g = c.getContext('2d');
  g.drawImage(e, 0, 0);
  const d = g.getImageData(0, 0, c.width, c.height).data;
  let n = 0;
  for (let i = 0; i < d.length; i += 4) n += Math.max(d[i], d[i + 1], d[i + 2]) - Math.min(d[i], d[i + 1], d[i + 2]) > 30;
  return n / (d.length / 4);
});
const answers = (page) => page.evaluate(() => Number(document.body.dataset.answers ?? 0));
try {
  const page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 1000 });
  const problems = watch(page, url);
  await page.goto(url, { waitUntil: 'load', timeout: 30000 });
  check(await until(page, () => Number(document.body.dataset.answers ?? 0) >= 1, 15000), 'the empty canvas gets a first answer');
  check(await page.$eval('#confidence', (e) => e.textContent) === '(nothing drawn yet)', 'which says nothing is drawn yet');
  check(await page.$eval('#probs', (e) => e.textContent.trim()) === 'draw a digit or drop a picture' &&
        await page.$$eval('#probs .bar', (a) => a.length) === 0, 'before any input: "draw a digit or drop a picture", no probabilities');
  check(await page.$eval('#why', (e) => e.offsetHeight === 0), 'before any input: no saliency or Grad-CAM of the blank canvas');
  const left = await page.$eval('#left', (e) => [e.scrollWidth, e.clientWidth]);
  check(left[0] <= left[1], `no horizontal scroll bar under the drop box (${left[0]} of ${left[1]} px)`);

  // A 7 as a person draws it: a bar across the top, then a stroke down and to the left.
  const box = await (await page.$('#pad')).boundingBox();
  const at = (x, y) => [box.x + x * box.width, box.y + y * box.height];
  const before = await answers(page);
  const blankMaps = await page.$eval('#saliency', (e) => e.src) + await page.$eval('#gradcam', (e) => e.src);
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
  // The last answer's pictures are data URLs: no network, but under load still decoding after the idle wait.
  await until(page, () => [...document.querySelectorAll('#layers img')].every((i) => i.complete && i.naturalWidth > 0), 15000);
  const layers = await page.$$('#layers img');
  check(layers.length >= 5, `${layers.length} layers' activations are shown`);
  for (const [i, img] of layers.entries()) {
    const name = await page.evaluate((e) => e.closest(".layer").querySelector(".name").textContent, img);
    check(await onScreen(img, 8, 8) && await colours(img) > 2, `layer ${name}: its activation picture is on screen and not blank`);
  }
  const bars = await page.$$eval('#probs .bar', (a) => a.map((b) => b.textContent));
  check(bars.length === 10 && bars[0].startsWith('7'), 'ten probability bars, 7 first: ' + bars[0]);
  for (const id of ['saliency', 'gradcam']) {
    const img = await page.$('#' + id), share = await tinted(img);
    check(await onScreen(img, 100, 100) && share > 0.02, `the ${id} overlay is on screen and coloured (${(100 * share).toFixed(0)}% of its pixels)`);
  }
  const prep = await page.$eval('#preparation', (e) => e.textContent);
  check(prep.includes("prepared as MNIST's were") && prep.includes('28×28'), `the caption says how a digit is prepared: "${prep}"`);
  const caption = await page.$eval('#gradcam-caption', (e) => e.textContent);
  check(caption === 'Grad-CAM, layer 5', `Grad-CAM at lenet5's default layer: "${caption}"`);
  const maps = await page.$eval('#saliency', (e) => e.src) + await page.$eval('#gradcam', (e) => e.src);
  check(maps !== blankMaps, 'the overlays were redrawn for the drawing');
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: shot, fullPage: true });
  console.log('screenshot: ' + shot);

  // A click on channel 5 of layer 3 (the second conv): a progress while the layer is computed, then
  // its 9 strongest test crops and its synthesized input; a second channel of the layer comes at once.
  const clickChannel = async (layer, k) => {
    const p = await page.$eval(`#layers img[data-layer="${layer}"]`, (img, k) => {
      img.scrollIntoView({ block: 'center' });
      const t = JSON.parse(img.dataset.tiles), r = img.getBoundingClientRect(), s = r.width / img.naturalWidth;
      return [r.left + s * ((k % t.cols) * (t.w + t.gap) + t.w / 2), r.top + s * (Math.floor(k / t.cols) * (t.h + t.gap) + t.h / 2)];
    }, k);
    await page.mouse.click(...p);
  };
  await clickChannel('3', 5);
  const title = await page.$eval('#channel-title', (e) => e.textContent);
  check(title === 'Layer 3, channel 5', `the click names the channel: "${title}"`);
  check(await until(page, () => document.body.dataset.channel === 'working' && !document.getElementById('channel-progress').hidden, 3000),
    'a progress is shown while the layer is computed: ' + await page.$eval('#channel-status', (e) => e.textContent));
  check(await page.$$eval('#layers .sel', (a) => a.length) === 1, 'the chosen tile is marked');
  const ready = await until(page, () => document.body.dataset.channel !== 'working', 90000);
  check(ready && await page.evaluate(() => document.body.dataset.channel) === 'ready',
    'the channel is ready: ' + await page.$eval('#channel-status', (e) => e.textContent));
  const crops = await page.$$('#crops img');
  check(crops.length === 9, `${crops.length} test crops are shown`);
  for (const [i, img] of crops.entries())
    check(await onScreen(img, 60, 60) && await colours(img) > 2, `crop ${i + 1} is on screen and not blank`);
  const synth = await page.$('#synth');
  check(await onScreen(synth, 60, 60) && await colours(synth) > 8, 'the synthesized input is on screen, with shades');
  const part = await page.$('#synth-crop');
  check(await onScreen(part, 60, 60) && await colours(part) > 8, 'and the part of it the channel sees, with shades');
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: shot.replace(/\.png$/, '_channel.png') });
  console.log('screenshot: ' + shot.replace(/\.png$/, '_channel.png'));
  const first = await page.$eval('#crops img', (e) => e.src);
  await clickChannel('3', 6);
  check(await until(page, () => document.body.dataset.channel === 'ready', 3000) &&
    await page.$eval('#crops img', (e) => e.src) !== first, 'another channel of the layer comes at once, with other crops');
  const bad = [];  // asked from here, not from the page, whose console would show the refusals
  for (const q of ['layer=../3&channel=0', 'layer=3&channel=16', 'layer=6&channel=0', 'layer=3&channel=-1'])
    bad.push((await fetch(new URL('/api/channel?' + q, url))).status);
  check(bad.join() === '400,400,400,400', 'a layer or channel the page does not show is refused: ' + bad.join());

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
