// phav's page: builds the form from GET /api/parameters, POSTs /api/videos, polls the job, plays the
// previews with a modality switcher. Plain JS, no build step; data is only ever set as text.
"use strict";

const RANDOM = "";  // the value of every select's "random" option: the server samples it from the seed
const LABELS = { img: "RGB", raw: "raw RGB", depth: "depth", flow: "flow", classgt: "semantic", instancegt: "instance" };
let params = null;
let current = null;   // the job being shown
let modality = "img";

function $(id) { return document.getElementById(id); }

function setStatus(text, isError) {
  const el = $("status");
  el.textContent = text;
  el.className = isError ? "error" : "";
}

function option(select, value, text) {
  const o = document.createElement("option");
  o.value = value;
  o.textContent = text;
  select.appendChild(o);
}

function fillClips() {
  const clip = $("var-clip");
  const action = $("var-action").value;
  const byAction = params.variables.clip.values_by_action;
  clip.replaceChildren();
  option(clip, RANDOM, "random");
  const names = action ? byAction[action] || [] : [];
  for (const name of names) option(clip, name, name);
}

function buildForm() {
  const box = $("variables");
  for (const [name, info] of Object.entries(params.variables)) {
    const label = document.createElement("label");
    label.textContent = name.replace("_", " ");
    const select = document.createElement("select");
    select.id = "var-" + name;
    select.name = name;
    option(select, RANDOM, "random");
    for (const value of info.values || []) option(select, value, value);
    label.appendChild(select);
    box.appendChild(label);
  }
  $("var-action").addEventListener("change", fillClips);
  fillClips();
  for (const name of ["frames", "fps", "width", "height"]) {
    const spec = params.numeric[name];
    const input = $(name);
    // frames left empty: the server makes the video as long as its action needs (GET /api/parameters
    // lists each action's frames_needed); a number typed here is used as given
    if (name === "frames") input.placeholder = "as the action needs"; else input.value = spec.default;
    input.max = spec.max;
    if (spec.min !== undefined) input.min = spec.min;
  }
}

// A whole number typed in an integer field, as its digits (leading zeros dropped), or an Error saying
// what is allowed: "1e20", "1.5", "-3" or "12abc" are refused, never sent as another number
// (parseInt would send 1, 1, -3 and 12). The digits are compared as BigInt: the seed's bound (2^63 - 1)
// is beyond a JS number's exact range.
function wholeNumber(name) {
  const input = $(name);
  const text = input.value.trim();
  const spec = params.numeric[name] || {};
  const range = (spec.min ?? 0) + ".." + (spec.max ?? "");
  const refuse = (what) => new Error(name + " must be a whole number in " + range + ", not " + what);
  if (input.validity && input.validity.badInput) return refuse("what was typed");  // type=number: value ""
  if (text === "") return null;
  if (!/^[0-9]+$/.test(text)) return refuse(JSON.stringify(text));
  const value = BigInt(text);
  if ((spec.min !== undefined && value < BigInt(spec.min)) || (spec.max !== undefined && value > BigInt(spec.max))) {
    return refuse(text);
  }
  return value.toString();
}

// The POST body's JSON text, or an Error saying which field is wrong (nothing is sent then).
function request() {
  const body = {};
  for (const name of Object.keys(params.variables)) {
    const value = $("var-" + name).value;
    if (value !== RANDOM) body[name] = value;
  }
  const whole = {};
  for (const name of ["frames", "width", "height", "seed"]) {
    const digits = wholeNumber(name);
    if (digits instanceof Error) return digits;
    if (digits !== null) whole[name] = digits;
  }
  const fps = $("fps").value.trim();
  if (fps !== "") body.fps = Number.parseFloat(fps);
  // the whole numbers written as their digits: exact even above 2^53 (JSON.stringify would round them)
  const fields = Object.entries(whole).map(([name, digits]) => JSON.stringify(name) + ":" + digits);
  const text = JSON.stringify(body);
  return fields.length === 0 ? text : text.slice(0, -1) + (text === "{}" ? "" : ",") + fields.join(",") + "}";
}

// An integer in JSON above 2^53 (the seed's bound) kept as its digits, where the browser gives the
// number's source text (JSON.parse source text access); elsewhere it stays a (rounded) number.
function exactIntegers(key, value, context) {
  if (typeof value === "number" && !Number.isSafeInteger(value) && context && /^[0-9]+$/.test(context.source)) {
    return context.source;
  }
  return value;
}

