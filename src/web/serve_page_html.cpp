// The inside-the-network page ServePage serves (serve_page.cpp; `minicnn serve`). One file, no
// outside resources: the canvas (or a dropped picture) goes to /api/predict as a PNG while one
// draws, and the answer (probabilities, what the model sees, every layer's activations as
// pictures) fills the page.
namespace minicnn {

extern const char* const kServePage;
const char* const kServePage = R"PAGE(<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>minicnn: inside the network</title>
<style>
body{font-family:sans-serif;margin:0;color:#222;background:#fafafa}
header{background:#fff;border-bottom:1px solid #ddd;padding:10px 20px}h1{font-size:1.25em;margin:0}
header a{margin-left:14px;font-size:.9em}
main{display:flex;flex-wrap:wrap;gap:28px;padding:16px 20px;align-items:flex-start}
#left{width:300px}#right{flex:1;min-width:420px}
#pad{background:#000;border:1px solid #444;touch-action:none;cursor:crosshair;display:block}
#drop{border:2px dashed #aaa;padding:14px;margin-top:10px;text-align:center;color:#555;font-size:.9em}
#drop.over{border-color:#1f77b4;background:#eef5fb}
button{font-size:.95em;padding:3px 12px;margin:8px 6px 0 0;cursor:pointer}
#prediction{font-size:3em;font-weight:600;line-height:1.1}#confidence{color:#555}
.bar{display:flex;align-items:center;gap:8px;font-size:.9em;margin:2px 0;font-variant-numeric:tabular-nums}
.bar .name{width:110px;text-align:right;overflow:hidden;white-space:nowrap}.bar .track{width:260px;height:14px;background:#eee}
.bar .fill{height:100%;background:#1f77b4}.bar.best .fill{background:#d62728}
.layer{display:flex;gap:14px;align-items:flex-start;background:#fff;border:1px solid #e3e3e3;padding:8px;margin:8px 0}
.layer .name{width:220px;font-size:.9em;word-break:break-word}img{image-rendering:pixelated}
#seen{width:112px;height:112px;border:1px solid #ccc}.note{color:#555;font-size:.9em}#error{color:#b2182b}
</style></head><body>
<header><h1>Inside the network: <span id="title"></span><a id="report" href="/run/report.html">the run's report</a></h1></header>
<main>
<div id="left">
<div id="draw-box"><p class="note">Draw a digit with the mouse (or a finger); the answer follows as you draw.</p>
<canvas id="pad" width="280" height="280"></canvas><button id="clear">Clear</button></div>
<div id="drop">or drop a picture here, or <input id="file" type="file" accept="image/*"></div>
<p id="error"></p>
</div>
<div id="right">
<div><span id="prediction">?</span> <span id="confidence"></span></div>
<div id="probs"></div>
<h3>What the model sees</h3><img id="seen" alt="the prepared input">
<p class="note">The picture as the model receives it: for digits, prepared as MNIST's were (grey, cropped, fitted into
20&times;20 and centred by its centre of mass in 28&times;28).</p>
<h3>Every layer's output</h3>
<p class="note">After a ReLU, black is 0 and white the layer's largest value; signed outputs are blue &lt; 0 &lt; red.
(A Flatten layer is left out: it only reshapes the output before it.)</p>
<div id="layers"></div>
</div>
</main>
<script>
"use strict";
const $ = (id) => document.getElementById(id);
const pad = $("pad"), g = pad.getContext("2d");
let info = null, drawing = false, busy = false, again = null, answers = 0;

function clearPad() {
  g.fillStyle = "#000"; g.fillRect(0, 0, pad.width, pad.height);
  g.strokeStyle = "#fff"; g.lineWidth = 20; g.lineCap = "round"; g.lineJoin = "round";
}
function bars(p) {
  const order = p.map((v, i) => i).sort((a, b) => p[b] - p[a]).slice(0, 10), box = $("probs");
  box.textContent = "";
  order.forEach((i, k) => {
    const row = document.createElement("div");
    row.className = "bar" + (k === 0 ? " best" : "");
    row.innerHTML = '<span class="name"></span><span class="track"><div class="fill"></div></span><span class="v"></span>';
    row.querySelector(".name").textContent = info.classes[i];
    row.querySelector(".fill").style.width = (100 * p[i]).toFixed(1) + "%";
    row.querySelector(".v").textContent = (100 * p[i]).toFixed(1) + "%";
    box.append(row);
  });
}
function show(a) {
  $("prediction").textContent = a.blank ? "?" : a.class;
  $("prediction").dataset.index = a.blank ? "" : a.index;
  $("confidence").textContent = a.blank ? "(nothing drawn yet)" : (100 * a.probabilities[a.index]).toFixed(1) + "% sure";
  bars(a.probabilities);
  $("seen").src = a.seen;
  const box = $("layers");
  box.textContent = "";
  for (const l of a.layers) {
    const row = document.createElement("div"), name = document.createElement("div"), img = document.createElement("img");
    row.className = "layer"; name.className = "name";
    name.textContent = l.path + ": " + l.name + "  (" + l.shape.join(", ") + ")";
    img.src = l.picture; img.alt = "output of layer " + l.path;
    row.append(name, img);
    box.append(row);
  }
  document.body.dataset.answers = ++answers;
}
async function ask(blob) {
  if (busy) { again = blob; return; }  // one request at a time; the newest picture goes next
  busy = true;
  try {
    const r = await fetch("/api/predict", {method: "POST", headers: {"Content-Type": blob.type || "application/octet-stream"}, body: blob});
    const a = await r.json();
    if (!r.ok) throw new Error(a.error || "HTTP " + r.status);
    $("error").textContent = "";
    show(a);
  } catch (e) {
    $("error").textContent = e.message;
  } finally {
    busy = false;
    if (again) { const b = again; again = null; ask(b); }
  }
}
function sendPad() { pad.toBlob((b) => ask(b), "image/png"); }
function at(e) { const r = pad.getBoundingClientRect(); return [e.clientX - r.left, e.clientY - r.top]; }
let last = 0;
pad.addEventListener("pointerdown", (e) => { drawing = true; pad.setPointerCapture(e.pointerId); g.beginPath(); g.moveTo(...at(e)); });
pad.addEventListener("pointermove", (e) => {
  if (!drawing) return;
  g.lineTo(...at(e)); g.stroke(); g.beginPath(); g.moveTo(...at(e));
  if (performance.now() - last > 120) { last = performance.now(); sendPad(); }
});
pad.addEventListener("pointerup", () => { drawing = false; sendPad(); });
$("clear").onclick = () => { clearPad(); sendPad(); };
function upload(file) {
  if (!file) return;
  if (file.size > 8 * 1024 * 1024) { $("error").textContent = file.name + " is over 8 MB"; return; }
  ask(file);
}
$("file").onchange = (e) => upload(e.target.files[0]);
const drop = $("drop");
drop.addEventListener("dragover", (e) => { e.preventDefault(); drop.classList.add("over"); });
drop.addEventListener("dragleave", () => drop.classList.remove("over"));
drop.addEventListener("drop", (e) => { e.preventDefault(); drop.classList.remove("over"); upload(e.dataTransfer.files[0]); });

fetch("/api/info", {cache: "no-store"}).then((r) => r.json()).then((i) => {
  info = i;
  $("title").textContent = i.title;
  document.title = "minicnn: inside " + i.title;
  if (!i.report) $("report").style.display = "none";
  if (!i.digits) {
    $("draw-box").style.display = "none";
    $("drop").firstChild.textContent = "Drop a picture here, or ";
  }
  clearPad();
  if (i.digits) sendPad();
}).catch((e) => { $("error").textContent = "no answer from the server: " + e.message; });
</script></body></html>
)PAGE";

}  // namespace minicnn
