// The chat page: pickers, conversations, streaming answers, compare mode, API-key prompt.
import { ApiError, describeTiming, getJSON, streamChat } from "./api.js";
import { renderMarkdown } from "./markdown.js";
import * as store from "./store.js";

const MAX_PINS = 6;
const $ = (id) => document.getElementById(id);
const ui = {
  sidebar: $("sidebar"), openSidebar: $("open-sidebar"), closeSidebar: $("close-sidebar"),
  newChat: $("new-chat"), search: $("search"), list: $("conversations"),
  exportButton: $("export"), importFile: $("import-file"), sideStatus: $("side-status"),
  provider: $("provider"), model: $("model"), pin: $("pin"), compare: $("compare"),
  pins: $("pins"), system: $("system"), messages: $("messages"), composer: $("composer"),
  prompt: $("prompt"), send: $("send"), stop: $("stop"), announce: $("announce"),
  keyDialog: $("key-dialog"), keyForm: $("key-form"), keyInput: $("key-input"),
  keyRemember: $("key-remember"), keyError: $("key-error"),
};

const state = {
  conversations: store.loadConversations(),
  current: null, // id
  models: [],
  providers: [],
  pins: store.getSetting("pins", []),
  running: new Set(), // AbortControllers of the answers streaming now
};

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function button(text, className, label) {
  const b = el("button", className, text);
  b.type = "button";
  if (label) b.setAttribute("aria-label", label);
  return b;
}

// ---------------------------------------------------------------- API key

function storedKey() {
  return sessionStorage.getItem("fastg4f.key") ?? localStorage.getItem("fastg4f.key");
}

let keyWaiters = [];

function askKey(message) {
  if (!ui.keyDialog.open) {
    ui.keyError.textContent = message ?? "";
    ui.keyInput.value = "";
    ui.keyDialog.showModal();
    ui.keyInput.focus();
  } else if (message) {
    // Another refusal while the dialog is open waits for the same answer: what is being typed
    // stays as it is.
    ui.keyError.textContent = message;
  }
  return new Promise((resolve) => keyWaiters.push(resolve));
}

function keyGiven(key) {
  const waiters = keyWaiters;
  keyWaiters = [];
  waiters.forEach((resolve) => resolve(key));
}

ui.keyForm.addEventListener("submit", () => {
  const key = ui.keyInput.value.trim();
  sessionStorage.removeItem("fastg4f.key");
  localStorage.removeItem("fastg4f.key");
  (ui.keyRemember.checked ? localStorage : sessionStorage).setItem("fastg4f.key", key);
  keyGiven(key);
});
// Escape closes the dialog without a key: whoever waited gets the 401 error.
ui.keyDialog.addEventListener("cancel", () => keyGiven(null));

/** getJSON that asks for the API key on 401 and tries again. */
async function getWithKey(path) {
  for (;;) {
    const sent = storedKey();
    try {
      return await getJSON(path, sent);
    } catch (err) {
      if (!(err instanceof ApiError) || err.status !== 401) throw err;
      // Several requests can be refused at once: one prompt answers them all, so a refusal of a
      // request sent before the key was given retries with that key instead of asking again.
      if (storedKey() !== sent) continue;
      const key = await askKey(sent ? "The key was not accepted." : "");
      if (key === null) throw new ApiError(401, `${err.message} Reload the page to enter it.`);
    }
  }
}

// ---------------------------------------------------------------- pickers and pins

async function loadPickers() {
  try {
    const [models, providers] = await Promise.all([
      getWithKey("/v1/models"),
      getWithKey("/v1/providers"),
    ]);
    state.models = models.data.map((m) => m.id);
    state.providers = providers.data;
  } catch (err) {
    showNotice(`Could not load the models and providers. ${err.message}`);
    return;
  }
  const saved = store.getSetting("picker", {});
  ui.provider.replaceChildren(new Option("Auto (route by model)", ""));
  for (const p of state.providers) {
    const flags = [p.emulated ? "emulated" : "", p.usable ? "" : "not working"].filter(Boolean);
    const option = new Option(flags.length ? `${p.id} (${flags.join(", ")})` : p.id, p.id);
    option.disabled = !p.usable;
    ui.provider.append(option);
  }
  const known = state.providers.find((p) => p.id === saved.provider && p.usable);
  ui.provider.value = known ? known.id : "";
  fillModels(saved.model);
  renderPins();
}

