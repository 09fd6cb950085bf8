/// <reference types="node" />
import { test } from "node:test";
import assert from "node:assert/strict";
import { luhnValid, maskSecrets } from "../src/privacy";
import cases from "./masking-cases.json";

test("the shared masking cases (also run against common/masking.py)", () => {
  for (const { text, masked } of cases as { text: string; masked: string }[]) {
    assert.equal(maskSecrets(text), masked, text);
  }
});

test("Luhn", () => {
  assert.ok(luhnValid("4111111111111111"));
  assert.ok(!luhnValid("4111111111111112"));
});
