"use strict";
// The search-and-ask page: calls API v1 and renders answers with numbered citations.
(function () {
  const R = window.PathwaysRender;
  const app = document.getElementById("app");
  if (!app || !R) return;
  const key = app.dataset.key || "";
  const $ = (id) => document.getElementById(id);
  const form = $("ask-form");
  const question = $("question");
  const status = $("status");
  const error = $("error");
  const results = $("results");
  const buttons = [$("ask-button"), $("search-button")];
  const QUOTE_CHARS = 160;
  const EXCERPT_CHARS = 320;

  function headers(extra) {
    const h = Object.assign({ Accept: "application/json" }, extra || {});
    if (key) h.Authorization = `Bearer ${key}`;
    return h;
  }

  // [form control, API and URL parameter, type]
  const FILTERS = [["doc-type", "doc_type", String], ["year-min", "year_min", Number], ["year-max", "year_max", Number]];
  let latest = 0; // only the newest request may show its result (Back can start another)

  function filters() {
    const f = {};
    for (const [id, name, type] of FILTERS) {
      const v = $(id).value.trim();
      if (v) f[name] = type(v);
    }
    return f;
  }

  function problem(response, body) {
    const detail = body && body.detail;
    if (typeof detail === "string") return detail;
    if (Array.isArray(detail)) return detail.map((d) => d.msg).join("; ");
    return `The server answered ${response.status}.`;
  }

  async function call(url, init) {
    const response = await fetch(url, init);
    let body = null;
    try {
      body = await response.json();
    } catch (e) {
      body = null;
    }
    if (!response.ok) throw new Error(problem(response, body));
    return body;
  }

  function busy(on, message) {
    results.setAttribute("aria-busy", on ? "true" : "false");
    buttons.forEach((b) => (b.disabled = on));
    status.textContent = message || "";
    if (on) error.hidden = true;
  }

  function fail(message) {
    error.textContent = message;
    error.hidden = false;
  }

  function citationList(citations, label) {
    const section = R.el("section", "sources");
    section.append(R.el("h3", "", label));
    const list = R.el("ol", "citations");
    for (const c of citations) {
      const li = R.el("li");
      li.value = c.n;
      li.id = `source-${c.n}`;
      const link = R.el("a", "source-title", c.title);
      link.href = R.documentUrl("", c, key);
      li.append(link);
      const where = R.where(c);
      if (where) li.append(R.el("div", "where", where));
      li.append(R.passage(c.quote, QUOTE_CHARS));
      list.append(li);
    }
    section.append(list);
    return section;
  }

  function showAnswer(a) {
    results.replaceChildren();
    const article = R.el("article", "answer");
    article.append(R.el("h2", "", "Answer"));
    const body = R.el("div", "answer-text");
    R.insertAnswerHtml(body, a.answer_html, (link) => (link.href = R.withKey(link.getAttribute("href"), key)));
    article.append(body);
    if (a.note) article.append(R.el("p", "note", a.note));
    if (a.citations.length) article.append(citationList(a.citations, "Sources"));
    results.append(article);
  }

  function answerStatus(a) {
    const plural = (n, word) => `${n} ${word}${n === 1 ? "" : "s"}`;
    if (a.abstained) {
      const related = a.related.length ? ` ${plural(a.related.length, "related passage")} listed.` : "";
      return `The reports do not answer this question.${related}`;
    }
    return a.citations.length ? `Answer ready, with ${plural(a.citations.length, "source")}.` : "Answer ready.";
  }

  function showSearch(body) {
    results.replaceChildren();
    const section = R.el("section", "search-results");
    section.append(R.el("h2", "", `Passages for “${body.query}”`));
    if (!body.results.length) section.append(R.el("p", "", "No passages match."));
    const list = R.el("ol", "citations");
    for (const r of body.results) {
      const li = R.el("li");
      const link = R.el("a", "source-title", r.title);
      link.href = R.documentUrl("", r, key);
      li.append(link);
      const where = R.where(r);
      if (where) li.append(R.el("div", "where", where));
      li.append(R.passage(r.text, EXCERPT_CHARS));
      list.append(li);
    }
    section.append(list);
    results.append(section);
  }

  // --- the question lives in the URL: /?q=...&mode=ask|search (+ filters) ---------------
  function stateUrl(mode, text) {
    const q = new URLSearchParams({ q: text, mode });
    for (const [name, value] of Object.entries(filters())) q.set(name, String(value));
    if (key) q.set("key", key);
    return `${location.pathname}?${q}`;
  }

  function remember(mode, text) {
    const url = stateUrl(mode, text);
    if (url !== location.pathname + location.search) history.pushState(null, "", url);
  }

  function restore() {
    const params = new URLSearchParams(location.search);
    const text = (params.get("q") || "").trim();
    for (const [id, name] of FILTERS) $(id).value = params.get(name) || "";
    question.value = text;
    if (!text) {
      results.replaceChildren();
      error.hidden = true;
      status.textContent = "";
      return;
    }
    if (params.get("mode") === "search") runSearch(text);
    else runAsk(text);
  }

  // Runs one request; `show` renders its body and returns the status line.
  async function run(message, url, init, show) {
    const mine = ++latest;
    busy(true, message);
    try {
      const body = await call(url, init);
      if (mine !== latest) return;
      busy(false, show(body));
    } catch (e) {
      if (mine !== latest) return;
      busy(false, "");
      fail(e.message);
    }
  }

  function runAsk(text) {
    const init = {
      method: "POST",
      headers: headers({ "Content-Type": "application/json" }),
      body: JSON.stringify({ question: text, filters: filters() }),
    };
    return run("Looking for an answer…", "/v1/ask", init, (answer) => {
      showAnswer(answer);
      return answerStatus(answer);
    });
  }

  function runSearch(text) {
    const q = new URLSearchParams({ q: text, k: "8" });
    for (const [name, value] of Object.entries(filters())) q.set(name, String(value));
    return run("Searching…", `/v1/search?${q}`, { headers: headers() }, (body) => {
      showSearch(body);
      const n = body.results.length;
      return `${n} passage${n === 1 ? "" : "s"} found.`;
    });
  }

  function start(mode, empty) {
    const text = question.value.trim();
    if (!text) {
      status.textContent = "";
      return fail(empty);
    }
    remember(mode, text);
    return mode === "search" ? runSearch(text) : runAsk(text);
  }

  function ask(event) {
    event.preventDefault();
    start("ask", "Type a question first.");
  }

  function search() {
    start("search", "Type some words to search for.");
  }

  form.addEventListener("submit", ask);
  window.addEventListener("popstate", restore);
  question.addEventListener("input", () => (error.hidden = true));
  $("search-button").addEventListener("click", search);
  question.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey) {
      e.preventDefault();
      form.requestSubmit();
    }
  });
  if (new URLSearchParams(location.search).has("q")) restore();
})();