function fillModels(preferred) {
  const provider = state.providers.find((p) => p.id === ui.provider.value);
  const names = provider ? provider.models : state.models;
  ui.model.replaceChildren(...names.map((name) => new Option(name, name)));
  const pick = [preferred, provider?.default_model, "gpt-4o-mini"].find((n) => names.includes(n));
  ui.model.value = pick ?? names[0] ?? "";
}

function savePicker() {
  store.setSetting("picker", { provider: ui.provider.value, model: ui.model.value });
}

ui.provider.addEventListener("change", () => {
  fillModels(ui.model.value);
  savePicker();
});
ui.model.addEventListener("change", savePicker);

function pairLabel(pair) {
  return `${pair.provider || "Auto"} · ${pair.model || "default"}`;
}

function renderPins() {
  ui.pins.replaceChildren();
  for (const [i, pair] of state.pins.entries()) {
    const chip = el("span", "pin-chip");
    chip.append(el("span", null, pairLabel(pair)));
    const remove = button("✕", "icon small", `Remove pin ${pairLabel(pair)}`);
    remove.addEventListener("click", () => {
      state.pins.splice(i, 1);
      store.setSetting("pins", state.pins);
      renderPins();
    });
    chip.append(remove);
    ui.pins.append(chip);
  }
  ui.pins.hidden = state.pins.length === 0;
  ui.compare.disabled = state.pins.length < 2;
  if (ui.compare.disabled) ui.compare.checked = false;
  ui.compare.parentElement.title = ui.compare.disabled ? "Pin two or more pairs to compare" : "";
}

ui.pin.addEventListener("click", () => {
  const pair = { provider: ui.provider.value, model: ui.model.value };
  const same = (p) => p.provider === pair.provider && p.model === pair.model;
  if (!state.pins.some(same) && state.pins.length < MAX_PINS) state.pins.push(pair);
  store.setSetting("pins", state.pins);
  renderPins();
});

// ---------------------------------------------------------------- conversations

function current() {
  return state.conversations.find((c) => c.id === state.current) ?? null;
}

function save() {
  const problem = store.saveConversations(state.conversations);
  if (problem) setSideStatus(problem);
}

function setSideStatus(text) {
  ui.sideStatus.textContent = text;
}

function selectConversation(id) {
  state.current = id;
  const c = current();
  ui.system.value = c?.system ?? "";
  renderList();
  renderMessages();
  scrollToEnd();
  closeSidebarOnPhone();
}

function startNew() {
  if (state.running.size) return;
  state.current = null;
  ui.system.value = "";
  renderList();
  renderMessages();
  ui.prompt.focus();
  closeSidebarOnPhone();
}

function renderList() {
  const query = ui.search.value.trim().toLowerCase();
  ui.list.replaceChildren();
  for (const c of state.conversations) {
    if (query && !store.conversationText(c).includes(query)) continue;
    const li = el("li", c.id === state.current ? "conv active" : "conv");
    const title = c.title || "Untitled";
    const open = button(title, "conv-open");
    if (c.id === state.current) open.setAttribute("aria-current", "true");
    open.addEventListener("click", () => selectConversation(c.id));
    const rename = button("✎", "icon small", `Rename ${title}`);
    rename.addEventListener("click", () => startRename(li, c));
    const remove = button("✕", "icon small", `Delete ${title}`);
    remove.addEventListener("click", () => {
      if (!window.confirm(`Delete the conversation "${title}"?`)) return;
      state.conversations = state.conversations.filter((x) => x.id !== c.id);
      if (state.current === c.id) state.current = null;
      save();
      renderList();
      renderMessages();
    });
    li.append(open, rename, remove);
    ui.list.append(li);
  }
  if (!ui.list.children.length) {
    ui.list.append(el("li", "empty", query ? "No conversation matches." : "No conversations yet."));
  }
}

