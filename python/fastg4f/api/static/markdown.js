// Markdown to DOM nodes, safe by construction: model text only ever reaches the page through
// createTextNode/textContent, never as HTML; links are made only for http and https URLs.
// Supported: paragraphs (line breaks kept), headings, lists (nested by indentation), block
// quotes, rules, fenced code blocks, inline code, bold, italic, strike-through, links, bare URLs.

export const MAX_MARKDOWN_CHARS = 200000; // longer text is shown as plain text
const MAX_INLINE_CHARS = 20000; // a longer paragraph is shown without inline formatting
const MAX_DEPTH = 6; // nesting of quotes/lists and of inline spans

const LINK_PROTOCOLS = new Set(["http:", "https:"]);

/** The absolute URL if `href` is an http(s) URL, else null. */
export function safeUrl(href) {
  try {
    const url = new URL(href);
    return LINK_PROTOCOLS.has(url.protocol) ? url.href : null;
  } catch {
    return null;
  }
}

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

const FENCE = /^ {0,3}(`{3,}|~{3,})\s*([^`\s]*)/;
const HEADING = /^ {0,3}(#{1,6})\s+(.*?)\s*#*\s*$/;
const RULE = /^ {0,3}([-*_])(?:\s*\1){2,}\s*$/;
const QUOTE = /^ {0,3}> ?/;
const ITEM = /^( {0,12})([-*+]|\d{1,9}[.)])\s+(.*)$/;

/** Renders `text` into a DocumentFragment. */
export function renderMarkdown(text) {
  const fragment = document.createDocumentFragment();
  if (text.length > MAX_MARKDOWN_CHARS) {
    fragment.append(el("p", "plain", text));
    return fragment;
  }
  renderBlocks(text.replace(/\r\n?/g, "\n").split("\n"), fragment, 0);
  return fragment;
}

function startsBlock(line) {
  return FENCE.test(line) || HEADING.test(line) || RULE.test(line) || QUOTE.test(line) ||
    ITEM.test(line);
}

