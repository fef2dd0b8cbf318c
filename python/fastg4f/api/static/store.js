// Conversations and settings kept in the browser (localStorage), and their export/import.

const KEY = "fastg4f.conversations";
export const EXPORT_FORMAT = "fastg4f-conversations";
export const MAX_IMPORT_BYTES = 20 * 1024 * 1024;
export const MAX_CONVERSATIONS = 1000;

function newId() {
  return crypto.randomUUID();
}

export function newConversation() {
  const now = Date.now();
  return { id: newId(), title: "", created: now, updated: now, system: "", turns: [] };
}

export function loadConversations() {
  try {
    const list = JSON.parse(localStorage.getItem(KEY) || "[]");
    return Array.isArray(list) ? list.filter(isConversation) : [];
  } catch {
    return [];
  }
}

/** Saves every conversation; returns an error message if the browser refused (quota). */
export function saveConversations(list) {
  try {
    localStorage.setItem(KEY, JSON.stringify(list));
    return null;
  } catch (err) {
    return `Could not save the conversations in this browser (${err.name}). Export them.`;
  }
}

function isString(value) {
  return typeof value === "string";
}

function isAnswer(a) {
  return a && typeof a === "object" && isString(a.content ?? "") &&
    isString(a.provider ?? "") && isString(a.model ?? "");
}

function isTurn(t) {
  if (!t || typeof t !== "object") return false;
  if (t.role === "user") return isString(t.content);
  return t.role === "assistant" && Array.isArray(t.answers) && t.answers.length > 0 &&
    t.answers.every(isAnswer);
}

function isConversation(c) {
  return c && typeof c === "object" && isString(c.id) && isString(c.title ?? "") &&
    Array.isArray(c.turns) && c.turns.every(isTurn);
}

/** The text of a conversation, for the search box. */
export function conversationText(c) {
  const parts = [c.title, c.system ?? ""];
  for (const t of c.turns) {
    if (t.role === "user") parts.push(t.content);
    else for (const a of t.answers) parts.push(a.content);
  }
  return parts.join("\n").toLowerCase();
}

export function exportJSON(list) {
  return JSON.stringify(
    { format: EXPORT_FORMAT, version: 1, exported: new Date().toISOString(), conversations: list },
    null,
    1,
  );
}

/**
 * Merges an export into `list` (a conversation with the same id is replaced when the imported
 * one is newer). Returns {list, added, updated}; throws Error with a readable message.
 */
export function importJSON(text, list) {
  let data;
  try {
    data = JSON.parse(text);
  } catch {
    throw new Error("This file is not JSON.");
  }
  const incoming = Array.isArray(data) ? data : data?.conversations;
  if (!Array.isArray(incoming) || (!Array.isArray(data) && data.format !== EXPORT_FORMAT)) {
    throw new Error("This file is not a fastg4f conversation export.");
  }
  const valid = incoming.filter(isConversation);
  if (valid.length !== incoming.length) {
    throw new Error(`${incoming.length - valid.length} conversation(s) in the file are malformed; nothing was imported.`);
  }
  const byId = new Map(list.map((c) => [c.id, c]));
  let added = 0;
  let updated = 0;
  for (const c of valid) {
    const known = byId.get(c.id);
    if (!known) added++;
    else if ((c.updated ?? 0) > (known.updated ?? 0)) updated++;
    else continue;
    byId.set(c.id, { ...c, title: c.title ?? "", system: c.system ?? "" });
  }
  if (byId.size > MAX_CONVERSATIONS) {
    throw new Error(`More than ${MAX_CONVERSATIONS} conversations; nothing was imported.`);
  }
  const merged = [...byId.values()].sort((a, b) => (b.updated ?? 0) - (a.updated ?? 0));
  return { list: merged, added, updated };
}

export function getSetting(name, fallback) {
  try {
    const value = localStorage.getItem(`fastg4f.${name}`);
    return value === null ? fallback : JSON.parse(value);
  } catch {
    return fallback;
  }
}

export function setSetting(name, value) {
  try {
    localStorage.setItem(`fastg4f.${name}`, JSON.stringify(value));
  } catch {
    // settings are a convenience; a full storage only loses them
  }
}
