/// <reference types="node" />
import { test } from "node:test";
import assert from "node:assert/strict";
import { normaliseBotMessage } from "../src/messages";
import type { StoredMessage } from "../src/storage";
import { mergeTranscript, parseTranscript, unseenReplies } from "../src/transcript";

const user = (id: string, text: string, at: number, extra: Partial<StoredMessage> = {}): StoredMessage => ({
  id,
  from: "user",
  text,
  at,
  ...extra,
});
const bot = (id: string, text: string, at: number, extra: Partial<StoredMessage> = {}): StoredMessage => ({
  id,
  from: "bot",
  text,
  imageUrl: null,
  quickReplies: [],
  at,
  ...extra,
});

test("a bot message keeps its server id, agent name and state", () => {
  const message = normaliseBotMessage({ id: "hm12", text: "Hello, Sam here", from: "agent", author: "Sam", state: "with_team" });
  assert.deepEqual(message, {
    id: "hm12",
    text: "Hello, Sam here",
    quickReplies: [],
    imageUrl: null,
    author: "Sam",
    state: "with_team",
  });
  // An author is only an agent's; ids and states are only accepted in their shapes.
  const other = normaliseBotMessage({ id: "<b>", text: "x", author: "Mallory", state: "root" });
  assert.deepEqual(other, { text: "x", quickReplies: [], imageUrl: null });
});

test("the transcript event is validated", () => {
  assert.equal(parseTranscript({ messages: "nope" }), null);
  const parsed = parseTranscript({
    session_id: "s",
    state: "with_team",
    messages: [
      { id: "u1", from: "user", text: "where is my order", at: 1000 },
      { id: "b1", from: "assistant", text: "Order 10023 ...", at: 2000, quick_replies: [{ title: "Yes", payload: "/affirm" }] },
      { id: "hm3", from: "agent", author: "Sam", text: "Hi, Sam here", at: 3000 },
      { from: "user", text: "no id" },
      { id: "u2", from: "user", text: "" },
    ],
  });
  assert.equal(parsed?.state, "with_team");
  assert.deepEqual(
    parsed?.messages.map((m) => [m.id, m.from, m.text, m.author ?? null]),
    [
      ["u1", "user", "where is my order", null],
      ["b1", "bot", "Order 10023 ...", null],
      ["hm3", "bot", "Hi, Sam here", "Sam"],
    ],
  );
});

test("a re-sync shows every message once, in the server's order, and keeps what is not there yet", () => {
  const since = 5000;
  const local = [
    bot("greeting", "Hi! How can I help?", 10, { local: true }),
    user("u1", "hello", 1000),
    bot("b1", "Hi there", 1100, { quickReplies: [{ title: "Track", payload: "/order_status" }], repliesDone: true }),
    user("lost", "sent long ago, never arrived", 1200),
    user("q1", "typed while offline", 1300, { pending: true }),
    bot("hm9", "live while syncing", 5100, { author: "Sam" }),
  ];
  const server = [
    user("u1", "hello", 1000),
    bot("b1", "Hi there", 1100, { quickReplies: [{ title: "Track", payload: "/order_status" }] }),
    bot("hm7", "Sam here, I'm on it", 4000, { author: "Sam" }),
    bot("hm8", "Found it", 4500, { author: "Sam" }),
  ];
  const merged = mergeTranscript(local, server, since);
  assert.deepEqual(
    merged.map((m) => m.id),
    ["greeting", "u1", "b1", "hm7", "hm8", "q1", "hm9"],
  );
  assert.equal(merged.find((m) => m.id === "b1")?.repliesDone, true);
  assert.equal(unseenReplies(local, server), 2);
  // Syncing again with nothing new changes nothing.
  assert.deepEqual(mergeTranscript(merged, server, since).map((m) => m.id), merged.map((m) => m.id));
});

test("only the newest message's quick replies stay usable after a re-sync", () => {
  const offer = { quickReplies: [{ title: "Talk to a person", payload: "/human_agent" }] };
  const server = [bot("b1", "Can't find it", 1, offer), user("u2", "hm", 2), bot("b2", "Anything else?", 3, offer)];
  const merged = mergeTranscript([], server, 0);
  assert.deepEqual(merged.map((m) => !!m.repliesDone), [true, false, false]);
});