// The answer's JSON body, or (a proxy's page, a server error in plain text) a body whose detail is
// the status text and the start of the text: never a SyntaxError shown to the user.
async function answer(response, reviver) {
  const text = await response.text();
  try {
    return JSON.parse(text, reviver);
  } catch (err) {
    return { detail: (response.statusText || "not JSON") + (text ? ": " + text.slice(0, 200) : "") };
  }
}

function reason(body) {
  if (!body || body.detail === undefined) return "";
  if (typeof body.detail === "string") return body.detail;
  return body.detail.map((d) => (d.loc || []).slice(1).join(".") + ": " + d.msg).join("; ");
}

async function generate(event) {
  event.preventDefault();
  $("generate").disabled = true;
  try {
    const text = request();
    if (text instanceof Error) {
      setStatus(text.message, true);
      return;
    }
    setStatus("submitting...");
    const response = await fetch("/api/videos", {
      method: "POST", headers: { "Content-Type": "application/json" }, body: text,
    });
    const body = await answer(response);
    if (!response.ok) {
      setStatus("error " + response.status + ": " + reason(body), true);
      return;
    }
    location.hash = body.id;
    await follow(body);
  } catch (err) {
    setStatus("error: " + err, true);
  } finally {
    $("generate").disabled = false;
  }
}

async function follow(job) {
  const started = Date.now();
  while (job.status === "queued" || job.status === "running") {
    const seconds = ((Date.now() - started) / 1000).toFixed(0);
    setStatus("video " + job.id + ": " + job.status + " (" + seconds + " s)");
    await new Promise((resolve) => setTimeout(resolve, 500));
    const response = await fetch(job.links.self);
    job = await answer(response);
    if (!response.ok) { setStatus("error " + response.status + ": " + reason(job), true); return; }
  }
  if (job.status === "failed") {
    setStatus("video " + job.id + " failed: " + job.error, true);
    return;
  }
  setStatus("video " + job.id + ": done, " + job.frames + " frames");
  show(job);
}

function show(job) {
  current = job;
  const previews = job.links.previews || {};
  if (!(modality in previews)) modality = Object.keys(previews)[0];
  const box = $("modalities");
  box.replaceChildren();
  for (const name of params.modalities) {
    if (!(name in previews)) continue;
    const b = document.createElement("button");
    b.type = "button";
    b.dataset.modality = name;
    b.textContent = LABELS[name] || name;
    b.addEventListener("click", () => choose(name));
    box.appendChild(b);
  }
  const links = $("downloads");
  links.replaceChildren();
  for (const [text, href] of [["video.zip (all modalities)", job.links.zip], ["params.json", job.links.params],
                              ["annotations.json", job.links.annotations], ["this preview (MP4)", null]]) {
    const a = document.createElement("a");
    a.textContent = text;
    if (href) a.href = href; else a.id = "preview-link";
    a.setAttribute("download", "");
    links.appendChild(a);
  }
  const rows = $("resolved").tBodies[0];
  rows.replaceChildren();
  for (const [key, value] of Object.entries(job.spec)) {
    const tr = rows.insertRow();
    tr.insertCell().textContent = key;
    tr.insertCell().textContent = String(value);
  }
  $("result").hidden = false;
  choose(modality);
}

function choose(name) {
  modality = name;
  const player = $("player");
  const time = player.currentTime || 0;
  const src = current.links.previews[name];
  for (const b of $("modalities").children) b.setAttribute("aria-pressed", String(b.dataset.modality === name));
  $("preview-link").href = src;
  player.width = Math.max(320, current.spec.width * 2);
  player.src = src;
  player.addEventListener("loadedmetadata", () => {
    player.currentTime = Math.min(time, player.duration || 0);
    player.play().catch(() => {});
  }, { once: true });
}

async function init() {
  $("spec").addEventListener("submit", generate);
  $("reseed").addEventListener("click", () => { $("seed").value = Math.floor(Math.random() * 1e9); });
  try {
    const response = await fetch("/api/parameters");
    params = await answer(response, exactIntegers);
    if (!response.ok) throw new Error(response.status + " " + reason(params));
    buildForm();
    setStatus("ready");
    const id = location.hash.slice(1);
    if (/^[0-9a-f]{32}$/.test(id)) {  // a link to a video: show it (or follow it while it renders)
      const job = await fetch("/api/videos/" + id);
      if (job.ok) await follow(await job.json()); else setStatus("no video " + id, true);
    }
  } catch (err) {
    setStatus("cannot read /api/parameters: " + err, true);
  }
}

document.addEventListener("DOMContentLoaded", init);
