"use strict";
// Shared helpers of the page. An answer arrives as HTML rendered and sanitised on the server
// (`answer_html`); insertAnswerHtml is the only place that inserts HTML, and only that. Every
// other text from the API or the documents (titles, quotes, excerpts) goes in as textContent.
(function () {
  function insertAnswerHtml(container, answerHtml, fixLink) {
    const parsed = new DOMParser().parseFromString(String(answerHtml || ""), "text/html");
    container.replaceChildren(...parsed.body.childNodes);
    for (const a of container.querySelectorAll("a[href]")) fixLink(a);
  }

  function documentUrl(base, c, key) {
    const q = new URLSearchParams({ start: String(c.start), end: String(c.end) });
    if (key) q.set("key", key);
    return `${base}/documents/${encodeURIComponent(c.doc_id)}?${q}#cited`;
  }

  function withKey(href, key) {
    if (!key) return href;
    const url = new URL(href, location.href);
    url.searchParams.set("key", key);
    return url.pathname + url.search + url.hash;
  }

  function where(c) {
    const parts = [];
    if (c.section) parts.push(c.section);
    if (c.page) parts.push(`page ${c.page}`);
    return parts.join(" · ");
  }

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // White space folded; past `limit` characters, cut at a word and end with an ellipsis.
  function shorten(text, limit) {
    const folded = String(text || "").split(/\s+/).join(" ").trim();
    if (folded.length <= limit) return folded;
    const head = folded.slice(0, limit + 1);
    const cut = head.lastIndexOf(" ") > 0 ? head.slice(0, head.lastIndexOf(" ")) : head.slice(0, limit);
    return `${cut.replace(/[\s,;:.\-–—]+$/, "")}…`;
  }

  // A passage shown once: short, and expandable to the whole text.
  function passage(text, limit) {
    const short = shorten(text, limit);
    if (short === String(text || "").split(/\s+/).join(" ").trim()) {
      return el("blockquote", "quote", text);
    }
    const details = el("details", "passage");
    const summary = el("summary");
    summary.append(el("span", "short", short), el("span", "toggle", "Hide the whole passage"));
    details.append(summary, el("blockquote", "quote", text));
    return details;
  }

  window.PathwaysRender = { insertAnswerHtml, documentUrl, withKey, where, el, shorten, passage };
})();