function renderBlocks(lines, parent, depth) {
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    if (!line.trim()) {
      i++;
      continue;
    }
    const fence = FENCE.exec(line);
    if (fence) {
      const marker = fence[1];
      const body = [];
      i++;
      while (i < lines.length) {
        const close = lines[i].trim();
        if (close.startsWith(marker[0].repeat(marker.length)) && !close.replace(/[`~]/g, "")) {
          i++;
          break;
        }
        body.push(lines[i]);
        i++;
      }
      parent.append(codeBlock(body.join("\n"), fence[2]));
      continue;
    }
    const heading = HEADING.exec(line);
    if (heading) {
      const h = el(`h${heading[1].length}`);
      renderInline(heading[2], h, 0);
      parent.append(h);
      i++;
      continue;
    }
    if (RULE.test(line)) {
      parent.append(el("hr"));
      i++;
      continue;
    }
    if (QUOTE.test(line)) {
      const body = [];
      while (i < lines.length && QUOTE.test(lines[i])) body.push(lines[i++].replace(QUOTE, ""));
      const quote = el("blockquote");
      nested(body, quote, depth);
      parent.append(quote);
      continue;
    }
    const item = ITEM.exec(line);
    if (item) {
      i = renderList(lines, i, parent, depth);
      continue;
    }
    const para = [];
    while (i < lines.length && lines[i].trim() && !(para.length && startsBlock(lines[i]))) {
      para.push(lines[i].trim());
      i++;
    }
    const p = el("p");
    renderInline(para.join("\n"), p, 0);
    parent.append(p);
  }
}

function nested(lines, parent, depth) {
  if (depth + 1 >= MAX_DEPTH) parent.append(el("p", "plain", lines.join("\n")));
  else renderBlocks(lines, parent, depth + 1);
}

function renderList(lines, start, parent, depth) {
  const first = ITEM.exec(lines[start]);
  const indent = first[1].length;
  const ordered = /\d/.test(first[2]);
  const list = el(ordered ? "ol" : "ul");
  if (ordered) {
    const number = parseInt(first[2], 10);
    if (number !== 1) list.start = number;
  }
  let i = start;
  while (i < lines.length) {
    const item = ITEM.exec(lines[i]);
    if (!item || item[1].length !== indent || /\d/.test(item[2]) !== ordered) break;
    const body = [item[3]];
    i++;
    while (i < lines.length) {
      const next = lines[i];
      if (!next.trim()) {
        // A blank line continues the item only if indented text follows.
        const after = lines[i + 1];
        if (after !== undefined && /^\s+\S/.test(after) && leading(after) > indent) {
          body.push("");
          i++;
          continue;
        }
        break;
      }
      const sub = ITEM.exec(next);
      if (sub && sub[1].length <= indent) break;
      if (!sub && leading(next) <= indent && startsBlock(next)) break;
      body.push(next.slice(Math.min(leading(next), indent + 2)));
      i++;
    }
    const li = el("li");
    if (body.length === 1) renderInline(body[0], li, 0);
    else nested(body, li, depth);
    list.append(li);
  }
  parent.append(list);
  return i;
}

function leading(line) {
  return line.length - line.trimStart().length;
}

function codeBlock(code, lang) {
  const box = el("div", "code");
  const head = el("div", "code-head");
  head.append(el("span", "code-lang", lang || "code"));
  const copy = el("button", "copy-code", "Copy code");
  copy.type = "button";
  copy.setAttribute("aria-label", `Copy ${lang || "code"} block`);
  head.append(copy);
  const pre = el("pre");
  pre.append(el("code", null, code));
  box.append(head, pre);
  return box;
}

// One alternation; the first group that matched says which span it is.
const INLINE = new RegExp(
  [
    "(`+)([^`]|[^`][\\s\\S]*?[^`])\\1(?!`)", // 1,2 code
    "\\*\\*(?=\\S)([\\s\\S]*?\\S)\\*\\*", // 3 bold
    "(?<!\\w)__(?=\\S)([\\s\\S]*?\\S)__(?!\\w)", // 4 bold
    "~~(?=\\S)([\\s\\S]*?\\S)~~", // 5 strike
    "\\*(?=[^\\s*])([\\s\\S]*?[^\\s*])\\*", // 6 italic
    "(?<![\\w])_(?=[^\\s_])([\\s\\S]*?[^\\s_])_(?!\\w)", // 7 italic
    "\\[([^\\]\\n]*)\\]\\(\\s*<?([^\\s<>()]*)>?(?:\\s+\"[^\"\\n]*\")?\\s*\\)", // 8,9 link
    "(https?:\\/\\/[^\\s<>\"]+)", // 10 bare URL
  ].join("|"),
  "g",
);

function renderInline(text, parent, depth) {
  if (depth >= MAX_DEPTH || text.length > MAX_INLINE_CHARS) {
    appendText(parent, text);
    return;
  }
  const re = new RegExp(INLINE.source, "g");
  let last = 0;
  let m;
  while ((m = re.exec(text)) !== null) {
    appendText(parent, text.slice(last, m.index));
    last = m.index + m[0].length;
    if (m[1] !== undefined) {
      parent.append(el("code", null, m[2]));
    } else if (m[3] !== undefined || m[4] !== undefined) {
      const strong = el("strong");
      renderInline(m[3] ?? m[4], strong, depth + 1);
      parent.append(strong);
    } else if (m[5] !== undefined) {
      const del = el("del");
      renderInline(m[5], del, depth + 1);
      parent.append(del);
    } else if (m[6] !== undefined || m[7] !== undefined) {
      const em = el("em");
      renderInline(m[6] ?? m[7], em, depth + 1);
      parent.append(em);
    } else if (m[8] !== undefined) {
      const href = safeUrl(m[9]);
      if (href === null) {
        appendText(parent, m[0]); // not a web link: shown as written
      } else {
        const a = link(href);
        renderInline(m[8] || href, a, depth + 1);
        parent.append(a);
      }
    } else {
      let url = m[10];
      const trail = /[.,;:!?)\]']+$/.exec(url);
      if (trail) {
        url = url.slice(0, trail.index);
        last -= trail[0].length;
        re.lastIndex = last;
      }
      const href = safeUrl(url);
      if (href === null) appendText(parent, url);
      else parent.append(link(href, url));
    }
  }
  appendText(parent, text.slice(last));
}

function link(href, text) {
  const a = el("a", null, text);
  a.href = href;
  a.rel = "noopener noreferrer nofollow";
  a.target = "_blank";
  return a;
}

function appendText(parent, text) {
  if (!text) return;
  const parts = text.split("\n");
  parts.forEach((part, i) => {
    if (i) parent.append(el("br"));
    if (part) parent.append(document.createTextNode(part));
  });
}
