/* Pathways KB chat widget.
 *   <script src="https://HOST/widget.js" data-api="https://HOST" data-key="READ-KEY" defer></script>
 * Adds a button and a chat panel in a shadow DOM (styles isolated both ways). Answers stream
 * over Server-Sent Events read with fetch + ReadableStream (EventSource cannot POST), and every
 * citation links to the passage in the document view on the API host. The answer is inserted
 * as the HTML the server rendered and sanitised (answer_html); every other text (titles,
 * messages) only ever with textContent. */
(function () {
  "use strict";
  const script = document.currentScript;
  if (!script || window.__pathwaysWidget) return;
  window.__pathwaysWidget = true;
  const api = (script.dataset.api || new URL(script.src, location.href).origin).replace(/\/+$/, "");
  const key = script.dataset.key || "";
  const title = script.dataset.title || "Ask the reports";

  const CSS = `
:host { all: initial; position: fixed; right: 20px; bottom: 20px; z-index: 2147483000;
  font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1a1a1a; }
* { box-sizing: border-box; }
button { font: inherit; cursor: pointer; }
:focus-visible { outline: 3px solid #f2a900; outline-offset: 2px; }
.launcher { display: block; margin-left: auto; border: 0; border-radius: 999px; padding: 12px 18px;
  background: #0b5394; color: #fff; font-weight: 600; box-shadow: 0 4px 14px rgba(0,0,0,.25); }
.launcher:hover { background: #083f70; }
.panel { width: min(380px, calc(100vw - 40px)); max-height: min(600px, calc(100vh - 100px));
  display: flex; flex-direction: column; margin-bottom: 12px; background: #fff;
  border: 1px solid #c8cdd3; border-radius: 12px; box-shadow: 0 10px 30px rgba(0,0,0,.25);
  overflow: hidden; }
.panel[hidden] { display: none; }
header { display: flex; align-items: center; justify-content: space-between; padding: 10px 14px;
  background: #0b5394; color: #fff; }
h2 { font-size: 16px; margin: 0; }
.close { background: transparent; color: #fff; border: 0; font-size: 22px; line-height: 1; padding: 2px 8px; }
.body { padding: 12px 14px; overflow-y: auto; flex: 1; }
form { padding: 10px 14px 14px; border-top: 1px solid #e3e6ea; display: flex; flex-direction: column; gap: 6px; }
label { font-weight: 600; font-size: 14px; }
textarea { font: inherit; width: 100%; min-height: 56px; resize: vertical; padding: 8px;
  border: 1px solid #6b7580; border-radius: 6px; color: #1a1a1a; background: #fff; }
.send { align-self: flex-end; border: 0; border-radius: 6px; padding: 8px 16px; background: #0b5394; color: #fff; font-weight: 600; }
.send[disabled] { background: #6b7580; cursor: progress; }
.hint, .status { color: #4a535c; font-size: 13px; margin: 0 0 8px; }
.answer p { margin: 0 0 8px; }
.answer ul, .answer ol { margin: 0 0 8px; padding-left: 20px; }
.answer li { margin-bottom: 6px; }
.answer blockquote { margin: 0 0 8px; padding: 0 0 0 10px; border-left: 3px solid #c8cdd3; }
a { color: #0b5394; }
a.cite { text-decoration: none; font-weight: 600; }
.sources { margin-top: 10px; border-top: 1px solid #e3e6ea; padding-top: 8px; }
.sources h3 { font-size: 14px; margin: 0 0 6px; }
.sources ol { margin: 0; padding-left: 22px; font-size: 13px; }
.sources li { margin-bottom: 6px; }
.where { color: #4a535c; }
.error { color: #a4000f; background: #fdecee; border: 1px solid #f3b7bd; border-radius: 6px; padding: 8px; margin: 8px 0 0; }
.error[hidden] { display: none; }
`;

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // --- the answer: HTML rendered and sanitised on the server (answer_html) -------------
  // The only HTML this widget inserts; titles, quotes and messages go in as textContent.
  function insertAnswerHtml(container, answerHtml, fixLink) {
    const parsed = new DOMParser().parseFromString(String(answerHtml || ""), "text/html");
    container.replaceChildren(...parsed.body.childNodes);
    for (const a of container.querySelectorAll("a[href]")) fixLink(a);
  }
  function onApiHost(a) {
    const url = new URL(a.getAttribute("href"), `${api}/`);
    if (key) url.searchParams.set("key", key);
    a.href = url.href;
    a.target = "_blank";
    a.rel = "noopener noreferrer";
  }
  function documentUrl(c) {
    const q = new URLSearchParams({ start: String(c.start), end: String(c.end) });
    if (key) q.set("key", key);
    return `${api}/documents/${encodeURIComponent(c.doc_id)}?${q}#cited`;
  }
  function link(text, href, className) {
    const a = el("a", className, text);
    a.href = href;
    a.target = "_blank";
    a.rel = "noopener noreferrer";
    return a;
  }

  // --- the DOM --------------------------------------------------------------------------
  const host = el("div");
  host.id = "pathways-widget";
  const root = host.attachShadow({ mode: "open" });
  if ("adoptedStyleSheets" in root && typeof CSSStyleSheet.prototype.replaceSync === "function") {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(CSS);
    root.adoptedStyleSheets = [sheet];
  } else {
    root.append(el("style", "", CSS));
  }
  const panel = el("div", "panel");
  panel.id = "pw-panel";
  panel.hidden = true;
  panel.setAttribute("role", "dialog");
  panel.setAttribute("aria-label", title);
  const header = el("header");
  const close = el("button", "close", "×");
  close.type = "button";
  close.setAttribute("aria-label", "Close");
  header.append(el("h2", "", title), close);
  const body = el("div", "body");
  const hint = el("p", "hint", "Answers come from the indexed reports; each claim links to its source.");
  const status = el("p", "status");
  status.setAttribute("role", "status");
  const output = el("div", "output");
  output.setAttribute("aria-live", "polite");
  const error = el("p", "error");
  error.setAttribute("role", "alert");
  error.hidden = true;
  body.append(hint, status, output, error);
  const form = el("form");
  const label = el("label", "", "Your question");
  label.htmlFor = "pw-question";
  const input = el("textarea");
  input.id = "pw-question";
  input.name = "question";
  input.maxLength = 2000;
  input.required = true;
  const send = el("button", "send", "Ask");
  send.type = "submit";
  form.append(label, input, send);
  panel.append(header, body, form);
  const launcher = el("button", "launcher", title);
  launcher.type = "button";
  launcher.setAttribute("aria-expanded", "false");
  launcher.setAttribute("aria-controls", "pw-panel");
  root.append(panel, launcher);

  function toggle(open) {
    panel.hidden = !open;
    launcher.setAttribute("aria-expanded", String(open));
    if (open) input.focus();
    else launcher.focus();
  }
  launcher.addEventListener("click", () => toggle(panel.hidden));
  close.addEventListener("click", () => toggle(false));
  panel.addEventListener("keydown", (e) => {
    if (e.key === "Escape") toggle(false);
  });
  input.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey) {
      e.preventDefault();
      form.requestSubmit();
    }
  });

  // --- rendering ------------------------------------------------------------------------
  function render(state) {
    output.replaceChildren();
    const answer = el("div", "answer");
    insertAnswerHtml(answer, state.answer_html, onApiHost);
    output.append(answer);
    if (state.note) output.append(el("p", "hint", state.note));
    if (state.citations.length) {
      const section = el("section", "sources");
      section.append(el("h3", "", "Sources"));
      const list = el("ol");
      for (const c of state.citations) {
        const li = el("li");
        li.value = c.n;
        li.append(link(c.title, documentUrl(c), "source"));
        const where = [c.section, c.page ? `page ${c.page}` : ""].filter(Boolean).join(" · ");
        if (where) li.append(el("div", "where", where));
        list.append(li);
      }
      section.append(list);
      output.append(section);
    }
  }

  function fail(message) {
    error.textContent = message;
    error.hidden = false;
  }

  // --- Server-Sent Events over fetch ----------------------------------------------------
  function parseEvent(raw) {
    let event = "message";
    const data = [];
    for (const line of raw.split("\n")) {
      if (!line || line.startsWith(":")) continue;
      const colon = line.indexOf(":");
      const field = colon < 0 ? line : line.slice(0, colon);
      let value = colon < 0 ? "" : line.slice(colon + 1);
      if (value.startsWith(" ")) value = value.slice(1);
      if (field === "event") event = value;
      else if (field === "data") data.push(value);
    }
    return { event, data: data.join("\n") };
  }

  // `citations` and `answer` pieces arrive first; the answer shows once `done` brings its HTML.
  function handle(ev, state) {
    if (ev.event === "citations") state.citations = JSON.parse(ev.data);
    else if (ev.event === "answer") status.textContent = "Writing the answer…";
    else if (ev.event === "done") {
      Object.assign(state, JSON.parse(ev.data), { done: true });
      render(state);
    } else if (ev.event === "error") fail(JSON.parse(ev.data).detail || "The answer failed.");
  }

  async function detailOf(response) {
    try {
      const body = await response.json();
      if (typeof body.detail === "string") return body.detail;
      if (Array.isArray(body.detail)) return body.detail.map((d) => d.msg).join("; ");
    } catch (e) {
      /* not JSON */
    }
    return `The assistant answered ${response.status}.`;
  }

  async function ask(question) {
    const headers = { "Content-Type": "application/json", Accept: "text/event-stream" };
    if (key) headers.Authorization = `Bearer ${key}`;
    let response;
    try {
      response = await fetch(`${api}/v1/ask`, {
        method: "POST",
        mode: "cors",
        credentials: "omit",
        headers,
        body: JSON.stringify({ question, stream: true }),
      });
    } catch (e) {
      return fail(
        "Could not reach the assistant. This site may not be allowed to use it: its address " +
          "must be listed in PATHWAYS_CORS_ORIGINS on the server."
      );
    }
    if (!response.ok) return fail(await detailOf(response));
    const state = { citations: [], answer_html: "", note: null, done: false };
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      buffer = buffer.replace(/\r\n/g, "\n").replace(/\r(?!$)/g, "\n");
      let cut;
      while ((cut = buffer.indexOf("\n\n")) >= 0) {
        handle(parseEvent(buffer.slice(0, cut)), state);
        buffer = buffer.slice(cut + 2);
      }
    }
    if (!state.done) fail("The answer was cut off; please try again.");
  }

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const question = input.value.trim();
    if (!question) return;
    error.hidden = true;
    output.replaceChildren();
    send.disabled = true;
    status.textContent = "Looking for an answer…";
    try {
      await ask(question);
    } catch (err) {
      fail(`Something went wrong: ${err.message}`);
    } finally {
      send.disabled = false;
      status.textContent = "";
    }
  });

  (document.body || document.documentElement).append(host);
})();
