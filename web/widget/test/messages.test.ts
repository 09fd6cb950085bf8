/// <reference types="node" />
import { test } from "node:test";
import assert from "node:assert/strict";
import { normaliseBotMessage } from "../src/messages";

test("plain text", () => {
  assert.deepEqual(normaliseBotMessage({ text: "Hi" }), { text: "Hi", quickReplies: [], imageUrl: null });
});

test("Rasa quick_replies and custom buttons", () => {
  const m = normaliseBotMessage({
    text: "Which order?",
    quick_replies: [{ content_type: "text", title: "#10023", payload: '/inform{"order_id":"10023"}' }],
  });
  assert.deepEqual(m?.quickReplies, [{ title: "#10023", payload: '/inform{"order_id":"10023"}' }]);
  assert.deepEqual(normaliseBotMessage({ text: "x", buttons: [{ title: "Yes", payload: "/affirm" }] })?.quickReplies, [
    { title: "Yes", payload: "/affirm" },
  ]);
});

test("image attachments only with http(s) sources", () => {
  assert.equal(normaliseBotMessage({ attachment: { type: "image", payload: { src: "https://x.example/a.png" } } })?.imageUrl, "https://x.example/a.png");
  assert.equal(normaliseBotMessage({ attachment: { type: "image", payload: { src: "javascript:alert(1)" } } }), null);
});

test("nothing displayable", () => {
  assert.equal(normaliseBotMessage({}), null);
  assert.equal(normaliseBotMessage(null), null);
  assert.equal(normaliseBotMessage({ text: "   " }), null);
});
