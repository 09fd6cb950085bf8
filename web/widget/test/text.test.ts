/// <reference types="node" />
import { test } from "node:test";
import assert from "node:assert/strict";
import { allowDomains, safeHref, tokenize } from "../src/text";

test("bare https URL becomes a link, trailing punctuation stays text", () => {
  assert.deepEqual(tokenize("Track it at https://track.example.com/abc?x=1."), [
    { kind: "text", text: "Track it at " },
    { kind: "link", text: "https://track.example.com/abc?x=1", href: "https://track.example.com/abc?x=1" },
    { kind: "text", text: "." },
  ]);
});

test("markdown link with a safe target", () => {
  assert.deepEqual(tokenize("Your [return label](http://127.0.0.1:8100/rma/RMA-1/label) is ready"), [
    { kind: "text", text: "Your " },
    { kind: "link", text: "return label", href: "http://127.0.0.1:8100/rma/RMA-1/label" },
    { kind: "text", text: " is ready" },
  ]);
});

test("javascript: and data: targets are never links", () => {
  for (const text of ["[click](javascript:alert(1))", "[x](data:text/html,hi)", "javascript:alert(1)"]) {
    assert.ok(tokenize(text).every((t) => t.kind === "text"), text);
  }
  assert.equal(safeHref("javascript:alert(1)"), null);
  assert.equal(safeHref("/relative/path"), null);
  assert.equal(safeHref("mailto:help@example.com"), "mailto:help@example.com");
});

test("markup is kept as plain text", () => {
  const text = '<img src=x onerror="alert(1)"><script>alert(2)</script>';
  assert.deepEqual(tokenize(text), [{ kind: "text", text }]);
});

test("balanced parentheses stay in the URL", () => {
  const [, link] = tokenize("see https://en.wikipedia.org/wiki/Foo_(bar))");
  assert.deepEqual(link, { kind: "link", text: "https://en.wikipedia.org/wiki/Foo_(bar)", href: "https://en.wikipedia.org/wiki/Foo_(bar)" });
});

test("quotes end a bare URL", () => {
  const tokens = tokenize('"https://a.example/x" <https://b.example/y>');
  assert.deepEqual(
    tokens.filter((t) => t.kind === "link").map((t) => t.kind === "link" && t.href),
    ["https://a.example/x", "https://b.example/y"],
  );
});

test("links only to allowed domains and their subdomains; others stay plain text", () => {
  const allow = allowDomains(["127.0.0.1", "ups.com", "shop.example"]);
  const text =
    "Track: https://www.ups.com/track?tracknum=1Z9 label [here](http://127.0.0.1:8100/rma/1/label) " +
    "not https://evil-ups.com/x nor [this](https://ups.com.evil.example/) or https://shop.example.evil.com/ " +
    "mail help@shop.example";
  const links = tokenize(text, allow).filter((t) => t.kind === "link").map((t) => (t as { href: string }).href);
  assert.deepEqual(links, ["https://www.ups.com/track?tracknum=1Z9", "http://127.0.0.1:8100/rma/1/label"]);
  const plain = tokenize(text, allow).map((t) => t.text).join("");
  assert.ok(plain.includes("https://evil-ups.com/x") && plain.includes("[this](https://ups.com.evil.example/)"));
  assert.equal(allow("mailto:help@shop.example"), true);
  assert.equal(allow("https://SHOP.example./a"), true);
});
