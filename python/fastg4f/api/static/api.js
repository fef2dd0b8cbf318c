// Talking to the server: JSON requests, the streamed chat completion, readable errors.

const MAX_EVENT_CHARS = 4 * 1024 * 1024; // one server-sent event; more means a broken stream

export class ApiError extends Error {
  constructor(status, message, code = null, detail = "") {
    super(detail ? `${message} ${detail}` : message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.headline = message; // what happened, in a sentence
    this.detail = detail; // the server's own words
  }
}

const EXPLAIN = {
  400: "The server rejected the request",
  401: "The server needs a valid API key",
  404: "Not found",
  413: "The conversation is too long for the server",
  429: "Rate limited: the provider refused for now. Wait a little, or choose another provider",
  502: "The provider failed to answer",
  503: "No working provider serves this model",
  504: "The provider did not answer in time",
};

/** The sentence shown for an error status. */
export function explain(status) {
  return `${EXPLAIN[status] ?? `The server answered with status ${status}`}.`;
}

async function errorFrom(response) {
  let message = "";
  let code = null;
  try {
    const body = await response.json();
    message = body?.error?.message ?? body?.detail ?? "";
    code = body?.error?.code ?? null;
  } catch {
    message = response.statusText;
  }
  return new ApiError(response.status, explain(response.status), code, String(message));
}

function headers(key, json) {
  const h = {};
  if (json) h["Content-Type"] = "application/json";
  if (key) h.Authorization = `Bearer ${key}`;
  return h;
}

/** GET a JSON document of the API; throws ApiError. */
export async function getJSON(path, key) {
  let response;
  try {
    response = await fetch(path, { headers: headers(key, false), cache: "no-store" });
  } catch (err) {
    throw new ApiError(0, `The server cannot be reached (${err.message}).`);
  }
  if (!response.ok) throw await errorFrom(response);
  return response.json();
}

/**
 * Streams one chat completion: yields {text} for each piece of the answer and {meta} for the
 * server's timing labels. Throws ApiError (also for an error sent inside the stream) and the
 * fetch's AbortError when `signal` aborts.
 */
export async function* streamChat(body, key, signal) {
  let response;
  try {
    response = await fetch("/v1/chat/completions", {
      method: "POST",
      headers: headers(key, true),
      body: JSON.stringify({ ...body, stream: true }),
      signal,
    });
  } catch (err) {
    if (err.name === "AbortError") throw err;
    throw new ApiError(0, `The server cannot be reached (${err.message}).`);
  }
  if (!response.ok) throw await errorFrom(response);
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  let finished = false;
  try {
    while (!finished) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value.replace(/\r\n?/g, "\n");
      let end;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const event = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = event
          .split("\n")
          .filter((line) => line.startsWith("data:"))
          .map((line) => line.slice(5).replace(/^ /, ""))
          .join("\n");
        if (!data) continue;
        if (data === "[DONE]") {
          finished = true;
          break;
        }
        yield* parseEvent(data);
      }
      if (buffer.length > MAX_EVENT_CHARS) {
        throw new ApiError(0, "The stream sent an event larger than 4 MiB; stopped reading.");
      }
    }
  } finally {
    reader.cancel().catch(() => {});
  }
  if (!finished) throw new ApiError(0, "The stream ended before the answer was complete.");
}

function* parseEvent(data) {
  let chunk;
  try {
    chunk = JSON.parse(data);
  } catch {
    throw new ApiError(0, "The server sent an event that is not JSON.");
  }
  if (chunk.error) {
    const code = chunk.error.code;
    const status = { rate_limit_exceeded: 429, upstream_timeout: 504 }[code] ?? 502;
    throw new ApiError(status, explain(status), code, String(chunk.error.message ?? ""));
  }
  const text = chunk.choices?.[0]?.delta?.content;
  if (text) yield { text };
  if (chunk.fastg4f) yield { meta: chunk.fastg4f };
}

/** The "where the time went" label of an answer's timing metadata. */
export function describeTiming(meta) {
  if (!meta) return "";
  const parts = [];
  if (meta.provider) parts.push(`answered by ${meta.provider}`);
  if (meta.first_token_ms != null) parts.push(`first token ${duration(meta.first_token_ms)}`);
  if (meta.total_ms != null) parts.push(`total ${duration(meta.total_ms)}`);
  if (meta.pow_difficulty) {
    parts.push(`proof of work ${meta.pow_difficulty} solved in ${duration(meta.pow_solve_ms)}`);
  }
  if (meta.turnstile === true) parts.push("turnstile program ran");
  else if (meta.turnstile === false) parts.push("no turnstile");
  return parts.join(" · ");
}

function duration(ms) {
  if (ms == null) return "?";
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(2)} s`;
}