function startRename(li, c) {
  const input = el("input", "rename");
  input.value = c.title;
  input.setAttribute("aria-label", "New name");
  li.replaceChildren(input);
  input.focus();
  input.select();
  let done = false;
  const finish = (keep) => {
    if (done) return;
    done = true;
    if (keep && input.value.trim()) {
      c.title = input.value.trim().slice(0, 200);
      c.updated = Date.now();
      save();
    }
    renderList();
  };
  input.addEventListener("keydown", (e) => {
    if (e.key === "Enter") finish(true);
    else if (e.key === "Escape") finish(false);
  });
  input.addEventListener("blur", () => finish(true));
}

ui.newChat.addEventListener("click", startNew);
ui.search.addEventListener("input", renderList);
ui.system.addEventListener("change", () => {
  const c = current();
  if (c) {
    c.system = ui.system.value;
    save();
  }
});

ui.exportButton.addEventListener("click", () => {
  const blob = new Blob([store.exportJSON(state.conversations)], { type: "application/json" });
  const a = el("a");
  a.href = URL.createObjectURL(blob);
  a.download = `fastg4f-conversations-${new Date().toISOString().slice(0, 10)}.json`;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10000);
  setSideStatus(`Exported ${state.conversations.length} conversation(s).`);
});

ui.importFile.addEventListener("change", async () => {
  const file = ui.importFile.files[0];
  ui.importFile.value = "";
  if (!file) return;
  if (file.size > store.MAX_IMPORT_BYTES) {
    setSideStatus("The file is larger than 20 MiB; nothing was imported.");
    return;
  }
  try {
    const result = store.importJSON(await file.text(), state.conversations);
    state.conversations = result.list;
    save();
    renderList();
    renderMessages();
    setSideStatus(`Imported ${result.added} new, updated ${result.updated}.`);
  } catch (err) {
    setSideStatus(`Import failed: ${err.message}`);
  }
});

// ---------------------------------------------------------------- messages

let notice = null;

function showNotice(text) {
  notice = text;
  renderMessages();
}

function renderMessages() {
  const c = current();
  ui.messages.replaceChildren();
  if (notice) ui.messages.append(el("p", "notice error-text", notice));
  if (!c || !c.turns.length) {
    ui.messages.append(el("p", "hint", "Ask anything. Answers stream in as they arrive."));
    return;
  }
  const lastUser = c.turns.findLastIndex((t) => t.role === "user");
  c.turns.forEach((turn, i) => {
    const last = i === c.turns.length - 1;
    ui.messages.append(
      turn.role === "user" ? userNode(turn, i === lastUser) : assistantNode(turn, last),
    );
  });
}

function copyButton(getText, label) {
  const b = button("Copy", "small", label);
  b.addEventListener("click", () => copy(b, getText()));
  return b;
}

// The Clipboard API exists only in secure contexts (https, localhost); a page opened over plain
// http from another machine falls back to the older copy command.
async function writeClipboard(text) {
  if (navigator.clipboard?.writeText) {
    await navigator.clipboard.writeText(text);
    return;
  }
  const area = el("textarea", "visually-hidden");
  area.value = text;
  area.readOnly = true;
  document.body.append(area);
  area.select();
  const copied = document.execCommand("copy");
  area.remove();
  if (!copied) throw new Error("copy refused");
}

async function copy(b, text) {
  const before = b.textContent;
  try {
    await writeClipboard(text);
    b.textContent = "Copied";
  } catch {
    b.textContent = "Copy failed";
  }
  setTimeout(() => {
    b.textContent = before;
  }, 1500);
}

function userNode(turn, isLast) {
  const node = el("article", "msg user");
  node.setAttribute("aria-label", "Your message");
  node.append(el("div", "content plain", turn.content));
  const actions = el("div", "actions");
  actions.append(copyButton(() => turn.content, "Copy your message"));
  if (isLast) {
    const edit = button("Edit", "small needs-idle", "Edit and resend your last message");
    edit.addEventListener("click", editLast);
    edit.disabled = state.running.size > 0;
    actions.append(edit);
  }
  node.append(actions);
  return node;
}

