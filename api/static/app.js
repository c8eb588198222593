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

  function headers(extra) {
    const h = Object.assign({ Accept: "application/json" }, extra || {});
    if (key) h.Authorization = `Bearer ${key}`;
    return h;
  }

  function filters() {
    const f = {};
    const type = $("doc-type").value;
    if (type) f.doc_type = type;
    for (const [id, name] of [["year-min", "year_min"], ["year-max", "year_max"]]) {
      const v = $(id).value.trim();
      if (v) f[name] = Number(v);
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

  function citationLink(c) {
    const a = R.el("a", "cite", `[${c.n}]`);
    a.href = R.documentUrl("", c, key);
    a.setAttribute("aria-label", `Source ${c.n}: ${c.title}`);
    return a;
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
      li.append(R.el("blockquote", "quote", c.quote));
      list.append(li);
    }
    section.append(list);
    return section;
  }

  function showAnswer(a) {
    results.replaceChildren();
    const article = R.el("article", "answer");
    article.append(R.el("h2", "", "Answer"));
    const byN = new Map(a.citations.map((c) => [c.n, c]));
    const body = R.el("div", "answer-text");
    R.renderMarkdown(body, a.answer, (n) => (byN.has(n) ? citationLink(byN.get(n)) : null));
    article.append(body);
    if (a.note) article.append(R.el("p", "note", a.note));
    if (a.citations.length) article.append(citationList(a.citations, "Sources"));
    if (a.abstained && a.related && a.related.length) {
      article.append(citationList(a.related, "Related passages"));
    }
    results.append(article);
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
      li.append(R.el("blockquote", "quote", r.text));
      list.append(li);
    }
    section.append(list);
    results.append(section);
  }

  async function ask(event) {
    event.preventDefault();
    const text = question.value.trim();
    if (!text) return fail("Type a question first.");
    busy(true, "Looking for an answer…");
    try {
      const answer = await call("/v1/ask", {
        method: "POST",
        headers: headers({ "Content-Type": "application/json" }),
        body: JSON.stringify({ question: text, filters: filters() }),
      });
      showAnswer(answer);
      busy(false, `Answer ready, with ${answer.citations.length} sources.`);
    } catch (e) {
      busy(false, "");
      fail(e.message);
    }
  }

  async function search() {
    const text = question.value.trim();
    if (!text) return fail("Type some words to search for.");
    busy(true, "Searching…");
    const q = new URLSearchParams({ q: text, k: "8" });
    for (const [name, value] of Object.entries(filters())) q.set(name, String(value));
    try {
      const body = await call(`/v1/search?${q}`, { headers: headers() });
      showSearch(body);
      busy(false, `${body.results.length} passages found.`);
    } catch (e) {
      busy(false, "");
      fail(e.message);
    }
  }

  form.addEventListener("submit", ask);
  $("search-button").addEventListener("click", search);
  question.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey) {
      e.preventDefault();
      form.requestSubmit();
    }
  });
})();
