// The page LiveMonitor serves (live.cpp; `minicnn train --live`). One file, no outside resources:
// it asks the server for the run's numbers once a second (/api/state), redraws its two charts on
// canvases, and reloads the kernel and feature-map pictures when the server has newer parameters.
namespace minicnn {

extern const char* const kLivePage;
const char* const kLivePage = R"PAGE(<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>minicnn live</title>
<style>
body{font-family:sans-serif;margin:0;color:#222;background:#fafafa}
header{background:#fff;border-bottom:1px solid #ddd;padding:10px 20px;position:sticky;top:0;z-index:1}
h1{font-size:1.25em;margin:0 0 4px}h2{font-size:1.1em;margin:22px 0 8px}
main{padding:0 20px 30px;max-width:1250px}
.badge{display:inline-block;padding:1px 9px;border-radius:10px;color:#fff;background:#888;font-size:.85em;vertical-align:middle}
.running{background:#2ca02c}.paused{background:#e6a100}.stopping,.stopped{background:#d62728}.finished{background:#1f77b4}
.stats{font-variant-numeric:tabular-nums}.stats b{font-weight:600}
.controls{margin-top:6px}button{font-size:.95em;padding:3px 12px;margin-right:6px;cursor:pointer}
input[type=number]{width:5em}
.charts{display:flex;flex-wrap:wrap;gap:16px}canvas{background:#fff;border:1px solid #ddd}
.layer{display:flex;flex-wrap:wrap;gap:14px;align-items:flex-start;background:#fff;border:1px solid #e3e3e3;padding:8px;margin:8px 0}
.layer .name{width:230px;font-size:.9em;word-break:break-word}.layer figure{margin:0}
#kernels .layer figure{min-width:160px}
figcaption{font-size:.8em;color:#555}img{image-rendering:pixelated}
#message{color:#555;margin-left:8px}.note{color:#555;font-size:.9em}
</style></head><body>
<header>
<h1><span id="title">minicnn live</span> <span id="state" class="badge">connecting</span><span id="message"></span></h1>
<div class="stats">epoch <b id="epoch">-</b> &middot; batch <b id="batch">-</b> &middot; batches done <b id="position">-</b>
 &middot; loss <b id="loss">-</b> &middot; accuracy <b id="acc">-</b> &middot; <b id="speed">-</b> images/s
 &middot; time left <b id="eta">-</b><span id="eta-epoch-part"> (this epoch <b id="eta-epoch">-</b>)</span>
 &middot; learning rate <b id="lr">-</b></div>
<div class="controls"><button id="pause">Pause</button><button id="stop">Stop</button>
 learning rate &times; <input id="lr-mult" type="number" min="0.001" max="1000" step="0.1" value="1">
 <button id="lr-set">Set</button><span class="note" id="lr-changes"></span></div>
</header>
<main>
<div class="charts"><canvas id="loss-chart" width="640" height="300" data-points="0"></canvas>
<canvas id="acc-chart" width="420" height="300"></canvas></div>
<h2>Kernels and their gradients</h2>
<p class="note">Every conv layer's kernels (blue &lt; 0 &lt; red, white 0; one row per output channel, one column per
input channel) and the gradient of the loss with respect to them after the last batch, each picture on its own scale:
full colour is the largest |value|, written under it.</p>
<div id="kernels"></div>
<h2>Feature maps of fixed test images, layer by layer</h2>
<p class="note">One line per test image. After a ReLU, black is 0 and white the largest value of the image's maps;
signed outputs are blue &lt; 0 &lt; red.</p>
<div id="maps"></div>
</main>
<script>
"use strict";
const $ = (id) => document.getElementById(id);
let setup = null, losses = [], history = [], picturesVersion = 0, state = "connecting", ended = false;

async function getJSON(url, options) {
  const r = await fetch(url, Object.assign({cache: "no-store"}, options || {}));
  if (!r.ok) throw new Error(url + ": HTTP " + r.status);
  return r.json();
}
function send(action, extra) {
  return getJSON("/api/control", {method: "POST", headers: {"Content-Type": "application/json"},
                                  body: JSON.stringify(Object.assign({action}, extra || {}))});
}
function fmtTime(s) {
  if (!(s > 0)) return "-";
  s = Math.round(s);
  return s >= 3600 ? Math.floor(s / 3600) + " h " + Math.floor(s % 3600 / 60) + " min"
       : s >= 60 ? Math.floor(s / 60) + " min " + s % 60 + " s" : s + " s";
}
function el(tag, attrs, text) {
  const e = document.createElement(tag);
  for (const k in attrs || {}) e.setAttribute(k, attrs[k]);
  if (text !== undefined) e.textContent = text;
  return e;
}
function figure(id, caption) {
  const f = el("figure");
  f.append(el("img", {id, alt: caption}), el("figcaption", {}, caption));
  return f;
}
function buildLayers() {
  for (const c of setup.convs) {
    const row = el("div", {class: "layer"});
    row.append(el("div", {class: "name"}, "layer " + c.path + ": " + c.name),
               figure("kernels-" + c.path, "kernels"), figure("grads-" + c.path, "gradient (last batch)"));
    $("kernels").append(row);
  }
  const input = el("div", {class: "layer"});
  input.append(el("div", {class: "name"}, "input: " + setup.examples.join(", ")), figure("examples", "test images"));
  $("maps").append(input);
  for (const l of setup.layers) {
    const row = el("div", {class: "layer"});
    row.append(el("div", {class: "name"}, l.path + ": " + l.name + "  (" + l.shape.join(", ") + ")"), figure("maps-" + l.path, ""));
    $("maps").append(row);
  }
  $("examples").src = "/live/examples.png";
}

// 1, 2 or 5 times a power of ten: about n steps over span.
function niceStep(span, n) {
  const raw = span / n, p = Math.pow(10, Math.floor(Math.log10(raw)));
  return [1, 2, 5, 10].map((m) => m * p).find((s) => s >= raw);
}
// A line chart on a canvas: axes with round ticks, then each series, then the legend.
function chart(canvas, series, opts) {
  const g = canvas.getContext("2d"), W = canvas.width, H = canvas.height, L = 56, R = 12, T = 26, B = 36;
  g.clearRect(0, 0, W, H);
  g.font = "13px sans-serif";
  g.fillStyle = "#222";
  g.textAlign = "left";
  g.fillText(opts.title, L, 17);
  let x0 = opts.xmin, x1 = opts.xmax, y0 = opts.ymin, y1 = opts.ymax;
  if (!(x1 > x0)) x1 = x0 + 1;
  if (!(y1 > y0)) y1 = y0 + 1;
  const ystep = niceStep(y1 - y0, 5);
  y1 = Math.ceil(y1 / ystep - 1e-9) * ystep;
  const px = (x) => L + (x - x0) / (x1 - x0) * (W - L - R), py = (y) => T + (1 - (y - y0) / (y1 - y0)) * (H - T - B);
  g.strokeStyle = "#ddd";
  g.lineWidth = 1;
  g.textAlign = "right";
  for (let y = y0; y <= y1 + ystep / 2; y += ystep) {
    g.beginPath(); g.moveTo(L, py(y)); g.lineTo(W - R, py(y)); g.stroke();
    g.fillText(+y.toPrecision(4), L - 5, py(y) + 4);
  }
  g.textAlign = "center";
  const step = Math.max(1, Math.ceil((x1 - x0) / 10));
  for (let x = Math.ceil(x0); x <= x1; x += step) g.fillText(x, px(x), H - B + 16);
  g.fillText(opts.xlabel, L + (W - L - R) / 2, H - 4);
  g.strokeStyle = "#333";
  g.strokeRect(L, T, W - L - R, H - T - B);
  for (const s of series) {
    g.strokeStyle = s.color; g.fillStyle = s.color; g.lineWidth = s.width || 2;
    g.beginPath();
    s.points.forEach(([x, y], i) => { const Y = py(Math.min(Math.max(y, y0), y1)); i ? g.lineTo(px(x), Y) : g.moveTo(px(x), Y); });
    g.stroke();
    if (s.dots) for (const [x, y] of s.points) { g.beginPath(); g.arc(px(x), py(y), 3.5, 0, 7); g.fill(); }
  }
  let lx = W - R - 8;
  g.textAlign = "right";
  for (const s of series.slice().reverse()) {  // dark text after a thick swatch: pale series stay legible
    g.fillStyle = "#222";
    g.fillText(s.name, lx, T + 16);
    lx -= g.measureText(s.name).width + 6;
    g.strokeStyle = s.color; g.lineWidth = 4;
    g.beginPath(); g.moveTo(lx - 16, T + 12); g.lineTo(lx, T + 12); g.stroke();
    lx -= 30;
  }
}

function drawLoss() {
  const nb = setup.batches_per_epoch || 1, n = losses.length, w = Math.max(1, Math.round(n / 120));
  const raw = [], smooth = [], stride = Math.max(1, Math.floor(n / 3000));
  for (let i = 0; i < n; i += stride) raw.push([(i + 1) / nb, losses[i]]);
  let sum = 0;
  for (let i = 0; i < n; ++i) {
    sum += losses[i];
    if (i >= w) sum -= losses[i - w];
    if (i >= w - 1) smooth.push([(i + 1) / nb, sum / w]);
  }
  const top = smooth.reduce((m, p) => Math.max(m, p[1]), 0) * 1.1 || 1;
  // Until there are enough batches to average, the mean of 1 batch is the raw curve: drawn once.
  const series = w > 1 ? [{name: "per batch", color: "#b9d7ee", width: 1, points: raw},
                          {name: "mean of " + w + " batches", color: "#1f77b4", points: smooth}]
                       : [{name: "per batch", color: "#1f77b4", points: raw}];
  chart($("loss-chart"), series,
        {title: "Training loss per batch", xlabel: "epoch", xmin: 0, xmax: Math.max(setup.epochs, 1), ymin: 0, ymax: top});
  $("loss-chart").dataset.points = n;
}
function drawAccuracy() {
  const test = history.map((h) => [h.epoch, 100 * h.test_accuracy]), train = history.map((h) => [h.epoch, 100 * h.train_accuracy]);
  const all = test.concat(train).map((p) => p[1]);
  const lo = Math.max(0, Math.floor(all.reduce((m, v) => Math.min(m, v), 100) / 5) * 5 - 5);
  chart($("acc-chart"), [{name: "test", color: "#d62728", points: test, dots: true},
                         {name: "training", color: "#1f77b4", points: train, dots: true}],
        {title: "Accuracy after each epoch (%)", xlabel: "epoch", xmin: 0, xmax: Math.max(setup.epochs, 1), ymin: lo, ymax: 100});
}

// The time left as each state has it: none once the run is over, nothing known before the first
// batch, and the epoch's own part only while batches of it remain.
function timeLeft(s) {
  if (s.state === "finished" || s.state === "stopped") return ["none: the run is over", ""];
  if (s.state === "stopping") return ["none: saving a checkpoint to stop", ""];
  if (!(s.epoch > 0)) return ["- (after the first batches)", ""];
  const total = fmtTime(s.eta_total), epoch = s.eta_epoch > 0 ? fmtTime(s.eta_epoch) : "";
  return [s.state === "paused" ? total + " once resumed" : total, epoch];
}
function show(s) {
  state = s.state;
  const begun = s.epoch > 0;
  $("state").textContent = s.state;
  $("state").className = "badge " + s.state;
  $("message").textContent = s.message || (begun ? "" : "waiting for the first batch");
  $("epoch").textContent = s.epoch + "/" + s.epochs;
  $("batch").textContent = s.batch + "/" + s.batches;
  $("position").textContent = s.position;
  $("loss").textContent = begun ? s.loss.toFixed(4) : "-";
  $("acc").textContent = begun ? (100 * s.accuracy).toFixed(2) + "%" : "-";
  $("speed").textContent = begun ? Math.round(s.images_per_second).toLocaleString("en") : "-";
  const [total, epoch] = timeLeft(s);
  $("eta").textContent = total;
  $("eta-epoch").textContent = epoch;
  $("eta-epoch-part").hidden = !epoch;
  $("lr").textContent = (+s.lr).toPrecision(3);
  $("lr-changes").textContent = s.lr_changes ? "  changes so far (batch:factor): " + s.lr_changes : "";
  $("pause").textContent = s.state === "paused" ? "Resume" : "Pause";
  const over = s.state === "finished" || s.state === "stopped";
  for (const id of ["pause", "stop", "lr-set"]) $(id).disabled = over || s.state === "stopping";
}
function refreshPictures(version) {
  if (!version || version === picturesVersion) return;
  // Newer parameters, but the last pictures are still on their way: ask again at the next poll.
  if ([...document.querySelectorAll("#kernels img, #maps img")].some((i) => i.src && !i.complete)) return;
  picturesVersion = version;
  for (const c of setup.convs) {
    $("kernels-" + c.path).src = "/live/kernels/" + c.path + ".png?v=" + version;
    $("grads-" + c.path).src = "/live/grads/" + c.path + ".png?v=" + version;
  }
  for (const l of setup.layers) $("maps-" + l.path).src = "/live/maps/" + l.path + ".png?v=" + version;
}

async function poll() {
  if (ended) return;
  try {
    const s = await getJSON("/api/state?since=" + losses.length);
    losses.length = Math.min(losses.length, s.loss_start);
    for (const v of s.losses) losses.push(v);
    history = s.history;
    show(s);
    drawLoss();
    drawAccuracy();
    refreshPictures(s.pictures);
  } catch (e) {
    if (state === "finished" || state === "stopped") {
      ended = true;
      $("message").textContent += " (the run is over: this page no longer updates)";
    } else {
      $("state").textContent = "no answer";
      $("state").className = "badge";
    }
  }
}

$("pause").onclick = () => send(state === "paused" ? "resume" : "pause").then(poll);
$("stop").onclick = () => send("stop").then(poll);
$("lr-set").onclick = () => send("lr", {multiplier: +$("lr-mult").value}).then(poll).catch((e) => alert(e.message));

getJSON("/api/setup").then((s) => {
  setup = s;
  $("title").textContent = "minicnn live: " + s.title;
  document.title = "minicnn live: " + s.title;
  buildLayers();
  poll();
  setInterval(poll, 1000);
}).catch((e) => { $("state").textContent = "no answer: " + e.message; });
</script></body></html>
)PAGE";

}  // namespace minicnn
