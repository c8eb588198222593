"use strict";
// Safe rendering of answers: the Markdown text becomes DOM nodes built with textContent and
// createElement only (no HTML parsing), and [n] markers become links to cited passages.
(function () {
  const INLINE = /\*\*([^*\n]+)\*\*|\[(\d+)\]/g;
  const ITEM = /^\s*(?:[-*•]|\d+[.)])\s+/;

  function inline(parent, text, citeLink) {
    let last = 0;
    for (const m of text.matchAll(INLINE)) {
      if (m.index > last) parent.append(text.slice(last, m.index));
      if (m[1] !== undefined) {
        const strong = document.createElement("strong");
        strong.textContent = m[1];
        parent.append(strong);
      } else {
        parent.append(citeLink(Number(m[2])) || m[0]);
      }
      last = m.index + m[0].length;
    }
    if (last < text.length) parent.append(text.slice(last));
  }

  function renderMarkdown(container, text, citeLink) {
    for (const block of String(text || "").split(/\n\s*\n/)) {
      const lines = block.split("\n").filter((l) => l.trim());
      if (!lines.length) continue;
      if (lines.every((l) => ITEM.test(l))) {
        const list = document.createElement(/^\s*\d/.test(lines[0]) ? "ol" : "ul");
        for (const line of lines) {
          const li = document.createElement("li");
          inline(li, line.replace(ITEM, ""), citeLink);
          list.append(li);
        }
        container.append(list);
      } else if (lines.length === 1 && /^#{1,6}\s/.test(lines[0])) {
        const h = document.createElement("h3");
        inline(h, lines[0].replace(/^#+\s*/, ""), citeLink);
        container.append(h);
      } else {
        const p = document.createElement("p");
        lines.forEach((line, i) => {
          if (i) p.append(document.createElement("br"));
          inline(p, line, citeLink);
        });
        container.append(p);
      }
    }
  }

  function documentUrl(base, c, key) {
    const q = new URLSearchParams({ start: String(c.start), end: String(c.end) });
    if (key) q.set("key", key);
    return `${base}/documents/${encodeURIComponent(c.doc_id)}?${q}#cited`;
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

  window.PathwaysRender = { renderMarkdown, documentUrl, where, el };
})();