function assistantNode(turn, isLast) {
  const node = el("article", "msg assistant");
  node.setAttribute("aria-label", "Answer");
  const columns = el("div", turn.answers.length > 1 ? "answers compare" : "answers");
  for (const answer of turn.answers) {
    const box = el("section", "answer");
    const label = pairLabel(answer);
    box.setAttribute("aria-label", `Answer from ${label}`);
    if (turn.answers.length > 1) box.append(el("h3", "answer-head", label));
    const content = el("div", "content markdown");
    const meta = el("p", "meta");
    const error = el("p", "error-text");
    error.setAttribute("role", "alert");
    const actions = el("div", "actions");
    const copyAnswer = copyButton(() => answer.content, `Copy the answer from ${label}`);
    actions.append(copyAnswer);
    box.append(content, meta, error, actions);
    views.set(answer, { box, content, meta, error, copyAnswer });
    paintAnswer(answer);
    columns.append(box);
  }
  node.append(columns);
  if (isLast) {
    const actions = el("div", "actions");
    const again = button("Regenerate", "small needs-idle", "Regenerate the last answer");
    again.disabled = state.running.size > 0;
    again.addEventListener("click", regenerate);
    actions.append(again);
    node.append(actions);
  }
  return node;
}

// Re-rendering markdown on every piece would cost O(length²): paint once per frame instead.
const pending = new Set();
const views = new WeakMap(); // answer -> its DOM nodes
const live = new WeakSet(); // answers streaming now
let frame = 0;

function schedulePaint(answer) {
  pending.add(answer);
  if (!frame) {
    frame = requestAnimationFrame(() => {
      frame = 0;
      const follow = atBottom();
      for (const a of pending) paintAnswer(a);
      pending.clear();
      if (follow) scrollToEnd();
    });
  }
}

// The view follows a streaming answer unless the reader scrolled up.
function atBottom() {
  const m = ui.messages;
  return m.scrollHeight - m.scrollTop - m.clientHeight < 80;
}

function scrollToEnd() {
  ui.messages.scrollTop = ui.messages.scrollHeight;
}

function paintAnswer(answer) {
  const view = views.get(answer);
  if (!view) return;
  view.content.replaceChildren(renderMarkdown(answer.content));
  view.box.classList.toggle("streaming", live.has(answer));
  view.box.setAttribute("aria-busy", live.has(answer) ? "true" : "false");
  const timing = describeTiming(answer.meta);
  view.meta.textContent = answer.stopped ? ["stopped", timing].filter(Boolean).join(" · ") : timing;
  view.error.replaceChildren();
  if (answer.error) {
    view.error.append(el("strong", null, answer.error));
    if (answer.errorDetail) view.error.append(" ", el("span", "detail", answer.errorDetail));
  }
  view.error.hidden = !answer.error;
  view.copyAnswer.hidden = !answer.content;
}

// ---------------------------------------------------------------- sending

function historyFor(c, upTo) {
  const messages = [];
  if (c.system.trim()) messages.push({ role: "system", content: c.system });
  for (const turn of c.turns.slice(0, upTo)) {
    if (turn.role === "user") {
      messages.push({ role: "user", content: turn.content });
    } else {
      const answer = turn.answers.find((a) => a.content && !a.error);
      if (answer) messages.push({ role: "assistant", content: answer.content });
    }
  }
  return messages;
}

function targets() {
  if (ui.compare.checked && state.pins.length >= 2) return state.pins.map((p) => ({ ...p }));
  return [{ provider: ui.provider.value, model: ui.model.value }];
}

function setBusy(busy) {
  ui.send.disabled = busy;
  ui.stop.hidden = !busy;
  ui.newChat.disabled = busy;
  for (const b of ui.messages.querySelectorAll(".needs-idle")) b.disabled = busy;
}

async function send(text) {
  if (state.running.size) return;
  notice = null;
  let c = current();
  if (!c) {
    c = store.newConversation();
    c.system = ui.system.value;
    state.conversations.unshift(c);
    state.current = c.id;
  }
  c.system = ui.system.value;
  c.turns.push({ role: "user", content: text });
  if (!c.title) c.title = text.replace(/\s+/g, " ").trim().slice(0, 60);
  await answerTurn(c, targets());
}

