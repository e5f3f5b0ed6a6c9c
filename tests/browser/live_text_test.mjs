// The live page's words in one state of a run (issue 27, row 15): opens the page, waits for its
// first answer, saves a screenshot, and prints what it reads as one JSON line: the state badge,
// the message, the time left (and the epoch's part, when shown), the loss and accuracy, and every
// text drawn on the charts (read by wrapping the canvas's fillText before the page loads). tests/cli/first_hour_train_test.sh checks the words for each state.
//   node live_text_test.mjs URL SCREENSHOT.png
import { launch, until } from './browser.mjs';

const [url, shot] = process.argv.slice(2);
const { browser, close } = await launch();
try {
  const page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 900 });
  await page.evaluateOnNewDocument(() => {
    window.drawnTexts = [];
    const fillText = CanvasRenderingContext2D.prototype.fillText;
    CanvasRenderingContext2D.prototype.fillText = function (text, ...rest) {
      window.drawnTexts.push(String(text));
      return fillText.call(this, text, ...rest);
    };
  });
  await page.goto(url, { waitUntil: 'load', timeout: 30000 });
  await until(page, () => !['connecting', ''].includes(document.querySelector('#state').textContent) && window.drawnTexts.length, 20000);
  await page.screenshot({ path: shot });
  console.log(JSON.stringify(await page.evaluate(() => {
    const t = (id) => document.getElementById(id).textContent;
    const part = document.getElementById('eta-epoch-part');  // the epoch's part of the time left
    return { state: t('state'), message: t('message'), eta: t('eta'), eta_epoch: part && part.hidden ? '' : t('eta-epoch'),
             loss: t('loss'), acc: t('acc'), drawn: [...new Set(window.drawnTexts)] };
  })));
} finally {
  await close();
}
