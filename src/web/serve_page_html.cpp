// The inside-the-network page ServePage serves (serve_page.cpp; `minicnn serve`). One file, no
// outside resources: the canvas (or a dropped picture) goes to /api/predict as a PNG while one
// draws, and the answer (probabilities, what the model sees, saliency and Grad-CAM over it, every
// layer's activations as pictures) fills the page. A click on a channel's tile asks
// /api/channel until that channel's strongest test crops and synthesized input are ready.
namespace minicnn {

extern const char* const kServePage;
const char* const kServePage = R"PAGE(<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>minicnn: inside the network</title>
<style>
body{font-family:sans-serif;margin:0;color:#222;background:#fafafa}
header{background:#fff;border-bottom:1px solid #ddd;padding:10px 20px}h1{font-size:1.25em;margin:0}
header a{margin-left:14px;font-size:.9em}
main{display:flex;flex-wrap:wrap;gap:28px;padding:16px 20px;align-items:flex-start}
#left{width:300px;position:sticky;top:0;max-height:100vh;overflow-y:auto}#right{flex:1;min-width:420px}
#pad{background:#000;border:1px solid #444;touch-action:none;cursor:crosshair;display:block}
#drop{border:2px dashed #aaa;padding:14px;margin-top:10px;text-align:center;color:#555;font-size:.9em;box-sizing:border-box;width:100%}
#drop input{max-width:100%}
#drop.over{border-color:#1f77b4;background:#eef5fb}
button{font-size:.95em;padding:3px 12px;margin:8px 6px 0 0;cursor:pointer}
#prediction{font-size:3em;font-weight:600;line-height:1.1}#confidence{color:#555}
.bar{display:flex;align-items:center;gap:8px;font-size:.9em;margin:2px 0;font-variant-numeric:tabular-nums}
.bar .name{width:110px;text-align:right;overflow:hidden;white-space:nowrap}.bar .track{width:260px;height:14px;background:#eee}
.bar .fill{height:100%;background:#1f77b4}.bar.best .fill{background:#d62728}
.layer{display:flex;gap:14px;align-items:flex-start;background:#fff;border:1px solid #e3e3e3;padding:8px;margin:8px 0}
.layer .name{width:220px;font-size:.9em;word-break:break-word}img{image-rendering:pixelated}
#why{display:flex;gap:14px}#why figure{margin:0;font-size:.85em;color:#555;text-align:center}
#why img{width:112px;height:112px;border:1px solid #ccc;display:block}#why.blank img.map{opacity:.25}
.pic{position:relative;display:inline-block;cursor:pointer}.pic .sel{position:absolute;border:2px solid #ff3b30;box-sizing:border-box;pointer-events:none}
#channel{background:#fff;border:1px solid #e3e3e3;padding:8px;margin-top:12px}#channel h3{margin:0 0 4px;font-size:1em}
[hidden]{display:none!important}#channel-done{display:flex;gap:10px;align-items:flex-start}#channel figure{margin:0;font-size:.75em;color:#555;text-align:center}
#crops{display:grid;grid-template-columns:repeat(3,60px);gap:4px}#crops img,#synth,#synth-crop{width:60px;height:60px;border:1px solid #ccc;display:block;margin-bottom:4px}
#synth-box{width:80px}progress{width:180px}.note{color:#555;font-size:.9em}#error{color:#b2182b}
</style></head><body>
<header><h1>Inside the network: <span id="title"></span><a id="report" href="/run/report.html">the run's report</a></h1></header>
<main>
<div id="left">
<div id="draw-box"><p class="note">Draw a digit with the mouse (or a finger); the answer follows as you draw.</p>
<canvas id="pad" width="280" height="280"></canvas><button id="clear">Clear</button></div>
<div id="drop">or drop a picture here, or <input id="file" type="file" accept="image/*"></div>
<p id="error"></p>
<div id="channel" hidden><h3 id="channel-title"></h3><p class="note" id="channel-field"></p>
<div id="channel-progress"><progress max="1" value="0"></progress> <span id="channel-status"></span></div>
<div id="channel-done" hidden><figure><div id="crops"></div><figcaption>the 9 test images that excite it most (class &middot;
activation): the part its receptive field sees</figcaption></figure>
<figure id="synth-box"><img id="synth-crop" alt="the synthesized input where the channel is strongest"><img id="synth"
alt="the synthesized input"><figcaption>an input made to excite it (gradient ascent): the part it sees, and all of it</figcaption></figure></div></div>
</div>
<div id="right">
<div><span id="prediction">?</span> <span id="confidence"></span></div>
<div id="probs"></div>
<h3>What the model sees, and why it answered</h3>
<div id="why"><figure><img id="seen" alt="the prepared input"><figcaption>what it sees</figcaption></figure>
<figure><img id="saliency" class="map" alt="saliency"><figcaption>saliency</figcaption></figure>
<figure><img id="gradcam" class="map" alt="Grad-CAM"><figcaption id="gradcam-caption">Grad-CAM</figcaption></figure></div>
<p class="note">The picture as the model receives it<span id="preparation"></span>. <b>Saliency</b> colours the pixels whose change would move
the score of the answer most (the gradient of its logit; Simonyan et al. 2013). <b>Grad-CAM</b> colours where the maps of
the layer named under it speak for the answer (Selvaraju et al. 2017). Brighter means more; both are redrawn with every answer.</p>
<h3>Every layer's output</h3>
<p class="note">After a ReLU, black is 0 and white the layer's largest value; signed outputs are blue &lt; 0 &lt; red.
(A Flatten layer is left out: it only reshapes the output before it.) <b>Click any channel</b> to see what excites it.</p>
<div id="layers"></div>
</div>
</main>
<script>
"use strict";
const $ = (id) => document.getElementById(id);
const pad = $("pad"), g = pad.getContext("2d");
let info = null, drawing = false, busy = false, again = null, answers = 0, lastLayers = [];

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
  // Until something is drawn or dropped, no answer to show: no probabilities, no maps of a blank canvas.
  if (a.blank) $("probs").innerHTML = '<p class="note" id="waiting">draw a digit or drop a picture</p>';
  else bars(a.probabilities);
  $("seen").src = a.seen;
  $("saliency").src = a.saliency;
  $("gradcam").src = a.gradcam || a.seen;
  $("gradcam-caption").textContent = a.gradcam ? "Grad-CAM, layer " + a.gradcam_layer : "no Grad-CAM (no layer with maps)";
  $("why").classList.toggle("blank", a.blank);
  $("why").hidden = a.blank;
  const box = $("layers");
  box.textContent = "";
  lastLayers = a.layers;
  for (const l of a.layers) {
    const row = document.createElement("div"), name = document.createElement("div"), pic = document.createElement("span");
    const img = document.createElement("img");
    row.className = "layer"; name.className = "name"; pic.className = "pic";
    name.textContent = l.path + ": " + l.name + "  (" + l.shape.join(", ") + ")";
    img.src = l.picture; img.alt = "output of layer " + l.path; img.dataset.layer = l.path; img.dataset.tiles = JSON.stringify(l.tiles);
    const t = l.tiles, rows = Math.ceil(t.count / t.cols);  // one pixel per value, enlarged here
    img.width = (t.cols * (t.w + t.gap) - t.gap) * t.scale; img.height = (rows * (t.h + t.gap) - t.gap) * t.scale;
    pic.append(img);
    pic.onclick = (e) => { const k = tileAt(img, l.tiles, e); if (k >= 0) choose(l.path, k, l.name); };
    if (chosen && chosen.layer === l.path) mark(pic, l.tiles, chosen.channel);
    row.append(name, pic);
    box.append(row);
  }
  document.body.dataset.answers = ++answers;
}
// The channel whose tile is under the pointer, or -1 (a gap between tiles).
function tileAt(img, t, e) {
  const r = img.getBoundingClientRect(), sx = img.naturalWidth / r.width, sy = img.naturalHeight / r.height;
  const x = (e.clientX - r.left) * sx, y = (e.clientY - r.top) * sy;
  const col = Math.floor(x / (t.w + t.gap)), row = Math.floor(y / (t.h + t.gap));
  if (col >= t.cols || x - col * (t.w + t.gap) >= t.w || y - row * (t.h + t.gap) >= t.h) return -1;
  const k = row * t.cols + col;
  return k < t.count ? k : -1;
}
function mark(pic, t, k) {
  pic.querySelectorAll(".sel").forEach((e) => e.remove());
  const sel = document.createElement("div"), s = t.scale;
  sel.className = "sel";
  Object.assign(sel.style, {left: (k % t.cols) * (t.w + t.gap) * s - 2 + "px", top: Math.floor(k / t.cols) * (t.h + t.gap) * s - 2 + "px",
                            width: t.w * s + 4 + "px", height: t.h * s + 4 + "px"});
  pic.append(sel);
}
let chosen = null;  // the channel shown: {layer, channel}
function choose(layer, channel, name) {
  chosen = {layer, channel};
  document.querySelectorAll("#layers .pic").forEach((p) => p.querySelectorAll(".sel").forEach((e) => e.remove()));
  const img = document.querySelector('#layers img[data-layer="' + CSS.escape(layer) + '"]');
  const l = lastLayers.find((x) => x.path === layer);
  if (img && l) mark(img.parentElement, l.tiles, channel);
  $("channel").hidden = false;
  $("channel-title").textContent = "Layer " + layer + ", channel " + channel;
  $("channel-field").textContent = name;
  $("channel-done").hidden = true;
  $("channel-progress").hidden = false;
  $("channel-status").textContent = "asking…";
  document.body.dataset.channel = "working";
  poll(chosen);
}
async function poll(want) {
  try {
    const r = await fetch("/api/channel?layer=" + encodeURIComponent(want.layer) + "&channel=" + want.channel, {cache: "no-store"});
    const a = await r.json();
    if (want !== chosen) return;
    if (!r.ok) throw new Error(a.error || "HTTP " + r.status);
    if (a.state === "working") {
      const bar = $("channel-progress").querySelector("progress");
      if (a.total) { bar.max = a.total; bar.value = a.done; } else bar.removeAttribute("value");
      $("channel-status").textContent = a.stage + (a.total ? " " + a.done + " / " + a.total : "") + " (the first click on a layer computes all its channels; then they are kept in the run's features/ folder)";
      setTimeout(() => poll(want), 250);
      return;
    }
    $("channel-field").textContent = a.title;
    const crops = $("crops");
    crops.textContent = "";
    for (const c of a.crops) {
      const f = document.createElement("figure"), img = document.createElement("img"), cap = document.createElement("figcaption");
      img.src = c.picture; img.alt = "test image " + c.image;
      cap.textContent = c["class"] + " · " + c.activation.toFixed(1);
      f.append(img, cap);
      crops.append(f);
    }
    $("synth").src = a.synth;
    $("synth-crop").src = a.synth_crop;
    $("channel-progress").hidden = true;
    $("channel-done").hidden = false;
    document.body.dataset.channel = "ready";
  } catch (e) {
    if (want !== chosen) return;
    $("channel-status").textContent = e.message;
    document.body.dataset.channel = "failed";
  }
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
  if (i.preparation) $("preparation").textContent = ": " + i.preparation;
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
