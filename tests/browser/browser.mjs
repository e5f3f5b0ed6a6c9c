// Shared by minicnn's browser tests: launching Debian's Chromium headless through puppeteer-core
// (installed by tests/cli/browser_lib.sh into MINICNN_NODE_CACHE), checks that print one line
// each, and the questions every test asks of a page: is it on screen, did anything go wrong.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(path.join(process.env.MINICNN_NODE_CACHE ?? '.', 'package.json'));
const puppeteer = require('puppeteer-core');

let failures = 0;
export function check(ok, what) {
  console.log((ok ? 'ok: ' : 'FAIL: ') + what);
  if (!ok) failures += 1;
  return ok;
}
export function finish() {
  console.log(failures ? `${failures} check(s) failed` : 'all checks passed');
  process.exit(failures ? 1 : 0);
}
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Chromium headless, kept off the network and out of any user profile.
export async function launch() {
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'minicnn-chromium-'));
  const browser = await puppeteer.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/lib/chromium/chromium',
    headless: true,
    pipe: true,  // DevTools over a pipe: no debugging port to open
    userDataDir,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
           '--disable-component-update', '--disable-sync', '--log-level=3', '--hide-scrollbars'],
    timeout: 60000,
  });
  const close = async () => {
    await browser.close().catch(() => {});
    fs.rmSync(userDataDir, { recursive: true, force: true });
  };
  return { browser, close };
}

// Console errors, page errors, failed requests and any request that leaves `origin` (a report
// opened from disk may load only data: URIs).
export function watch(page, origin) {
  const problems = [];
  page.on('console', (m) => { if (m.type() === 'error') problems.push('console: ' + m.text()); });
  page.on('pageerror', (e) => problems.push('page error: ' + e));
  page.on('requestfailed', (r) => problems.push('request failed: ' + r.url() + ' ' + (r.failure()?.errorText ?? '')));
  page.on('request', (r) => {
    const u = r.url();
    if (!u.startsWith('data:') && !u.startsWith(origin)) problems.push('request outside the page: ' + u);
  });
  return problems;
}

// Scrolls the element into view and says whether it is really on screen: displayed, at least
// minW x minH pixels, inside the viewport, and (for a picture) loaded with some pixels.
export async function onScreen(handle, minW = 40, minH = 30) {
  return handle.evaluate((e, minW, minH) => {
    e.scrollIntoView({ block: 'center' });
    const r = e.getBoundingClientRect(), s = getComputedStyle(e);
    const shown = s.display !== 'none' && s.visibility !== 'hidden' && Number(s.opacity) > 0;
    const inside = r.bottom > 0 && r.right > 0 && r.top < innerHeight && r.left < innerWidth;
    const loaded = e.tagName !== 'IMG' || (e.complete && e.naturalWidth > 0);
    return shown && inside && loaded && r.width >= minW && r.height >= minH;
  }, minW, minH);
}

// How many distinct colours a loaded picture has (1: a blank tile), read through a canvas.
export async function colours(handle) {
  return handle.evaluate((img) => {
    const c = document.createElement('canvas');
    c.width = img.naturalWidth; c.height = img.naturalHeight;
    const g = c.getContext('2d');
    g.drawImage(img, 0, 0);
    const d = g.getImageData(0, 0, c.width, c.height).data, seen = new Set();
    for (let i = 0; i < d.length && seen.size < 64; i += 4) seen.add((d[i] << 16) | (d[i + 1] << 8) | d[i + 2]);
    return seen.size;
  });
}

// Waits until fn() (run in the page) is truthy; false after timeout ms.
export async function until(page, fn, timeout, ...args) {
  try {
    await page.waitForFunction(fn, { timeout, polling: 100 }, ...args);
    return true;
  } catch {
    return false;
  }
}