async function answerTurn(c, pairs) {
  const turn = {
    role: "assistant",
    answers: pairs.map((p) => ({ provider: p.provider, model: p.model, content: "" })),
  };
  c.turns.push(turn);
  c.updated = Date.now();
  state.conversations.sort((a, b) => b.updated - a.updated);
  const messages = historyFor(c, c.turns.length - 1);
  save();
  renderList();
  renderMessages();
  scrollToEnd();
  setBusy(true);
  await Promise.all(turn.answers.map((answer) => stream(answer, messages)));
  // Screen readers hear the end of an answer, not every piece of it.
  ui.announce.textContent = turn.answers
    .map((a) => (a.error ? `Error: ${a.error}` : a.stopped ? "Answer stopped." : "Answer complete."))
    .join(" ");
  c.updated = Date.now();
  save();
  setBusy(false);
  const follow = atBottom();
  renderMessages();
  if (follow) scrollToEnd();
}

async function stream(answer, messages) {
  const controller = new AbortController();
  state.running.add(controller);
  live.add(answer);
  schedulePaint(answer);
  const body = { model: answer.model, messages };
  if (answer.provider) body.provider = answer.provider;
  try {
    for await (const piece of streamChat(body, storedKey(), controller.signal)) {
      if (piece.text) answer.content += piece.text;
      if (piece.meta) answer.meta = piece.meta;
      schedulePaint(answer);
    }
  } catch (err) {
    if (err.name === "AbortError") {
      answer.stopped = true;
    } else {
      answer.error = err.headline ?? err.message;
      answer.errorDetail = err.detail ?? "";
      if (err instanceof ApiError && err.status === 401) {
        askKey(storedKey() ? "The key was not accepted." : "");
      }
    }
  } finally {
    live.delete(answer);
    state.running.delete(controller);
    schedulePaint(answer);
  }
}

function stopAll() {
  for (const controller of state.running) controller.abort();
}

function regenerate() {
  const c = current();
  if (!c || state.running.size) return;
  const last = c.turns.at(-1);
  if (last?.role !== "assistant") return;
  c.turns.pop();
  answerTurn(c, last.answers.map((a) => ({ provider: a.provider, model: a.model })));
}

function editLast() {
  const c = current();
  if (!c || state.running.size) return;
  const index = c.turns.findLastIndex((t) => t.role === "user");
  if (index < 0) return;
  ui.prompt.value = c.turns[index].content;
  c.turns.splice(index);
  save();
  renderMessages();
  ui.prompt.focus();
}

ui.composer.addEventListener("submit", (e) => {
  e.preventDefault();
  const text = ui.prompt.value;
  if (!text.trim() || state.running.size) return;
  ui.prompt.value = "";
  send(text);
});

ui.prompt.addEventListener("keydown", (e) => {
  if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
    e.preventDefault();
    ui.composer.requestSubmit();
  }
});

ui.stop.addEventListener("click", stopAll);

// Copy buttons of code blocks are made by the markdown renderer; one listener serves them all.
ui.messages.addEventListener("click", (e) => {
  const b = e.target.closest(".copy-code");
  if (b) copy(b, b.closest(".code").querySelector("code").textContent);
});

// ---------------------------------------------------------------- phone layout

function closeSidebarOnPhone() {
  ui.sidebar.classList.remove("open");
  ui.openSidebar.setAttribute("aria-expanded", "false");
}

ui.openSidebar.addEventListener("click", () => {
  ui.sidebar.classList.add("open");
  ui.openSidebar.setAttribute("aria-expanded", "true");
  ui.newChat.focus();
});
ui.closeSidebar.addEventListener("click", () => {
  closeSidebarOnPhone();
  ui.openSidebar.focus();
});

// ---------------------------------------------------------------- start

state.current = state.conversations[0]?.id ?? null;
ui.system.value = current()?.system ?? "";
renderList();
renderMessages();
loadPickers();
